"""Sync one source: read each table, merge it into a copy of the warehouse, reconcile, swap.

Everything happens inside one publish.changing block: the rows read are merged on the copy, then
the count and the sums of the declared amount columns are compared between the source (the same
snapshot the rows came from) and the warehouse copy. A mismatch, a bad row, an unreachable source
or a failed blocking check raises, and the copy is thrown away: the warehouse is exactly as it
was. When nothing changed the copy is thrown away too (no new version for readers), and the run
is still recorded as ok. Cursors advance only after the swap.
"""

from __future__ import annotations

import time

import duckdb
import psycopg

from data import publish
from data.config import ConfigError
from data.config_sources import Source
from data.sync import merge, runs
from data.sync.batch import SyncFailed, reconcile
from data.sync.runs import SyncRun
from semantic.model.library import Library
from semantic.model.loader import default_library


class _Unchanged(Exception):
    """Nothing to publish: leave the warehouse file alone."""


def open_reader(name: str, source: Source):
    if source.kind == "postgres":
        from data.sync.postgres import PostgresReader

        return PostgresReader(name, source)
    from data.sync.folder import FolderReader

    return FolderReader(name, source)


def _shown(values: dict) -> str:
    return ", ".join(f"{k} {v:,}" if isinstance(v, int) else f"{k} {v}" for k, v in values.items())


def _apply(change, reader, name: str, source: Source, run: SyncRun, marks: dict, full: bool, library, new_marks):
    planning = [t for t in source.tables if t in library.tables and t not in library.warehouse_tables]
    if planning:  # a budget version is prepared in the app and kept in the metadata store, never synced
        raise SyncFailed(
            f"source {name}: {', '.join(planning)} is a planning table (budget versions live in the app's "
            "metadata store); sync the warehouse's budget table (budgets) instead, or prepare versions on "
            "the Budget planning page."
        )
    for table, spec in source.tables.items():
        batch = reader.read(table, spec, marks.get(table), full)
        if batch is None:  # a folder whose files did not change
            run.add(table, {"read": 0, "inserted": 0, "updated": 0, "deleted": 0})
            continue
        declared = list(library.tables[table].columns) if table in library.tables else None
        counts = merge.merge(change.con, name, batch, spec.primary_key, declared)
        run.add(table, counts)
        new_marks[table] = batch.mark
        if counts["inserted"] or counts["updated"] or counts["deleted"]:
            change.touch(table)
    for table, spec in source.tables.items():
        at_source = reader.totals(table, spec)
        if at_source is None:
            continue
        in_warehouse = merge.totals(change.con, table, spec.amounts)
        ok = reconcile(at_source, in_warehouse)
        run.reconciliation[table] = {"source": at_source, "warehouse": in_warehouse, "ok": ok}
        if not ok:
            raise SyncFailed(
                f"source {name}: {table} does not reconcile (source: {_shown(at_source)}; warehouse after the merge: "
                f"{_shown(in_warehouse)}); a row changed without its {spec.cursor or 'cursor'} moving, or was "
                f"deleted outright. Run python -m data.sync --source {name} --full."
            )
    if not change.touched:
        raise _Unchanged


def data_date(path=None) -> str | None:
    """The warehouse's data date (warehouse_info.as_of), read without disturbing readers."""
    from semantic.execute import SEALED, warehouse_path

    try:
        con = duckdb.connect(str(path or warehouse_path()), read_only=True, config=dict(SEALED))
    except duckdb.Error:
        return None
    try:
        day = con.execute("SELECT max(as_of) FROM warehouse_info").fetchone()[0]
        return str(day) if day else None
    except duckdb.Error:
        return None
    finally:
        con.close()


def _reason(err: Exception) -> str:
    text = str(err).strip()
    return text.splitlines()[0] if text else type(err).__name__


def sync_source(
    name: str, source: Source, *, full: bool = False, who: str = "cli", path=None, library: Library | None = None
) -> SyncRun:
    """Sync one source; the run is recorded (and returned) whether it succeeded or failed."""
    library = library or default_library()
    run = runs.start(SyncRun(name, who=who, full=full))
    started = time.perf_counter()
    try:
        marks = {} if full else runs.cursors(name)
        reader = open_reader(name, source)
        try:
            new_marks: dict[str, str | None] = {}
            try:
                with publish.changing(path, source=f"sync:{name}", library=library) as change:
                    _apply(change, reader, name, source, run, marks, full, library, new_marks)
                run.as_of = str(change.result.as_of) if change.result.as_of else None
            except _Unchanged:  # the warehouse already holds every row read: keep it, but the marks may move on
                run.as_of = data_date(path)
        finally:
            reader.close()
        runs.advance(name, new_marks)
        run.status = "ok"
    except (SyncFailed, publish.PublishError, ConfigError) as err:
        run.status, run.error = "failed", _reason(err)
    except (duckdb.Error, psycopg.Error, OSError) as err:
        run.status, run.error = "failed", f"source {name}: {_reason(err)}"
    finally:
        run.seconds = round(time.perf_counter() - started, 3)
        if run.status == "running":  # an unexpected error (a bug): still not left 'running'
            run.status, run.error = "failed", f"source {name}: the sync stopped unexpectedly"
        runs.finish(run)
    return run
