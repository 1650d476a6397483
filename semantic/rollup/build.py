"""`python -m semantic rollups build`: write the declared rollups into a warehouse.

The rollups are built into a copy of the warehouse which is then renamed into
place, so readers (a running app) keep their file until the new one is whole,
and then reopen it (the file identity changed). Each rollup's SELECT is the
compiler's own measure SELECT at the rollup's grain (day or month), so a rollup means exactly what
the library says.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import time
from pathlib import Path

import duckdb
from sqlglot import exp

from semantic.compile.source import GroupKey, Range, measure_select
from semantic.errors import WarehouseError
from semantic.model.graph import reachable
from semantic.model.library import Library
from semantic.model.loader import default_library
from semantic.rollup.spec import load_rollups


def rollup_select(library: Library, spec) -> exp.Select:
    keys = [GroupKey.parse(spec.time_column)] + [GroupKey.parse(d) for d in spec.dimensions]
    return measure_select(library, list(spec.measures), keys, [], Range())  # built from the facts: no rollups passed


def rollup_states(warehouse, library: Library | None = None) -> dict[str, str]:
    """Each declared rollup in `warehouse`: built (from today's definition), stale or missing."""
    library = library or default_library()
    have = warehouse.rollups()
    return {
        s.name: "built" if have.get(s.name) == s.definition_hash(library) else "stale" if s.name in have else "missing"
        for s in load_rollups(library).values()
    }


def rollups_current(warehouse, library: Library | None = None) -> bool:
    """True when `warehouse` has every declared rollup, built from today's definitions."""
    return all(state == "built" for state in rollup_states(warehouse, library).values())


def rollups_reading(library: Library, tables: set[str] | frozenset[str]) -> list[str]:
    """The declared rollups whose measures read any of `tables` (the fact or a table joined to it)."""
    out = []
    for spec in load_rollups(library).values():
        read = set()
        for m in spec.measures:
            read |= set(reachable(library.tables, library.measures[m].table))
        if read & set(tables):
            out.append(spec.name)
    return out


def build_into(con: duckdb.DuckDBPyConnection, library: Library, names: list[str] | None = None, log=print) -> dict:
    """(Re)build the named rollups (default: all) in an open read-write connection; returns rows per rollup.
    Used by the copy-and-rename below and by data.publish, which rebuilds what a sync touched."""
    specs = load_rollups(library)
    chosen = [specs[n] for n in names] if names is not None else list(specs.values())
    con.execute("SET enable_progress_bar = false")  # the build logs one line per rollup instead
    con.execute(
        "CREATE TABLE IF NOT EXISTS rollup_info (name VARCHAR PRIMARY KEY, definition_hash VARCHAR, "
        "rows BIGINT, built_at TIMESTAMP, seconds DOUBLE)"
    )
    if names is None:
        con.execute("DELETE FROM rollup_info")
    rows = {}
    for spec in chosen:
        started = time.perf_counter()
        body = rollup_select(library, spec).sql(dialect="duckdb")
        table = exp.to_identifier(spec.table).sql("duckdb")
        con.execute(f"CREATE OR REPLACE TABLE {table} AS {body} ORDER BY ALL")
        count = con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0]
        seconds = time.perf_counter() - started
        con.execute("DELETE FROM rollup_info WHERE name = ?", [spec.name])
        con.execute(
            "INSERT INTO rollup_info VALUES (?, ?, ?, ?, ?)",
            [spec.name, spec.definition_hash(library), count, dt.datetime.now(), seconds],
        )
        rows[spec.name] = count
        log(f"rollup {spec.name}: {count:,} rows in {seconds:.2f} s")
    return rows


def build_rollups(path: Path | str, library: Library | None = None, log=print) -> dict[str, int]:
    """Build every declared rollup into `path`; returns rows per rollup."""
    library = library or default_library()
    path = Path(path)
    if not path.exists():
        raise WarehouseError(f"warehouse {path} not found; build it first with `python -m data.demo --out {path}`.")
    tmp = path.with_name(f"{path.name}.rollups{os.getpid()}")
    shutil.copyfile(path, tmp)
    try:
        con = duckdb.connect(str(tmp))
        try:
            rows = build_into(con, library, log=log)
            con.execute("CHECKPOINT")
        finally:
            con.close()
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return rows
