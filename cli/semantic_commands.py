"""The commands behind `python -m semantic` (parsed in cli/semantic_cli.py).

Each takes the parsed arguments and returns the exit code; bad input raises
SemanticError, which main() prints as one line (exit 2).
"""

from __future__ import annotations

import json
import sys

from auth import audit
from auth.accounts import principal_for
from data import quality_runs
from semantic import output
from semantic.errors import SemanticError
from semantic.execute import Warehouse
from semantic.model.loader import default_library, load_library
from semantic.principal import Principal
from semantic.quality import run_checks
from semantic.query import make_query, parse_date, split_names
from semantic.rollup.build import build_rollups, rollup_states, rollups_current
from semantic.rollup.spec import load_rollups
from semantic.service import plan, run


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
        return principal_for(args.as_user)  # the accounts live in auth/
    print(
        "note: running as the local operator with full access; use --as USERNAME to apply a user's policy.",
        file=sys.stderr,
    )
    return Principal.operator()


def cmd_query(args) -> int:
    audit.install()  # every query from the shell is audited like one from a page
    library = load_library(args.models)
    result = run(
        _query(args),
        _principal(args),
        warehouse=Warehouse(args.db),
        library=library,
        source="cli:query",
        rollups=not args.no_rollups,
    )
    sys.stdout.write(output.render(result.frame, library, args.format))
    return 0


def cmd_rollups(args) -> int:
    library = default_library()
    if args.action == "build":
        if args.if_stale and rollups_current(Warehouse(args.db), library):
            print("rollups are current; nothing to build", file=sys.stderr)
            return 0
        build_rollups(args.db, library, log=lambda m: print(m, file=sys.stderr))
        return 0
    states = rollup_states(Warehouse(args.db), library)
    for spec in load_rollups(library).values():
        print(
            f"{spec.name:<20} {states[spec.name]:<8} {', '.join(spec.measures)} by {spec.grain}, {', '.join(spec.dimensions)}"
        )
    return 0


def cmd_check(args) -> int:
    warehouse = Warehouse(args.db)
    warehouse.version()  # a missing warehouse is bad input (exit 2), not a failed check
    results = run_checks(warehouse, list(split_names(args.only)) or None)
    try:
        quality_runs.record(results)  # the page shows when each check last ran, also from the shell
    except Exception as err:  # noqa: BLE001 - recording is a convenience; the checks still ran
        print(f"warning: results not recorded in the metadata store: {err}", file=sys.stderr)
    if args.format == "json":
        print(json.dumps([r.as_record() for r in results], ensure_ascii=False, indent=1))
    else:
        for r in results:
            mark = {"pass": "ok  ", "fail": "FAIL", "error": "ERR "}[r.status]
            print(
                f"{mark} {r.failing_rows:>8}  {r.name:<26} {'blocking' if r.blocking else 'warning ':<8}  "
                f"{r.label['en']}{'  (' + r.message + ')' if r.message else ''}"
            )
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
    print(
        f"ok: {len(library.metrics)} metrics, {len(library.dimensions)} dimensions, "
        f"{len(library.measures)} measures, {len(library.tables)} tables in {len(library.files)} files"
    )
    return 0


COMMANDS = {
    "query": cmd_query,
    "sql": cmd_sql,
    "list": cmd_list,
    "validate": cmd_validate,
    "check": cmd_check,
    "rollups": cmd_rollups,
}
