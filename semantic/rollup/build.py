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


def build_rollups(path: Path | str, library: Library | None = None, log=print) -> dict[str, int]:
    """Build every declared rollup into `path`; returns rows per rollup."""
    library = library or default_library()
    path = Path(path)
    if not path.exists():
        raise WarehouseError(f"warehouse {path} not found; build it first with `python -m data.demo --out {path}`.")
    specs = load_rollups(library)
    tmp = path.with_name(f"{path.name}.rollups{os.getpid()}")
    shutil.copyfile(path, tmp)
    rows = {}
    try:
        con = duckdb.connect(str(tmp))
        try:
            con.execute("SET enable_progress_bar = false")  # the build logs one line per rollup instead
            con.execute(
                "CREATE OR REPLACE TABLE rollup_info (name VARCHAR PRIMARY KEY, definition_hash VARCHAR, "
                "rows BIGINT, built_at TIMESTAMP, seconds DOUBLE)"
            )
            for spec in specs.values():
                started = time.perf_counter()
                body = rollup_select(library, spec).sql(dialect="duckdb")
                con.execute(
                    f"CREATE OR REPLACE TABLE {exp.to_identifier(spec.table).sql('duckdb')} AS {body} ORDER BY ALL"
                )
                count = con.execute(f"SELECT count(*) FROM {exp.to_identifier(spec.table).sql('duckdb')}").fetchall()[
                    0
                ][0]
                seconds = time.perf_counter() - started
                con.execute(
                    "INSERT INTO rollup_info VALUES (?, ?, ?, ?, ?)",
                    [spec.name, spec.definition_hash(library), count, dt.datetime.now(), seconds],
                )
                rows[spec.name] = count
                log(f"rollup {spec.name}: {count:,} rows in {seconds:.2f} s")
            con.execute("CHECKPOINT")
        finally:
            con.close()
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return rows
