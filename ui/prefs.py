"""Per-user preferences (the language), kept in the app's metadata store."""

from __future__ import annotations

from data import metastore
from ui.i18n import LANGUAGES


def language(username: str, default: str = "en") -> str:
    with metastore.session() as con:
        row = con.execute("SELECT value FROM user_prefs WHERE username = ? AND key = 'lang'", (username,)).fetchone()
    return row[0] if row and row[0] in LANGUAGES else default


def set_language(username: str, lang: str, where=None) -> None:
    """Remember `username`'s language (in the metadata store at `where`, default: the app's)."""
    if lang not in LANGUAGES:
        raise ValueError(f"unknown language {lang!r}")
    with metastore.session(where) as con:
        con.execute(
            "INSERT INTO user_prefs (username, key, value) VALUES (?, 'lang', ?) "
            "ON CONFLICT (username, key) DO UPDATE SET value = excluded.value",
            (username, lang),
        )
