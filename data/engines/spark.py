"""A DuckDB warehouse as Parquet tables for Spark: one sub-folder per table, the declared rollups built by Spark.

`load(duckdb_path, folder)` writes every table (warehouse_info included) with DuckDB's COPY into a new
folder beside `folder`, builds each declared rollup there with Spark (the compiler's own rollup SELECT,
rendered for Spark) plus rollup_info, and only then renames the new folder into place, so a running app
reads either the old tables or the new ones, never half. `python -m data.demo --engine spark --tables
FOLDER` calls `load_command`.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import time
from pathlib import Path

import duckdb
from sqlglot import exp

from semantic.errors import SemanticError, WarehouseError
from semantic.execute.limits import first_line


def _copy_tables(source: Path, target: Path, skip: set[str], log) -> list[str]:
    # a copy of the file, opened as DuckDB's default: this process may hold the source open sealed (no COPY TO)
    copy = target / ".source.duckdb"
    shutil.copyfile(source, copy)
    con = duckdb.connect(str(copy))
    try:
        names = [
            r[0]
            for r in con.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main' ORDER BY 1"
            ).fetchall()
        ]
        copied = []
        for name in names:
            if name in skip:
                continue
            (target / name).mkdir()
            table = exp.to_identifier(name).sql("duckdb")
            out = exp.Literal.string(str(target / name / "part-0.parquet")).sql("duckdb")
            con.execute(f"COPY {table} TO {out} (FORMAT PARQUET, COMPRESSION ZSTD)")
            copied.append(name)
    finally:
        con.close()
        copy.unlink()
        copy.with_name(copy.name + ".wal").unlink(missing_ok=True)
    log(f"spark: {len(copied)} tables written as Parquet to {target}")
    return copied


def build_rollups(session, target: Path, log) -> dict[str, int]:
    """Build every declared rollup over the tables in `target` with Spark, plus rollup_info."""
    from semantic.compile.dialects import render
    from semantic.model.loader import default_library
    from semantic.rollup.build import rollup_select
    from semantic.rollup.spec import load_rollups

    library = default_library()
    for entry in os.scandir(target):
        if entry.is_dir():
            session.read.parquet(entry.path).createOrReplaceTempView(entry.name)
    info, rows = [], {}
    for spec in load_rollups(library).values():
        started = time.perf_counter()
        frame = session.sql(render(rollup_select(library, spec), "spark"))
        frame.coalesce(1).write.parquet(str(target / spec.table))
        count = session.read.parquet(str(target / spec.table)).count()
        seconds = time.perf_counter() - started
        info.append((spec.name, spec.definition_hash(library), count, dt.datetime.now(), seconds))
        rows[spec.name] = count
        log(f"rollup {spec.name}: {count:,} rows in {seconds:.2f} s (Spark)")
    schema = "name STRING, definition_hash STRING, rows BIGINT, built_at TIMESTAMP, seconds DOUBLE"
    session.createDataFrame(info, schema).coalesce(1).write.parquet(str(target / "rollup_info"))
    return rows


def load(
    duckdb_path: Path | str, folder: Path | str, log=print, rollups: bool = True, master: str = "local[2]"
) -> Path:
    """Write the DuckDB warehouse at `duckdb_path` as Parquet tables in `folder` (replacing what was there)."""
    from semantic.execute.spark_session import spark_context_session
    from semantic.model.loader import default_library
    from semantic.rollup.spec import load_rollups

    source, folder = Path(duckdb_path), Path(folder).absolute()
    if not source.exists():
        raise WarehouseError(f"warehouse {source} not found; build it with python -m data.demo --out {source}.")
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = folder.with_name(f".{folder.name}.loading{os.getpid()}")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    started = time.perf_counter()
    try:
        # the rollups (and their record) are Spark's to build, never copied from DuckDB
        skip = {"rollup_info"} | {s.table for s in load_rollups(default_library()).values()}
        _copy_tables(source, staging, skip, log)
        if rollups:
            session = spark_context_session(master).newSession()  # a writer, unlike the app's sealed readers
            build_rollups(session, staging, log)
        old = folder.with_name(f".{folder.name}.old{os.getpid()}")
        if folder.exists():
            os.replace(folder, old)
        os.replace(staging, folder)
        shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    log(f"spark: tables ready in {folder} ({time.perf_counter() - started:.1f} s)")
    return folder


def load_command(duckdb_path: Path | str, folder: Path | str, log=print) -> int:
    """`python -m data.demo --engine spark --tables FOLDER`: exit code 0, or 2 with a one-line error."""
    try:
        load(duckdb_path, folder, log=log)
    except SemanticError as err:
        log(f"error: {err}")
        return 2
    except OSError as err:
        log(f"error: cannot write Spark's tables to {folder}: {first_line(err)}; choose a writable --tables folder.")
        return 2
    except Exception as err:  # Spark's own failures (Java missing, a rollup it refused)
        log(f"error: Spark could not build the tables in {folder}: {first_line(err)}")
        return 2
    log(f'spark: set [warehouse] engine = "spark" and tables = "{folder}" in concord.toml to query it')
    return 0
