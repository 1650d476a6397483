"""The process's one Spark driver for Concord: started once (Java found, quiet logs, UTC, the driver's memory,
local mode's shuffle partitions), checked before a cluster is asked, and forgotten when it dies so the next
query starts a new one. `sealed_session` is what each SparkWarehouse reads through (semantic/execute/spark.py).
"""

from __future__ import annotations

import glob
import hashlib
import logging
import os
import re
import socket
import tempfile
import threading
import warnings
from pathlib import Path

from semantic.errors import WarehouseError
from semantic.execute.limits import query_memory

PARTITIONS_ENV = "CONCORD_SPARK_PARTITIONS"  # shuffle partitions (default: local mode's cores; a cluster's own)
JAVA_FUNCTIONS = ("reflect", "java_method", "try_reflect")  # would call any static Java method
# Spark logs nothing (errors reach the user as one-line WarehouseErrors). Spark's own loggers are named with
# the root's level, so its start-up sees nothing to change and prints no "Setting default log level" banner.
LOG4J = """status = error
appender.console.type = Console
appender.console.name = console
appender.console.target = SYSTEM_ERR
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = %d{HH:mm:ss} %p %c{1}: %m%n
rootLogger.level = off
rootLogger.appenderRef.console.ref = console
logger.spark.name = org.apache.spark
logger.spark.level = off
"""

# pyspark's toPandas still passes pandas 3 a `copy=` it deprecated: noise, not news, on every query
warnings.filterwarnings("ignore", message="The copy keyword is deprecated", module=r"pyspark\.")
# and says so when a cancelled (timed out) query ends its Arrow transfer; the query's own error is what counts
warnings.filterwarnings("ignore", message="toPandas attempted Arrow optimization", module=r"pyspark\.")

_lock = threading.Lock()
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
    return f"{max(int(megabytes), 512)}m"  # Spark will not start its driver below ~450 MB


def _local_cores(master: str) -> str:
    """Local mode shuffles into as many partitions as it has cores (Spark's 200 are for clusters: on one
    machine each is a task to schedule); a cluster keeps its own setting."""
    found = re.match(r"^local\[(\d+|\*)", master)
    if not found:
        return "1" if master == "local" else ""
    return str(os.cpu_count() or 2) if found.group(1) == "*" else found.group(1)


def reachable(master: str) -> None:
    """A cluster's master answers (a standalone master that does not would leave Spark retrying for a minute)."""
    found = re.match(r"^spark://([^:/,]+):(\d+)$", master)
    if not found:
        return
    try:
        socket.create_connection((found.group(1), int(found.group(2))), timeout=5).close()
    except OSError as err:
        raise WarehouseError(
            f"Spark's master {master} does not answer ({err.strerror or err}); start it, or set [warehouse] url "
            'to the right master (or "local[2]" to run Spark inside Concord).'
        ) from None


def spark_context_session(master: str, catalog: str | None = "in-memory"):
    """The process's root SparkSession (started once, on `master`; later masters get the running one)."""
    reachable(master)
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
        config = (
            Path(tempfile.gettempdir())
            / f"concord-spark-log4j2-{hashlib.sha1(LOG4J.encode()).hexdigest()[:10]}.properties"
        )
        if not config.exists():  # read once, by the JVM starting below
            partial = config.with_name(f".{config.name}.{os.getpid()}")
            partial.write_text(LOG4J)
            os.replace(partial, config)
        quiet = f"-Dlog4j2.configurationFile=file:{config} -Dlog4j.configurationFile=file:{config}"
        builder = (
            SparkSession.builder.master(master)
            .appName("concord")
            .config("spark.ui.enabled", "false")
            .config("spark.ui.showConsoleProgress", "false")
            .config("spark.sql.session.timeZone", "UTC")
            .config("spark.sql.runSQLOnFiles", "false")
            .config("spark.sql.execution.arrow.pyspark.enabled", "true")
            .config("spark.driver.memory", _driver_memory(query_memory()))
            .config("spark.driver.extraJavaOptions", quiet)
            .config("spark.executor.extraJavaOptions", quiet)
        )
        if catalog:
            builder = builder.config("spark.sql.catalogImplementation", catalog)
        partitions = os.environ.get(PARTITIONS_ENV, "").strip() or _local_cores(master)
        if partitions:
            builder = builder.config("spark.sql.shuffle.partitions", partitions)
        try:
            session = builder.getOrCreate()
        except Exception as err:  # no Java, a master that does not answer
            raise WarehouseError(
                f"Spark could not start on master {master}: {java_line(err)}; check that the master is up "
                "(spark://host:7077) or use local[2], and that Java 17 is installed."
            ) from None
        session.sparkContext.setLogLevel("OFF")
        logging.getLogger("SQLQueryContextLogger").setLevel(logging.CRITICAL)  # pyspark's JSON copy of each error
        _root.append(session)
        return session


def alive() -> bool:
    """The process's Spark driver still answers."""
    if not _root:
        return False
    try:
        _root[0].sparkContext._jvm.java.lang.System.currentTimeMillis()
        return True
    except Exception:
        return False


def forget_root() -> None:
    """Drop a dead driver so the next session starts a new JVM (pyspark keeps its gateway in class attributes)."""
    from pyspark import SparkContext
    from pyspark.sql import SparkSession

    with _lock:
        _root.clear()
        SparkContext._active_spark_context = None
        SparkContext._gateway = None
        SparkContext._jvm = None
        SparkSession._instantiatedSession = None
        SparkSession._activeSession = None


def sealed_session(root):
    """A new session on the shared context with nothing registered and the Java-calling functions removed."""
    session = root.newSession()
    jvm = session.sparkContext._jvm
    registry = session._jsparkSession.sessionState().functionRegistry()
    for name in JAVA_FUNCTIONS:
        registry.dropFunction(jvm.org.apache.spark.sql.catalyst.FunctionIdentifier.apply(name))
    return session


def java_line(err: BaseException) -> str:
    """The line of a Java error that says what happened (pyspark's first line is often 'An error occurred
    while calling ...'), without Spark's SQLSTATE tail."""
    lines = [line.strip() for line in str(err).splitlines() if line.strip()]
    told = next((line for line in lines if re.search(r"(Exception|Error): ", line)), lines[0] if lines else "")
    told = re.sub(r"^[\w.$]+(Exception|Error): ", "", told)
    return re.sub(r"\s*SQLSTATE: \w+.*$", "", told)[:300] or type(err).__name__
