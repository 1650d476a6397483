"""The sign-in cookie: its signed token, and the key that signs it, from
CONCORD_COOKIE_KEY, else a random key created on first run in
data/secrets/cookie_key (git-ignored, mode 0600). A short key or a well-known
default is refused: the app will not start with it.

The cookie is set only by our own HTTP route (auth/routes.py) with HttpOnly and
SameSite=Strict (and Secure over TLS), so no page script can read it."""

from __future__ import annotations

import os
import secrets
import time
from pathlib import Path

import jwt

COOKIE_NAME = "concord_auth"
COOKIE_DAYS = 1
SECRET_FILE = Path(__file__).resolve().parent.parent / "data" / "secrets" / "cookie_key"
MIN_LENGTH = 32
KNOWN_DEFAULTS = {
    "some_key",
    "some_signature_key",
    "random_signature_key",
    "abcdef",
    "secret",
    "changeme",
    "change_me",
    "password",
    "cookie_key",
    "streamlit",
    "concord",
    "key",
}


class CookieKeyError(RuntimeError):
    pass


def check(key: str, origin: str) -> str:
    if key.strip().lower() in KNOWN_DEFAULTS or len(set(key)) < 8:
        raise CookieKeyError(
            f"the cookie key from {origin} is a known default or too simple; "
            "set CONCORD_COOKIE_KEY to a random value (python -c 'import secrets; print(secrets.token_urlsafe(32))')."
        )
    if len(key) < MIN_LENGTH:
        raise CookieKeyError(f"the cookie key from {origin} has {len(key)} characters; it needs at least {MIN_LENGTH}.")
    return key


def cookie_key(path: Path | None = None) -> str:
    env = os.environ.get("CONCORD_COOKIE_KEY")
    if env is not None:
        return check(env, "CONCORD_COOKIE_KEY")
    path = path or SECRET_FILE
    if not path.exists():
        # written whole to a temporary file, then linked into place: of several processes starting
        # together, one key wins and every process reads that one (never a half-written file)
        path.parent.mkdir(parents=True, exist_ok=True)
        draft = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
        fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(secrets.token_urlsafe(32))
        try:
            os.link(draft, path)
        except FileExistsError:
            pass  # another process made it first: read theirs
        finally:
            draft.unlink()
    return check(path.read_text().strip(), str(path))


def issue_token(username: str, key: str, now: float | None = None) -> str:
    """A signed token for the cookie (the fields streamlit-authenticator used, so old cookies still read)."""
    moment = time.time() if now is None else now
    return jwt.encode({"username": username, "exp_date": moment + COOKIE_DAYS * 86400}, key, algorithm="HS256")


def read_token(raw: str | None, key: str, now: float | None = None) -> dict | None:
    """The token's fields when the signature is ours and it has not expired; else None."""
    if not raw:
        return None
    try:
        token = jwt.decode(raw, key, algorithms=["HS256"])
    except jwt.PyJWTError:  # a stale or foreign cookie just means: not signed in
        return None
    moment = time.time() if now is None else now
    if not isinstance(token, dict) or not isinstance(token.get("username"), str):
        return None
    try:
        return token if float(token.get("exp_date") or 0) > moment else None
    except (TypeError, ValueError):
        return None
