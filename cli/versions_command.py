"""`python -m semantic versions`: the budget versions the layer can read (issue 17).

    python -m semantic versions                 # name, year, kind, status (and switch month of a forecast)
    python -m semantic versions --format json
    python -m semantic query --metrics budget,budget_variance --by department --compare-version "Forecast 3+9"

The versions come from semantic.planning.registry (the planning store registers its reader at start); the
warehouse's own budgets table is always there as the version 'imported'. Budget metrics read the
approved budget of each year unless a query names a version (--compare-version NAME).
"""

from __future__ import annotations

import json
import sys

from semantic.planning import registry
from semantic.planning.model import IMPORTED

HEADER = ("name", "year", "kind", "status", "switch_month", "default")


def add_parser(commands) -> None:
    sub = commands.add_parser(
        "versions",
        help="list the budget versions (name, year, kind, status)",
        description="The budget versions budget metrics can read; 'imported' is the warehouse's own budgets table.",
    )
    sub.add_argument("--format", choices=("table", "json"), default="table")


def rows() -> list[dict]:
    plan = registry.current()
    out = [
        {
            "name": v.name,
            "year": v.year,
            "kind": v.kind,
            "status": v.status,
            "switch_month": v.switch_month if v.kind == "forecast" else None,
            "default": plan.default_for(v.year) == v,
        }
        for v in sorted(plan.versions, key=lambda v: (v.year, v.name.casefold()))
    ]
    imported = {"name": IMPORTED, "year": None, "kind": "budget", "status": "warehouse", "switch_month": None}
    return out + [{**imported, "default": False}]


def cmd_versions(args) -> int:
    found = rows()
    if args.format == "json":
        print(json.dumps(found, ensure_ascii=False))
        return 0
    cells = [[_cell(row[k]) for k in HEADER] for row in found]
    widths = [max(len(h), *(len(c[i]) for c in cells)) for i, h in enumerate(HEADER)]
    for line in [list(HEADER)] + cells:
        sys.stdout.write("  ".join(c.ljust(w) for c, w in zip(line, widths)).rstrip() + "\n")
    return 0


def _cell(value) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else ""
    return str(value)
