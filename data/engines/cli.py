"""`python -m data.demo --engine postgres|spark`: build (or take --from) the demo DuckDB warehouse, then load it
into the engine with that engine's loader. Each loader reports its own errors as one line."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path


def load_demo(args) -> int:
    from data.demo import build_warehouse

    if args.engine == "postgres" and not args.url:
        print("error: --engine postgres needs --url postgresql://owner@host:5432/db", file=sys.stderr)
        return 2
    if args.engine == "spark" and not args.tables:
        print("error: --engine spark needs --tables FOLDER (where the Parquet tables go)", file=sys.stderr)
        return 2

    def log(message: str) -> None:
        print(message, file=sys.stderr)

    with tempfile.TemporaryDirectory(prefix="concord-demo-") as folder:
        source = Path(args.source) if args.source else Path(folder) / "demo.duckdb"
        if args.source and not source.exists():
            print(f"error: {source} does not exist; build it with python -m data.demo --out {source}", file=sys.stderr)
            return 2
        if not args.source:
            build_warehouse(source, scale=args.scale, seed=args.seed, threads=args.threads, log=lambda m: None)
        if args.engine == "postgres":
            from data.engines import postgres

            return postgres.load_command(source, args.url, args.schema, log)
        from data.engines import spark

        return spark.load_command(source, Path(args.tables), log)
