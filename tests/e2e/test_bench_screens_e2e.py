"""bench.screens against a real Chromium screen: one generated screen causes the same server reruns
per minute as one real browser screen on the same board (the load generator's validation)."""

from __future__ import annotations

import threading

import pytest

from bench.screens import server
from bench.screens.__main__ import main_async, parse
from tests import threaded

pytestmark = pytest.mark.browser


def test_one_generated_screen_causes_the_reruns_of_one_chromium_screen(screen_server, browser):
    """Over the same 40 s, the server's fragment reruns caused by one generated screen and by one real
    Chromium screen on the same board agree within one; every refresh the generator sent was answered by
    exactly one server run. Runs are counted server-side by bench.screens.launch, per session."""
    url = f"{screen_server.url}/?kiosk=1&board={screen_server.board}&token={screen_server.token}"
    args = parse(
        ["--screens", "1", "--burst", "--refresh", "5", "--duration", "40", "--grace", "5", "--url", screen_server.url]
        + ["--board", str(screen_server.board), f"--token={screen_server.token}", "--pid", str(screen_server.proc.pid)]
        + ["--runs-log", str(screen_server.runs_log)]
    )
    out: dict = {}
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    try:
        page = context.new_page()
        page.goto(url)
        page.locator(".st-key-kiosk_updated").wait_for(timeout=60_000)  # the board is on the screen
        # the generator runs its loop in its own thread: Playwright's sync API keeps this one
        worker = threading.Thread(target=lambda: out.update(report=threaded.run(main_async(args))))
        worker.start()
        worker.join(120)
        assert page.get_by_text("Office screen (bench)").count() == 1  # still the board, not an error
    finally:
        context.close()
    report = out["report"]
    began, ended = report["window"]["start"], report["window"]["end"]
    generated = report["sessions"][0]

    def fragment_runs(until: float) -> dict[str, int]:
        counts: dict[str, int] = {}
        for run in server.read_runs(screen_server.runs_log, began, until):
            if run["fragments"]:
                counts[run["session"]] = counts.get(run["session"], 0) + 1
        return counts

    same_window = fragment_runs(began + 40)
    print("fragment runs per session in the same 40 s:", same_window, "report:", f"{report['refreshes']}")
    chromium = [n for session, n in same_window.items() if session != generated]
    assert len(chromium) == 1, same_window  # exactly one other screen: the browser
    assert same_window.get(generated, 0) >= 6  # 40 s at 5 s, less the first board's wait: not a vacuous match
    assert abs(same_window[generated] - chromium[0]) <= 1, same_window

    f = report["refreshes"]
    assert f["sent"] == f["answered"] == fragment_runs(ended)[generated]
    assert f["unanswered_sent"] == 0 and report["errors"]["count"] == 0
    assert report["refresh_latency_s"]["count"] == f["answered"]
