"""python -m data.demo --scale 0.1 --seed 42 --out data/warehouse.duckdb"""

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
    args = parser.parse_args(argv)
    try:
        build_warehouse(
            args.out, scale=args.scale, seed=args.seed, threads=args.threads, log=lambda m: print(m, file=sys.stderr)
        )
    except (ValueError, OSError, duckdb.Error) as err:
        print(f"error: could not build the warehouse: {err}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
