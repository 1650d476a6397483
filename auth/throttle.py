"""Login throttling: 5 failed attempts for a username within 15 minutes lock it
for 15 minutes. Kept in the metadata store, so every app process agrees; the
clock is a parameter, so tests need no sleeping."""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from data import metastore

MAX_FAILURES = 5
WINDOW = dt.timedelta(minutes=15)
LOCK = dt.timedelta(minutes=15)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def _iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.timezone.utc).isoformat(timespec="seconds")


def locked_until(username: str, now: Callable[[], dt.datetime] = utcnow) -> dt.datetime | None:
    """When the lock on `username` ends, or None when it may try to log in."""
    with metastore.session() as con:
        row = con.execute("SELECT until FROM lockouts WHERE username = ?", (username,)).fetchone()
    if row is None:
        return None
    until = dt.datetime.fromisoformat(row[0])
    return until if until > now() else None


def record(username: str, success: bool, now: Callable[[], dt.datetime] = utcnow) -> dt.datetime | None:
    """Record an attempt; returns the end of a lock this attempt started, if any."""
    moment = now()
    with metastore.session() as con, metastore.transaction(con):
        con.execute("INSERT INTO login_attempts (username, at, success) VALUES (?, ?, ?)",
                    (username, _iso(moment), int(success)))
        if success:
            con.execute("DELETE FROM lockouts WHERE username = ?", (username,))
            return None
        last_ok = con.execute("SELECT max(at) FROM login_attempts WHERE username = ? AND success = 1",
                              (username,)).fetchone()[0]
        since = max(_iso(moment - WINDOW), last_ok or "")
        failures = con.execute("SELECT count(*) FROM login_attempts WHERE username = ? AND success = 0 AND at > ?",
                               (username, since)).fetchone()[0]
        lock = con.execute("SELECT until FROM lockouts WHERE username = ?", (username,)).fetchone()
        if failures >= MAX_FAILURES and (lock is None or dt.datetime.fromisoformat(lock[0]) <= moment):
            until = moment + LOCK
            con.execute("INSERT INTO lockouts (username, until) VALUES (?, ?) "
                        "ON CONFLICT (username) DO UPDATE SET until = excluded.until", (username, _iso(until)))
            # attempts before the lock do not count again once it ends
            con.execute("UPDATE login_attempts SET success = -1 WHERE username = ? AND success = 0", (username,))
            return until
    return None
