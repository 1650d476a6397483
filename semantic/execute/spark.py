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

import glob
import itertools
import os
import re
import tempfile
import threading
import time
import warnings
from pathlib import Path

import pandas as pd
import sqlglot
from sqlglot import exp

from semantic.errors import WarehouseError
from semantic.execute.frames import normalize
from semantic.execute.limits import NARROW, WarehouseVersion, first_line, query_memory, query_seconds

PARTITIONS_ENV = "CONCORD_SPARK_PARTITIONS"  # shuffle partitions (default 4: right for local mode and demo sizes)
JAVA_FUNCTIONS = ("reflect", "java_method", "try_reflect")  # would call any static Java method
# Spark logs nothing (errors reach the user as one-line WarehouseErrors); the logger the shell start-up
# reads is named too, so no "Setting default log level" banner either.
LOG4J = """status = error
appender.console.type = Console
appender.console.name = console
appender.console.target = SYSTEM_ERR
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = %d{HH:mm:ss} %p %c{1}: %m%n
rootLogger.level = off
rootLogger.appenderRef.console.ref = console
logger.repl.name = org.apache.spark.repl.Main
logger.repl.level = off
"""

# pyspark's toPandas still passes pandas 3 a `copy=` it deprecated: noise, not news, on every query
warnings.filterwarnings("ignore", message="The copy keyword is deprecated", module=r"pyspark\.")

_lock = threading.Lock()
_groups = itertools.count()
_root = []  # the process's one root SparkSession, once started


def find_java_home() -> str | None:
    """JAVA_HOME if set, else Debian's OpenJDK 17 (Spark 4 runs on Java 17 or 21)."""
    if os.environ.get("JAVA_HOME"):
        return os.environ["JAVA_HOME"]
    for pattern in ("/usr/lib/jvm/java-17-openjdk-*", "/usr/lib/jvm/java-21-openjdk-*"):
        found = sorted(glob.glob(pattern))
        if found:
            return found[0]
    return None


def _driver_memory(size: str) -> str:
    """'2GB' -> '2g', '500MB' -> '500m' (the JVM's spelling)."""
    number, unit = re.match(r"^(\d+(?:\.\d+)?)\s*([A-Za-z]+)$", size.strip()).groups()
    factor = {"b": 1 / 2**20, "kb": 1 / 2**10, "kib": 1 / 2**10, "mb": 1, "mib": 1, "gb": 2**10, "gib": 2**10}
    megabytes = float(number) * factor.get(unit.lower(), 2**20)
    return f"{max(int(megabytes), 256)}m"


def spark_context_session(master: str, catalog: str = "in-memory"):
    """The process's root SparkSession (started once, on `master`; later masters get the running one)."""
    java = find_java_home()
    if java:
        os.environ.setdefault("JAVA_HOME", java)
    elif not os.environ.get("JAVA_HOME"):
        raise WarehouseError(
            "Spark needs Java 17 and none was found; install Debian's openjdk-17-jre-headless or set JAVA_HOME."
        )
    with _lock:
        from pyspark.sql import SparkSession

        if _root:
            return _root[0]
        config = Path(tempfile.gettempdir()) / f"concord-spark-log4j2-{os.getpid()}.properties"
        config.write_text(LOG4J)  # read once, by the JVM starting below
        quiet = f"-Dlog4j2.configurationFile=file:{config} -Dlog4j.configurationFile=file:{config}"
        builder = (
            SparkSession.builder.master(master)
            .appName("concord")
            .config("spark.ui.enabled", "false")
            .config("spark.ui.showConsoleProgress", "false")
            .config("spark.sql.session.timeZone", "UTC")
            .config("spark.sql.catalogImplementation", catalog)
            .config("spark.sql.runSQLOnFiles", "false")
            .config("spark.sql.shuffle.partitions", os.environ.get(PARTITIONS_ENV, "").strip() or "4")
            .config("spark.sql.execution.arrow.pyspark.enabled", "true")
            .config("spark.driver.memory", _driver_memory(query_memory()))
            .config("spark.driver.extraJavaOptions", quiet)
            .config("spark.executor.extraJavaOptions", quiet)
        )
        try:
            session = builder.getOrCreate()
        except Exception as err:  # no Java, a master that does not answer
            raise WarehouseError(
                f"Spark could not start on master {master}: {first_line(err)}; check that the master is up "
                "(spark://host:7077) or use local[2], and that Java 17 is installed."
            ) from None
        session.sparkContext.setLogLevel("OFF")
        _root.append(session)
        return session


def sealed_session(root):
    """A new session on the shared context with nothing registered and the Java-calling functions removed."""
    session = root.newSession()
    jvm = session.sparkContext._jvm
    registry = session._jsparkSession.sessionState().functionRegistry()
    for name in JAVA_FUNCTIONS:
        registry.dropFunction(jvm.org.apache.spark.sql.catalyst.FunctionIdentifier.apply(name))
    return session


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


def only_select(sql: str) -> None:
    """Refuse anything but one SELECT (no DDL, no SET, no second statement)."""
    try:
        statements = [s for s in sqlglot.parse(sql, read="spark") if s is not None]
    except sqlglot.errors.ParseError as err:
        raise WarehouseError(f"Spark refused the query: {first_line(err)}") from None
    if len(statements) != 1 or not isinstance(statements[0], exp.Query):
        raise WarehouseError("Spark runs one SELECT at a time and nothing else; this was not one.")


class SparkWarehouse:
    """Declared Parquet tables (or a catalog database) read by a sealed Spark session."""

    engine = "spark"
    dialect = "spark"

    def __init__(self, master: str = "local[2]", tables: Path | str = "", database: str = "", *, seconds=None):
        self.master = master or "local[2]"
        self.tables = Path(tables) if str(tables) else None
        self.database = database.strip()
        self.seconds = seconds
        if self.tables is None and not self.database:
            raise WarehouseError(
                "Spark needs its tables: set [warehouse] tables (the Parquet folder written by "
                "python -m data.demo --engine spark --tables FOLDER) or schema (a catalog database)."
            )
        self._lock = threading.Lock()
        self._session = None
        self._registered: WarehouseVersion | None = None
        self._names: tuple[str, ...] = ()
        self._rollups: tuple[WarehouseVersion, dict[str, str]] | None = None

    def describe(self) -> str:
        where = f"over {self.tables}" if self.tables is not None else f"database {self.database}"
        return f"Spark {self.master} {where}"

    def _load_hint(self) -> str:
        return f"load it with python -m data.demo --engine spark --tables {self.tables}"

    def version(self) -> WarehouseVersion:
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

    def session(self):
        """This warehouse's sealed session with its tables registered for the current folder version."""
        version = self.version()
        with self._lock:
            if self._session is None:
                root = spark_context_session(self.master, "in-memory" if self.tables is not None else "hive")
                self._session = sealed_session(root)
            if self._registered != version:
                self._register(version)
            return self._session, version

    def _register(self, version: WarehouseVersion) -> None:
        session = self._session
        for name in self._names:
            session.catalog.dropTempView(name)
        names = []
        if self.tables is not None:
            for name in self._table_names():
                try:
                    session.read.parquet(str(self.tables / name)).createOrReplaceTempView(name)
                except Exception as err:
                    raise WarehouseError(
                        f"Spark cannot read table {name} in {self.tables}: {first_line(err)}; {self._load_hint()}."
                    ) from None
                names.append(name)
        else:
            try:
                listed = [t.name for t in session.catalog.listTables(self.database)]
            except Exception:
                raise WarehouseError(
                    f"Spark has no database {self.database}; create it in the catalog or set [warehouse] tables."
                ) from None
            for name in listed:
                quoted = ".".join(exp.to_identifier(p).sql("spark") for p in (self.database, name))
                session.table(quoted).createOrReplaceTempView(name)
                names.append(name)
        self._names, self._registered = tuple(names), version

    def run(self, sql: str) -> tuple[pd.DataFrame, WarehouseVersion, float]:
        """Execute one SELECT; returns the frame (DuckDB's dtypes), the tables' version and seconds taken."""
        only_select(sql)
        limit = query_seconds(self.seconds)
        session, version = self.session()
        context = session.sparkContext
        group = f"concord-{os.getpid()}-{next(_groups)}"
        stopped = threading.Event()

        def stop() -> None:
            stopped.set()
            context.cancelJobGroup(group)

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
            raise self._error(err, stopped.is_set(), limit) from None
        finally:
            timer.cancel()
            timer.join()
            context.setLocalProperty("spark.jobGroup.id", None)
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
        line = re.sub(r"\s+", " ", text.strip().split("\n")[0])[:300]
        return WarehouseError(f"Spark refused the query: {line}")

    def rollups(self) -> dict[str, str]:
        """Rollups built into these tables: name -> definition hash ({} when none)."""
        version = self.version()
        if self._rollups is not None and self._rollups[0] == version:
            return self._rollups[1]
        try:
            self.session()
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

    def close(self) -> None:
        """Forget the views (the shared context lives on for the process's other warehouses)."""
        with self._lock:
            if self._session is not None:
                for name in self._names:
                    try:
                        self._session.catalog.dropTempView(name)
                    except Exception:
                        pass
            self._session, self._registered, self._names = None, None, ()
