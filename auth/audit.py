"""The audit log: every query (a listener on semantic.events), every login,
failure, slow-down (kind lockout), unlock, logout and display-token use, appended to the metadata store."""

from __future__ import annotations

import datetime as dt

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
)


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")


def append(kind: str, username: str, **fields) -> None:
    row = {"at": _now(), "kind": kind, "username": username, **fields}
    names = [c for c in COLUMNS if c in row]
    with metastore.session() as con:
        con.execute(
            f"INSERT INTO audit_log ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})",
            [row[c] for c in names],
        )


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
    """When this user last logged out (any browser); a sign-in cookie issued before that is void."""
    with metastore.session() as con:
        rows = con.execute(
            "SELECT max(at) FROM audit_log WHERE username = ? AND kind = 'logout'", [username]
        ).fetchall()
    return dt.datetime.fromisoformat(rows[0][0]) if rows and rows[0][0] else None
