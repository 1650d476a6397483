"""Questions asked on the Ask page, per user (migration 011): the page's recent and popular lists.

Only the asker's own questions are ever listed back to them: another user's question may name a
customer or a region the reader's rows do not include."""

from __future__ import annotations

import datetime as dt

from data import metastore

KEEP = 200  # questions kept per user; older ones are dropped as new ones come


def record(username: str, question: str, lang: str, query_json: str | None, refusal: str | None) -> None:
    now = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()
    with metastore.session() as con, metastore.transaction(con):
        con.execute(
            "INSERT INTO ask_questions (username, question, lang, query_json, refusal, asked_at) VALUES (?, ?, ?, ?, ?, ?)",
            (username, question[:500], lang, query_json, refusal, now),
        )
        con.execute(
            "DELETE FROM ask_questions WHERE username = ? AND id NOT IN "
            "(SELECT id FROM ask_questions WHERE username = ? ORDER BY id DESC LIMIT ?)",
            (username, username, KEEP),
        )


def recent(username: str, limit: int = 8) -> list[str]:
    """The user's latest distinct questions, newest first."""
    with metastore.session() as con:
        rows = con.execute(
            "SELECT question, max(id) AS last FROM ask_questions WHERE username = ? GROUP BY question "
            "ORDER BY last DESC LIMIT ?",
            (username, limit),
        ).fetchall()
    return [r["question"] for r in rows]


def popular(username: str, limit: int = 8) -> list[tuple[str, int]]:
    """The user's most asked questions that were answered (not refused), with how often."""
    with metastore.session() as con:
        rows = con.execute(
            "SELECT question, count(*) AS n, max(id) AS last FROM ask_questions WHERE username = ? "
            "AND refusal IS NULL GROUP BY question ORDER BY n DESC, last DESC LIMIT ?",
            (username, limit),
        ).fetchall()
    return [(r["question"], r["n"]) for r in rows]
