"""Run compiled SQL on the warehouse: read-only, sealed, one connection per file version.

The warehouse is opened read-only with external access off and configuration
locked, so a query can read the warehouse's own tables and nothing else: no
other file, no network, no extension, no setting changed back. When the file is
rebuilt (a new file renamed into place), the next query notices the new file
identity and reopens it; `version` is what the result cache keys on.

Each query is bounded: the connection is opened with a memory_limit
(CONCORD_QUERY_MEMORY, default 2GB) and a query still running after
CONCORD_QUERY_SECONDS (default 60) is interrupted from a timer thread (DuckDB
has no statement timeout); both end as a one-line WarehouseError.
"""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import duckdb
import pandas as pd

from semantic.errors import WarehouseError
from semantic.execute.limits import (
    DEFAULT_MEMORY,
    MEMORY_ENV,
    NARROW,
    WarehouseVersion,
    first_line,
    query_memory,
    query_seconds,
)

DEFAULT_WAREHOUSE = Path(__file__).resolve().parent.parent.parent / "data" / "warehouse.duckdb"
# Every connection to one warehouse file in a process must share one configuration
# (DuckDB refuses a second one), so this is the whole of it, memory limit included.
SEALED = {
    "enable_external_access": False,
    "autoload_known_extensions": False,
    "autoinstall_known_extensions": False,
    "lock_configuration": True,
    "memory_limit": os.environ.get(MEMORY_ENV, "").strip() or DEFAULT_MEMORY,
}


def warehouse_path() -> Path:
    """The warehouse file: CONCORD_WAREHOUSE (set from concord.toml's [warehouse] path by
    data.config.settle) or data/warehouse.duckdb."""
    return Path(os.environ.get("CONCORD_WAREHOUSE") or DEFAULT_WAREHOUSE)


class Warehouse:
    """A warehouse file and its current read-only connection (the DuckDB engine)."""

    engine = "duckdb"
    dialect = "duckdb"  # the sqlglot dialect compiled plans are rendered in for it

    def __init__(
        self,
        path: Path | str = DEFAULT_WAREHOUSE,
        threads: int | None = None,
        *,
        memory_limit: str | None = None,
        seconds: float | None = None,
    ):
        """`memory_limit` (e.g. "2GB") and `seconds` bound every query; None reads
        CONCORD_QUERY_MEMORY / CONCORD_QUERY_SECONDS (defaults 2GB, 60 s)."""
        self.path = Path(path)
        self.threads = threads
        self.memory_limit = memory_limit
        self.seconds = seconds
        self._lock = threading.Lock()
        self._connection: duckdb.DuckDBPyConnection | None = None
        self._connected_version: WarehouseVersion | None = None
        self._rollups: tuple[WarehouseVersion, dict[str, str]] | None = None

    def version(self) -> WarehouseVersion:
        try:
            st = os.stat(self.path)
        except FileNotFoundError:
            raise WarehouseError(
                f"warehouse {self.path} not found; build it with `make warehouse` "
                "(or `python -m data.demo --out PATH`), or pass --db PATH."
            ) from None
        return WarehouseVersion(str(self.path.resolve()), st.st_ino, st.st_mtime_ns, st.st_size)

    def cursor(self) -> tuple[duckdb.DuckDBPyConnection, WarehouseVersion]:
        version = self.version()
        with self._lock:
            if self._connection is None or self._connected_version != version:
                self._close_locked()
                config = {**SEALED, "memory_limit": query_memory(self.memory_limit)}
                if self.threads:
                    config["threads"] = self.threads
                try:
                    self._connection = duckdb.connect(str(self.path), read_only=True, config=config)
                except duckdb.Error as err:
                    raise WarehouseError(
                        f"warehouse {self.path} cannot be opened: {first_line(err)}; "
                        "it may be being rebuilt, try again in a moment."
                    ) from None
                self._connected_version = version
            return self._connection.cursor(), version

    def run(self, sql: str) -> tuple[pd.DataFrame, WarehouseVersion, float]:
        """Execute one SELECT; returns the frame, the file version it read and seconds taken.
        A query over the time limit is interrupted; over the memory limit, DuckDB stops it."""
        limit = query_seconds(self.seconds)
        cursor, version = self.cursor()
        stopped = threading.Event()

        def stop() -> None:
            stopped.set()
            cursor.interrupt()

        timer = threading.Timer(limit, stop)
        timer.daemon = True
        started = time.perf_counter()
        timer.start()
        try:
            frame = cursor.execute(sql).df()
        except duckdb.Error as err:
            if stopped.is_set():
                raise WarehouseError(f"this query ran longer than {limit:g} s and was stopped; {NARROW}.") from None
            if isinstance(err, duckdb.OutOfMemoryException):
                raise WarehouseError(
                    f"this query needed more than {query_memory(self.memory_limit)} of memory "
                    f"and was stopped; {NARROW}."
                ) from None
            raise WarehouseError(f"the warehouse refused the query: {first_line(err)}") from None
        finally:
            timer.cancel()
            timer.join()  # the interrupt, if it fired, is over before the cursor closes
            cursor.close()
        return frame, version, time.perf_counter() - started

    def rollups(self) -> dict[str, str]:
        """Rollups built into this file version: name -> definition hash ({} when none)."""
        version = self.version()
        if self._rollups is not None and self._rollups[0] == version:
            return self._rollups[1]
        try:
            frame = self.run("SELECT name, definition_hash FROM rollup_info")[0]
            found = dict(zip(frame["name"], frame["definition_hash"]))
        except WarehouseError:
            found = {}
        self._rollups = (version, found)
        return found

    def describe(self) -> str:
        """The engine and where its data lives, for a message: 'DuckDB file data/warehouse.duckdb'."""
        return f"DuckDB file {self.path}"

    def columns(self) -> dict[str, set[str]]:
        """Each table in the warehouse and its columns (the library's tables are checked against it)."""
        frame = self.run("SELECT table_name, column_name FROM information_schema.columns")[0]
        have: dict[str, set[str]] = {}
        for table, column in zip(frame["table_name"], frame["column_name"]):
            have.setdefault(table, set()).add(column)
        return have

    def close(self) -> None:
        with self._lock:
            self._close_locked()

    def _close_locked(self) -> None:
        if self._connection is not None:
            self._connection.close()
        self._connection = None
        self._connected_version = None
