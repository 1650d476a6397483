"""`python -m semantic`: query the indicator library from the shell.

    python -m semantic query --metrics revenue,cash_in --by metric_time__quarter,region
    python -m semantic sql   --metrics revenue --by region --dialect postgres
    python -m semantic list metrics
    python -m semantic validate

Bad input exits 2 with one line saying what is wrong and how to fix it.
"""
from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence

from semantic import output
from semantic.errors import SemanticError
from semantic.execute import DEFAULT_WAREHOUSE, Warehouse
from semantic.model.loader import MODELS_DIR, default_library, load_library
from semantic.principal import Principal
from semantic.query import make_query, parse_date, split_names
from semantic.service import plan, run


class Parser(argparse.ArgumentParser):
    def error(self, message: str):  # one line, exit 2, like every other bad input
        raise SemanticError(f"{message}; run `{self.prog} --help` for the options.")


def build_parser() -> Parser:
    parser = Parser(prog="python -m semantic", description="Query Concord's shared indicator library.")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=Parser)
    for name, text in (("query", "run a query and print the result"), ("sql", "print the compiled SQL without running it")):
        sub = commands.add_parser(name, help=text, description=text)
        _query_flags(sub)
        if name == "query":
            sub.add_argument("--format", choices=("table", "csv", "json"), default="table")
        else:
            sub.add_argument("--dialect", default="duckdb", help="any sqlglot dialect: duckdb, postgres, snowflake, bigquery ...")
    listing = commands.add_parser("list", help="list metrics or dimensions")
    listing.add_argument("what", choices=("metrics", "dimensions"))
    listing.add_argument("--lang", choices=("en", "zh"), default="en")
    listing.add_argument("--models", default=str(MODELS_DIR), help=argparse.SUPPRESS)
    rollups = commands.add_parser("rollups", help="build the declared rollups into the warehouse")
    rollups.add_argument("action", choices=("build", "list"))
    rollups.add_argument("--db", default=str(DEFAULT_WAREHOUSE), help="warehouse file (default: data/warehouse.duckdb)")
    rollups.add_argument("--if-stale", action="store_true",
                         help="build only when a declared rollup is missing or was built from another definition")
    quality = commands.add_parser("check", help="run the data-quality checks; exit 1 when a blocking one fails")
    quality.add_argument("--db", default=str(DEFAULT_WAREHOUSE), help="warehouse file (default: data/warehouse.duckdb)")
    quality.add_argument("--only", default="", help="comma-separated check names")
    quality.add_argument("--format", choices=("table", "json"), default="table")
    check = commands.add_parser("validate", help="check the indicator library (and, with --db, that its tables exist)")
    check.add_argument("--models", default=str(MODELS_DIR), help="folder of *.yml files (default: semantic/models)")
    check.add_argument("--db", default=None, help="also check every declared table and column exists in this warehouse")
    return parser


def _query_flags(sub: argparse.ArgumentParser) -> None:
    sub.add_argument("--metrics", required=True, help="comma-separated metric names")
    sub.add_argument("--by", default="", help="comma-separated dimensions, time as metric_time__month etc.")
    sub.add_argument("--where", default=None, help="filter over dimensions, e.g. \"channel = 'Online'\"")
    sub.add_argument("--from", dest="time_from", default=None, help="first day, YYYY-MM-DD (inclusive)")
    sub.add_argument("--to", dest="time_to", default=None, help="last day, YYYY-MM-DD (inclusive)")
    sub.add_argument("--compare", choices=("prior_period", "prior_year"), default=None)
    sub.add_argument("--order", default="", help="comma-separated columns, -name for descending")
    sub.add_argument("--limit", type=int, default=None)
    sub.add_argument("--db", default=str(DEFAULT_WAREHOUSE), help="warehouse file (default: data/warehouse.duckdb)")
    sub.add_argument("--models", default=str(MODELS_DIR), help=argparse.SUPPRESS)
    sub.add_argument("--as", dest="as_user", default=None, help="run as this user, under that user's policy")
    sub.add_argument("--no-rollups", action="store_true", help="never answer from rollups (for comparison)")


def main(argv: Sequence[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
        return COMMANDS[args.command](args)
    except SemanticError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0


def _query(args):
    if args.limit is not None and args.limit < 1:
        raise SemanticError("--limit must be 1 or more.")
    return make_query(
        metrics=split_names(args.metrics),
        group_by=split_names(args.by),
        where=args.where,
        time_from=parse_date(args.time_from, "--from") if args.time_from else None,
        time_to=parse_date(args.time_to, "--to") if args.time_to else None,
        compare=args.compare,
        order_by=split_names(args.order),
        limit=args.limit,
    )


def _principal(args) -> Principal:
    """--as USER applies that user's policy; without it, the local operator (full access)."""
    if args.as_user:
        from auth.accounts import principal_for  # the accounts live in auth/

        return principal_for(args.as_user)
    print("note: running as the local operator with full access; use --as USERNAME to apply a user's policy.",
          file=sys.stderr)
    return Principal.operator()


def cmd_query(args) -> int:
    from auth import audit  # every query from the shell is audited like one from a page

    audit.install()
    library = load_library(args.models)
    result = run(_query(args), _principal(args), warehouse=Warehouse(args.db), library=library, source="cli:query",
                 rollups=not args.no_rollups)
    sys.stdout.write(output.render(result.frame, library, args.format))
    return 0


def cmd_rollups(args) -> int:
    from semantic.rollup.build import build_rollups, rollup_states, rollups_current
    from semantic.rollup.spec import load_rollups

    library = default_library()
    if args.action == "build":
        if args.if_stale and rollups_current(Warehouse(args.db), library):
            print("rollups are current; nothing to build", file=sys.stderr)
            return 0
        build_rollups(args.db, library, log=lambda m: print(m, file=sys.stderr))
        return 0
    states = rollup_states(Warehouse(args.db), library)
    for spec in load_rollups(library).values():
        print(f"{spec.name:<20} {states[spec.name]:<8} {', '.join(spec.measures)} by {spec.grain}, {', '.join(spec.dimensions)}")
    return 0


def cmd_check(args) -> int:
    from semantic.quality import run_checks

    warehouse = Warehouse(args.db)
    warehouse.version()  # a missing warehouse is bad input (exit 2), not a failed check
    results = run_checks(warehouse, list(split_names(args.only)) or None)
    try:
        from data import quality_runs  # the page shows when each check last ran, also from the shell

        quality_runs.record(results)
    except Exception as err:  # noqa: BLE001 - recording is a convenience; the checks still ran
        print(f"warning: results not recorded in the metadata store: {err}", file=sys.stderr)
    if args.format == "json":
        print(json.dumps([r.as_record() for r in results], ensure_ascii=False, indent=1))
    else:
        for r in results:
            mark = {"pass": "ok  ", "fail": "FAIL", "error": "ERR "}[r.status]
            print(f"{mark} {r.failing_rows:>8}  {r.name:<26} {'blocking' if r.blocking else 'warning ':<8}  "
                  f"{r.label['en']}{'  (' + r.message + ')' if r.message else ''}")
    failed = [r.name for r in results if r.blocking and r.status != "pass"]
    if failed:
        print(f"{len(failed)} blocking check(s) failed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


def cmd_sql(args) -> int:
    library = load_library(args.models)
    warehouse = Warehouse(args.db)
    have = warehouse.rollups() if (not args.no_rollups and warehouse.path.exists()) else {}
    compiled = plan(_query(args), _principal(args), library=library, rollups=have)
    print(f"-- rollups used: {', '.join(compiled.rollups)}" if compiled.rollups else "-- rollups used: none")
    print(compiled.sql(args.dialect))
    return 0


def cmd_list(args) -> int:
    library = load_library(args.models)
    sys.stdout.write(output.listing(library, args.what, args.lang))
    return 0


def cmd_validate(args) -> int:
    library = load_library(args.models)
    if args.db:
        output.check_warehouse(library, Warehouse(args.db))
    print(f"ok: {len(library.metrics)} metrics, {len(library.dimensions)} dimensions, "
          f"{len(library.measures)} measures, {len(library.tables)} tables in {len(library.files)} files")
    return 0


COMMANDS = {"query": cmd_query, "sql": cmd_sql, "list": cmd_list, "validate": cmd_validate, "check": cmd_check, "rollups": cmd_rollups}
