"""The audit log: every query (a listener on semantic.events), every login,
failure, slow-down (kind lockout), unlock, logout and display-token use, appended to the metadata store.

Writes are off the request's path: events go to an in-process queue that a background thread
writes every INTERVAL seconds or BATCH events, in one transaction (and at exit). Queries and
screen-link uses (the hot path) wait for that; rarer kinds (sign-ins, logouts, refusals, account
changes) are written before `append` returns, so `last_logout` and the Audit page see them at once.
Readers of this process's events call `flush()` first (read_events does)."""

from __future__ import annotations

import atexit
import datetime as dt
import itertools
import logging
import os
import threading
import time

from data import metastore
from semantic import events

COLUMNS = (
    "at",
    "kind",
    "username",
    "roles",
    "source",
    "metrics",
    "dimensions",
    "where_text",
    "time_from",
    "time_to",
    "rows",
    "duration_ms",
    "outcome",
    "message",
    "question",
)


BATCHED = ("query", "token_use")  # the hot path: every query, every screen refresh
INTERVAL = 1.0  # seconds between background flushes
BATCH = 200  # events that make the background thread flush at once
MAX_PENDING = 100_000  # beyond this (store down for long), the oldest waiting events are dropped, and said so
log = logging.getLogger("concord.audit")


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")


class _Queue:
    """Events waiting to be written, in order, each with the store it belongs to."""

    def __init__(self):
        self.cond = threading.Condition()
        self.flushing = threading.Lock()  # one writer at a time keeps the order and writes each event once
        self.pending: list[tuple[metastore.Target, dict]] = []
        self.thread: threading.Thread | None = None
        self.dropped = 0


_q = _Queue()


def _reset_after_fork() -> None:
    global _q
    _q = _Queue()


os.register_at_fork(after_in_child=_reset_after_fork)


def append(kind: str, username: str, **fields) -> None:
    """Record an event. Queries and screen-link uses are written by a background thread (at most
    INTERVAL seconds later, in batches); any other kind is written before this returns. Never waits
    for a busy store and never raises for one: unwritten events stay queued and are retried."""
    row = {"at": _now(), "kind": kind, "username": username, **fields}
    found = metastore.target()
    with _q.cond:
        _q.pending.append((found, row))
        if len(_q.pending) > MAX_PENDING:
            del _q.pending[0]
            _q.dropped += 1
        if _q.thread is None or not _q.thread.is_alive():
            _start()
        if len(_q.pending) == 1 or len(_q.pending) >= BATCH:  # the first event starts the clock; a full batch goes now
            _q.cond.notify()
    if kind not in BATCHED and not metastore.writing_here(found):
        flush()  # (inside a write transaction of this thread it waits for the background thread instead)


def _start() -> None:
    _q.thread = threading.Thread(target=_run, args=(_q,), name="concord-audit", daemon=True)
    _q.thread.start()


def _run(queue: _Queue) -> None:
    failures = 0
    while queue is _q:
        with queue.cond:
            while not queue.pending:
                queue.cond.wait()
            deadline = time.monotonic() + INTERVAL
            while len(queue.pending) < BATCH and (left := deadline - time.monotonic()) > 0:
                queue.cond.wait(left)
        if flush():
            failures = 0
        else:
            failures += 1
            time.sleep(min(0.5 * 2**failures, 15))


def flush() -> bool:
    """Write every queued event of this process now, in one transaction per store. True when all
    were written. A failure keeps the events for the next try and is logged, never raised."""
    with _q.flushing:
        with _q.cond:
            batch, _q.pending = _q.pending, []
            dropped, _q.dropped = _q.dropped, 0
        if dropped:
            log.warning("audit log: %d events dropped while the metadata store could not be written", dropped)
        ok = True
        for found in dict.fromkeys(f for f, _ in batch):
            rows = [row for f, row in batch if f == found]
            try:
                _write(found, rows)
            except Exception as err:  # noqa: BLE001 - a busy or unreachable store must never reach a page
                ok = False
                with _q.cond:
                    _q.pending[:0] = [(found, row) for row in rows]
                log.warning("audit log: %d events not written yet to %s (%s); retrying", len(rows), found.kind, err)
        return ok


def _write(found: metastore.Target, rows: list[dict]) -> None:
    with metastore.session(found) as con, metastore.transaction(con):
        for names, group in itertools.groupby(rows, key=lambda r: tuple(c for c in COLUMNS if c in r)):
            con.executemany(
                f"INSERT INTO audit_log ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})",
                [[row[c] for c in names] for row in group],
            )


@atexit.register
def _at_exit() -> None:
    """A normal shutdown writes what is still queued."""
    if _q.pending and not flush():
        log.warning("audit log: %d events could not be written before exit", len(_q.pending))


def on_query(event: events.QueryEvent) -> None:
    append(
        "query",
        event.username,
        roles=",".join(event.roles),
        source=event.source,
        metrics=",".join(event.metrics),
        dimensions=",".join(event.dimensions),
        where_text=event.where,
        time_from=event.time_from.isoformat() if event.time_from else None,
        time_to=event.time_to.isoformat() if event.time_to else None,
        rows=event.rows,
        duration_ms=round(event.duration_ms, 2),
        outcome=event.outcome,
        message=event.message,
        question=event.question,
    )


def install() -> None:
    """Audit every semantic query from now on in this process (safe to call repeatedly)."""
    events.add_listener(on_query)


OK_KINDS = ("login_ok", "login_cookie", "logout", "token_use", "unlock")


def record_login(username: str, kind: str, message: str = "", source: str = "app") -> None:
    append(kind, username, source=source, outcome="ok" if kind in OK_KINDS else "refused", message=message)


def read_events(
    since: dt.date | None = None, username: str | None = None, kind: str | None = None, limit: int = 5000
) -> list[dict]:
    flush()
    sql, args = "SELECT * FROM audit_log WHERE 1 = 1", []
    if since:
        sql, args = sql + " AND at >= ?", args + [since.isoformat()]
    if username:
        sql, args = sql + " AND username = ?", args + [username]
    if kind:
        sql, args = sql + " AND kind = ?", args + [kind]
    with metastore.session() as con:
        rows = con.execute(sql + " ORDER BY id DESC LIMIT ?", args + [limit]).fetchall()
    return [dict(r) for r in rows]


def last_logout(username: str) -> dt.datetime | None:
    """When this user last logged out (any browser); a sign-in cookie issued before that is void.
    Logouts are written before append() returns, so this needs no flush (it runs on every rerun)."""
    with metastore.session() as con:
        rows = con.execute(
            "SELECT max(at) FROM audit_log WHERE username = ? AND kind = 'logout'", [username]
        ).fetchall()
    return dt.datetime.fromisoformat(rows[0][0]) if rows and rows[0][0] else None
