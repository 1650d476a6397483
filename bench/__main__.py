"""python -m bench --scale 1 [--runs 5] [--rollups off|on|both] [--db PATH] [--out PATH]
                   [--engine duckdb|postgres|spark [--url OWNER_URL | --start-postgres] [--schema S]
                    [--tables FOLDER] [--master local[2]] [--no-load] [--note TEXT]]

Builds (or reuses) the demo warehouse at that scale with its rollups under
bench/data/, runs the suite and prints a table; the JSON goes to
bench/results/<scale>.json. With --engine, the warehouse is first loaded into that
engine with its loader (data/engines/) and the suite runs there: the semantic layer
vs the hand SQL on that engine, every answer also checked equal to DuckDB's, and the
same semantic query timed on DuckDB beside it; the JSON goes to
bench/results/<engine>-scale<scale>.json. Exits 1 when an answer differs, 2 on bad
arguments or an engine that cannot be reached."""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

import duckdb

from bench.engines import EngineSetupError, opened
from bench.runner import run_suite
from bench.suite import CASES
from semantic import SemanticError, Warehouse

ROOT = Path(__file__).resolve().parent


class Parser(argparse.ArgumentParser):
    def error(self, message):
        print(f"error: {message}; run `python -m bench --help`.", file=sys.stderr)
        raise SystemExit(2)


def machine() -> dict:
    cpu = (
        next(
            (
                line.split(":", 1)[1].strip()
                for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")
            ),
            platform.processor(),
        )
        if Path("/proc/cpuinfo").exists()
        else ""
    )
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return {
        "cpus": os.cpu_count(),
        "cpu": cpu,
        "ram_gb": round(mem, 1),
        "python": platform.python_version(),
        "duckdb": duckdb.__version__,
    }


def table(report: dict) -> str:
    other = any(c.get("duckdb_ms") is not None for c in report["cases"])  # another engine: DuckDB beside it
    lines = [
        f"{'case':<26} {'group':<14} {'rows':>6} {'compile':>8} {'again':>7} {'semantic':>9} {'hand':>8} "
        f"{'ratio':>6}{'   duckdb' if other else ''}  rollups / check"
    ]
    for c in report["cases"]:
        check = "" if c["matches"] else f"  MISMATCH {c['mismatch'] or c['vs_duckdb']}"
        duck = f" {c['duckdb_ms']:>6.1f}ms" if other else ""
        lines.append(
            f"{c['name']:<26} {c['group']:<14} {c['rows']:>6} {c['compile_ms']:>6.1f}ms "
            f"{c['compile_cached_ms']:>5.2f}ms {c['semantic_ms']:>7.1f}ms "
            f"{c['hand_ms']:>6.1f}ms {c['ratio']:>6.2f}{duck}  {c['rollups_used'] or '-'}{check}"
        )
    b = report["board"]
    board = (
        f"cold board of {b['tiles']}: {b['cold_server_ms']:.0f} ms server ({b['cold_total_ms']:.0f} ms wall), "
        f"warm tile max {b['warm_max_tile_ms']:.1f} ms; "
        if b
        else ""
    )
    lines.append(
        f"median ratio {report['median_ratio']:.2f}, max {report['max_ratio']:.2f}; median compile "
        f"{report['median_compile_ms']:.2f} ms; {board}peak RSS {report['peak_rss_mb']:.0f} MB"
    )
    return "\n".join(lines)


def log(message: str) -> None:
    print(message, file=sys.stderr)


def suites(out: dict, wh, args, reference=None) -> None:
    for flag in {"off": [False], "on": [True], "both": [False, True]}[args.rollups]:
        if reference is not None:
            log(f"{wh.engine}, rollups {'on' if flag else 'off'}:")
        report = run_suite(wh, args.runs, flag, reference=reference, log=log if reference else None, cases=args.cases)
        out["suites"].append(report)
        print(f"\n== {wh.engine}, scale {args.scale:g}, rollups {'on' if flag else 'off'} ==")
        print(table(report))


def main(argv=None) -> int:
    parser = Parser(prog="python -m bench", description="Concord's benchmark suite against hand-written DuckDB SQL.")
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--rollups", choices=("off", "on", "both"), default="both")
    parser.add_argument("--db", default=None)
    parser.add_argument("--out", default=None)
    parser.add_argument("--engine", choices=("duckdb", "postgres", "spark"), default=None)
    parser.add_argument("--url", default="", help="postgres: an owner URL of a server to load into")
    parser.add_argument("--start-postgres", action="store_true", help="postgres: start a throwaway server")
    parser.add_argument("--schema", default="public", help="postgres: the schema to load into")
    parser.add_argument("--tables", default="", help="spark: the folder for the Parquet tables (default: temporary)")
    parser.add_argument("--master", default="local[2]", help="spark: the master URL")
    parser.add_argument("--no-load", action="store_true", help="use what is already on the engine")
    parser.add_argument("--note", default="", help="a note kept in the results (e.g. what else ran)")
    parser.add_argument("--cases", default="", help="only these cases, comma-separated (no board then)")
    args = parser.parse_args(argv)
    known = {c.name: c for c in CASES}
    wanted = [n.strip() for n in args.cases.split(",") if n.strip()]
    unknown = [n for n in wanted if n not in known]
    if unknown:
        parser.error(f"no case {', '.join(unknown)}; the cases are {', '.join(known)}")
    args.cases = tuple(known[n] for n in wanted) if wanted else CASES
    started = time.perf_counter()
    if args.runs < 1 or args.scale <= 0:
        parser.error("--runs must be 1 or more and --scale above 0")
    if args.engine == "postgres" and bool(args.url) == args.start_postgres:
        parser.error("--engine postgres needs either --url postgresql://owner@host/db or --start-postgres")
    if args.engine != "postgres" and (args.url or args.start_postgres):
        parser.error("--url and --start-postgres are for --engine postgres")
    if args.engine != "spark" and args.tables:
        parser.error("--tables is for --engine spark")
    db = Path(args.db) if args.db else ROOT / "data" / f"warehouse-{args.scale:g}.duckdb"
    from semantic.rollup.build import build_rollups, rollups_current

    if not db.exists():
        from data.demo import build_warehouse

        build_warehouse(db, scale=args.scale, seed=42, log=lambda m: print(m, file=sys.stderr))
    wh = Warehouse(db)
    if not rollups_current(wh):  # declared since the file was built, or redefined
        build_rollups(db, log=lambda m: print(m, file=sys.stderr))
    out = {"scale": args.scale, "warehouse": str(db), "machine": machine(), "suites": []}
    if args.engine:
        out["note"] = args.note
        out["load_average_before"] = [round(x, 2) for x in os.getloadavg()]
    try:
        if args.engine in (None, "duckdb"):
            suites(out, wh, args)
        else:
            wh.close()  # a loader may open the file with its own configuration; DuckDB reopens it on the next query
            with opened(args, db, log) as (engine, facts):
                out["setup"] = facts
                suites(out, engine, args, reference=wh)
    except (SemanticError, EngineSetupError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    if args.engine:
        out["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    out["elapsed_s"] = round(time.perf_counter() - started, 1)  # the whole command, builds included
    name = f"{args.engine}-scale{args.scale:g}.json" if args.engine else f"{args.scale:g}.json"
    path = Path(args.out) if args.out else ROOT / "results" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(out, indent=1, default=str))
    print(f"\nwrote {path}")
    return 0 if all(s["all_match"] for s in out["suites"]) else 1


if __name__ == "__main__":
    sys.exit(main())
