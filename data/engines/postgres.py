"""Load a DuckDB warehouse (the demo company, or any warehouse Concord built) into PostgreSQL for Concord.

`load(duckdb_path, url, schema)` connects as the owner URL (a role that may create schemas and roles) and:

1. copies every table of the warehouse (its own tables too: warehouse_info, stamped with loaded_at) into
   a fresh staging schema: the DuckDB types mapped (data.demo.to_postgres.pg_type), rows streamed as CSV
   through COPY, primary keys from the library, ANALYZE;
2. builds the declared rollups there as tables, each the compiler's own measure SELECT rendered for
   PostgreSQL, with rollup_info (name, definition_hash, rows, built_at, seconds) as build.py writes it;
3. creates the LOGIN role `reader` if missing (no password here: the administrator sets one, or trusts
   the host), read-only by default, with USAGE on the schema and SELECT on its tables only;
4. swaps the staged tables into `schema` in one transaction, so readers see the old load or the new one,
   never half of either; a failed load drops its staging schema and leaves the served one untouched.

`load_command` is `python -m data.demo --engine postgres --url OWNER_URL [--schema S]`.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import tempfile
import time
from pathlib import Path

import duckdb
import psycopg
from sqlglot import exp

from data.demo.to_postgres import pg_type, without_password

READER = "concord_reader"
NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,40}$")
ROLLUP_INFO = (
    'CREATE TABLE rollup_info (name text COLLATE "C" PRIMARY KEY, definition_hash text COLLATE "C", rows bigint, '
    "built_at timestamp, seconds double precision)"
)


class LoadError(Exception):
    """A load that cannot go on, as one line."""


def column_type(duck_type: str) -> str:
    """The PostgreSQL type for a DuckDB column type (HUGEINT, DuckDB's exact sums, as numeric). Text is
    COLLATE "C": compared and sorted by code point as DuckDB does, whatever the database's locale, so an
    ordered answer is the same list on both engines."""
    if duck_type.upper() in ("HUGEINT", "UBIGINT"):
        return "numeric"
    kind = pg_type(duck_type)
    return 'text COLLATE "C"' if kind == "text" else kind


def reader_url(url: str, reader: str) -> str:
    """The owner URL with the reader role instead of the owner, and no password."""
    plain = without_password(url)
    return re.sub(r"^([a-z]+://)([^/@]*@)?", lambda m: f"{m.group(1)}{reader}@", plain, count=1)


def _ident(name: str) -> str:
    return exp.to_identifier(name, quoted=True).sql("postgres")


def _keys(library) -> dict[str, tuple[str, ...]]:
    return {name: tuple(t.key_columns) for name, t in library.warehouse_tables.items()}


def _copy_tables(duck, pg, stage: str, folder: str, keys: dict, log) -> dict[str, int]:
    names = [
        r[0]
        for r in duck.execute("SELECT table_name FROM information_schema.tables ORDER BY table_name").fetchall()
        if not r[0].startswith("rollup_")  # rollups are built on PostgreSQL itself, from the library
    ]
    counts = {}
    for table in names:
        started = time.perf_counter()
        described = duck.execute(f"DESCRIBE {_ident(table)}").fetchall()
        defs = [f"{_ident(name)} {column_type(kind)}" for name, kind, *_ in described]
        columns = [name for name, *_ in described]
        select = f"SELECT * FROM {_ident(table)}"
        if table == "warehouse_info":
            defs.append("loaded_at timestamptz")  # the load stamp PostgresWarehouse.version() reads
            columns.append("loaded_at")
            select = f"SELECT *, '{dt.datetime.now(dt.UTC).isoformat()}' AS loaded_at FROM warehouse_info"
        pg.execute(f"CREATE TABLE {_ident(stage)}.{_ident(table)} ({', '.join(defs)})")
        file = os.path.join(folder, f"{table}.csv")
        duck.execute(f"COPY ({select}) TO '{file}' (HEADER false, FORMAT csv)")
        target = f"{_ident(stage)}.{_ident(table)} ({', '.join(_ident(c) for c in columns)})"
        cursor = pg.cursor()
        with cursor.copy(f"COPY {target} FROM STDIN (FORMAT csv)") as copy:
            with open(file, "rb") as handle:
                while chunk := handle.read(1 << 20):
                    copy.write(chunk)
        counts[table] = cursor.rowcount
        os.unlink(file)
        key = keys.get(table)
        if key and all(k in columns for k in key):  # after the rows: one index build, not a million inserts
            pg.execute(f"ALTER TABLE {_ident(stage)}.{_ident(table)} ADD PRIMARY KEY ({', '.join(map(_ident, key))})")
        log(f"{table}: {counts[table]:,} rows in {time.perf_counter() - started:.1f} s")
    if "warehouse_info" not in counts:  # a warehouse not built by Concord: the load stamp alone
        pg.execute(f"CREATE TABLE {_ident(stage)}.warehouse_info AS SELECT now() AS loaded_at")
        counts["warehouse_info"] = 1
    return counts


def _build_rollups(pg, library, log) -> list[str]:
    """Each declared rollup as a table in the current schema, recorded in rollup_info; returns the tables."""
    from semantic.compile.dialects import render
    from semantic.rollup.build import rollup_select
    from semantic.rollup.spec import load_rollups

    tables = []
    for spec in load_rollups(library).values():
        started = time.perf_counter()
        table = _ident(spec.table)
        pg.execute(f"CREATE TABLE {table} AS {render(rollup_select(library, spec), 'postgres')}")
        count = pg.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
        seconds = time.perf_counter() - started
        pg.execute(
            "INSERT INTO rollup_info VALUES (%s, %s, %s, %s, %s)",
            [spec.name, spec.definition_hash(library), count, dt.datetime.now(), seconds],
        )
        tables.append(spec.table)
        log(f"rollup {spec.name}: {count:,} rows in {seconds:.2f} s")
    return tables


def _grant_reader(pg, schema: str, reader: str, tables: list[str]) -> None:
    """The reader may use the schema and SELECT its tables, nothing else. An owner without CREATEROLE works
    with a reader the administrator created; what only a role administrator may add is tried in a savepoint
    (the executor opens every transaction read-only anyway; PUBLIC may CONNECT by default)."""
    role = _ident(reader)
    if not pg.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [reader]).fetchone():
        pg.execute(f"CREATE ROLE {role} LOGIN")
    for optional in (
        f"ALTER ROLE {role} SET default_transaction_read_only = on",
        f"GRANT CONNECT ON DATABASE {_ident(pg.info.dbname)} TO {role}",
    ):
        try:
            with pg.transaction():
                pg.execute(optional)
        except psycopg.errors.InsufficientPrivilege:
            pass
    pg.execute(f"GRANT USAGE ON SCHEMA {_ident(schema)} TO {role}")
    for table in tables:
        pg.execute(f"GRANT SELECT ON {_ident(schema)}.{_ident(table)} TO {role}")
    pg.execute(f"ALTER DEFAULT PRIVILEGES IN SCHEMA {_ident(schema)} GRANT SELECT ON TABLES TO {role}")


def load(
    duckdb_path: Path | str,
    url: str,
    schema: str = "public",
    reader: str = READER,
    log=print,
    *,
    rollups: bool = True,
    library=None,
) -> str:
    """Load the warehouse at duckdb_path into `schema` (see the module); returns the reader's URL (no password).
    rollups=False loads the tables only (rollup_info empty): queries read the facts."""
    from semantic.model.loader import default_library

    for name in (schema, reader):
        if not NAME.match(name):
            raise LoadError(f"'{name}' is not a plain PostgreSQL name; use letters, digits and _ (like concord).")
    library = library or default_library()
    stage = f"{schema}__loading"
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="concord-pgload-") as folder:
        # a private copy: the warehouse may be open in this process with the sealed configuration
        copy_path = os.path.join(folder, "source.duckdb")
        shutil.copyfile(duckdb_path, copy_path)
        duck = duckdb.connect(copy_path, read_only=True)
        duck.execute("SET enable_progress_bar = false")
        try:
            with psycopg.connect(url, autocommit=True) as pg:
                pg.execute("SET TIME ZONE 'UTC'")
                pg.execute(f"DROP SCHEMA IF EXISTS {_ident(stage)} CASCADE")
                pg.execute(f"CREATE SCHEMA {_ident(stage)}")
                try:
                    tables = list(_copy_tables(duck, pg, stage, folder, _keys(library), log))
                    pg.execute(f"SET search_path = {_ident(stage)}")
                    pg.execute(ROLLUP_INFO)
                    if rollups:
                        tables += _build_rollups(pg, library, log)
                    tables.append("rollup_info")
                    for table in tables:
                        pg.execute(f"ANALYZE {_ident(table)}")
                    _swap(pg, stage, schema, reader, tables)
                finally:
                    pg.execute(f"DROP SCHEMA IF EXISTS {_ident(stage)} CASCADE")
        finally:
            duck.close()
    log(f"loaded into PostgreSQL {without_password(url)} schema {schema} in {time.perf_counter() - started:.1f} s")
    return reader_url(url, reader)


def _swap(pg, stage: str, schema: str, reader: str, tables: list[str]) -> None:
    """Move the staged tables into `schema` in one transaction (readers see the old load or the new)."""
    with pg.transaction():
        pg.execute(f"CREATE SCHEMA IF NOT EXISTS {_ident(schema)}")
        stale = pg.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = %s AND (tablename LIKE 'rollup\\_%%' "
            "OR tablename = ANY(%s))",
            [schema, tables],
        ).fetchall()
        for (table,) in stale:
            pg.execute(f"DROP TABLE {_ident(schema)}.{_ident(table)} CASCADE")
        for table in tables:
            pg.execute(f"ALTER TABLE {_ident(stage)}.{_ident(table)} SET SCHEMA {_ident(schema)}")
        _grant_reader(pg, schema, reader, tables)


def load_command(duckdb_path: Path | str, url: str, schema: str | None, log=print) -> int:
    """`python -m data.demo --engine postgres`: load, print the reader URL and the concord.toml lines; exit code."""
    schema = schema or "public"
    shown = without_password(url)
    try:
        reader = load(duckdb_path, url, schema, log=log)
    except LoadError as err:
        log(f"error: {err}")
        return 2
    except psycopg.OperationalError as err:
        log(f"error: PostgreSQL at {shown} is not answering or refused the login: {_line(err)}; check --url.")
        return 1
    except psycopg.errors.InsufficientPrivilege as err:
        log(
            f"error: PostgreSQL refused the load: {_line(err)}; --url needs a role that may create schemas "
            f"(and the role {READER}, or an administrator creates it first: CREATE ROLE {READER} LOGIN)."
        )
        return 1
    except psycopg.Error as err:
        log(f"error: PostgreSQL refused the load: {_line(err)}")
        return 1
    print("[warehouse]")
    print('engine = "postgres"')
    print(f'url = "{reader}"   # password: CONCORD_ENGINE_PASSWORD or ~/.pgpass (ALTER ROLE {READER} PASSWORD ...)')
    print(f'schema = "{schema}"')
    return 0


def _line(err: BaseException) -> str:
    text = str(err).strip().splitlines()
    return re.sub(r"postgres(ql)?://[^@\s]*@", "postgresql://", text[0] if text else type(err).__name__)
