"""One sign-in attempt, without Streamlit: the throttle decides first, then the
password is checked against the accounts file as it is now (never a copy kept
in a browser session, so `python -m auth set-password` takes effect at once),
then the result is recorded and audited."""

from __future__ import annotations

import datetime as dt
import functools
import os
from collections.abc import Callable
from dataclasses import dataclass

import bcrypt

from auth import audit, throttle
from auth.accounts import User, load_users

TRUSTED_PROXIES_ENV = "CONCORD_TRUSTED_PROXIES"
LOOPBACK = "127.0.0.1"


@dataclass(frozen=True)
class Outcome:
    user: User | None  # the signed-in user; None when refused or wrong
    until: dt.datetime | None = None  # slowed down: the next attempt is possible at


@functools.cache
def _dummy_hash() -> bytes:
    return bcrypt.hashpw(b"not a password", bcrypt.gensalt(rounds=12))


def check_password(username: str, password: str) -> User | None:
    """The enabled user whose current password this is, read fresh from the file."""
    user = load_users().get(username)
    if user is None or user.disabled:
        bcrypt.checkpw(password.encode("utf-8"), _dummy_hash())  # the same time whether the user exists or not
        return None
    return user if user.checks(password) else None


def attempt(username: str, password: str, address: str, now: Callable[[], dt.datetime] = throttle.utcnow) -> Outcome:
    decision = throttle.begin(username, address, now)
    if not decision.allowed:
        audit.record_login(
            username,
            "login_refused",
            f"from {address}: slowed ({decision.wait.scope}) until {decision.wait.until.isoformat()}",
        )
        return Outcome(None, decision.wait.until)
    user = None
    try:
        user = check_password(username, password)
    finally:
        slowed = throttle.finish(decision, user is not None, now)
    if user is not None:
        audit.record_login(username, "login_ok", f"from {address}")
        return Outcome(user)
    audit.record_login(username, "login_failed", f"from {address}")
    if slowed is not None:
        audit.record_login(
            username,
            "lockout",
            f"from {address}: slowed ({slowed.scope}, {slowed.failures} failures) until {slowed.until.isoformat()}",
        )
        return Outcome(None, slowed.until)
    return Outcome(None)


def trusted_proxies() -> frozenset[str]:
    return frozenset(p.strip() for p in os.environ.get(TRUSTED_PROXIES_ENV, "").split(",") if p.strip())


def client_address(peer: str | None, forwarded_for: str | None, trusted: frozenset[str] = frozenset()) -> str:
    """The address to throttle: the connection's peer (Streamlit reports a
    loopback peer as None); X-Forwarded-For only when the peer is a configured
    trusted proxy, and then its last hop that is not a trusted proxy."""
    address = peer or LOOPBACK
    if address in trusted and forwarded_for:
        for hop in reversed([h.strip() for h in forwarded_for.split(",") if h.strip()]):
            if hop not in trusted:
                return hop[:64]
    return address
