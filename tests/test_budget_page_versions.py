"""Budget vs actual with budget versions (issue 17), as the CFO sees it (Streamlit's AppTest; the page
is run from its file, never imported): the Version choice (Approved budget, each version of the year
with its status, Imported), years that only a version has (FY2026), every number read from the chosen
version, and Compare with: a waterfall from version A's total to B's by department and a table by
department and account. Numbers against hand SQL over the raw tables and the test's literal lines."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from data import budget
from semantic.planning.model import Line, Plan, Version
from tests.budgetstore import make_version
from tests.test_finance_pages import by_name, figures, open_view
from ui.fmt import format_value

JUNE = dt.date(2025, 6, 1)
CELLS = (("Sales", "Travel", "East"), ("Marketing", "Advertising", "South"))


def lines(year: int, base: str) -> tuple[Line, ...]:
    return tuple(
        Line(dt.date(year, m, 1), dept, account, region, Decimal(base) + Decimal(f"{i}{m:02d}.25"))
        for i, (dept, account, region) in enumerate(CELLS)
        for m in range(1, 13)
    )


APPROVED = Version("Budget FY2025", 2025, "budget", "approved", 0, "2025-01-02T00:00:00")
DRAFT = Version("Budget FY2025 v2", 2025, "budget", "draft")
NEXT = Version("Budget FY2026", 2026, "budget", "submitted")
PLAN = Plan(
    "page-1",
    (APPROVED, DRAFT, NEXT),
    {APPROVED.name: lines(2025, "50000"), DRAFT.name: lines(2025, "70000"), NEXT.name: lines(2026, "90000")},
)


@pytest.fixture(autouse=True)
def _plan(monkeypatch, warehouse_path, metastore_file):
    """The three versions made in the test's own planning store through its workflow (the page registers
    the store, as the app does); the lines are the literal ones above."""
    monkeypatch.setenv("CONCORD_WAREHOUSE", str(warehouse_path))
    budget.forget()
    for version in PLAN.versions:
        make_version(version.name, PLAN.lines[version.name], version.status, year=version.year)
    budget.register()  # as ui.context does once per process (an earlier test may have provided another reader)
    yield
    budget.forget()


def by_dept(rows, upto: dt.date | None = None) -> dict[str, float]:
    out: dict[str, float] = {}
    for r in rows:
        if upto is None or r.month <= upto:
            out[r.department] = out.get(r.department, 0.0) + float(r.amount)
    return out


def test_the_version_choice_lists_the_years_versions_with_status_and_fy2026(raw):
    at = open_view("budget", b_year=2025)
    assert at.selectbox(key="b_year").options == ["2026", "2025", "2024", "2023"]  # 2026: a version's
    # opened without a year, the page tracks the data date's year (2025); FY2026 is offered, not forced
    assert open_view("budget").selectbox(key="b_year").value == 2025
    shown = at.selectbox(key="b_version_en").options  # a widget per language: its labels follow a switch
    assert shown == [
        "Approved budget · Budget FY2025",  # the default names the version it reads
        "Budget FY2025 · budget, approved",
        "Budget FY2025 v2 · budget, draft",
        "Imported (warehouse budget table)",
    ]
    zh = open_view("budget", "zh", b_year=2025).selectbox(key="b_version_zh")
    assert (
        zh.label == "预算版本"
        and zh.options[0] == "已批准预算 · Budget FY2025"
        and zh.options[2] == "Budget FY2025 v2 · 预算，草稿"
    )


def test_a_chosen_version_drives_the_variance_waterfall(raw, library):
    at = open_view("budget", b_year=2025, b_upto=JUNE, b_version=DRAFT.name)
    bars = figures(at)["b_waterfall"]["data"][0]
    expense = dict(
        raw.execute(
            "SELECT department, SUM(amount) FROM expenses "
            "WHERE expense_date BETWEEN DATE '2025-01-01' AND DATE '2025-06-30' GROUP BY 1"
        ).fetchall()
    )
    budget = by_dept(PLAN.lines[DRAFT.name], JUNE)
    labels = {label.en: dept for dept, label in library.dimensions["department"].members.items()}
    got = {labels[x]: y for x, y in zip(bars["x"][:-1], bars["y"][:-1])}
    assert got.keys() == expense.keys()
    for dept, value in got.items():
        assert value == pytest.approx(float(expense[dept]) - budget.get(dept, 0.0), abs=0.01), dept


def test_the_default_is_the_approved_version_and_fy2026_shows_its_budget(raw):
    at = open_view("budget", b_year=2026, b_version=NEXT.name)  # submitted, not approved: chosen by name
    months = by_name(figures(at)["b_months"])
    budget_trace = next(t for name, t in months.items() if name and "Budget" in name)
    assert sum(budget_trace["y"]) == pytest.approx(sum(by_dept(PLAN.lines[NEXT.name]).values()), abs=0.01)
    default = open_view("budget", b_year=2025, b_upto=JUNE)
    hand = by_dept(PLAN.lines[APPROVED.name], JUNE)
    assert any(f"{sum(hand.values()) / 1e3:,.1f}K" in c.value.replace("\\", "") for c in default.caption)


def test_compare_with_bridges_version_a_to_b_by_department_and_tables_the_accounts(raw):
    at = open_view("budget", b_year=2025, b_version=DRAFT.name, b_compare="imported")
    bars = figures(at)["b_compare_chart"]["data"][0]
    imported = dict(
        raw.execute(
            "SELECT department, SUM(amount) FROM budgets WHERE month BETWEEN DATE '2025-01-01' AND DATE '2025-12-31' "
            "GROUP BY 1"
        ).fetchall()
    )
    a = by_dept(PLAN.lines[DRAFT.name])
    assert bars["measure"][0] == "absolute" and bars["measure"][-1] == "total"
    assert bars["y"][0] == pytest.approx(sum(a.values()), abs=0.01)
    assert bars["y"][-1] == pytest.approx(float(sum(imported.values())), abs=0.01)
    steps = sorted(bars["y"][1:-1])
    want = sorted(float(imported.get(d, 0)) - a.get(d, 0.0) for d in set(imported) | set(a))
    assert steps == pytest.approx(want, abs=0.01)
    table = next(d.value for d in at.dataframe if list(d.value.columns)[2:] == ["a", "b", "difference"])
    sales_travel = table[(table["department"] == "Sales") & (table["account"] == "Travel")].iloc[0]
    hand = raw.execute(
        "SELECT SUM(amount) FROM budgets WHERE department = 'Sales' AND account = 'Travel' AND year(month) = 2025"
    ).fetchone()[0]
    a_cell = sum(float(r.amount) for r in PLAN.lines[DRAFT.name] if (r.department, r.account) == ("Sales", "Travel"))
    got = [float(sales_travel[c]) for c in ("a", "b", "difference")]
    assert got == pytest.approx([a_cell, float(hand), float(hand) - a_cell], abs=0.01)


def test_a_year_without_actuals_shows_its_budget_not_a_minus_100_variance(raw):
    at = open_view("budget", b_year=2026, b_version=NEXT.name)
    hand = sum(by_dept(PLAN.lines[NEXT.name]).values())  # the test's literal lines, summed by hand
    cards = {m.label: m.value for m in at.metric}
    assert cards["Full year · Budget"] == format_value(hand, "currency", "en")
    q1 = sum(float(r.amount) for r in PLAN.lines[NEXT.name] if r.month.month <= 3)
    assert cards["Q1 · Budget"] == format_value(q1, "currency", "en")
    assert not any("forecast" in label.lower() or "Year to date" in label for label in cards), cards
    assert not any(m.delta for m in at.metric)  # no "-100% vs budget"
    assert any("No actuals yet for 2026" in i.value for i in at.info)
    assert at.selectbox(key="b_upto").disabled
    assert "b_waterfall" not in figures(at)  # no budget-to-actual bridge without actuals
    zh = open_view("budget", "zh", b_year=2026, b_version=NEXT.name)
    assert {m.label: m.value for m in zh.metric}["全年 · 预算"] == format_value(hand, "currency", "zh")


def test_compare_with_a_version_that_has_no_budget_for_the_year_says_so():
    at = open_view("budget", b_year=2026, b_version=NEXT.name, b_compare="imported")  # the warehouse: to 2025
    assert any("has no budget for 2026" in i.value.replace("\\", "") for i in at.info), [i.value for i in at.info]
    assert "b_compare_chart" not in figures(at)


def test_the_default_and_the_version_it_reads_are_not_offered_against_each_other(raw):
    at = open_view("budget", b_year=2025)  # default = Budget FY2025 (approved)
    assert at.selectbox(key="b_compare_en").options == [
        "No comparison",
        "Budget FY2025 v2 · budget, draft",
        "Imported (warehouse budget table)",
    ]
