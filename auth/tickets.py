"""One-time sign-in tickets. After the login form accepted a password, the page
sends the browser to the cookie route with a ticket: random, stored only as its
sha256, valid for 60 seconds and for one use. The route exchanges it for the
HttpOnly sign-in cookie (auth/routes.py); a logout ticket clears the cookie."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass

from auth.throttle import utcnow
from data import metastore

TTL = dt.timedelta(seconds=60)
PURPOSES = ("login", "logout")


@dataclass(frozen=True)
class Ticket:
    username: str
    next_path: str


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def _iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat(timespec="milliseconds")


def safe_next(path: str | None) -> str:
    """A path on this site to return to; anything else (another host, a scheme,
    control characters) becomes '/'."""
    if not path or not path.startswith("/") or path.startswith("//") or "\\" in path or len(path) > 2000:
        return "/"
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in path):
        return "/"
    return path


def issue(username: str, purpose: str, next_path: str = "/", now: Callable[[], dt.datetime] = utcnow) -> str:
    if purpose not in PURPOSES:
        raise ValueError(f"unknown ticket purpose {purpose!r}")
    raw, moment = secrets.token_urlsafe(32), now()
    with metastore.session() as con, metastore.transaction(con):
        con.execute("DELETE FROM login_tickets WHERE expires < ?", (_iso(moment - TTL),))
        con.execute(
            "INSERT INTO login_tickets (digest, username, purpose, next_path, expires) VALUES (?, ?, ?, ?, ?)",
            (_digest(raw), username, purpose, safe_next(next_path), _iso(moment + TTL)),
        )
    return raw


def redeem(raw: str | None, purpose: str, now: Callable[[], dt.datetime] = utcnow) -> Ticket | None:
    """The ticket's user and return path, once; None when unknown, used, expired or for another purpose."""
    if not raw or len(raw) > 100:
        return None
    with metastore.session() as con, metastore.transaction(con):
        row = con.execute(
            "UPDATE login_tickets SET used = 1 WHERE digest = ? AND purpose = ? AND used = 0 "
            "AND expires > ? RETURNING username, next_path",
            (_digest(raw), purpose, _iso(now())),
        ).fetchone()
    return Ticket(row["username"], safe_next(row["next_path"])) if row else None
