"""Login throttling, decided before any password is checked.

Three scopes, each a growing delay (2^k seconds, at most 15 minutes), never a
hard lock of the account everywhere:
- one user from one address: after 5 failures (since the last success there),
- one address, any user: after 20 failures,
- one user from addresses they never signed in from: after 20 failures.
An address the user signed in from before is only slowed by its own failures
for that user, so nobody elsewhere can lock the owner out of it.

`begin` counts and decides in one writer transaction (metastore.transaction) and records the
attempt as 'pending' (pending attempts count as failures), so simultaneous
attempts cannot all slip through; `finish` records the password's result.
Kept in the metadata store, so every app process agrees; the clock is a
parameter, so tests need no sleeping."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from data import metastore

USER_ADDRESS_LIMIT = 5
ADDRESS_LIMIT = 20
USER_LIMIT = 20
WINDOW = dt.timedelta(hours=1)
FIRST_DELAY_EXPONENT = 5  # the first delay is 2^5 = 32 seconds, then 64, 128, ...
MAX_DELAY = dt.timedelta(minutes=15)
COUNTED = "('failed', 'pending')"


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat(timespec="milliseconds")


@dataclass(frozen=True)
class Wait:
    until: dt.datetime
    scope: str  # user_address, address, user
    failures: int


@dataclass(frozen=True)
class Decision:
    attempt: int  # the login_tries row of this attempt
    allowed: bool
    wait: Wait | None = None  # why it was refused


def delay(failures: int, limit: int) -> dt.timedelta | None:
    """The wait after `failures` counted failures in a scope allowing `limit`."""
    if failures < limit:
        return None
    exponent = failures - limit + FIRST_DELAY_EXPONENT
    return MAX_DELAY if exponent >= 10 else min(MAX_DELAY, dt.timedelta(seconds=2**exponent))


def _known(con, username: str, address: str) -> bool:
    return (
        con.execute("SELECT 1 FROM known_addresses WHERE username = ? AND address = ?", (username, address)).fetchone()
        is not None
    )


def _waits(con, username: str, address: str, moment: dt.datetime) -> list[Wait]:
    since = _iso(moment - WINDOW)
    last_ok = con.execute(
        "SELECT coalesce(max(id), 0) FROM login_tries WHERE username = ? AND address = ? AND outcome = 'ok'",
        (username, address),
    ).fetchone()[0]
    scopes = [
        (
            "user_address",
            USER_ADDRESS_LIMIT,
            con.execute(
                f"SELECT count(*), max(at) FROM login_tries WHERE username = ? AND address = ? AND outcome IN {COUNTED} "
                "AND at > ? AND id > ?",
                (username, address, since, last_ok),
            ).fetchone(),
        )
    ]
    if not _known(con, username, address):
        scopes.append(
            (
                "address",
                ADDRESS_LIMIT,
                con.execute(
                    f"SELECT count(*), max(at) FROM login_tries WHERE address = ? AND outcome IN {COUNTED} AND at > ?",
                    (address, since),
                ).fetchone(),
            )
        )
        scopes.append(
            (
                "user",
                USER_LIMIT,
                con.execute(
                    f"SELECT count(*), max(at) FROM login_tries WHERE username = ? AND outcome IN {COUNTED} AND at > ? "
                    "AND address NOT IN (SELECT address FROM known_addresses WHERE username = ?)",
                    (username, since, username),
                ).fetchone(),
            )
        )
    out = []
    for scope, limit, (failures, last) in scopes:
        wait = delay(failures, limit)
        if wait is not None and last:
            until = dt.datetime.fromisoformat(last) + wait
            if until > moment:
                out.append(Wait(until, scope, failures))
    return out


def begin(username: str, address: str, now: Callable[[], dt.datetime] = utcnow) -> Decision:
    """Count and decide in one transaction, before the password is looked at:
    allowed attempts are recorded as 'pending', refused ones as 'refused'."""
    with metastore.session() as con, metastore.transaction(con):
        moment = now()
        waits = _waits(con, username, address, moment)
        wait = max(waits, key=lambda w: w.until) if waits else None
        attempt = con.execute(
            "INSERT INTO login_tries (username, address, at, outcome) VALUES (?, ?, ?, ?) RETURNING id",
            (username, address, _iso(moment), "refused" if wait else "pending"),
        ).fetchall()[0][0]
        return Decision(attempt, wait is None, wait)


def finish(decision: Decision, success: bool, now: Callable[[], dt.datetime] = utcnow) -> Wait | None:
    """Record the password's result. A success only marks its own attempt (and
    remembers the address); it never lifts a delay other attempts caused.
    Returns the slow-down a failure started, if any (to audit it)."""
    with metastore.session() as con, metastore.transaction(con):
        moment = now()
        row = con.execute("SELECT username, address FROM login_tries WHERE id = ?", (decision.attempt,)).fetchone()
        con.execute(
            "UPDATE login_tries SET outcome = ? WHERE id = ? AND outcome = 'pending'",
            ("ok" if success else "failed", decision.attempt),
        )
        if row is None:
            return None
        if success:
            con.execute(
                "INSERT INTO known_addresses (username, address, last_ok) VALUES (?, ?, ?) "
                "ON CONFLICT (username, address) DO UPDATE SET last_ok = excluded.last_ok",
                (row["username"], row["address"], _iso(moment)),
            )
            return None
        waits = _waits(con, row["username"], row["address"], moment)
        return max(waits, key=lambda w: w.until) if waits else None


def unlock(username: str) -> int:
    """Forget the user's failures (every address); returns how many were cleared."""
    with metastore.session() as con, metastore.transaction(con):
        return con.execute(
            "UPDATE login_tries SET outcome = 'cleared' WHERE username = ? AND outcome = 'failed'", (username,)
        ).rowcount


def waiting(username: str, address: str, now: Callable[[], dt.datetime] = utcnow) -> Wait | None:
    """The delay `username` would meet from `address` now (read only)."""
    with metastore.session() as con:
        moment = now()
        waits = _waits(con, username, address, moment)
    return max(waits, key=lambda w: w.until) if waits else None


def slowed_users(now: Callable[[], dt.datetime] = utcnow) -> list[tuple[str, str, Wait]]:
    """(user, address, wait) for every pair slowed right now, for the admins' unlock list."""
    with metastore.session() as con:
        moment = now()
        pairs = con.execute(
            "SELECT DISTINCT username, address FROM login_tries WHERE outcome = 'failed' AND at > ?",
            (_iso(moment - WINDOW),),
        ).fetchall()
        out = []
        for username, address in pairs:
            waits = _waits(con, username, address, moment)
            if waits:
                out.append((username, address, max(waits, key=lambda w: w.until)))
    return out
