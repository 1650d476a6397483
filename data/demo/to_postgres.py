"""`python -m data.demo --to-postgres URL`: the demo company's operational tables in PostgreSQL.

So the sync (data/sync/) can be exercised end to end against a real business database: each table
of the model's tables.yml (not rollups, not warehouse_info) is created with its primary key and
loaded with COPY. The tables a business system changes also get `updated_at timestamptz` (the sync's
cursor; spread over each row's business day, so a batch is not one timestamp) and a nullable
`deleted_at timestamptz` (a row marked there is deleted from the warehouse at the next sync).
`--print-config` prints the matching [sources.NAME] block for concord.toml.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import time
from pathlib import Path

import duckdb

# table -> how its updated_at is spread over its business day (None: no cursor, synced whole each time)
CHANGING = {
    "orders": "t.order_date + to_seconds(28800 + t.order_id % 36000)",
    "order_lines": "o.order_date + to_seconds(28800 + t.order_id % 36000)",
    "invoices": "t.invoice_date + to_seconds(28800 + t.invoice_id % 36000)",
    "receipts": "t.receipt_date + to_seconds(28800 + t.receipt_id % 36000)",
    "bills": "t.bill_date + to_seconds(28800 + t.bill_id % 36000)",
    "payments": "t.payment_date + to_seconds(28800 + t.payment_id % 36000)",
    "expenses": "t.expense_date + to_seconds(28800 + t.expense_id % 36000)",
    "journal_entries": "t.entry_date + to_seconds(72000 + t.entry_id % 7200)",
}
# the columns reconciled (count and sum) after every sync
AMOUNTS = {
    "order_lines": ["net_amount", "cost_amount"],
    "invoices": ["amount"],
    "receipts": ["amount"],
    "bills": ["amount"],
    "payments": ["amount"],
    "expenses": ["amount"],
    "budgets": ["amount"],
    "journal_entries": ["debit", "credit"],
    "inventory_snapshots": ["value"],
}


def without_password(url: str) -> str:
    """The URL as it may be printed: `user:secret@` becomes `user@`."""
    return re.sub(r"^([a-z]+://[^/@:]*):[^/@]*@", r"\1@", url)


def pg_type(duck_type: str) -> str:
    kind = duck_type.upper()
    if kind.startswith("DECIMAL"):
        return kind.replace("DECIMAL", "numeric")
    return {
        "BIGINT": "bigint",
        "INTEGER": "integer",
        "SMALLINT": "smallint",
        "DOUBLE": "double precision",
        "FLOAT": "real",
        "DATE": "date",
        "TIMESTAMP": "timestamp",
        "TIMESTAMP WITH TIME ZONE": "timestamptz",
        "BOOLEAN": "boolean",
    }.get(kind, "text")


def operational_tables(library) -> dict[str, tuple[str, ...]]:
    """table -> primary key, for every table of the model (the warehouse's raw tables)."""
    return {name: tuple(t.key_columns) for name, t in library.warehouse_tables.items()}


def _select(table: str, columns: list[str]) -> str:
    cols = ", ".join(f"t.{c}" for c in columns)
    spread = CHANGING.get(table)
    if spread is None:
        return f"SELECT {cols} FROM {table} t"
    join = " JOIN orders o USING (order_id)" if table == "order_lines" else ""
    return f"SELECT {cols}, strftime({spread}, '%Y-%m-%d %H:%M:%S+00') AS updated_at, NULL AS deleted_at FROM {table} t{join}"


def write(duck_path: Path, url: str, schema: str = "public", library=None, log=print) -> dict[str, int]:
    """Copy the model's tables from the demo warehouse at duck_path into PostgreSQL; rows per table."""
    import psycopg

    from semantic.model.loader import default_library

    library = library or default_library()
    tables = operational_tables(library)
    counts: dict[str, int] = {}
    with tempfile.TemporaryDirectory(prefix="concord-topg-") as folder, psycopg.connect(url) as pg:
        # a private copy: the warehouse may be open in this process already (the app, a test) with the
        # sealed configuration, and DuckDB allows one configuration per file per process
        copy_path = os.path.join(folder, "source.duckdb")
        shutil.copyfile(duck_path, copy_path)
        duck = duckdb.connect(copy_path, read_only=True)
        duck.execute("SET enable_progress_bar = false")
        pg.execute("SET TIME ZONE 'UTC'")
        pg.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
        for table, key in tables.items():
            started = time.perf_counter()
            described = duck.execute(f"DESCRIBE {table}").fetchall()
            columns = [r[0] for r in described]
            defs = [f'"{name}" {pg_type(kind)}' for name, kind, *_ in described]
            if table in CHANGING:
                defs += ["updated_at timestamptz NOT NULL DEFAULT now()", "deleted_at timestamptz"]
            defs.append(f"PRIMARY KEY ({', '.join(key)})")
            pg.execute(f'DROP TABLE IF EXISTS "{schema}"."{table}"')
            pg.execute(f'CREATE TABLE "{schema}"."{table}" ({", ".join(defs)})')
            if table in CHANGING:
                pg.execute(f'CREATE INDEX ON "{schema}"."{table}" (updated_at)')
                columns += ["updated_at", "deleted_at"]
            file = os.path.join(folder, f"{table}.csv")
            duck.execute(f"COPY ({_select(table, [r[0] for r in described])}) TO '{file}' (HEADER false)")
            with pg.cursor().copy(f'COPY "{schema}"."{table}" ({", ".join(columns)}) FROM STDIN (FORMAT csv)') as copy:
                with open(file, "rb") as handle:
                    while chunk := handle.read(1 << 20):
                        copy.write(chunk)
            os.unlink(file)
            counts[table] = pg.execute(f'SELECT count(*) FROM "{schema}"."{table}"').fetchone()[0]
            log(f"{table}: {counts[table]:,} rows in {time.perf_counter() - started:.1f} s")
        pg.execute(f'ANALYZE "{schema}".orders')
        duck.close()
    return counts


def config_fragment(url: str, name: str = "demo_erp", schema: str = "public", library=None) -> str:
    """The [sources.NAME] block of concord.toml that syncs these tables back (no password in it)."""
    from semantic.model.loader import default_library

    library = library or default_library()
    lines = [
        f"[sources.{name}]",
        'kind = "postgres"',
        f'url = "{without_password(url)}"',
        'password_env = "DEMO_ERP_PASSWORD"   # or password_file = "/path" (mode 0600); omit for trust/peer login',
        "",
    ]
    for table, key in operational_tables(library).items():
        parts = [f'table = "{schema}.{table}"', f"primary_key = [{', '.join(repr(k) for k in key)}]".replace("'", '"')]
        if table in CHANGING:
            parts += ['cursor = "updated_at"', 'deleted = "deleted_at"']
        if table in AMOUNTS:
            parts.append("amounts = [" + ", ".join(f'"{a}"' for a in AMOUNTS[table]) + "]")
        lines.append(f"[sources.{name}.tables.{table}]")
        lines += parts
        lines.append("")
    return "\n".join(lines)
