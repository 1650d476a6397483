"""Run compiled SQL on the warehouse: read-only, sealed, one connection per file version.

The warehouse is opened read-only with external access off and configuration
locked, so a query can read the warehouse's own tables and nothing else: no
other file, no network, no extension, no setting changed back. When the file is
rebuilt (a new file renamed into place), the next query notices the new file
identity and reopens it; `version` is what the result cache keys on.
"""
from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

from semantic.errors import WarehouseError

DEFAULT_WAREHOUSE = Path(__file__).resolve().parent.parent / "data" / "warehouse.duckdb"
SEALED = {"enable_external_access": False, "autoload_known_extensions": False,
          "autoinstall_known_extensions": False, "lock_configuration": True}


@dataclass(frozen=True)
class WarehouseVersion:
    path: str
    inode: int
    mtime_ns: int
    size: int


class Warehouse:
    """A warehouse file and its current read-only connection."""

    def __init__(self, path: Path | str = DEFAULT_WAREHOUSE, threads: int | None = None):
        self.path = Path(path)
        self.threads = threads
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
                config = dict(SEALED)
                if self.threads:
                    config["threads"] = self.threads
                try:
                    self._connection = duckdb.connect(str(self.path), read_only=True, config=config)
                except duckdb.Error as err:
                    raise WarehouseError(f"warehouse {self.path} cannot be opened: {_first_line(err)}; "
                                         "it may be being rebuilt, try again in a moment.") from None
                self._connected_version = version
            return self._connection.cursor(), version

    def run(self, sql: str) -> tuple[pd.DataFrame, WarehouseVersion, float]:
        """Execute one SELECT; returns the frame, the file version it read and seconds taken."""
        cursor, version = self.cursor()
        started = time.perf_counter()
        try:
            frame = cursor.execute(sql).df()
        except duckdb.Error as err:
            raise WarehouseError(f"the warehouse refused the query: {_first_line(err)}") from None
        finally:
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

    def close(self) -> None:
        with self._lock:
            self._close_locked()

    def _close_locked(self) -> None:
        if self._connection is not None:
            self._connection.close()
        self._connection = None
        self._connected_version = None


def _first_line(err: Exception) -> str:
    text = str(err).strip().splitlines()
    return text[0] if text else type(err).__name__
