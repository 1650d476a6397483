"""The planning store (data/budget/, migration 013) on SQLite and PostgreSQL: creating versions, saving
department grids with the optimistic revision, spreading, top-down, every refusal in one line with nothing
written, before/after rows and audit lines, and the Plan handed to the semantic layer. Amounts by hand."""

from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal as D

import pandas as pd
import pytest

from data import budget
from data.budget import reads
from semantic.errors import PolicyError
from semantic.planning import registry
from tests.budgetstore import YEAR, budget_events, cell_amount, count, counts, small_lines, who

METASTORE_BACKENDS = ("sqlite", "postgres")
NAME = "Budget FY2026"


@pytest.fixture(autouse=True)
def fresh(metastore_file):
    budget.forget()
    yield
    budget.forget()
    registry.provide(None)


def make(name: str = NAME, **kwargs):
    return budget.create(name, YEAR, who("cfo"), lines=small_lines(), **kwargs)


def jan(department="Sales", account="Travel", region="East", month=1) -> budget.Cell:
    return budget.Cell(department, account, region, dt.date(YEAR, month, 1))


def test_create_then_read_as_each_role():
    made = make(note="from 2025 actuals +5%", based_on="actuals 2025")
    assert (made.name, made.year, made.kind, made.status, made.created_by, made.revision) == (
        NAME, 2026, "budget", "draft", "cfo", 1,
    )  # fmt: skip
    assert budget.find("budget fy2026") == made and [v.name for v in budget.versions()] == [NAME]
    every = budget.lines(NAME, who("fin_analyst"))
    assert len(every) == 96 and sum(every["amount"]) == D("9600.00") and sum(every["seed"]) == D("9600.00")
    own = budget.lines(NAME, who("dept_sales"))
    assert set(own["department"]) == {"Sales"} and len(own) == 48  # 2 accounts × 2 regions × 12
    with pytest.raises(PolicyError, match="only the Sales department"):
        budget.lines(NAME, who("dept_sales"), department="Marketing")
    for outsider in ("ceo", "sales_east"):
        with pytest.raises(PolicyError):
            budget.lines(NAME, who(outsider))
    assert [(d.department, d.status, d.revision) for d in budget.departments(NAME)] == [
        ("Finance", "open", 1), ("Marketing", "open", 1), ("Sales", "open", 1),
    ]  # fmt: skip
    created = budget.changes(NAME)
    assert len(created) == 96 and {(c.action, c.before, c.after) for c in created} == {("create", None, D("100.00"))}
    assert budget_events() == [("budget_create", "cfo", f"created {NAME} (budget 2026): 96 lines, total 9,600.00")]


@pytest.mark.parametrize(
    "name, kwargs, message",
    [
        ("", {}, "1 to 60 characters"),
        ("x" * 61, {}, "1 to 60 characters"),
        ("Budget <b>", {}, "< >"),
        ("Budget\x07", {}, "control"),
        ("Imported", {}, "warehouse's own"),
        ("F", {"kind": "forecast"}, "switch-over month from 1 to 11"),
        ("F", {"kind": "forecast", "switch_month": 12}, "switch-over month from 1 to 11"),
        ("B", {"switch_month": 3}, "has no switch-over month"),
        ("B", {"kind": "plan"}, "use budget or forecast"),
    ],
)
def test_create_refusals_write_nothing(name, kwargs, message):
    before = counts()
    with pytest.raises(budget.BudgetError, match=message):
        make(name, **kwargs)
    assert counts() == before and budget_events() == []


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda f: f.assign(amount=D("-1")), "negative"),
        (lambda f: f.assign(amount="abc"), "not a number"),
        (lambda f: f.assign(amount=float("nan")), "not a number"),
        (lambda f: f.assign(amount=D("1000000000000.01")), "more than 1,000,000,000,000"),
        (lambda f: f.assign(month=dt.date(2025, 1, 1)), "a line of 2025, not 2026"),
        (lambda f: f.iloc[[0, 0]], "there twice"),
        (lambda f: f.iloc[:0], "needs lines"),
        (lambda f: f.assign(region=None), "has no department, account or region"),
        (lambda f: f.assign(month=pd.NaT), "is not a month"),
    ],
)
def test_create_refuses_bad_lines(change, message):
    with pytest.raises(budget.BudgetError, match=message):
        budget.create(NAME, YEAR, who("cfo"), lines=change(small_lines()))
    assert count("budget_versions") == 0


def test_create_refusals_by_role_year_and_name():
    with pytest.raises(PolicyError, match="plan budget is not granted"):
        budget.create(NAME, YEAR, who("dept_sales"), lines=small_lines())
    with pytest.raises(budget.BudgetError, match="year '1999': give a whole year from 2000 to 2100"):
        budget.create(NAME, 1999, who("cfo"), lines=small_lines(year=1999))
    with pytest.raises(budget.BudgetError, match="year '2026.5'"):
        budget.create(NAME, 2026.5, who("cfo"), lines=small_lines())
    import numpy as np

    assert budget.create("From numpy", np.int64(YEAR), who("cfo"), lines=small_lines()).year == YEAR
    make()
    before = counts()
    with pytest.raises(budget.BudgetError, match="already a version called 'Budget FY2026'"):
        make("BUDGET fy2026")
    assert counts() == before


def test_a_department_head_saves_their_grid_with_before_and_after():
    make()
    revision = budget.grid_revision(NAME, "Sales")
    amounts = {jan(): "150.50", jan(month=2): 99.999, jan(month=3): D("100.00")}  # the last one unchanged
    # 99.999 rounds half-up to 100.00: unchanged, like March; only January changes
    assert [(c.cell, c.before, c.after) for c in budget.diff(NAME, "Sales", amounts)] == [
        (jan(), D("100.00"), D("150.50"))
    ]
    result = budget.save(NAME, "Sales", amounts, who("dept_sales"), expected_revision=revision, note="trade fair")
    assert result.revision == revision + 1
    assert [(c.cell, c.before, c.after) for c in result.changes] == [(jan(), D("100.00"), D("150.50"))]
    grid = budget.lines(NAME, who("dept_sales"))
    assert cell_amount(grid, "Sales", "Travel", "East", dt.date(YEAR, 1, 1)) == D("150.50")
    assert sum(grid["amount"]) == D("4850.50") and sum(grid["seed"]) == D("4800.00")  # seed never changes
    saved = [c for c in budget.changes(NAME, "Sales") if c.action == "save"]
    assert [(c.who, c.account, c.region, c.month, c.before, c.after, c.note) for c in saved] == [
        ("dept_sales", "Travel", "East", dt.date(YEAR, 1, 1), D("100.00"), D("150.50"), "trade fair")
    ]
    status = {d.department: d for d in budget.departments(NAME)}["Sales"]
    assert (status.revision, status.saved_by) == (revision + 1, "dept_sales")
    assert budget_events()[-1] == ("budget_save", "dept_sales", f"{NAME}: Sales save, 1 cells changed")
    assert budget.find(NAME).revision == 2


def test_diff_lists_only_what_changes():
    make()
    amounts = {jan(): "150.50", jan(month=2): "100", jan(month=3): 0}
    assert [(c.cell.month.month, c.before, c.after) for c in budget.diff(NAME, "Sales", amounts)] == [
        (1, D("100.00"), D("150.50")),
        (3, D("100.00"), D("0.00")),
    ]


@pytest.mark.parametrize(
    "user, department, amounts, error, message",
    [
        ("dept_sales", "Marketing", {jan("Marketing", "Ads"): 1}, PolicyError, "only the Sales department"),
        ("dept_marketing", "Sales", {jan(): 1}, PolicyError, "only the Marketing department"),
        ("ceo", "Sales", {jan(): 1}, PolicyError, "not granted"),
        ("sales_east", "Sales", {jan(): 1}, PolicyError, "not granted"),
        ("dept_sales", "Sales", {jan("Marketing", "Ads"): 1}, budget.BudgetError, "a cell of Marketing, not Sales"),
        ("dept_sales", "Sales", {budget.Cell("Sales", "Travel", "East", dt.date(2025, 1, 1)): 1}, budget.BudgetError, "a cell of 2025"),
        ("dept_sales", "Sales", {jan(account="Yachts"): 1}, budget.BudgetError, "no account 'Yachts'"),
        ("dept_sales", "Sales", {jan(region="Mars"): 1}, budget.BudgetError, "no region 'Mars'"),
        ("dept_sales", "Sales", {jan(): -0.01}, budget.BudgetError, "negative"),
        ("dept_sales", "Sales", {jan(): "12a"}, budget.BudgetError, "'12a' is not a number"),
        ("dept_sales", "Sales", {jan(): float("nan")}, budget.BudgetError, "not a number"),
        ("dept_sales", "Sales", {jan(): float("inf")}, budget.BudgetError, "not a number"),
        ("dept_sales", "Sales", {jan(): None}, budget.BudgetError, "not a number"),
        ("dept_sales", "Sales", {jan(): "1e13"}, budget.BudgetError, "more than 1,000,000,000,000"),
        ("dept_sales", "Sales", {jan(): 1e308}, budget.BudgetError, "more than 1,000,000,000,000"),
        ("dept_sales", "Sales", {jan(): True}, budget.BudgetError, "not a number"),
        ("dept_sales", "Sales", {"Sales/Travel": 1}, budget.BudgetError, "is not a cell"),
        ("fin_analyst", "Nowhere", {jan("Nowhere"): 1}, budget.BudgetError, "has no department 'Nowhere'"),
    ],
)  # fmt: skip
def test_save_refusals_write_nothing(user, department, amounts, error, message):
    make()
    before = counts()
    with pytest.raises(error, match=message) as raised:
        budget.save(NAME, department, {jan(month=5): 7, **amounts}, who(user), expected_revision=1)
    assert "\n" not in str(raised.value)
    assert counts() == before and [k for k, *_ in budget_events()] == ["budget_create"]


def test_two_editors_the_later_save_is_refused_and_nothing_written():
    make()
    opened = budget.grid_revision(NAME, "Sales")  # both open the grid at the same revision
    budget.save(NAME, "Sales", {jan(): 120}, who("dept_sales"), expected_revision=opened)
    before = counts()
    with pytest.raises(budget.StaleEdit) as raised:
        budget.save(NAME, "Sales", {jan(): 130, jan(month=2): 5}, who("fin_analyst"), expected_revision=opened)
    text = str(raised.value)
    saved_at = {d.department: d for d in budget.departments(NAME)}["Sales"].saved_at
    assert f"was saved by dept_sales at {saved_at[11:16]} UTC since you opened it" in text
    assert "yours are still in the grid" in text and isinstance(raised.value, budget.BudgetError)
    assert counts() == before
    assert cell_amount(budget.lines(NAME, who("cfo")), "Sales", "Travel", "East", dt.date(YEAR, 1, 1)) == D("120.00")
    budget.save(NAME, "Sales", {jan(): 130}, who("fin_analyst"), expected_revision=opened + 1)  # after reloading


def test_concurrent_saves_at_one_revision_only_one_wins():
    make()
    results, errors = [], []

    def edit(user, value):
        try:
            results.append(budget.save(NAME, "Sales", {jan(): value}, who(user), expected_revision=1))
        except budget.StaleEdit as err:
            errors.append(err)

    threads = [threading.Thread(target=edit, args=a) for a in (("dept_sales", 111), ("fin_analyst", 222))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert (len(results), len(errors)) == (1, 1)
    assert len([c for c in budget.changes(NAME) if c.action == "save"]) == 1


def test_spread_into_a_line_by_hand():
    make()
    result = budget.spread_into(
        NAME, "Sales", "Travel", "East", who("dept_sales"), total="1000", period="year", weights=[0] * 12,
        expected_revision=1,
    )  # fmt: skip
    # 1000 / 12 = 83.333…: 83.33 eleven times, the last month 1000 - 916.63 = 83.37
    assert [c.after for c in result.changes] == [D("83.33")] * 11 + [D("83.37")]
    q2 = budget.spread_into(
        NAME, "Sales", "Travel", "North", who("fin_analyst"), total=D("300.01"), period="Q2", weights=[1, 2, 0],
        expected_revision=2,
    )  # fmt: skip
    # weights 1, 2, 0 of 300.01: 100.003… -> 100.00 (April, already 100.00: unchanged), the last weighted
    # month 300.01 - 100.00 = 200.01, June 0
    assert [(c.cell.month.month, c.before, c.after) for c in q2.changes] == [
        (5, D("100.00"), D("200.01")),
        (6, D("100.00"), D("0.00")),
    ]
    assert {c.action for c in budget.changes(NAME, "Sales")} == {"create", "spread"}
    with pytest.raises(budget.BudgetError, match="Q3 has 3 months but 2 weights"):
        budget.spread_into(
            NAME,
            "Sales",
            "Travel",
            "North",
            who("fin_analyst"),
            total=1,
            period="Q3",
            weights=[1, 1],
            expected_revision=3,
        )
    with pytest.raises(budget.BudgetError, match="use year, Q1"):
        budget.spread_into(
            NAME, "Sales", "Travel", "North", who("fin_analyst"), total=1, period="H1", expected_revision=3
        )


def test_top_down_from_a_company_total_by_hand():
    make()
    # Sales currently 4,800.00 (2 accounts × 2 regions × 12 × 100), Marketing 2,400.00, Finance 2,400.00
    shares = {"Sales": D("0.5"), "Marketing": D("0.3"), "Finance": D("0.2")}
    results = budget.top_down(
        NAME,
        who("fin_analyst"),
        total=D("10000.00"),
        shares=shares,
        expected={"Sales": 1, "Marketing": 1, "Finance": 1},
    )
    lines = budget.lines(NAME, who("cfo"))
    per = lines.groupby("department")["amount"].sum().to_dict()
    # 10,000 × 0.5 / 0.3 / 0.2 = 5,000.00 / 3,000.00 / 2,000.00
    assert per == {"Sales": D("5000.00"), "Marketing": D("3000.00"), "Finance": D("2000.00")}
    # Sales: 5,000 over 48 equal cells = 104.1666… -> 104.17 × 47 = 4,895.99, the last cell 104.01
    sales = sorted(lines[lines.department == "Sales"]["amount"])
    assert sales.count(D("104.17")) == 47 and sales[0] == D("104.01")
    last = lines[lines.department == "Sales"].iloc[-1]  # the last cell: Travel / North / December
    assert (last.account, last.region, last.month, last.amount) == (
        "Travel",
        "North",
        dt.date(YEAR, 12, 1),
        D("104.01"),
    )
    # Marketing: 3,000 / 24 = 125.00 exactly
    assert set(lines[lines.department == "Marketing"]["amount"]) == {D("125.00")}
    assert {d: r.revision for d, r in results.items()} == {"Sales": 2, "Marketing": 2, "Finance": 2}
    assert budget_events()[-1][0] == "budget_top_down"


def test_top_down_refusals_write_nothing():
    make()
    budget.save(NAME, "Sales", {jan(): 1}, who("dept_sales"), expected_revision=1)
    before = counts()
    shares = {"Sales": D("0.5"), "Marketing": D("0.5")}
    with pytest.raises(budget.StaleEdit, match="Sales in Budget FY2026 was saved by dept_sales"):
        budget.top_down(NAME, who("cfo"), total=1000, shares=shares, expected={"Sales": 1, "Marketing": 1})
    with pytest.raises(budget.BudgetError, match="add up to 0.9"):
        budget.top_down(NAME, who("cfo"), total=1000, shares={"Sales": D("0.5"), "Marketing": D("0.4")}, expected={})
    with pytest.raises(PolicyError):
        budget.top_down(NAME, who("dept_sales"), total=1000, shares=shares, expected={"Sales": 2, "Marketing": 1})
    assert counts() == before


def test_the_plan_the_layer_reads():
    assert budget.current_plan().versions == ()
    make()
    budget.register()
    plan = registry.current()
    assert plan.find("budget fy2026").status == "draft" and len(plan.lines[NAME]) == 96
    assert sum(line.amount for line in plan.lines[NAME]) == D("9600.00")
    token = plan.token
    budget.save(NAME, "Sales", {jan(): 250}, who("dept_sales"), expected_revision=1)  # this process forgets at once
    again = registry.current()
    assert again.token != token and sum(line.amount for line in again.lines[NAME]) == D("9750.00")


def test_the_plan_is_checked_at_most_once_a_second(monkeypatch):
    make()
    first = budget.current_plan()
    from data import metastore

    with metastore.session() as con, metastore.transaction(con):  # another process's write
        con.execute("UPDATE budget_lines SET amount = 0")
        con.execute("UPDATE budget_generation SET generation = generation + 1")
    assert budget.current_plan() is first  # within the second: the cached Plan
    monkeypatch.setattr(reads.KEPT, "check_every", 0.0)
    assert sum(line.amount for line in budget.current_plan().lines[NAME]) == 0


def test_a_forecast_edits_only_the_months_after_its_switch():
    made = make("Forecast 3+9", kind="forecast", switch_month=3)
    assert (made.kind, made.switch_month) == ("forecast", 3)
    before = counts()
    with pytest.raises(budget.BudgetError, match="an actual month of Forecast 3\\+9"):
        budget.save("Forecast 3+9", "Sales", {jan(month=3): 1}, who("dept_sales"), expected_revision=1)
    assert counts() == before
    budget.save("Forecast 3+9", "Sales", {jan(month=4): 1}, who("dept_sales"), expected_revision=1)
    version = budget.current_plan().find("forecast 3+9")
    assert (version.kind, version.switch_month, version.status) == ("forecast", 3, "draft")


def test_a_missing_cell_of_a_known_line_is_added_with_a_zero_seed():
    lines = small_lines()
    lines = lines[
        ~(
            (lines.department == "Sales")
            & (lines.account == "Travel")
            & (lines.region == "East")
            & (lines.month == dt.date(YEAR, 1, 1))
        )
    ]
    budget.create(NAME, YEAR, who("cfo"), lines=lines)
    assert [(c.before, c.after) for c in budget.diff(NAME, "Sales", {jan(): "12.30"})] == [(D("0.00"), D("12.30"))]
    result = budget.save(NAME, "Sales", {jan(): "12.30"}, who("dept_sales"), expected_revision=1)
    assert [(c.before, c.after) for c in result.changes] == [(D("0.00"), D("12.30"))]
    grid = budget.lines(NAME, who("dept_sales"))
    row = grid[(grid.account == "Travel") & (grid.region == "East") & (grid.month == dt.date(YEAR, 1, 1))].iloc[0]
    assert (row.amount, row.seed) == (D("12.30"), D("0.00"))
    assert [(c.before, c.after) for c in budget.changes(NAME, "Sales") if c.action == "save"] == [(None, D("12.30"))]


def test_the_approver_reads_every_line():
    make()
    from semantic import Principal

    approver = Principal("approver", ("budget_approver",))  # approve_budget without plan_budget
    assert len(budget.lines(NAME, approver)) == 96


def test_two_stores_never_share_a_plan_token(tmp_path, monkeypatch):
    make()
    first = budget.current_plan().token
    monkeypatch.setenv("CONCORD_METASTORE", str(tmp_path / "other.sqlite"))
    monkeypatch.delenv("CONCORD_METASTORE_URL", raising=False)
    make()  # the same first write in another store: the same generation
    other = budget.current_plan().token
    assert first != other and first.rsplit("-", 1)[1] == other.rsplit("-", 1)[1] == "1"
