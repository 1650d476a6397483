"""SQL snapshots per engine (after MetricFlow): the compiled SQL of representative
queries in each dialect, kept in tests/snapshots/. They detect change, they do not
prove correctness (the hand-SQL tests do): when a compiler change alters SQL on
purpose, regenerate with `UPDATE_SNAPSHOTS=1 pytest tests/test_sql_snapshots.py`
and review the diff like code."""

from __future__ import annotations

import datetime as dt
import os
from decimal import Decimal
from pathlib import Path

import pytest
import sqlglot

from semantic import Principal, Query, default_library
from semantic.planning.model import Line, Plan, Version
from semantic.rollup.spec import load_rollups
from semantic.service import plan

SNAPSHOTS = Path(__file__).resolve().parent / "snapshots"
DIALECTS = ("duckdb", "postgres", "spark")  # the engines Concord runs on (tests/test_engines_*.py run them)
YEAR = dict(time_from=dt.date(2025, 1, 1), time_to=dt.date(2025, 12, 31))
EAST = Principal("sales_east", ("sales_rep",), {"region": "East"})
# budget versions: a forecast (actuals Jan-Mar, then its lines) and a draft, two lines each
_LINES = tuple(Line(dt.date(2025, m, 1), "Sales", "Travel", "East", Decimal("1000.50")) for m in (3, 4))
BUDGETS = Plan(
    "snapshot",
    (Version("Forecast 3+9", 2025, "forecast", "draft", 3), Version("Budget FY2025", 2025, "budget", "draft")),
    {"Forecast 3+9": _LINES, "Budget FY2025": _LINES},
)

CASES = {
    "simple_total": (Query(metrics=("revenue",), **YEAR), None, False),
    "ratio_by_region": (
        Query(metrics=("gross_margin_pct", "avg_order_value"), group_by=("region",), **YEAR),
        None,
        False,
    ),
    "multi_fact_by_month": (
        Query(metrics=("revenue", "cash_in", "expense"), group_by=("metric_time__month", "region"), **YEAR),
        None,
        False,
    ),
    "balance_by_quarter": (
        Query(metrics=("ar_balance", "dso"), group_by=("metric_time__quarter",), **YEAR),
        None,
        False,
    ),
    "snapshot_by_month": (Query(metrics=("inventory_value",), group_by=("metric_time__month",), **YEAR), None, False),
    "prior_year_by_month": (
        Query(metrics=("revenue",), group_by=("metric_time__month",), compare="prior_year", **YEAR),
        None,
        False,
    ),
    "row_filter_and_where": (
        Query(
            metrics=("revenue", "orders"),
            group_by=("channel",),
            where="segment IN ('SMB', 'Retail') AND city <> 'Hangzhou'",
            **YEAR,
        ),
        EAST,
        False,
    ),
    "top_customers_from_rollup": (
        Query(metrics=("revenue",), group_by=("customer",), order_by=("-revenue",), limit=50, **YEAR),
        None,
        True,
    ),
    "budget_version_by_month": (
        Query(
            metrics=("budget", "budget_variance"),
            group_by=("metric_time__month", "department"),
            budget_version="Forecast 3+9",
            **YEAR,
        ),
        None,
        False,
    ),
}


def _sql(name: str, dialect: str) -> str:
    query, principal, rollups = CASES[name]
    lib = default_library()
    built = {s.name: s.definition_hash(lib) for s in load_rollups(lib).values()} if rollups else None
    return plan(query, principal, lib, built, budgets=BUDGETS).sql(dialect) + "\n"


@pytest.mark.parametrize("dialect", DIALECTS)
@pytest.mark.parametrize("name", list(CASES))
def test_compiled_sql_matches_its_snapshot(name, dialect):
    path = SNAPSHOTS / f"{name}.{dialect}.sql"
    sql = _sql(name, dialect)
    if os.environ.get("UPDATE_SNAPSHOTS") == "1":
        path.write_text(sql, encoding="utf-8")
    assert path.exists(), f"no snapshot {path.name}; create it with UPDATE_SNAPSHOTS=1 and review it"
    assert sql == path.read_text(encoding="utf-8"), (
        f"{path.name} changed; if on purpose, regenerate with UPDATE_SNAPSHOTS=1 and review the diff"
    )
    sqlglot.parse_one(sql, read=dialect)  # and the engine's dialect reads it back


def test_no_stale_snapshot_files():
    expected = {f"{n}.{d}.sql" for n in CASES for d in DIALECTS}
    assert {p.name for p in SNAPSHOTS.glob("*.sql")} == expected
