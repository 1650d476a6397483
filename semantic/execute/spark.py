"""Apache Spark as the engine: local mode (`local[2]`) or a cluster (`spark://host:7077`), over declared tables.

The tables live in one folder, one Parquet sub-folder per table (what `python -m data.demo --engine spark
--tables FOLDER` writes), or in a catalog database (`database=`). Each warehouse gets its own Spark session
(one SparkContext per process, shared) in which exactly its declared tables are registered as temporary
views and nothing else can be read: SQL on files is off (no parquet.`/etc/passwd`), the catalog is in
memory (no Hive), the functions that call into Java (reflect, java_method) are removed, and `run` takes
one SELECT only.

Each query runs in its own job group, cancelled by a timer after CONCORD_QUERY_SECONDS; the driver gets
CONCORD_QUERY_MEMORY when the JVM starts. Results come back with the dtypes DuckDB gives (frames.normalize
from the result's Spark schema). `version()` is a stamp of the table folders (their identities and
mtimes), so a reload (a new folder renamed into place) is seen by the next query and by the result cache.
"""

from __future__ import annotations

import itertools
import os
import re
import threading
import time
from pathlib import Path

import pandas as pd
import sqlglot
from sqlglot import exp

from semantic.errors import WarehouseError
from semantic.execute.frames import normalize
from semantic.execute.limits import NARROW, WarehouseVersion, first_line, query_seconds
from semantic.execute.spark_session import alive, forget_root, java_line, sealed_session, spark_context_session

_groups = itertools.count()
# what a query's error says when the driver itself failed (in local mode an OutOfMemoryError ends the JVM)
DRIVER_TROUBLE = ("OutOfMemoryError", "SparkContext was shut down", "Exception thrown in awaitResult")


def _kind(data_type) -> str:
    from pyspark.sql import types as t

    if isinstance(data_type, t.DateType):
        return "date"
    if isinstance(data_type, (t.TimestampType, t.TimestampNTZType)):
        return "timestamp"
    if isinstance(data_type, (t.DecimalType, t.DoubleType, t.FloatType)):
        return "float"
    if isinstance(data_type, (t.IntegerType, t.LongType, t.ShortType, t.ByteType)):
        return "int"
    if isinstance(data_type, t.StringType):
        return "str"
    if isinstance(data_type, t.BooleanType):
        return "bool"
    return "other"


def only_select(sql: str) -> set[str]:
    """Refuse anything but one SELECT (no DDL, no SET, no second statement); the names of the tables it reads."""
    try:
        statements = [s for s in sqlglot.parse(sql, read="spark") if s is not None]
    except sqlglot.errors.ParseError as err:
        raise WarehouseError(f"Spark refused the query: {first_line(err)}") from None
    if len(statements) != 1 or not isinstance(statements[0], exp.Query):
        raise WarehouseError("Spark runs one SELECT at a time and nothing else; this was not one.")
    tables = list(statements[0].find_all(exp.Table))
    if any(t.args.get("db") or t.args.get("catalog") for t in tables):  # parquet.`/path`, db.table
        raise WarehouseError(
            "Spark reads only the warehouse's declared tables, by their plain names; this query named another."
        )
    return {t.name for t in tables if t.name}


class SparkWarehouse:
    """Declared Parquet tables (or a catalog database) read by a sealed Spark session."""

    engine = "spark"
    dialect = "spark"

    def __init__(self, master: str = "local[2]", tables: Path | str = "", database: str = "", *, seconds=None):
        self.master = master or "local[2]"
        self.tables = Path(tables) if str(tables) else None
        self.database = database.strip()
        self.seconds = seconds
        self._lock = threading.Lock()
        self._session = None
        self._registered: WarehouseVersion | None = None
        self._names: tuple[str, ...] = ()  # the declared tables
        self._views: set[str] = set()  # those registered in the session so far
        self._rollups: tuple[WarehouseVersion, dict[str, str]] | None = None

    def describe(self) -> str:
        where = f"over {self.tables}" if self.tables is not None else f"database {self.database}"
        return f"Spark {self.master} {where}"

    def _load_hint(self) -> str:
        return f"load it with python -m data.demo --engine spark --tables {self.tables}"

    def version(self) -> WarehouseVersion:
        if self.tables is None and not self.database:  # said at the first query, like every other engine error
            raise WarehouseError(
                "Spark needs its tables: set [warehouse] tables (the Parquet folder written by "
                "python -m data.demo --engine spark --tables FOLDER) or schema (a catalog database)."
            )
        if self.tables is None:
            return WarehouseVersion(f"spark:{self.master}/{self.database}", 0, 0, 0)
        try:
            root = os.stat(self.tables)
            stamp, count = root.st_mtime_ns, 0
            with os.scandir(self.tables) as entries:
                for entry in entries:
                    if entry.is_dir() and not entry.name.startswith((".", "_")):
                        st = entry.stat()
                        stamp, count = stamp ^ (st.st_mtime_ns + st.st_ino), count + 1
        except (FileNotFoundError, NotADirectoryError):
            raise WarehouseError(f"Spark's tables folder {self.tables} not found; {self._load_hint()}.") from None
        if count == 0:
            raise WarehouseError(f"Spark's tables folder {self.tables} holds no tables; {self._load_hint()}.")
        return WarehouseVersion(f"spark:{self.tables.resolve()}", root.st_ino, stamp, count)

    def _table_names(self) -> list[str]:
        return sorted(
            entry.name
            for entry in os.scandir(self.tables)
            if entry.is_dir() and not entry.name.startswith((".", "_")) and re.match(r"^\w+$", entry.name)
        )

    def session(self, wanted: set[str] | None = None):
        """This warehouse's sealed session, with the declared tables in `wanted` (default: all) registered as
        views of the current folder version. Views are made when first read: each costs Spark a footer read."""
        version = self.version()
        if self._session is not None and not alive():  # the driver died since (out of memory, killed)
            self._forget()
        with self._lock:
            if self._session is None:
                # a folder's tables need no catalog (in memory: no Hive); a database is in the cluster's own catalog
                root = spark_context_session(self.master, "in-memory" if self.tables is not None else None)
                self._session = sealed_session(root)
            if self._registered != version:
                for name in self._views:
                    self._session.catalog.dropTempView(name)
                self._views, self._registered = set(), version
                self._names = tuple(self._table_names() if self.tables is not None else self._catalog_names())
            for name in sorted(set(self._names) - self._views if wanted is None else wanted & set(self._names)):
                if name not in self._views:
                    self._register(name)
            return self._session, version

    def _catalog_names(self) -> list[str]:
        try:
            return [t.name for t in self._session.catalog.listTables(self.database) if not t.isTemporary]
        except Exception:
            raise WarehouseError(
                f"Spark has no database {self.database}; create it in the catalog or set [warehouse] tables."
            ) from None

    def _register(self, name: str) -> None:
        session = self._session
        try:
            if self.tables is not None:
                frame = session.read.parquet(str(self.tables / name))
            else:
                frame = session.table(".".join(exp.to_identifier(p).sql("spark") for p in (self.database, name)))
            frame.createOrReplaceTempView(name)
        except Exception as err:
            where = self._load_hint() if self.tables is not None else f"check table {name} in {self.database}"
            raise WarehouseError(
                f"Spark cannot read table {name} ({self.describe()}): {first_line(err)}; {where}."
            ) from None
        self._views.add(name)

    def run(self, sql: str) -> tuple[pd.DataFrame, WarehouseVersion, float]:
        """Execute one SELECT; returns the frame (DuckDB's dtypes), the tables' version and seconds taken."""
        tables = only_select(sql)
        limit = query_seconds(self.seconds)
        session, version = self.session(tables)
        context = session.sparkContext
        group = f"concord-{os.getpid()}-{next(_groups)}"
        stopped = threading.Event()

        def stop() -> None:
            stopped.set()
            try:
                context.cancelJobGroup(group)
            except Exception:  # the driver is gone already; run() says so
                pass

        timer = threading.Timer(limit, stop)
        timer.daemon = True
        started = time.perf_counter()
        context.setJobGroup(group, "concord query", interruptOnCancel=True)
        timer.start()
        try:
            frame = session.sql(sql)
            kinds = {field.name: _kind(field.dataType) for field in frame.schema.fields}
            result = normalize(frame.toPandas(), kinds)
        except WarehouseError:
            raise
        except Exception as err:
            dead = not alive()
            if dead or (not stopped.is_set() and any(sign in str(err) for sign in DRIVER_TROUBLE)):
                if dead:
                    self._forget()
                raise WarehouseError(
                    "Spark's driver failed while running this query (out of memory, or stopped); Concord starts it "
                    f"again at the next query if needed; {NARROW}, or give the driver more memory (CONCORD_QUERY_MEMORY, "
                    "spark.driver.memory)."
                ) from None
            raise self._error(err, stopped.is_set(), limit) from None
        finally:
            timer.cancel()
            timer.join()
            try:
                context.setLocalProperty("spark.jobGroup.id", None)
            except Exception:
                pass
        return result, version, time.perf_counter() - started

    def _error(self, err: Exception, stopped: bool, limit: float) -> WarehouseError:
        text = str(err)
        if stopped:
            return WarehouseError(f"this query ran longer than {limit:g} s on Spark and was stopped; {NARROW}.")
        if "OutOfMemoryError" in text or "SparkOutOfMemoryError" in text or "UNABLE_TO_ACQUIRE_MEMORY" in text:
            return WarehouseError(
                f"Spark ran out of memory for this query; {NARROW}, or give the driver more memory "
                "(spark.driver.memory, CONCORD_QUERY_MEMORY)."
            )
        missing = re.search(r"TABLE_OR_VIEW_NOT_FOUND\].*?`([^`]+)`", text)
        if missing:
            where = self._load_hint() if self.tables is not None else f"create it in database {self.database}"
            return WarehouseError(f"Spark has no table {missing.group(1)} ({self.describe()}); {where}.")
        if "UNSUPPORTED_DATASOURCE_FOR_DIRECT_QUERY" in text or "runSQLOnFiles" in text:
            return WarehouseError("Spark reads only the warehouse's declared tables; this query asked for a file.")
        return WarehouseError(f"Spark refused the query: {java_line(err)}")

    def rollups(self) -> dict[str, str]:
        """Rollups built into these tables: name -> definition hash ({} when none)."""
        version = self.version()
        if self._rollups is not None and self._rollups[0] == version:
            return self._rollups[1]
        try:
            self.session(set())
            found = {}
            if "rollup_info" in self._names:
                frame = self.run("SELECT name, definition_hash FROM rollup_info")[0]
                found = dict(zip(frame["name"], frame["definition_hash"]))
        except WarehouseError:
            found = {}
        self._rollups = (version, found)
        return found

    def columns(self) -> dict[str, set[str]]:
        """Each declared table and its columns."""
        session, _ = self.session()
        return {name: set(session.table(name).columns) for name in self._names}

    def _forget(self) -> None:
        """After the driver died: this warehouse and the process start a new one at the next query."""
        with self._lock:
            self._session, self._registered, self._names, self._views = None, None, (), set()
        forget_root()

    def close(self) -> None:
        """Forget the views (the shared context lives on for the process's other warehouses)."""
        with self._lock:
            if self._session is not None:
                for name in self._views:
                    try:
                        self._session.catalog.dropTempView(name)
                    except Exception:
                        pass
            self._session, self._registered, self._names, self._views = None, None, (), set()
