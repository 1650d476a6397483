"""python -m data.demo --scale 0.1 --seed 42 --out data/warehouse.duckdb

python -m data.demo --to-postgres postgresql://user@host/db [--scale S --seed N | --from WAREHOUSE] [--print-config]
writes the demo company's operational tables into PostgreSQL instead (see data/demo/to_postgres.py).

python -m data.demo --engine postgres --url postgresql://owner@host/db [--scale S --seed N | --from WAREHOUSE]
python -m data.demo --engine spark --tables /srv/concord/tables [--scale S --seed N | --from WAREHOUSE]
loads the demo warehouse (tables, data date, rollups) into that engine for Concord to query (data/engines/)."""

from __future__ import annotations

import argparse
import sys

import duckdb

from data.demo import build_warehouse


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m data.demo", description="Build Concord's deterministic demo warehouse."
    )
    parser.add_argument("--scale", type=float, default=0.1, help="1 is about 1,000,000 order lines (default 0.1)")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--out", default="data/warehouse.duckdb")
    parser.add_argument(
        "--threads", type=int, default=None, help="DuckDB threads (the result is the same for any count)"
    )
    parser.add_argument(
        "--to-postgres", metavar="URL", help="write the operational tables into this PostgreSQL database"
    )
    parser.add_argument(
        "--from", dest="source", metavar="WAREHOUSE", help="with --to-postgres: copy this demo warehouse"
    )
    parser.add_argument("--schema", default="public", help="with --to-postgres: the schema (default public)")
    parser.add_argument("--print-config", action="store_true", help="print the concord.toml [sources] block for it")
    parser.add_argument(
        "--engine",
        choices=("duckdb", "postgres", "spark"),
        default="duckdb",
        help="load the demo warehouse into this engine (default duckdb: the file --out)",
    )
    parser.add_argument("--url", help="with --engine postgres: the database, as a role that may create tables")
    parser.add_argument("--tables", help="with --engine spark: the folder for the Parquet tables")
    args = parser.parse_args(argv)
    if args.to_postgres:
        return _to_postgres(args)
    if args.engine != "duckdb":
        from data.engines.cli import load_demo

        return load_demo(args)
    try:
        build_warehouse(
            args.out, scale=args.scale, seed=args.seed, threads=args.threads, log=lambda m: print(m, file=sys.stderr)
        )
    except (ValueError, OSError, duckdb.Error) as err:
        print(f"error: could not build the warehouse: {err}", file=sys.stderr)
        return 2
    return 0


def _to_postgres(args) -> int:
    import tempfile
    from pathlib import Path

    import psycopg

    from data.demo import to_postgres

    shown = to_postgres.without_password(args.to_postgres)
    try:
        with tempfile.TemporaryDirectory(prefix="concord-demo-") as folder:
            source = Path(args.source) if args.source else Path(folder) / "demo.duckdb"
            if not args.source:
                build_warehouse(source, scale=args.scale, seed=args.seed, threads=args.threads, log=lambda m: None)
            elif not source.exists():
                print(
                    f"error: {source} does not exist; build it with python -m data.demo --out {source}", file=sys.stderr
                )
                return 2
            to_postgres.write(source, args.to_postgres, args.schema, log=lambda m: print(m, file=sys.stderr))
    except psycopg.Error as err:
        reason = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        print(f"error: could not write the demo into {shown}: {reason}", file=sys.stderr)
        return 1
    except (ValueError, OSError, duckdb.Error) as err:
        print(f"error: could not build the demo for {shown}: {err}", file=sys.stderr)
        return 2
    if args.print_config:
        print(to_postgres.config_fragment(args.to_postgres, schema=args.schema))
    return 0


if __name__ == "__main__":
    sys.exit(main())
