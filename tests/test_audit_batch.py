"""The audit log is written off the request's path (issue 12): queued, written by a background
thread in batches, at exit, and after a busy or failing store; nothing lost, nothing twice."""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from auth import audit
from data import metastore
from semantic import Principal, events

METASTORE_BACKENDS = ("sqlite", "postgres")  # every test using metastore_file runs on both

ROOT = Path(__file__).resolve().parent.parent


def test_events_from_many_threads_land_exactly_once(metastore_file):
    threads, each = 16, 250
    start = threading.Barrier(threads)

    def send(n: int) -> None:
        start.wait()
        for i in range(each):
            audit.append("query" if i % 10 else "token_use", f"t{n}", message=f"{n}:{i}")

    workers = [threading.Thread(target=send, args=(n,)) for n in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert audit.flush()
    with metastore.session() as con:
        messages = [r[0] for r in con.execute("SELECT message FROM audit_log")]
    assert len(messages) == threads * each
    assert set(messages) == {f"{n}:{i}" for n in range(threads) for i in range(each)}


def test_the_background_thread_writes_within_a_few_seconds_without_a_flush(metastore_file):
    audit.append("token_use", "token:1", message="board 1")
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with metastore.session() as con:
            if con.execute("SELECT count(*) FROM audit_log WHERE kind = 'token_use'").fetchone()[0] == 1:
                return
        time.sleep(0.1)
    pytest.fail("the queued event was not written by the background thread within 10 s")


def test_a_page_query_records_its_audit_row(metastore_file, warehouse_path, monkeypatch):
    monkeypatch.setenv("CONCORD_WAREHOUSE", str(warehouse_path))
    audit.install()
    try:
        at = AppTest.from_file(str(ROOT / "views" / "explore.py"), default_timeout=120)
        at.session_state["principal"] = Principal("cfo", ("finance",))
        at.query_params["m"] = "revenue"
        at.run()
        assert not at.exception, [e.value for e in at.exception]
    finally:
        events.remove_listener(audit.on_query)
    assert audit.flush()
    queries = audit.read_events(username="cfo", kind="query")
    assert queries and queries[0]["metrics"] == "revenue" and queries[0]["outcome"] == "ok"


def test_logins_and_logouts_are_written_before_append_returns(metastore_file):
    audit.append("query", "cfo", metrics="revenue")  # queued
    audit.record_login("cfo", "logout")  # written at once, with what was queued before it, in order
    with metastore.session() as con:
        kinds = [r[0] for r in con.execute("SELECT kind FROM audit_log ORDER BY id")]
    assert kinds == ["query", "logout"]
    assert audit.last_logout("cfo") is not None


def test_a_failed_flush_keeps_the_events_and_never_raises(metastore_file, monkeypatch):
    real, calls = audit._write, []

    def failing_once(found, rows):
        calls.append(len(rows))
        if len(calls) == 1:
            raise sqlite3.OperationalError("database is locked")
        real(found, rows)

    monkeypatch.setattr(audit, "_write", failing_once)
    for i in range(5):
        audit.append("query", "cfo", message=str(i))
    assert audit.flush() is False
    audit.append("login_failed", "cfo")  # a kind written at once: the failure above does not reach the caller
    assert audit.flush() is True
    assert sorted(e["message"] for e in audit.read_events(username="cfo") if e["kind"] == "query") == list("01234")


class Locker:
    """Another connection holding the store's write lock (SQLite: BEGIN IMMEDIATE; PostgreSQL: the
    advisory lock metastore.transaction takes) for `seconds`."""

    def __init__(self, seconds: float):
        self.seconds, self.held = seconds, threading.Event()
        self.thread = threading.Thread(target=self._hold)
        self.thread.start()
        assert self.held.wait(10)

    def _hold(self) -> None:
        con = metastore.connect()
        with metastore.transaction(con):
            con.execute("INSERT INTO user_prefs (username, key, value) VALUES ('locker', 'lang', 'en')")
            self.held.set()
            time.sleep(self.seconds)
        con.close()


def test_a_locked_store_does_not_block_append_and_the_events_land_after(metastore_file):
    with metastore.session() as con:  # migrated and connected before the lock
        con.execute("SELECT 1").fetchall()
    audit.flush()
    locker = Locker(3.0)
    started = time.monotonic()
    slowest = 0.0
    for i in range(300):  # more than a batch: the background thread starts writing and waits for the lock
        before = time.monotonic()
        audit.append("query" if i % 2 else "token_use", "screen", message=str(i))
        slowest = max(slowest, time.monotonic() - before)
    assert slowest < 0.5, f"append took {slowest:.3f} s while the store was locked"
    assert time.monotonic() - started < 1.0
    with metastore.session() as con:
        assert con.execute("SELECT count(*) FROM audit_log WHERE username = 'screen'").fetchone()[0] == 0
    locker.thread.join()
    assert audit.flush()
    with metastore.session() as con:
        messages = [r[0] for r in con.execute("SELECT message FROM audit_log WHERE username = 'screen' ORDER BY id")]
    assert messages == [str(i) for i in range(300)]
