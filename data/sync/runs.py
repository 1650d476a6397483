"""Sync runs and cursors in the metadata store (data/migrations/009_sync.sql).

runs.latest()                 -> {source: SyncRun}  the last run of each source (status may be 'running')
runs.latest(ok_only=True)     -> {source: SyncRun}  the last successful one (its data date, its time)
runs.history("erp", limit=20) -> [SyncRun, ...]     newest first
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field

from data import metastore

STALE_SECONDS = 3600  # a run still 'running' after an hour belonged to a process that died


@dataclass
class SyncRun:
    source: str
    who: str = "cli"
    full: bool = False
    id: int | None = None
    started_at: str = ""
    finished_at: str | None = None
    status: str = "running"  # running, ok, failed
    rows_read: int = 0
    inserted: int = 0
    updated: int = 0
    deleted: int = 0
    seconds: float | None = None
    error: str = ""
    tables: dict[str, dict] = field(default_factory=dict)  # table -> {read, inserted, updated, deleted}
    reconciliation: dict[str, dict] = field(default_factory=dict)
    as_of: str | None = None  # the data date after the sync

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    def add(self, table: str, counts: dict) -> None:
        self.tables[table] = counts
        self.rows_read += counts["read"]
        self.inserted += counts["inserted"]
        self.updated += counts["updated"]
        self.deleted += counts["deleted"]


def now() -> str:
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()


def start(run: SyncRun) -> SyncRun:
    """Record the run as 'running' (the admin page shows it while it runs)."""
    run.started_at = now()
    stale = (dt.datetime.now(dt.UTC) - dt.timedelta(seconds=STALE_SECONDS)).replace(microsecond=0).isoformat()
    with metastore.session() as con, metastore.transaction(con):
        con.execute(  # a process that died mid-sync left its run 'running': it is not running any more
            "UPDATE sync_runs SET status = 'failed', error = ? WHERE source = ? AND status = 'running' "
            "AND started_at < ?",
            (f"source {run.source}: the sync stopped before it finished (the process ended)", run.source, stale),
        )
        run.id = con.execute(
            "INSERT INTO sync_runs (source, who, full_read, started_at, status) VALUES (?, ?, ?, ?, 'running') "
            "RETURNING id",
            (run.source, run.who, int(run.full), run.started_at),
        ).fetchone()[0]
    return run


def finish(run: SyncRun) -> SyncRun:
    run.finished_at = now()
    with metastore.session() as con, metastore.transaction(con):
        con.execute(
            "UPDATE sync_runs SET finished_at = ?, status = ?, rows_read = ?, inserted = ?, updated = ?, deleted = ?, "
            "seconds = ?, error = ?, tables_json = ?, reconciliation = ?, as_of = ? WHERE id = ?",
            (
                run.finished_at,
                run.status,
                run.rows_read,
                run.inserted,
                run.updated,
                run.deleted,
                run.seconds,
                run.error,
                json.dumps(run.tables),
                json.dumps(run.reconciliation, default=str),
                run.as_of,
                run.id,
            ),
        )
    return run


def _run(row) -> SyncRun:
    item = dict(row)
    return SyncRun(
        source=item["source"],
        who=item["who"],
        full=bool(item["full_read"]),
        id=item["id"],
        started_at=item["started_at"],
        finished_at=item["finished_at"],
        status=item["status"],
        rows_read=item["rows_read"],
        inserted=item["inserted"],
        updated=item["updated"],
        deleted=item["deleted"],
        seconds=item["seconds"],
        error=item["error"],
        tables=json.loads(item["tables_json"]),
        reconciliation=json.loads(item["reconciliation"]),
        as_of=item["as_of"],
    )


def latest(ok_only: bool = False) -> dict[str, SyncRun]:
    """source -> its last run (ok_only: its last successful run)."""
    where = "WHERE status = 'ok'" if ok_only else ""
    with metastore.session() as con:
        rows = con.execute(
            f"SELECT r.* FROM sync_runs r JOIN (SELECT source, max(id) AS id FROM sync_runs {where} "
            "GROUP BY source) last ON last.source = r.source AND last.id = r.id"
        ).fetchall()
    return {row["source"]: _run(row) for row in rows}


def history(source: str, limit: int = 20) -> list[SyncRun]:
    with metastore.session() as con:
        rows = con.execute(
            "SELECT * FROM sync_runs WHERE source = ? ORDER BY id DESC LIMIT ?", (source, int(limit))
        ).fetchall()
    return [_run(row) for row in rows]


def cursors(source: str) -> dict[str, str]:
    """table -> where its incremental read got to."""
    with metastore.session() as con:
        rows = con.execute("SELECT table_name, cursor FROM sync_cursors WHERE source = ?", (source,)).fetchall()
    return {row[0]: row[1] for row in rows}


def advance(source: str, marks: dict[str, str | None]) -> None:
    """Store the new cursors (called only after the warehouse was swapped in); None forgets one."""
    with metastore.session() as con, metastore.transaction(con):
        for table, mark in marks.items():
            if mark is None:
                con.execute("DELETE FROM sync_cursors WHERE source = ? AND table_name = ?", (source, table))
                continue
            con.execute(
                "INSERT INTO sync_cursors (source, table_name, cursor, updated_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (source, table_name) DO UPDATE SET cursor = excluded.cursor, "
                "updated_at = excluded.updated_at",
                (source, table, mark, now()),
            )
