"""Budget numbers and the rows behind them come from the version asked for (found 2026-11-27 while
making budget versions a source, issue 17).

`budget` reads the planning table budget_lines, which is not in the warehouse: every compiled tree
that reads it must carry the CTE built from the Plan. Drill-through compiles its own SELECT of the
fact's rows (semantic/detail.py) outside compile_query, so it read `FROM budget_lines` with no such
table (an error where the rows should be), and an approved version must REPLACE its year's imported
rows, never be added to them (a doubled budget).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from semantic import Principal, Query, run
from semantic.detail import drill_through
from semantic.planning import registry
from semantic.planning.model import Line, Plan, Version
from tests.conftest import ALL_ENGINES
from tests.handsql import assert_same

ENGINES = ALL_ENGINES  # every test here runs on DuckDB, PostgreSQL and Spark (tests/conftest.py)

APPROVED = Version("Budget FY2025", 2025, "budget", "approved", 0, "2025-01-05T09:00:00")
LINES = (
    Line(dt.date(2025, 3, 1), "Sales", "Travel", "East", Decimal("1234.56")),
    Line(dt.date(2025, 3, 1), "Sales", "Travel", "North", Decimal("0.01")),
    Line(dt.date(2025, 3, 1), "Marketing", "Advertising", "South", Decimal("99999.99")),
)
PLAN = Plan("soundness-1", (APPROVED,), {APPROVED.name: LINES})
MARCH = dict(time_from=dt.date(2025, 3, 1), time_to=dt.date(2025, 3, 31))


def test_budget_rows_are_the_approved_versions_lines_and_add_up(warehouse, raw):
    """Bug: drill-through of budget read budget_lines without its CTE (no such table); the number
    itself must be the approved lines alone (1234.56 + 0.01 + 99999.99), not those plus the import."""
    registry.provide(lambda: PLAN)
    try:
        number = run(Query(metrics=("budget",), **MARCH), warehouse=warehouse).frame
        rows = drill_through(Query(metrics=("budget",), **MARCH), warehouse=warehouse, page_size=50)
        head = Principal("dept_sales", ("dept_head",), {"department": "Sales"})
        theirs = drill_through(Query(metrics=("budget",), **MARCH), head, warehouse=warehouse, page_size=50)
    finally:
        registry.provide(None)
    assert float(number["budget"].iloc[0]) == 101234.56  # by hand
    assert rows.total_rows == 3 and round(sum(float(a) for a in rows.frame["amount"]), 2) == 101234.56
    assert sorted(theirs.frame["region"]) == ["East", "North"] and set(theirs.frame["department"]) == {"Sales"}
    imported = raw.execute("SELECT count(*) FROM budgets WHERE month = DATE '2025-03-01'").fetchone()[0]
    assert imported > 3  # the warehouse has its own March rows, which the approved version replaces


def test_other_years_still_read_the_import(warehouse, raw):
    registry.provide(lambda: PLAN)
    try:
        got = run(Query(metrics=("budget",), group_by=("metric_time__year",)), warehouse=warehouse).frame
    finally:
        registry.provide(None)
    want = raw.execute(
        "SELECT CAST(date_trunc('year', month) AS DATE) AS metric_time__year, SUM(amount) AS budget FROM budgets "
        "WHERE month < DATE '2025-01-01' GROUP BY 1 UNION ALL SELECT DATE '2025-01-01', 101234.56"
    ).df()
    assert_same(got, want, ["metric_time__year"])
