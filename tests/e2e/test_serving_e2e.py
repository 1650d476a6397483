"""Two workers behind HAProxy (`python -m serving`), driven by real Chromium: browsers spread over both
workers and each stays on its own; a sign-in made on one worker holds on the other; the alert lease keeps
rules evaluated once; an office screen shows its board again, without a click, after its worker is
SIGKILLed and after HAProxy is killed (the launcher starts both again)."""

from __future__ import annotations

import datetime as dt
import os
import re
import signal
import time

import pytest

from boards import store, tokens
from boards.store import Board, Rule, Tile
from data import metastore
from semantic import Principal, Query
from tests.e2e.conftest import shot
from tests.e2e.helpers import login, settle
from tests.test_serving import HAPROXY, Launcher

pytestmark = pytest.mark.browser
CFO = Principal("cfo", ("finance",))
REFRESH = 5  # the board's refresh period, seconds
RECOVER = REFRESH + 12  # a screen shows its board again within one refresh period and a few seconds
UPDATED = ".st-key-kiosk_updated"


@pytest.fixture(scope="module")
def served(app_env, tmp_path_factory):
    if not os.access(HAPROXY, os.X_OK):
        if os.environ.get("CI") == "true":
            pytest.fail("haproxy is missing: the serving tests need Debian's haproxy (make browser)")
        pytest.skip("haproxy is missing; install Debian's haproxy (make browser)")
    home = tmp_path_factory.mktemp("serving")
    # the alert scheduler on (tests/conftest.py turns it off): both workers run it, the lease picks one
    env = {**app_env, "CONCORD_METASTORE": str(home / "metastore.sqlite"), "CONCORD_ALERTS_SCHEDULER": "on"}
    old = os.environ.get("CONCORD_METASTORE")
    os.environ["CONCORD_METASTORE"] = env["CONCORD_METASTORE"]
    launcher = Launcher(env, home / "run").start()
    yield launcher
    launcher.stop()
    if old is None:
        os.environ.pop("CONCORD_METASTORE", None)
    else:
        os.environ["CONCORD_METASTORE"] = old


@pytest.fixture(scope="module")
def board(served):
    return store.save(
        Board(
            title="Office wall",
            owner="cfo",
            sharing="roles",
            shared_roles=("finance",),
            refresh_seconds=REFRESH,
            tiles=(
                Tile(
                    Query(metrics=("dso",), time_from=dt.date(2025, 12, 1), time_to=dt.date(2025, 12, 31)),
                    title="December DSO",
                    rules=(Rule("dso", ">", 1, "critical"),),
                ),
                Tile(Query(metrics=("revenue",), group_by=("region",)), title="Revenue by region"),
            ),
        ),
        CFO,
    )


def worker_of(context) -> str | None:
    return next((c["value"] for c in context.cookies() if c["name"] == "concord_worker"), None)


def watched(browser, **options):
    """A new browser whose responses are noted by the worker that served them (HAProxy's X-Concord-Worker)."""
    context = browser.new_context(viewport={"width": 1400, "height": 900}, locale="en-US", **options)
    context.set_default_timeout(30_000)
    context.served_by = []
    # /static/ and the favicon may come from the browser's cache, with the headers of the first answer
    fresh = re.compile(r"^https?://[^/]+/(?!static/|favicon)")
    context.on(
        "response",
        lambda r: fresh.match(r.url) and context.served_by.append((r.headers.get("x-concord-worker"), r.url)),
    )
    return context, context.new_page()


def open_screen(browser, served, board):
    token = tokens.create(board.id, "finance", CFO)
    context, page = watched(browser)
    page.goto(f"{served.url}/?board={board.id}&kiosk=1&token={token}")
    page.get_by_text("Office wall").wait_for()
    page.get_by_text("Revenue by region").wait_for()
    settle(page)
    return context, page


def other(worker: str) -> str:
    return {"w1": "w2", "w2": "w1"}[worker]


def test_browsers_spread_over_both_workers_and_each_stays_on_its_own(browser, served, board):
    signed_in, page = watched(browser)
    login(page, served, "cfo", f"boards?id={board.id}")
    page.get_by_text("Revenue by region").first.wait_for()
    screens = []
    while len(screens) < 3 and {worker_of(signed_in), *(worker_of(c) for c, _ in screens)} != {"w1", "w2"}:
        screens.append(open_screen(browser, served, board))
    browsers = [signed_in, *(c for c, _ in screens)]
    assert {worker_of(c) for c in browsers} == {"w1", "w2"}, "new browsers all went to one worker"
    for context in browsers:  # every response this browser got came from its own worker
        assert {w for w, _ in context.served_by} == {worker_of(context)}, context.served_by
    stats = served.stats()
    assert all(int(stats[w]["scur"]) >= 1 for w in ("w1", "w2")), stats  # websockets open on both workers
    shot(screens[-1][1], "serving-screen")
    for context in browsers:
        context.close()


def test_a_sign_in_on_one_worker_holds_on_the_other(browser, served, board):
    context, page = watched(browser)
    login(page, served, "cfo", f"boards?id={board.id}")
    first = worker_of(context)
    context.clear_cookies(name="concord_worker")
    context.add_cookies([{"name": "concord_worker", "value": other(first), "url": served.url}])
    page.close()  # nothing of the first page still loading
    context.served_by.clear()
    page = context.new_page()
    page.goto(f"{served.url}/boards?id={board.id}")
    page.get_by_text(re.compile("Signed in as")).first.wait_for()
    page.get_by_text("Revenue by region").first.wait_for()
    assert page.get_by_role("button", name="Sign in").count() == 0
    assert {w for w, _ in context.served_by} == {other(first)}, context.served_by
    # and straight at the other worker's own port, with nothing but the sign-in cookie
    auth = [c for c in context.cookies() if c["name"] == "concord_auth"]
    assert auth, "no sign-in cookie was set"
    direct = f"http://127.0.0.1:{served.worker_ports[int(other(first)[1]) - 1]}"
    context.close()
    fresh, page = watched(browser)
    fresh.add_cookies([{"name": "concord_auth", "value": auth[0]["value"], "url": direct}])
    page.goto(f"{direct}/boards?id={board.id}")
    page.get_by_text(re.compile("Signed in as")).first.wait_for()
    assert page.get_by_role("button", name="Sign in").count() == 0
    fresh.close()


def test_the_alert_lease_lets_one_worker_evaluate(served, board):
    """Both workers run the evaluation thread (it starts with a process's first session, and both have had
    sessions by now); only the lease holder evaluates, so each evaluation is one owner query in the audit log."""

    def evaluations():
        with metastore.session() as con:
            return [
                dt.datetime.fromisoformat(r[0])
                for r in con.execute("SELECT at FROM audit_log WHERE source = ? ORDER BY at", (f"alert:{board.id}",))
            ]

    deadline = time.monotonic() + 90
    while not evaluations() and time.monotonic() < deadline:
        time.sleep(1)
    time.sleep(5)  # time for a second, unleased evaluation to show up
    seen = evaluations()
    assert seen, "no worker evaluated the board's rules"
    gaps = [(b - a).total_seconds() for a, b in zip(seen, seen[1:])]
    assert all(g >= 50 for g in gaps), f"evaluated twice within a minute: {seen}"
    with metastore.session() as con:
        holder = con.execute("SELECT holder FROM scheduler_lease WHERE name = 'alerts'").fetchone()[0]
        open_alerts = con.execute(
            "SELECT count(*) FROM alert_log WHERE board_id = ? AND cleared_at IS NULL", (board.id,)
        )
        assert open_alerts.fetchone()[0] == 1
    pids = {served.state()[w]["pid"] for w in ("w1", "w2")}
    assert int(holder.split(":")[1]) in pids


def shows_board_again(page, context, since: str, seconds: float) -> float:
    """Seconds until the screen shows a run newer than `since` (its 'updated' time changed), no clicks."""
    start = time.monotonic()
    page.wait_for_function(
        "t => { const e = document.querySelector('.st-key-kiosk_updated'); return e && e.innerText && e.innerText !== t; }",
        arg=since,
        timeout=seconds * 1000,
    )
    page.get_by_text("Office wall").wait_for(timeout=5_000)
    page.get_by_text("Revenue by region").wait_for(timeout=5_000)
    return time.monotonic() - start


def test_a_screen_whose_worker_is_killed_shows_the_board_again_from_the_other(browser, served, board):
    context, page = open_screen(browser, served, board)
    worker = worker_of(context)
    before = page.locator(UPDATED).inner_text()
    os.kill(served.state()[worker]["pid"], signal.SIGKILL)
    killed = time.monotonic()
    took = shows_board_again(page, context, before, RECOVER)
    assert worker_of(context) == other(worker), "the screen did not move to the other worker"
    assert time.monotonic() - killed < RECOVER
    shot(page, "serving-screen-after-worker-killed")
    print(f"screen back {took:.1f} s after its worker was killed")
    # and it keeps refreshing there
    shows_board_again(page, context, page.locator(UPDATED).inner_text(), REFRESH + 5)
    context.close()


def test_a_screen_comes_back_by_itself_after_haproxy_restarts(browser, served, board):
    context, page = open_screen(browser, served, board)
    before = page.locator(UPDATED).inner_text()
    restarts = served.state()["haproxy"]["restarts"]
    os.kill(served.state()["haproxy"]["pid"], signal.SIGKILL)
    took = shows_board_again(page, context, before, RECOVER)
    assert served.state()["haproxy"]["restarts"] == restarts + 1
    print(f"screen back {took:.1f} s after HAProxy was killed")
    shows_board_again(page, context, page.locator(UPDATED).inner_text(), REFRESH + 5)
    context.close()
