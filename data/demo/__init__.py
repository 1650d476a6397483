"""The deterministic demo company: `python -m data.demo --scale S --seed N --out PATH`.

A distributor selling to customers in five regions, 2023-01-01 to 2025-12-31,
built with DuckDB SQL. Randomness comes from hashes of the seed and row ids, so
the same scale and seed give identical tables whatever the thread count. The
warehouse is written to a temporary file beside the target and renamed into
place, so a reader never sees a half-built warehouse.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import duckdb

from data.demo import business, finance, ledger
from data.demo.params import END, Params

GENERATOR_VERSION = 1
CONTRACT_TABLES = (
    "customers",
    "products",
    "sales_reps",
    "orders",
    "order_lines",
    "invoices",
    "receipts",
    "bills",
    "payments",
    "expenses",
    "budgets",
    "journal_entries",
    "inventory_snapshots",
    "gl_posting_exceptions",
)


def _macros(seed: int) -> list[str]:
    # u(key, id): a uniform number in [0, 1) from the seed, a key naming the choice and a row id.
    return [
        f"CREATE TEMP MACRO u(k, i) AS ((hash({seed}, k, i) % 1000003)::DOUBLE / 1000003)",
        f"CREATE TEMP MACRO u2(k, i, j) AS ((hash({seed}, k, i, j) % 1000003)::DOUBLE / 1000003)",
    ]


def build_warehouse(out_path, scale: float = 0.1, seed: int = 42, threads: int | None = None, log=None) -> Path:
    """Build the demo warehouse at `out_path` atomically and return its path."""
    params = Params(scale=float(scale), seed=int(seed))
    out = Path(out_path)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f"{out.name}.tmp{os.getpid()}")
    for leftover in (tmp, Path(f"{tmp}.wal")):
        leftover.unlink(missing_ok=True)
    started = time.perf_counter()
    try:
        con = duckdb.connect(str(tmp))
        try:
            con.execute("SET enable_progress_bar = false")
            if threads:
                con.execute(f"SET threads = {int(threads)}")
            steps = (
                _macros(params.seed)
                + business.statements(params)
                + finance.statements(params)
                + ledger.statements(params)
            )
            for sql in steps:
                con.execute(sql)
            con.execute(
                "CREATE TABLE warehouse_info AS SELECT ? AS scale, ? AS seed, ?::DATE AS as_of, ? AS generator_version",
                [params.scale, params.seed, END, GENERATOR_VERSION],
            )
            con.execute("CHECKPOINT")
        finally:
            con.close()
        os.replace(tmp, out)
    except BaseException:
        tmp.unlink(missing_ok=True)
        Path(f"{tmp}.wal").unlink(missing_ok=True)
        raise
    if log:
        log(f"built {out} (scale {params.scale:g}, seed {params.seed}) in {time.perf_counter() - started:.1f} s")
    return out


def table_checksums(path) -> dict[str, tuple[int, int]]:
    """(row count, order-independent hash) per contract table: equal checksums, equal tables."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        return {
            t: con.execute(f"SELECT count(*), coalesce(bit_xor(hash(x)), 0) FROM {t} x").fetchall()[0]
            for t in CONTRACT_TABLES
        }
    finally:
        con.close()
