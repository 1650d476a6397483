"""Office screens at scale (issue 12): a refresh that finds nothing changed draws nothing again;
what every screen asks is computed once per process (ui.shared); a revoked link stops every screen
showing it at its next refresh; a screen whose server went away keeps its numbers, says since when,
and comes back by itself when the server is back (tests/e2e/test_screens_refresh_e2e.py).

The real-server tests drive screens with bench.screens (Streamlit's own websocket protocol, as
Chromium speaks it) against `streamlit run serve.py`."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import threading
import time
from pathlib import Path

import pytest

from bench.screens.protocol import Target, error_text
from bench.screens.screen import Screen
from bench.screens.stats import ScreenRecord
from tests import threaded
from ui import shared


# ---- ui.shared: one build per key ----------------------------------------------------------------
def test_concurrent_callers_of_one_key_share_one_build():
    shared.clear()
    builds = []
    gate = threading.Event()

    def build():
        builds.append(1)
        gate.wait(2)  # slow: every other caller arrives while it runs
        return object()

    got = []
    threads = [threading.Thread(target=lambda: got.append(shared.memo(("k", 1), build))) for _ in range(50)]
    for t in threads:
        t.start()
    time.sleep(0.2)
    gate.set()
    for t in threads:
        t.join(5)
    assert len(builds) == 1 and len(got) == 50 and len({id(g) for g in got}) == 1


def test_a_ttl_asks_again_and_a_failed_build_is_not_kept():
    shared.clear()
    calls = []
    assert shared.memo("t", lambda: calls.append(1) or len(calls), ttl=0.05) == 1
    assert shared.memo("t", lambda: calls.append(1) or len(calls), ttl=0.05) == 1
    time.sleep(0.06)
    assert shared.memo("t", lambda: calls.append(1) or len(calls), ttl=0.05) == 2

    def broken():
        raise ValueError("store locked")

    with pytest.raises(ValueError):
        shared.memo("b", broken)
    assert shared.memo("b", lambda: "fine") == "fine"


# ---- a screen as the generator sees it, counting what each run sends ------------------------------
class CountingScreen(Screen):
    """A bench screen that also counts the elements (deltas) of each run, and keeps error texts."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.deltas_per_run: list[tuple[float, int, bool]] = []  # (finished at, deltas, fragment run)
        self.errors: list[tuple[float, str]] = []
        self._deltas = 0

    def _on_message(self, msg) -> None:
        kind = msg.WhichOneof("type")
        if kind == "new_session":
            self._deltas = 0
        elif kind == "delta":
            self._deltas += 1
            found = error_text(msg)
            if found:
                self.errors.append((time.monotonic(), found[1]))
        elif kind == "script_finished":
            self.deltas_per_run.append((time.monotonic(), self._deltas, bool(msg.metadata.run.fragment_ids)))
        super()._on_message(msg)


async def _drive(target: Target, n: int, seconds: float, during=None) -> list[CountingScreen]:
    start = time.monotonic() + 0.2
    screens = [CountingScreen(target, ScreenRecord(i, 0.0), start, start + seconds, 3.0) for i in range(n)]
    tasks = [asyncio.create_task(s.run()) for s in screens]
    if during:
        tasks.append(asyncio.create_task(during()))
    await asyncio.gather(*tasks)
    return screens


def _target(started) -> Target:
    from urllib.parse import urlencode

    return Target(started.url, urlencode({"kiosk": "1", "board": started.board, "token": started.token}))


def test_a_refresh_with_nothing_changed_sends_only_the_time_and_new_data_draws_the_board(screen_server):
    """Every refresh used to rebuild and resend all eight tiles; now a refresh whose board, data and
    link are unchanged sends the 'updated' line only, and a new warehouse version redraws the board."""
    warehouse = Path(screen_server.env["CONCORD_WAREHOUSE"])

    async def touch_the_warehouse():
        await asyncio.sleep(14)
        os.utime(warehouse)  # a new file version: as a sync that swapped the file in

    screens = threaded.run(_drive(_target(screen_server), 3, 26, touch_the_warehouse))
    for s in screens:
        assert s.record.first_board_s is not None and not s.errors, s.errors
        first = s.deltas_per_run[0]
        assert not first[2] and first[1] >= 20  # the first run draws the whole board (8 tiles and more)
        refreshes = [d for _, d, fragment in s.deltas_per_run if fragment]
        assert len(refreshes) >= 3 and all(d <= 3 for d in refreshes), refreshes
        redraws = [d for _, d, fragment in s.deltas_per_run[1:] if not fragment]
        assert len(redraws) == 1 and redraws[0] >= 20, s.deltas_per_run  # the new data drew the board again


def test_a_revoked_link_stops_every_screen_at_its_next_refresh(screen_server, monkeypatch):
    """50 screens show one board through one link; the owner revokes it; every screen shows why
    ('revoked'), and no board, within one refresh (5 s) and the one-second link check."""
    revoked_at: list[float] = []

    async def revoke():
        await asyncio.sleep(12)
        store = Path(screen_server.env["CONCORD_METASTORE"])
        with sqlite3.connect(store) as con:  # what boards.tokens.revoke writes, from another process
            con.execute("UPDATE display_tokens SET revoked_at = '2026-01-01T00:00:00', revoked_by = 'cfo'")
        revoked_at.append(time.monotonic())

    screens = threaded.run(_drive(_target(screen_server), 50, 22, revoke))
    assert revoked_at
    for s in screens:
        assert s.record.first_board_s is not None  # each showed the board first
        said = [(t, text) for t, text in s.errors if "revoked" in text]
        assert said, (s.record.index, s.errors)
        assert said[0][0] - revoked_at[0] <= 5 + 1 + 2, said[0][0] - revoked_at[0]  # refresh + check + slack
        after = [d for t, d, _ in s.deltas_per_run if t > said[0][0] + 0.5]
        assert all(d <= 3 for d in after), after  # at most the style sheets and the refusal: no board again


def test_screens_keep_refreshing_while_a_long_write_holds_the_metadata_store(screen_server):
    """Another process holds the metadata store's write lock for 12 s (a long import, a backup):
    open screens read the board and their link (WAL readers are never blocked by a writer), so every
    refresh in that window is answered with no error and nothing is drawn again."""
    store = Path(screen_server.env["CONCORD_METASTORE"])
    held: list[float] = []

    async def hold_the_lock():
        await asyncio.sleep(8)

        def write():
            con = sqlite3.connect(store, timeout=30, isolation_level=None)
            con.execute("BEGIN IMMEDIATE")
            con.execute("UPDATE boards SET title = title")  # a write in progress, not committed
            held.append(time.monotonic())
            time.sleep(12)
            con.execute("ROLLBACK")
            con.close()
            held.append(time.monotonic())

        await asyncio.to_thread(write)

    screens = threaded.run(_drive(_target(screen_server), 10, 24, hold_the_lock))
    assert len(held) == 2
    for s in screens:
        assert not s.errors and not s.record.errors, (s.errors, s.record.errors)
        during = [(t, d) for t, d, fragment in s.deltas_per_run if fragment and held[0] + 1 < t < held[1]]
        assert len(during) >= 1, s.deltas_per_run  # refreshes were answered while the lock was held
        assert all(d <= 3 for _, d in during)
        assert s.record.unanswered == 0
