"""The key that signs the login cookie: from CONCORD_COOKIE_KEY, else a random
key created on first run in data/secrets/cookie_key (git-ignored, mode 0600).
A short key or a well-known default is refused: the app will not start with it."""
from __future__ import annotations

import os
import secrets
from pathlib import Path

SECRET_FILE = Path(__file__).resolve().parent.parent / "data" / "secrets" / "cookie_key"
MIN_LENGTH = 32
KNOWN_DEFAULTS = {"some_key", "some_signature_key", "random_signature_key", "abcdef", "secret", "changeme",
                  "change_me", "password", "cookie_key", "streamlit", "concord", "key"}


class CookieKeyError(RuntimeError):
    pass


def check(key: str, origin: str) -> str:
    if key.strip().lower() in KNOWN_DEFAULTS or len(set(key)) < 8:
        raise CookieKeyError(f"the cookie key from {origin} is a known default or too simple; "
                             "set CONCORD_COOKIE_KEY to a random value (python -c 'import secrets; print(secrets.token_urlsafe(32))').")
    if len(key) < MIN_LENGTH:
        raise CookieKeyError(f"the cookie key from {origin} has {len(key)} characters; it needs at least {MIN_LENGTH}.")
    return key


def cookie_key(path: Path | None = None) -> str:
    env = os.environ.get("CONCORD_COOKIE_KEY")
    if env is not None:
        return check(env, "CONCORD_COOKIE_KEY")
    path = path or SECRET_FILE
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(secrets.token_urlsafe(32))
    return check(path.read_text().strip(), str(path))
