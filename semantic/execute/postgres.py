"""Run compiled SQL on PostgreSQL: a read-only role, read-only transactions, a statement timeout.

The URL names a role that may only read (data.engines.postgres creates `concord_reader` with USAGE on
the schema and SELECT on its tables); its password comes from CONCORD_ENGINE_PASSWORD when set, else
from libpq (~/.pgpass, PGPASSWORD), never from a file Concord writes. Every query runs as

    BEGIN READ ONLY; SET LOCAL statement_timeout = <CONCORD_QUERY_SECONDS * 1000>; SET LOCAL jit = off;
    <query>; ROLLBACK

with search_path = the schema, through the extended protocol (one statement per query: a crafted
`...; DROP` is refused by the server before anything runs). A few connections are pooled for the
threads Streamlit runs sessions in; a connection the server dropped is replaced once, transparently.
Results come back with DuckDB's dtypes (semantic.execute.frames), so nothing above asks who answered.

`version()` is the data's identity for the result cache: the load stamp the loader writes
(warehouse_info.loaded_at, the table's oid, rollup_info's last build), polled at most every
POLL_SECONDS, so a reload invalidates cached results without a query per run.
"""

from __future__ import annotations

import hashlib
import os
import re
import threading
import time

import pandas as pd
import psycopg
from psycopg import errors as pgerrors
from psycopg.conninfo import conninfo_to_dict

from semantic.errors import WarehouseError
from semantic.execute.frames import normalize
from semantic.execute.limits import NARROW, WarehouseVersion, first_line, query_seconds

SCHEMA_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")
PASSWORD_ENV = "CONCORD_ENGINE_PASSWORD"
POLL_SECONDS = 3.0  # how stale version() may be: a reload is noticed within this
POOL = 4  # idle connections kept for the next query
LOAD = "python -m data.demo --engine postgres --url OWNER_URL"

# PostgreSQL type OID -> frames kind (anything else stays as psycopg loaded it)
KINDS = {
    16: "bool",
    20: "int",
    21: "int",
    23: "int",
    26: "int",
    700: "float",
    701: "float",
    1700: "float",
    18: "str",
    19: "str",
    25: "str",
    1042: "str",
    1043: "str",
    1082: "date",
    1114: "timestamp",
    1184: "timestamp",
}

NARROW_INTS = {21: "int16", 23: "int32"}

STAMP = (
    "SELECT 'warehouse_info'::regclass::oid::bigint AS oid, "
    "(SELECT max(loaded_at)::text FROM warehouse_info) AS loaded, "
    "(SELECT count(*) FROM rollup_info) AS rollups, (SELECT max(built_at)::text FROM rollup_info) AS built"
)


class PostgresWarehouse:
    """One PostgreSQL schema, read through a read-only role (the postgres engine)."""

    engine = "postgres"
    dialect = "postgres"

    def __init__(self, url: str, schema: str = "public", *, seconds: float | None = None, poll: float = POLL_SECONDS):
        if not url:
            raise WarehouseError(
                "PostgreSQL needs a URL; set [warehouse] url in concord.toml (or CONCORD_ENGINE_URL) "
                "like postgresql://concord_reader@host:5432/db."
            )
        try:
            parts = conninfo_to_dict(url)
        except psycopg.ProgrammingError:
            raise WarehouseError(
                "the PostgreSQL URL in [warehouse] url is not a connection URL; write it like "
                "postgresql://concord_reader@host:5432/db."
            ) from None
        self.url = url
        self.schema = schema or "public"
        if not SCHEMA_NAME.match(self.schema):
            raise WarehouseError(
                f"the PostgreSQL schema '{self.schema}' is not a plain name; set [warehouse] schema to letters, "
                "digits and _ (like public or concord)."
            )
        self.seconds = seconds
        self.poll = poll
        self.host = parts.get("host") or "localhost"
        self.port = parts.get("port") or "5432"
        self.dbname = parts.get("dbname") or parts.get("user") or os.environ.get("USER", "")
        self._lock = threading.Lock()
        self._idle: list[psycopg.Connection] = []
        self._version: tuple[float, WarehouseVersion] | None = None
        self._rollups: tuple[WarehouseVersion, dict[str, str]] | None = None

    # -- connections -------------------------------------------------------------------------------

    @property
    def where(self) -> str:
        return f"{self.host}:{self.port}"

    def _connect(self) -> psycopg.Connection:
        extra = {}
        password = os.environ.get(PASSWORD_ENV)
        if password:
            extra["password"] = password
        options = f"-c search_path={self.schema} -c default_transaction_read_only=on"
        try:
            return psycopg.connect(self.url, autocommit=True, connect_timeout=10, options=options, **extra)
        except psycopg.Error as err:
            raise WarehouseError(self._connect_message(err)) from None

    def _connect_message(self, err: BaseException) -> str:
        text = first_line(err)
        low = str(err).lower()
        if "password" in low or "role" in low and "does not exist" in low or "authentication" in low:
            return (
                f"PostgreSQL at {self.where} refused the login: {_clean(text)}; check the role in [warehouse] url "
                f"and its password ({PASSWORD_ENV} or ~/.pgpass)."
            )
        if "database" in low and "does not exist" in low:
            return f"PostgreSQL at {self.where} has no database {self.dbname}; load it with {LOAD}/{self.dbname}."
        return (
            f"PostgreSQL at {self.where} is not answering: {_clean(text)}; "
            "check the server is running and [warehouse] url."
        )

    def _take(self, fresh: bool = False) -> psycopg.Connection:
        with self._lock:
            while self._idle and not fresh:
                con = self._idle.pop()
                if not con.closed:
                    return con
        return self._connect()

    def _give(self, con: psycopg.Connection) -> None:
        if con.closed or con.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
            con.close()
            return
        with self._lock:
            if len(self._idle) < POOL:
                self._idle.append(con)
                return
        con.close()

    # -- queries -----------------------------------------------------------------------------------

    def _query(self, sql: str) -> tuple[pd.DataFrame, float]:
        limit = query_seconds(self.seconds)
        for attempt in (1, 2):
            con = self._take(fresh=attempt == 2)
            try:
                return self._execute(con, sql, limit)
            except psycopg.OperationalError as err:
                dropped = con.closed or con.info.status != psycopg.pq.ConnStatus.OK
                con.close()
                if dropped and attempt == 1 and not isinstance(err, pgerrors.QueryCanceled):
                    self.close()  # the server dropped it (a restart?): the idle ones too; once more, fresh
                    continue
                raise WarehouseError(self._message(err, limit)) from None
            except psycopg.Error as err:
                con.close()
                raise WarehouseError(self._message(err, limit)) from None
            finally:
                if not con.closed:
                    self._give(con)
        raise AssertionError("unreachable")

    def _execute(self, con: psycopg.Connection, sql: str, limit: float) -> tuple[pd.DataFrame, float]:
        started = time.perf_counter()
        with con.cursor() as cur:
            # jit off: compiling a plan cost more than it saved on every Concord query measured (scale 1:
            # 7.9 -> 5.5 s, 2.5 -> 1.5 s, 1.9 -> 1.4 s), and dashboards ask many such queries
            cur.execute(f"BEGIN READ ONLY; SET LOCAL statement_timeout = {int(limit * 1000)}; SET LOCAL jit = off")
            try:
                cur.execute(sql, binary=True)  # the extended protocol: exactly one statement
                described = cur.description or []
                rows = cur.fetchall() if described else []
            finally:
                _end(con)
        # normalised by position: a result may repeat a column name (DuckDB allows it, so may a plan)
        places = list(range(len(described)))
        frame = pd.DataFrame.from_records(rows, columns=places) if rows else pd.DataFrame(columns=places)
        frame = normalize(frame, {i: KINDS.get(d.type_code, "other") for i, d in enumerate(described)})
        for i, d in enumerate(described):  # DuckDB hands INTEGER and SMALLINT over as int32 and int16
            if d.type_code in NARROW_INTS and frame[i].dtype == "int64":
                frame[i] = frame[i].astype(NARROW_INTS[d.type_code])
        frame.columns = [d.name for d in described]
        return frame, time.perf_counter() - started

    def _message(self, err: psycopg.Error, limit: float) -> str:
        state = err.sqlstate or ""  # none: libpq's own error (the connection went away)
        if state == "57014":
            return f"this query ran longer than {limit:g} s on PostgreSQL and was stopped; {NARROW}."
        if state == "42P01":
            table = _quoted(err) or "a table"
            return (
                f"table {table} is missing in PostgreSQL {self.dbname}/{self.schema}; load it with "
                f"{LOAD} --schema {self.schema}, or fix the library."
            )
        if state == "3F000":
            return (
                f"schema {self.schema} is missing in PostgreSQL {self.dbname}; "
                f"load it with {LOAD} --schema {self.schema}."
            )
        if state[:2] in ("53", "54"):  # out of memory, disk full, a server limit (temp_file_limit, ...)
            return f"PostgreSQL ran out of resources for this query ({_clean(first_line(err))}); {NARROW}."
        if state == "42501":
            return (
                f"PostgreSQL refused the query: {_clean(first_line(err))}; the reader role needs SELECT on "
                f"{self.schema}'s tables (reload with {LOAD})."
            )
        if not state or state[:2] in ("08", "57", "58"):  # connection lost, server shutting down, system error
            return self._connect_message(err)
        return f"PostgreSQL refused the query: {_clean(first_line(err))}"

    def run(self, sql: str) -> tuple[pd.DataFrame, WarehouseVersion, float]:
        """Execute one SELECT; returns the frame, the data version it read and seconds taken."""
        version = self.version()
        frame, seconds = self._query(sql)
        return frame, version, seconds

    def version(self) -> WarehouseVersion:
        now = time.monotonic()
        cached = self._version
        if cached is not None and now - cached[0] < self.poll:
            return cached[1]
        frame, _ = self._query(STAMP)
        oid, loaded, count, built = (None if pd.isna(v) else v for v in frame.iloc[0].tolist())
        stamp = f"{loaded}|{count}|{built}"
        digest = int.from_bytes(hashlib.sha256(stamp.encode()).digest()[:7], "big")
        version = WarehouseVersion(
            f"postgresql://{self.where}/{self.dbname}/{self.schema}", int(oid or 0), digest, int(count or 0)
        )
        self._version = (now, version)
        return version

    def rollups(self) -> dict[str, str]:
        """Rollups built on this schema: name -> definition hash ({} when none)."""
        version = self.version()
        if self._rollups is not None and self._rollups[0] == version:
            return self._rollups[1]
        try:
            frame = self._query("SELECT name, definition_hash FROM rollup_info")[0]
            found = dict(zip(frame["name"], frame["definition_hash"]))
        except WarehouseError:
            found = {}
        self._rollups = (version, found)
        return found

    def describe(self) -> str:
        return f"PostgreSQL db {self.dbname} at {self.where} (schema {self.schema})"

    def columns(self) -> dict[str, set[str]]:
        """Each table of the schema the role may read, and its columns."""
        frame = self._query(
            "SELECT table_name::text, column_name::text FROM information_schema.columns "
            "WHERE table_schema = current_schema()"
        )[0]
        have: dict[str, set[str]] = {}
        for table, column in zip(frame["table_name"], frame["column_name"]):
            have.setdefault(table, set()).add(column)
        return have

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
        for con in idle:
            con.close()


def _end(con: psycopg.Connection) -> None:
    """Roll the read-only transaction back (nothing to keep); a dead connection is left for the caller."""
    if con.closed or con.info.transaction_status == psycopg.pq.TransactionStatus.IDLE:
        return
    try:
        con.execute("ROLLBACK")
    except psycopg.Error:
        con.close()


def _quoted(err: psycopg.Error) -> str | None:
    text = (err.diag.message_primary or "") if err.diag else ""
    parts = text.split('"')
    return parts[1] if len(parts) >= 3 else None


def _clean(text: str) -> str:
    """An engine message as it may be shown: libpq's 'connection to server at ... failed:' prefix dropped,
    and no password (libpq never echoes one; a URL in a message is cut at its credentials anyway)."""
    text = re.sub(r"postgres(ql)?://[^@\s]*@", "postgresql://", text)
    if "failed:" in text:  # 'connection failed: connection to server at "h" (h), port p failed: the reason'
        text = text.rsplit("failed:", 1)[1].strip()
    return text.rstrip(".")
