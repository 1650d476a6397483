"""Every write to the warehouse goes through here: on a copy, swapped in whole.

    with publish.changing(path, source="sync:erp") as change:
        change.con.execute(...)            # a read-write DuckDB connection on a copy of the warehouse
        change.touch("orders", "order_lines")
    change.result                          # rollups rebuilt, checks run, data date, seconds

Readers (the app, the screens, the CLI) keep the old file open until the new one is whole: after
the block, the rollups that read a touched table are rebuilt, the data date is set, the blocking
data-quality checks run on the copy, and only then is the copy renamed over the warehouse. The
warehouse's version (its file identity) changes once, so the result cache and every open screen
move to the new numbers together. Anything that fails on the way (an exception in the block, a
blocking check) deletes the copy: the warehouse is exactly as it was. One writer at a time: a second
waits for the first (a sync and an upload at once), and gives up with a clear message.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import os
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from semantic.errors import SemanticError
from semantic.execute import Warehouse, warehouse_path
from semantic.freshness import latest_day_select
from semantic.model.library import Library
from semantic.model.loader import default_library
from semantic.quality import load_checks
from semantic.quality.run import CheckResult, run_one
from semantic.rollup.build import build_into, rollups_reading

WAIT_SECONDS = 120.0


class PublishError(SemanticError):
    """A change to the warehouse was refused; the warehouse is unchanged."""


@dataclass(frozen=True)
class Published:
    source: str
    tables: tuple[str, ...]
    rollups: dict[str, int]
    checks: tuple[CheckResult, ...]
    as_of: dt.date | None
    seconds: float


@dataclass
class Change:
    con: duckdb.DuckDBPyConnection
    source: str
    touched: set[str] = field(default_factory=set)
    result: Published | None = None

    def touch(self, *tables: str) -> None:
        """Mark tables as changed: their rollups are rebuilt and their dates count for the data date."""
        self.touched.update(tables)


@contextmanager
def _writer_lock(path: Path, wait: float) -> Iterator[None]:
    lock = path.with_name(f"{path.name}.write-lock")
    with open(lock, "a+") as handle:
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise PublishError(
                        f"another sync or upload has been writing {path.name} for over {wait:.0f} s; "
                        "try again when it has finished (the admin page shows running syncs)."
                    ) from None
                time.sleep(0.1)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _table_names(con: duckdb.DuckDBPyConnection) -> set[str]:
    return {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}


def _set_data_date(con: duckdb.DuckDBPyConnection, library: Library, source: str, today: dt.date) -> dt.date | None:
    """warehouse_info.as_of = the latest business day in the data, never after `today`."""
    present = _table_names(con)
    select = latest_day_select(library, present)
    day = con.execute(select.sql(dialect="duckdb")).fetchone()[0] if select is not None else None
    day = min(day, today) if day else None
    if "warehouse_info" not in present:
        con.execute("CREATE TABLE warehouse_info (as_of DATE)")
    con.execute("ALTER TABLE warehouse_info ADD COLUMN IF NOT EXISTS synced_at TIMESTAMP")
    con.execute("ALTER TABLE warehouse_info ADD COLUMN IF NOT EXISTS synced_by VARCHAR")
    if con.execute("SELECT count(*) FROM warehouse_info").fetchone()[0] == 0:
        con.execute("INSERT INTO warehouse_info (as_of) VALUES (NULL)")
    con.execute(
        "UPDATE warehouse_info SET as_of = coalesce(?, as_of), synced_at = ?, synced_by = ?",
        [day, dt.datetime.now().replace(microsecond=0), source],
    )
    return con.execute("SELECT max(as_of) FROM warehouse_info").fetchone()[0]


def blocking_failures(path: Path, library: Library) -> list[CheckResult]:
    """Run the library's blocking checks on `path`; the ones that did not pass."""
    checks = [c for c in load_checks(library=library).values() if c.blocking]
    warehouse = Warehouse(path)
    try:
        results = [run_one(c, warehouse) for c in checks]
    finally:
        warehouse.close()
    return results


@contextmanager
def changing(
    path: Path | str | None = None,
    *,
    source: str,
    library: Library | None = None,
    today: dt.date | None = None,
    wait: float = WAIT_SECONDS,
) -> Iterator[Change]:
    """A read-write connection on a copy of the warehouse; see the module text."""
    path = Path(path or warehouse_path())
    library = library or default_library()
    started = time.perf_counter()
    path.parent.mkdir(parents=True, exist_ok=True)
    with _writer_lock(path, wait):
        tmp = path.with_name(f"{path.name}.change{os.getpid()}")
        tmp.unlink(missing_ok=True)
        try:
            if path.exists():
                shutil.copyfile(path, tmp)
            con = duckdb.connect(str(tmp))
            change = Change(con, source)
            try:
                con.execute("SET enable_progress_bar = false")
                con.execute("BEGIN")
                yield change
                con.execute("COMMIT")
                rollups = build_into(con, library, rollups_reading(library, change.touched), log=lambda _: None)
                as_of = _set_data_date(con, library, source, today or dt.date.today())
                con.execute("CHECKPOINT")
            finally:
                con.close()
            results = blocking_failures(tmp, library)
            failed = [r for r in results if r.status != "pass"]
            if failed:
                first = failed[0]
                raise PublishError(
                    f"the data-quality check '{first.name}' failed ({first.failing_rows:,} rows"
                    f"{': ' + first.message if first.message else ''}); nothing was changed. "
                    "Fix the data at its source, then sync again."
                )
            os.replace(tmp, path)
            change.result = Published(
                source,
                tuple(sorted(change.touched)),
                rollups,
                tuple(results),
                as_of,
                time.perf_counter() - started,
            )
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
