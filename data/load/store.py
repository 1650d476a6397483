"""The metadata-store side of loads: the record of every load and restore, and the saved mappings."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

from data import metastore


@dataclass(frozen=True)
class LoadRecord:
    id: int
    kind: str  # upload, restore
    table: str
    file_name: str
    sha256: str
    who: str
    started_at: str
    seconds: float
    rows_written: int
    rows_replaced: int
    rows_added: int
    scope: dict
    status: str  # running, applied, failed, restored
    message: str
    restores: int | None


def _now() -> str:
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()


def _record(row) -> LoadRecord:
    return LoadRecord(
        row["id"], row["kind"], row["table_name"], row["file_name"], row["sha256"], row["who"], row["started_at"],
        float(row["seconds"]), row["rows_written"], row["rows_replaced"], row["rows_added"],
        json.loads(row["scope_json"] or "{}"), row["status"], row["message"], row["restores"],
    )  # fmt: skip


def begin(kind: str, table: str, file_name: str, sha256: str, who: str, scope: dict, restores=None) -> int:
    with metastore.session() as con, metastore.transaction(con):
        return con.execute(
            "INSERT INTO loads (kind, table_name, file_name, sha256, who, started_at, scope_json, status, restores) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, 'running', ?) RETURNING id",
            (kind, table, file_name, sha256, who, _now(), json.dumps(scope), restores),
        ).fetchone()[0]


def finish(load_id: int, status: str, *, seconds=0.0, written=0, replaced=0, added=0, message="") -> None:
    with metastore.session() as con, metastore.transaction(con):
        con.execute(
            "UPDATE loads SET status = ?, seconds = ?, rows_written = ?, rows_replaced = ?, rows_added = ?, "
            "message = ? WHERE id = ?",
            (status, float(seconds), int(written), int(replaced), int(added), message[:500], load_id),
        )


def mark(load_id: int, status: str) -> None:
    with metastore.session() as con, metastore.transaction(con):
        con.execute("UPDATE loads SET status = ? WHERE id = ?", (status, load_id))


def get(load_id: int) -> LoadRecord | None:
    with metastore.session() as con:
        row = con.execute("SELECT * FROM loads WHERE id = ?", (load_id,)).fetchone()
    return _record(row) if row else None


def history(table: str | None = None, limit: int = 200) -> list[LoadRecord]:
    """Newest first."""
    with metastore.session() as con:
        if table:
            rows = con.execute(
                "SELECT * FROM loads WHERE table_name = ? ORDER BY id DESC LIMIT ?", (table, limit)
            ).fetchall()
        else:
            rows = con.execute("SELECT * FROM loads ORDER BY id DESC LIMIT ?", (limit,)).fetchall()
    return [_record(r) for r in rows]


def latest_applied(table: str) -> LoadRecord | None:
    with metastore.session() as con:
        row = con.execute(
            "SELECT * FROM loads WHERE table_name = ? AND status = 'applied' ORDER BY id DESC LIMIT 1", (table,)
        ).fetchone()
    return _record(row) if row else None


def saved_mapping(table: str) -> dict[str, str]:
    """header -> column ('-' for a header left out) saved by the last load into `table`."""
    with metastore.session() as con:
        row = con.execute("SELECT mapping_json FROM load_mappings WHERE table_name = ?", (table,)).fetchone()
    return json.loads(row[0]) if row else {}


def save_mapping(table: str, mapping: dict[str, str], who: str) -> None:
    with metastore.session() as con, metastore.transaction(con):
        con.execute("DELETE FROM load_mappings WHERE table_name = ?", (table,))
        con.execute(
            "INSERT INTO load_mappings (table_name, mapping_json, saved_by, saved_at) VALUES (?, ?, ?, ?)",
            (table, json.dumps(mapping, ensure_ascii=False), who, _now()),
        )
