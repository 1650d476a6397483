"""python -m bench.sync [--scale 1] [--seed 42] [--changes 1000] [--pg URL]

The sync from PostgreSQL, measured: the demo at that scale is written into a fresh PostgreSQL
database (data.demo --to-postgres; a throwaway server of its own unless --pg names one), synced
into an empty warehouse (the full initial load: time and rows/s), then `changes` orders are
amended, cancelled or added with their lines, invoices and receipts (bench/sync/changes.py) and
synced again by `python -m data.sync` in a new process, as cron runs it: end to end including
Python's start-up, the rollup refresh, the blocking checks and the swap (target < 10 s).
Revenue on the synced warehouse is checked against hand SQL on PostgreSQL. Prints a small table;
the JSON goes to bench/results/sync.json. Exit 1 when a sync fails or a number differs.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent


def _revenue_pg(url: str) -> float:
    with psycopg.connect(url) as con:
        return float(
            con.execute(
                "SELECT sum(l.net_amount) FROM order_lines l JOIN orders o USING (order_id) "
                "WHERE o.status <> 'cancelled' AND l.deleted_at IS NULL AND o.deleted_at IS NULL"
            ).fetchone()[0]
        )


def _revenue_wh(path: Path) -> float:
    from semantic.execute import Warehouse
    from semantic.principal import Principal
    from semantic.query import make_query
    from semantic.service import run

    wh = Warehouse(path)
    try:
        query = make_query(metrics=["revenue"], time_from="2000-01-01", time_to="2099-12-31")
        return float(run(query, Principal.operator(), warehouse=wh, cache=None).frame["revenue"].iloc[0])
    finally:
        wh.close()


def _sync(label: str) -> tuple[object, float]:
    from data import sync

    started = time.perf_counter()
    [done] = sync.sync(who="bench")
    wall = time.perf_counter() - started
    if not done.ok:
        print(f"error: {label} sync failed: {done.error}", file=sys.stderr)
        raise SystemExit(1)
    return done, wall


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.sync")
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--changes", type=int, default=1000)
    parser.add_argument("--pg", metavar="URL", help="a PostgreSQL server to use (default: start one)")
    args = parser.parse_args(argv)

    from bench.sync.changes import change
    from data.demo import build_warehouse, to_postgres

    server = None
    if not args.pg:
        from tests import pgserver

        server = pgserver.start()
    base = args.pg or server.url
    work = Path(tempfile.mkdtemp(prefix="concord-bench-sync-"))
    try:
        demo = build_warehouse(work / "demo.duckdb", scale=args.scale, seed=args.seed)
        name = f"bench_sync_{os.getpid()}"
        with psycopg.connect(base, autocommit=True) as con:
            con.execute(f'CREATE DATABASE "{name}"')
        url = base.rsplit("/", 1)[0] + f"/{name}"
        started = time.perf_counter()
        to_postgres.write(demo, url, log=lambda _: None)
        to_pg = time.perf_counter() - started

        warehouse = work / "warehouse.duckdb"
        config = work / "concord.toml"
        fragment = to_postgres.config_fragment(url, name="erp")
        fragment = "\n".join(line for line in fragment.splitlines() if "DEMO_ERP_PASSWORD" not in line)
        config.write_text(f'[warehouse]\npath = "{warehouse}"\n\n{fragment}\n', encoding="utf-8")
        os.environ.update(
            CONCORD_CONFIG=str(config), CONCORD_WAREHOUSE=str(warehouse), CONCORD_METASTORE=str(work / "meta.sqlite")
        )
        full, full_wall = _sync("the full")
        with psycopg.connect(url) as con:
            touched = change(con, args.changes)
        started = time.perf_counter()  # end to end as cron runs it: a new process, `python -m data.sync`
        done = subprocess.run([sys.executable, "-m", "data.sync"], capture_output=True, text=True)
        incr_wall = time.perf_counter() - started
        from data.sync import runs

        incr = runs.latest()["erp"]
        if done.returncode or not incr.ok:
            print(f"error: the incremental sync failed: {done.stderr.strip() or incr.error}", file=sys.stderr)
            return 1
        want, got = _revenue_pg(url), _revenue_wh(warehouse)
        rows = [
            ("demo into PostgreSQL (COPY)", to_pg, sum(full.tables[t]["read"] for t in full.tables)),
            ("full initial sync", full_wall, full.rows_read),
            (f"incremental: {args.changes:,} changed orders", incr_wall, incr.rows_read),
            ("  of which the sync itself (no start-up)", incr.seconds, incr.rows_read),
        ]
        print(f"{'step':<40} {'seconds':>8} {'rows':>11} {'rows/s':>10}")
        for label, seconds, count in rows:
            print(f"{label:<40} {seconds:>8.2f} {count:>11,} {count / seconds:>10,.0f}")
        print(
            f"incremental changes: {touched}; inserted {incr.inserted:,}, updated {incr.updated:,}, "
            f"deleted {incr.deleted:,}"
        )
        print(f"revenue: warehouse {got:,.2f}, hand SQL on PostgreSQL {want:,.2f}")
        result = {
            "scale": args.scale,
            "seed": args.seed,
            "to_postgres_seconds": round(to_pg, 2),
            "full_seconds": round(full_wall, 2),
            "full_rows": full.rows_read,
            "full_rows_per_second": round(full.rows_read / full_wall),
            "changes": args.changes,
            "incremental_seconds": round(incr_wall, 2),
            "incremental_sync_seconds": incr.seconds,
            "incremental_rows_read": incr.rows_read,
            "incremental_tables": incr.tables,
        }
        out = ROOT / "results" / "sync.json"
        out.parent.mkdir(exist_ok=True)
        out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
        if abs(want - got) > 0.005:
            print("error: revenue differs from hand SQL on PostgreSQL", file=sys.stderr)
            return 1
        return 0
    finally:
        if server:
            server.stop()
        elif "url" in locals():
            with psycopg.connect(base, autocommit=True) as con:
                con.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        import shutil

        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
