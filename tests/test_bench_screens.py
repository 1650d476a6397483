"""bench.screens, the office-screen load generator: its report maths by hand, its counting of answered
refreshes from the messages a screen receives, its one-line errors, and (with Chromium) that one
generated screen causes the same server reruns per minute as one real browser screen
(tests/e2e/test_bench_screens_e2e.py)."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from bench.screens import server
from bench.screens.protocol import MessageCache, Target
from bench.screens.screen import Fatal, Screen
from bench.screens.stats import ScreenRecord, expected_refreshes, offsets, percentile, summarise
from tests import threaded

ROOT = Path(__file__).resolve().parent.parent


def test_percentiles_interpolate_between_ranks():
    values = [5.0, 1.0, 3.0, 2.0, 4.0]
    assert percentile(values, 50) == 3.0
    assert percentile(values, 95) == pytest.approx(4.8)  # rank 0.95 * 4 = 3.8: 4 + 0.8 * (5 - 4)
    assert percentile(values, 0) == 1.0 and percentile(values, 100) == 5.0
    assert percentile([7.0], 95) == 7.0
    assert percentile([], 50) is None
    with pytest.raises(ValueError):
        percentile(values, 101)


def test_expected_refreshes_count_the_timer_ticks_inside_the_run():
    assert expected_refreshes(0, 120, 10) == 12
    assert expected_refreshes(5, 120, 10) == 11  # ticks at 15, 25, ... 115
    assert expected_refreshes(0, 30, 10) == 3  # the tick at exactly the end counts
    assert expected_refreshes(0, 29.9, 10) == 2
    assert expected_refreshes(120, 120, 10) == 0 and expected_refreshes(130, 120, 10) == 0
    with pytest.raises(ValueError):
        expected_refreshes(0, 10, 0)


def test_spread_screens_open_evenly_and_a_burst_at_once():
    assert offsets(4, 20) == [0, 5, 10, 15]
    assert offsets(3, 0) == [0, 0, 0]
    assert offsets(0, 10) == []


def test_summary_adds_up_screens():
    a = ScreenRecord(0, 0.0, first_board_s=1.0, sent=3, latencies=[0.1, 0.2, 0.3], interval=10.0)
    b = ScreenRecord(1, 50.0, first_board_s=3.0, sent=2, latencies=[0.5], unanswered=1, interval=10.0)
    b.error("disconnected", "websocket closed")
    b.error("disconnected")
    c = ScreenRecord(2, 100.0)  # never loaded: its expected refreshes still count (at --refresh)
    c.error("connect", "cannot reach")
    s = summarise([a, b, c], duration=120, refresh=10)
    assert s["refreshes"]["expected"] == 12 + 7 + 2
    assert (s["refreshes"]["sent"], s["refreshes"]["answered"], s["refreshes"]["unanswered_sent"]) == (5, 4, 1)
    assert s["refreshes"]["answered_pct"] == round(100 * 4 / 21, 1)
    # due: a's timer from 1 s (11 ticks to 120 s), b's from 53 s (6), c never loaded: its ideal 2
    assert s["refreshes"]["due"] == 11 + 6 + 2
    assert s["refresh_latency_s"]["p50"] == 0.25 and s["refresh_latency_s"]["max"] == 0.5
    assert (s["first_board_s"]["loaded"], s["first_board_s"]["screens"], s["first_board_s"]["p50"]) == (2, 3, 2.0)
    assert s["errors"]["kinds"] == {"disconnected": 2, "connect": 1}
    assert s["errors"]["examples"] == ["cannot reach", "websocket closed"]


def _msg(kind: str, **extra) -> ForwardMsg:
    msg = ForwardMsg()
    if kind == "new_session":
        msg.new_session.initialize.session_id = extra.get("session", "s1")
        msg.new_session.page_script_hash = "page"
    elif kind == "finished":
        msg.script_finished = extra.get("status", ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY)
        msg.metadata.run.fragment_ids.extend(extra.get("fragments", ["f"]))
    elif kind == "error":
        msg.delta.new_element.alert.format = msg.delta.new_element.alert.ERROR
        msg.delta.new_element.alert.body = "this screen link is not valid; ask the board's owner for a new one."
    return msg


def _screen() -> Screen:
    screen = Screen(Target("http://127.0.0.1:1", "kiosk=1"), ScreenRecord(0, 0.0), 0.0, 100.0, 5.0)
    screen.record.opened_at = time.monotonic()
    return screen


def test_a_refresh_is_answered_by_the_first_successful_run_that_started_after_it(monkeypatch):
    screen = _screen()
    clock = iter([10.0, 11.0, 12.0, 13.0, 14.0, 15.0, 16.0])
    monkeypatch.setattr("bench.screens.screen.time.monotonic", lambda: next(clock))
    screen.record.opened_at = 9.0
    screen._on_message(_msg("new_session"))  # 10: the initial run
    screen._on_message(_msg("finished", status=ForwardMsg.FINISHED_SUCCESSFULLY, fragments=[]))  # 11
    assert screen.record.first_board_s == 2.0 and screen.record.latencies == []
    screen.pending = [11.5, 11.6]  # two refreshes waiting on a busy server: one run answers both
    screen._on_message(_msg("new_session"))  # 12
    screen.pending.append(12.5)  # sent after that run started: not its answer
    screen._on_message(_msg("finished", status=ForwardMsg.FINISHED_EARLY_FOR_RERUN))  # 13: thrown away
    assert screen.record.discarded_runs == 1 and screen.record.latencies == []
    screen._on_message(_msg("new_session"))  # 14
    screen._on_message(_msg("finished"))  # 15
    assert screen.record.latencies == pytest.approx([15 - 11.5, 15 - 11.6, 15 - 12.5])
    assert screen.pending == [] and screen.record.session_id == "s1" and screen.page_script_hash == "page"


def test_after_a_dropped_connection_the_time_to_the_board_again_is_a_recovery(monkeypatch):
    screen = _screen()
    monkeypatch.setattr("bench.screens.screen.time.monotonic", lambda: 30.0)
    screen.record.first_board_s, screen.record.down_since = 1.0, 26.5
    screen._on_message(_msg("new_session"))
    screen._on_message(_msg("finished", status=ForwardMsg.FINISHED_SUCCESSFULLY, fragments=[]))
    assert screen.record.recoveries == [3.5] and screen.record.down_since is None


def test_an_error_box_instead_of_a_board_is_fatal_with_its_text():
    screen = _screen()
    screen._on_message(_msg("new_session"))
    screen._on_message(_msg("error"))
    with pytest.raises(Fatal, match="not valid"):
        screen._on_message(_msg("finished", status=ForwardMsg.FINISHED_SUCCESSFULLY, fragments=[]))


def test_the_message_cache_forgets_a_message_unseen_for_more_than_max_age_runs():
    cache = MessageCache(max_age=2)
    msg = ForwardMsg(hash="h1")
    msg.metadata.cacheable = True
    msg.delta.fragment_id = "f"
    cache.remember(msg)
    for _ in range(3):
        cache.finished(["other"])  # another fragment's run never drops it, however old
    assert cache.hashes() == ["h1"]
    cache.remember(ForwardMsg(ref_hash="h1"))  # the server named it again: seen now (run 3)
    cache.finished([])
    cache.finished(["f"])
    assert cache.hashes() == ["h1"]  # 2 runs old
    cache.finished([])
    assert cache.hashes() == []  # 3 runs old


def test_an_unreachable_server_is_one_line_and_exit_2():
    port = server.free_port()
    done = subprocess.run(
        [sys.executable, "-m", "bench.screens", "--screens", "2", "--burst", "--duration", "5"]
        + ["--url", f"http://127.0.0.1:{port}", "--board", "1", "--token", "x"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    assert done.returncode == 2
    assert done.stderr.strip().count("\n") == 0 and "cannot reach 127.0.0.1" in done.stderr
    assert "Traceback" not in done.stderr + done.stdout


def test_bad_arguments_are_one_line():
    done = subprocess.run(
        [sys.executable, "-m", "bench.screens", "--screens", "2", "--burst", "--url", "http://x:1"],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert done.returncode == 2 and "--board and --token" in done.stderr and "Traceback" not in done.stderr


def test_a_refused_token_is_one_line_and_exit_2(screen_server):
    done = subprocess.run(
        [sys.executable, "-m", "bench.screens", "--screens", "3", "--burst", "--duration", "30"]
        + ["--url", screen_server.url, "--board", str(screen_server.board), "--token", "not-a-token"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    assert done.returncode == 2 and "Traceback" not in done.stderr + done.stdout
    assert done.stderr.strip() == (
        "error: the server refused the screen: This screen link is not valid; ask the board's owner for a new one."
    )


def test_profile_areas_name_the_package_a_function_belongs_to():
    from bench.screens.profile import area

    assert area("/x/.venv/lib/python3.11/site-packages/plotly/basedatatypes.py") == "plotly"
    assert area(str(ROOT / "ui" / "tiles.py")) == "ui"
    assert area(str(ROOT / "bench" / "screens" / "launch.py")) == "project:bench"
    assert area("~") == "<builtin>" and area("<string>") == "<builtin>"


def test_an_unexpected_failure_in_a_screen_is_recorded_not_raised(monkeypatch):
    screen = Screen(Target("http://127.0.0.1:1", "kiosk=1"), ScreenRecord(0, 0.0), time.monotonic(), 0.0, 0.0)

    async def broken():
        raise ValueError("odd answer")

    monkeypatch.setattr(screen, "_load_page", broken)
    threaded.run(screen.run())
    assert screen.record.errors == {"internal": 1} and screen.record.error_text == "ValueError: odd answer"


def test_a_message_that_is_not_a_forward_msg_is_one_line():
    from bench.screens.protocol import ScreenError, decode

    with pytest.raises(ScreenError, match="not a ForwardMsg"):
        decode(b"\xff\xff\xff")


def test_steady_cpu_counts_only_after_every_screen_showed_its_board():
    from bench.screens.stats import steady_cpu

    a = ScreenRecord(0, 0.0, opened_at=100.0, first_board_s=2.0, answered_at=[101.0, 112.0, 122.0])
    b = ScreenRecord(1, 5.0, opened_at=105.0, first_board_s=5.0, answered_at=[121.0, 131.0])  # loaded at 110
    samples = [(100.0, 1.0), (105.0, 3.0), (110.5, 4.0), (120.0, 4.5), (131.5, 5.2)]
    steady = steady_cpu(samples, [a, b])
    assert steady == {"seconds": 21.0, "cpu_s": 1.2, "answered": 4, "cpu_s_per_refresh": 0.3}
    never = ScreenRecord(2, 0.0, opened_at=100.0)
    assert steady_cpu(samples, [a, b, never]) is None  # a screen never loaded: no steady state


def test_a_token_that_begins_with_a_dash_is_read_in_the_equals_form():
    """secrets.token_urlsafe may begin with '-': `--token -abc` is an argparse error, `--token=-abc` the token
    (the e2e validation once failed on such a token)."""
    from bench.screens.__main__ import parse

    args = parse(["--screens", "1", "--burst", "--url", "http://127.0.0.1:1", "--board", "1", "--token=-abc"])
    assert args.token == "-abc"
