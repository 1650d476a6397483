"""Budget versions as a source (issue 17): `budget`, `budget_variance` and `budget_variance_pct` read
the planning table budget_lines, built from a Plan of versions. Every number is checked against SQL
written here over the raw tables and the test's own literal lines (a VALUES list in the hand SQL),
never against the code under test; each test runs on DuckDB, PostgreSQL and Spark."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from semantic import Principal, Query, run
from semantic.errors import QueryError
from semantic.planning import registry
from semantic.planning.model import EMPTY, Line, Plan, Version
from tests.conftest import ALL_ENGINES
from tests.handsql import assert_same

ENGINES = ALL_ENGINES  # every test here runs on DuckDB, PostgreSQL and Spark (tests/conftest.py)

D = dt.date
Y2025 = dict(time_from=D(2025, 1, 1), time_to=D(2025, 12, 31))
SALES_HEAD = Principal("dept_sales", ("dept_head",), {"department": "Sales"})
CELLS = (  # (department, account, region): cells the test versions fill, two departments
    ("Sales", "Travel", "East"),
    ("Sales", "Salaries", "North"),
    ("Marketing", "Advertising", "South"),
)


def lines(year: int, base: str, months=range(1, 13)) -> tuple[Line, ...]:
    """12 months x 3 cells; amounts with cents so a float on the way would show."""
    out = []
    for i, (department, account, region) in enumerate(CELLS):
        for m in months:
            out.append(Line(D(year, m, 1), department, account, region, Decimal(base) + Decimal(f"{i}{m:02d}.07")))
    return tuple(out)


APPROVED = Version("Budget FY2025", 2025, "budget", "approved", 0, "2025-01-05T09:00:00")
DRAFT = Version("Budget FY2025 v2", 2025, "budget", "draft")
FORECAST = Version("Forecast 3+9", 2025, "forecast", "draft", 3)
PLAN = Plan(
    "test-1",
    (APPROVED, DRAFT, FORECAST),
    {APPROVED.name: lines(2025, "1000"), DRAFT.name: lines(2025, "2000.5"), FORECAST.name: lines(2025, "3000.25")},
)


@pytest.fixture
def plan():
    """The Plan through the real registry (what the app's store registers), reset afterwards."""
    registry.provide(lambda: PLAN)
    yield PLAN
    registry.provide(None)


def values_sql(version: str, rows: tuple[Line, ...]) -> str:
    """The literal lines as a hand-written VALUES table v(version, month, department, account, region, amount)."""
    body = ", ".join(
        f"('{version}', DATE '{r.month}', '{r.department}', '{r.account}', '{r.region}', CAST({r.amount} AS DECIMAL(18,2)))"
        for r in rows
    )
    return f"(VALUES {body}) AS v(version, month, department, account, region, amount)"


def hand(raw, sql: str):
    return raw.execute(sql).df()


def test_default_with_an_empty_plan_is_the_warehouse_budgets(warehouse, raw):
    registry.provide(None)
    assert registry.current() is EMPTY
    got = run(Query(metrics=("budget",), group_by=("metric_time__year", "department")), warehouse=warehouse).frame
    want = hand(
        raw,
        "SELECT CAST(date_trunc('year', month) AS DATE) AS metric_time__year, department, SUM(amount) AS budget "
        "FROM budgets GROUP BY 1, 2",
    )
    assert len(want) > 5
    assert_same(got, want, ["metric_time__year", "department"])


def test_an_approved_version_replaces_its_year_only(warehouse, raw, plan):
    got = run(Query(metrics=("budget",), group_by=("metric_time__year", "department")), warehouse=warehouse).frame
    want = hand(
        raw,
        "SELECT CAST(date_trunc('year', month) AS DATE) AS metric_time__year, department, SUM(amount) AS budget "
        "FROM budgets WHERE month < DATE '2025-01-01' GROUP BY 1, 2 UNION ALL "
        "SELECT CAST(date_trunc('year', month) AS DATE), department, SUM(amount) "
        f"FROM {values_sql(APPROVED.name, PLAN.lines[APPROVED.name])} GROUP BY 1, 2",
    )
    assert set(want["metric_time__year"].astype(str)) >= {"2024-01-01", "2025-01-01"}
    assert_same(got, want, ["metric_time__year", "department"])


def test_budget_version_picks_a_draft_by_name_case_insensitive(warehouse, raw, plan):
    query = Query(metrics=("budget",), group_by=("metric_time__month", "account"), budget_version="budget fy2025 V2")
    got = run(query, warehouse=warehouse).frame
    want = hand(
        raw,
        "SELECT month AS metric_time__month, account, SUM(amount) AS budget "
        f"FROM {values_sql(DRAFT.name, PLAN.lines[DRAFT.name])} GROUP BY 1, 2",
    )
    assert_same(got, want, ["metric_time__month", "account"])


def test_imported_reads_the_warehouse_table_whatever_is_approved(warehouse, raw, plan):
    got = run(Query(metrics=("budget",), budget_version="Imported", **Y2025), warehouse=warehouse).frame
    want = hand(raw, "SELECT SUM(amount) AS budget FROM budgets WHERE month BETWEEN DATE '2025-01-01' AND '2025-12-31'")
    assert_same(got, want)


def test_a_forecast_is_actuals_to_its_switch_month_then_its_lines(warehouse, raw, plan):
    query = Query(metrics=("budget",), group_by=("metric_time__month", "department"), budget_version="Forecast 3+9")
    got = run(query, warehouse=warehouse).frame
    after = tuple(r for r in PLAN.lines[FORECAST.name] if r.month.month > 3)
    want = hand(
        raw,
        "SELECT CAST(date_trunc('month', expense_date) AS DATE) AS metric_time__month, department, "
        "SUM(amount) AS budget FROM expenses WHERE expense_date BETWEEN DATE '2025-01-01' AND DATE '2025-03-31' "
        "GROUP BY 1, 2 UNION ALL "
        f"SELECT month, department, SUM(amount) FROM {values_sql(FORECAST.name, after)} GROUP BY 1, 2",
    )
    assert len(want[want["metric_time__month"].astype(str) < "2025-04-01"]) >= 5  # actuals of every department
    assert_same(got, want, ["metric_time__month", "department"])


def test_the_version_dimension_shows_every_version_and_filters_narrow_it(warehouse, raw, plan):
    query = Query(
        metrics=("budget",), group_by=("version",), where="department = 'Sales' AND version <> 'Budget FY2025'", **Y2025
    )
    got = run(query, warehouse=warehouse).frame
    forecast_after = tuple(r for r in PLAN.lines[FORECAST.name] if r.month.month > 3)
    want = hand(
        raw,
        "SELECT 'imported' AS version, SUM(amount) AS budget FROM budgets WHERE department = 'Sales' "
        "AND month BETWEEN DATE '2025-01-01' AND DATE '2025-12-31' UNION ALL "
        f"SELECT version, SUM(amount) FROM {values_sql(DRAFT.name, PLAN.lines[DRAFT.name])} "
        "WHERE department = 'Sales' GROUP BY 1 UNION ALL "
        "SELECT 'Forecast 3+9', (SELECT SUM(amount) FROM expenses WHERE department = 'Sales' "
        "AND expense_date BETWEEN DATE '2025-01-01' AND DATE '2025-03-31') + "
        f"(SELECT SUM(amount) FROM {values_sql(FORECAST.name, forecast_after)} WHERE department = 'Sales')",
    )
    assert sorted(got["version"]) == ["Budget FY2025 v2", "Forecast 3+9", "imported"]
    assert_same(got, want, ["version"])


def test_variance_and_variance_pct_against_a_version(warehouse, raw, plan):
    query = Query(
        metrics=("expense", "budget", "budget_variance", "budget_variance_pct"),
        group_by=("department",),
        budget_version="Budget FY2025 v2",
        **Y2025,
    )
    got = run(query, warehouse=warehouse).frame
    want = hand(
        raw,
        "WITH e AS (SELECT department, SUM(amount) AS expense FROM expenses "
        "WHERE expense_date BETWEEN DATE '2025-01-01' AND DATE '2025-12-31' GROUP BY 1), "
        f"b AS (SELECT department, SUM(amount) AS budget FROM {values_sql(DRAFT.name, PLAN.lines[DRAFT.name])} "
        "GROUP BY 1) "
        "SELECT coalesce(e.department, b.department) AS department, coalesce(e.expense, 0) AS expense, "
        "coalesce(b.budget, 0) AS budget, "
        "coalesce(e.expense, 0) - coalesce(b.budget, 0) AS budget_variance, "
        "(coalesce(e.expense, 0) - coalesce(b.budget, 0)) / nullif(coalesce(b.budget, 0), 0) AS budget_variance_pct "
        "FROM e FULL JOIN b ON e.department = b.department",
    )
    assert (want["budget"] != 0).sum() == 2 and (want["expense"] != 0).sum() >= 5  # a missing side counts as 0
    assert_same(got, want, ["department"])


def test_a_department_head_sees_only_their_department_of_a_version(warehouse, raw, plan):
    for version in ("Budget FY2025 v2", None):
        query = Query(
            metrics=("budget", "budget_variance"), group_by=("department", "account"), budget_version=version, **Y2025
        )
        got = run(query, SALES_HEAD, warehouse=warehouse).frame
        name = version or APPROVED.name
        want = hand(
            raw,
            f"WITH b AS (SELECT department, account, SUM(amount) AS budget FROM {values_sql(name, PLAN.lines[name])} "
            "WHERE department = 'Sales' GROUP BY 1, 2), "
            "e AS (SELECT department, account, SUM(amount) AS expense FROM expenses WHERE department = 'Sales' "
            "AND expense_date BETWEEN DATE '2025-01-01' AND DATE '2025-12-31' GROUP BY 1, 2) "
            "SELECT coalesce(b.department, e.department) AS department, coalesce(b.account, e.account) AS account, "
            "coalesce(b.budget, 0) AS budget, coalesce(e.expense, 0) - coalesce(b.budget, 0) AS budget_variance "
            "FROM b FULL JOIN e ON b.department = e.department AND b.account = e.account",
        )
        assert set(got["department"]) == {"Sales"}
        assert_same(got, want, ["department", "account"])


def test_an_unknown_version_is_refused_in_one_line_naming_the_versions(warehouse, plan):
    with pytest.raises(QueryError) as refused:
        run(Query(metrics=("budget",), budget_version="Budget FY2031"), warehouse=warehouse)
    message = str(refused.value)
    assert "\n" not in message and "Budget FY2031" in message
    assert "imported, Budget FY2025, Budget FY2025 v2, Forecast 3+9" in message


def test_prior_year_compares_the_approved_version_with_last_years_import(warehouse, raw, plan):
    query = Query(metrics=("budget",), group_by=("metric_time__month",), compare="prior_year", **Y2025)
    got = run(query, warehouse=warehouse).frame
    want = hand(
        raw,
        f"WITH c AS (SELECT month, SUM(amount) AS budget FROM {values_sql(APPROVED.name, PLAN.lines[APPROVED.name])} "
        "GROUP BY 1), p AS (SELECT CAST(month + INTERVAL 1 YEAR AS DATE) AS month, SUM(amount) AS budget FROM budgets "
        "WHERE month BETWEEN DATE '2024-01-01' AND DATE '2024-12-31' GROUP BY 1) "
        "SELECT c.month AS metric_time__month, c.budget, p.budget AS budget__prior, "
        "(c.budget - p.budget) / nullif(abs(p.budget), 0) AS budget__change_pct FROM c LEFT JOIN p ON c.month = p.month",
    )
    assert want["budget__prior"].notna().all()
    assert_same(got, want, ["metric_time__month"])


def test_a_saved_cell_changes_the_sql_and_is_seen_at_once(warehouse):
    query = Query(metrics=("budget",), budget_version=DRAFT.name, **Y2025)
    registry.provide(lambda: PLAN)
    try:
        before = run(query, warehouse=warehouse)
        assert run(query, warehouse=warehouse).cached  # the same SQL: answered from the result cache
        changed = list(PLAN.lines[DRAFT.name])
        first = changed[0]
        changed[0] = Line(first.month, first.department, first.account, first.region, first.amount + Decimal("0.01"))
        saved = Plan("test-2", PLAN.versions, {**PLAN.lines, DRAFT.name: tuple(changed)})
        registry.provide(lambda: saved)
        after = run(query, warehouse=warehouse)
    finally:
        registry.provide(None)
    assert after.sql != before.sql and not after.cached
    assert float(after.frame["budget"].iloc[0]) - float(before.frame["budget"].iloc[0]) == pytest.approx(0.01, abs=1e-6)
    total = sum(r.amount for r in PLAN.lines[DRAFT.name]) + Decimal("0.01")  # by hand, in Decimal
    assert Decimal(str(after.frame["budget"].iloc[0])).quantize(Decimal("0.01")) == total


def test_a_version_name_with_quotes_and_chinese_is_data_not_sql(warehouse, raw):
    name = "预算 FY2025 'b' \"c\" \\ ; --"
    rows = tuple(Line(D(2025, m, 1), "Sales", "Travel", "East", Decimal("0.01") * m) for m in range(1, 13))
    odd = Plan("test-odd", (Version(name, 2025, "budget", "draft"),), {name: rows})
    registry.provide(lambda: odd)
    try:
        got = run(Query(metrics=("budget",), group_by=("version",), where="version <> 'imported'"), warehouse=warehouse)
    finally:
        registry.provide(None)
    assert list(got.frame["version"]) == [name]
    assert float(got.frame["budget"].iloc[0]) == pytest.approx(0.78, abs=1e-9)  # 0.01 x (1 + ... + 12), by hand


def test_kept_compiles_of_an_older_plan_are_dropped_when_the_plan_moves_on():
    """A kept plan holds its Plan's lines as SQL text; once the store's Plan has a new token the old
    compiles are never asked for again, so they are dropped at once instead of waiting for eviction."""
    from semantic import service

    query = Query(metrics=("budget",), group_by=("version",))
    first = Plan("kept-1", (Version("Budget FY2026", 2026, "budget", "draft"),), {"Budget FY2026": ()})
    second = Plan("kept-2", first.versions, first.lines)
    service.plan(query, budgets=first)
    assert service._plan.cache_info().currsize >= 1
    service.plan(query, budgets=first)  # the same Plan: kept
    hits = service._plan.cache_info().hits
    assert hits >= 1
    service.plan(query, budgets=second)
    assert service._plan.cache_info().currsize == 1  # only the new Plan's compile is left
