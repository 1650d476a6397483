"""The budget planning page (预算编制) under Streamlit's AppTest, as each role: finance seeds Budget FY2026
from 2025 actuals +5% (a department's total checked against hand SQL to the cent); a department head sees
only their own department, saves a cell (read back from the store), has a stale save and a negative cell
refused with their edits kept; the round of submit, accept, submit and approve; the CFO approves; a
department head can neither see another department nor approve."""

from __future__ import annotations

import datetime as dt
import json
from decimal import ROUND_HALF_UP, Decimal

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from data import budget
from semantic import Principal
from semantic.errors import PolicyError

ROOT = __import__("pathlib").Path(__file__).resolve().parent.parent
FIN = Principal("fin_analyst", ("finance",), display_name="Chen Jing · Finance")
CFO = Principal("cfo", ("finance", "budget_approver"), display_name="Lin Fang · CFO")
SALES = Principal("dept_sales", ("dept_head",), {"department": "Sales"}, display_name="Sales head")
NAME = "Budget FY2026"
CENT = Decimal("0.01")


@pytest.fixture(autouse=True)
def _env(monkeypatch, warehouse_path, metastore_file, users_file):
    monkeypatch.setenv("CONCORD_WAREHOUSE", str(warehouse_path))
    budget.forget()
    yield
    budget.forget()


def page(who: Principal, lang: str = "en") -> AppTest:
    at = AppTest.from_file(str(ROOT / "views" / "budget_plan.py"), default_timeout=180)
    at.session_state["principal"] = who
    at.session_state["lang"] = lang
    return at.run()


def clean(text) -> str:
    return str(text).replace("\\", "").replace("\u2060", "")


def by_label(widgets, label: str):
    return next(w for w in widgets if clean(w.label) == label)


def ok(at: AppTest) -> AppTest:
    assert not at.exception, [e.value for e in at.exception]
    errors = [clean(e.value) for e in at.error]
    assert not errors, errors
    return at


def cells_2025(raw) -> pd.DataFrame:
    """Hand SQL: 2025 expenses by month, department, account and region."""
    return raw.execute(
        """SELECT date_trunc('month', expense_date)::DATE AS month, department, account, region,
                  sum(amount) AS amount
           FROM expenses WHERE expense_date BETWEEN DATE '2025-01-01' AND DATE '2025-12-31'
           GROUP BY ALL"""
    ).df()


def seeded(raw) -> None:
    """Budget FY2026 made in the store (the page's own creation is tested below), from 2025 as it was."""
    base = cells_2025(raw)
    base["amount"] = base["amount"].map(lambda v: Decimal(str(v)).quantize(CENT))
    budget.create(NAME, 2026, FIN, lines=budget.seed_lines(base, 2026))


def stored(department: str, account: str, region: str, month: int) -> Decimal:
    lines = budget.lines(NAME, FIN, department)
    row = lines[
        (lines["account"] == account) & (lines["region"] == region) & (lines["month"] == dt.date(2026, month, 1))
    ]
    return Decimal(str(row["amount"].iloc[0]))


def first_line(department: str) -> tuple[str, str]:
    lines = budget.lines(NAME, FIN, department)
    return sorted(set(zip(lines["account"], lines["region"], strict=True)))[0]


def edit(at: AppTest, department: str, row: int, column: str, value) -> AppTest:
    key = f"bp_grid|{NAME}|{department}|0"  # the grid as opened (a save or reload opens the next one)
    at.session_state[key] = {"edited_rows": {row: {column: value}}, "added_rows": [], "deleted_rows": []}
    return at.run()


def test_finance_seeds_budget_fy2026_from_2025_actuals_plus_5_percent(raw):
    at = ok(page(FIN))
    by_label(at.number_input, "Company-wide growth %").set_value(5.0).run()
    ok(at)
    assert clean(by_label(at.text_input, "Name").value) == NAME
    by_label(at.button, "Create version").click().run()
    ok(at)
    assert budget.find(NAME).year == 2026 and budget.find(NAME).status == "draft"
    hand = raw.execute(
        """SELECT sum(round(s * 1.05, 2)) FROM (
             SELECT sum(amount) AS s FROM expenses
             WHERE department = 'Sales' AND expense_date BETWEEN DATE '2025-01-01' AND DATE '2025-12-31'
             GROUP BY date_trunc('month', expense_date), account, region)"""
    ).fetchone()[0]
    got = sum((Decimal(str(v)) for v in budget.lines(NAME, FIN, "Sales")["amount"]), Decimal(0))
    assert got == Decimal(str(hand)).quantize(CENT, rounding=ROUND_HALF_UP)
    assert any(NAME in clean(s.value) for s in at.success)


def test_a_department_head_sees_only_their_department_and_saves_a_cell(raw):
    seeded(raw)
    at = ok(page(SALES))
    assert not [w for w in at.selectbox if clean(w.label) == "Department"]  # no picker for a department head
    assert "Versions" not in [clean(t.label) for t in at.tabs]
    shown = " ".join(df.value.to_string() for df in at.dataframe)
    for other in ("Marketing", "Operations", "Finance", "R&D"):
        assert other not in shown, other
    account, region = first_line("Sales")
    at = ok(edit(at, "Sales", 0, "m01", 12345.67))
    by_label(at.button, "Save changes (1)").click().run()
    ok(at)
    assert stored("Sales", account, region, 1) == Decimal("12345.67")
    assert any("Saved (1 changed)" in clean(s.value) for s in at.success)


def test_a_stale_save_is_refused_and_the_edits_stay_in_the_grid(raw):
    seeded(raw)
    at = ok(page(SALES))
    account, region = first_line("Sales")
    before = stored("Sales", account, region, 2)
    other = {budget.Cell("Sales", account, region, dt.date(2026, 3, 1)): Decimal("1.00")}
    budget.save(NAME, "Sales", other, FIN, expected_revision=budget.grid_revision(NAME, "Sales"))
    at = edit(at, "Sales", 0, "m02", 777.0)
    by_label(at.button, "Save changes (1)").click().run()
    assert not at.exception
    assert any("after you opened it" in clean(e.value) for e in at.error), [e.value for e in at.error]
    assert any("still in the grid" in clean(w.value) for w in at.warning)
    assert stored("Sales", account, region, 2) == before
    assert by_label(at.button, "Save changes (1)")  # the edit is still there to save after a reload


def test_a_negative_cell_is_refused_and_nothing_is_written(raw):
    seeded(raw)
    at = ok(page(SALES))
    account, region = first_line("Sales")
    before = stored("Sales", account, region, 4)
    at = edit(at, "Sales", 0, "m04", -5.0)
    by_label(at.button, "Save changes (1)").click().run()
    assert not at.exception
    assert any("negative" in clean(e.value) for e in at.error), [e.value for e in at.error]
    assert stored("Sales", account, region, 4) == before


def test_a_department_head_cannot_approve_or_review(raw):
    seeded(raw)
    at = ok(page(SALES))
    labels = [clean(b.label) for b in at.button]
    assert not [b for b in labels if b.startswith("Approve") or b.startswith("Accept")], labels
    with pytest.raises(PolicyError):
        budget.approve(NAME, SALES)
    with pytest.raises(PolicyError):
        budget.lines(NAME, SALES, "Marketing")


def test_the_round_submit_accept_submit_and_approve_across_roles(raw):
    seeded(raw)
    at = ok(page(SALES))
    by_label(at.button, "Submit Sales's budget").click().run()
    ok(at)
    assert {s.department: s.status for s in budget.departments(NAME)}["Sales"] == "submitted"
    for s in budget.departments(NAME):
        if s.department != "Sales":
            budget.submit(NAME, s.department, FIN)
    at = ok(page(FIN))
    for s in budget.departments(NAME):
        by_label(at.button, f"Accept all of {s.department}").click().run()
        ok(at)
    assert {s.status for s in budget.departments(NAME)} == {"accepted"}
    by_label(at.button, "Submit the version for approval").click().run()
    ok(at)
    assert budget.find(NAME).status == "submitted"
    at = ok(page(SALES))
    assert not [b for b in at.button if clean(b.label).startswith("Approve")]
    at = ok(page(CFO))
    by_label(at.button, "Approve (locks the cells)").click().run()
    ok(at)
    assert budget.find(NAME).status == "approved"
    assert any("approved" in clean(s.value) for s in at.success)


def test_the_page_reads_in_chinese(raw):
    seeded(raw)
    at = ok(page(SALES, "zh"))
    assert at.title[0].value == "预算编制"
    assert "填报表" in [clean(t.label) for t in at.tabs]


def test_a_department_head_spreads_a_quarter_equally_and_the_cents_add_up(raw):
    seeded(raw)
    at = ok(page(SALES))
    account, region = first_line("Sales")
    at.selectbox(key="bp_sp_line").set_value((account, region))
    at.selectbox(key="bp_sp_period").set_value("Q1")
    at.selectbox(key="bp_sp_method").set_value("equal")
    at.text_input(key="bp_sp_total").set_value("1000.00").run()
    by_label(at.button, "Spread and save").click().run()
    ok(at)
    # by hand: 1000.00 / 3 = 333.33 twice, and the rounding remainder, 333.34, on the last month
    assert [stored("Sales", account, region, m) for m in (1, 2, 3)] == [
        Decimal("333.33"),
        Decimal("333.33"),
        Decimal("333.34"),
    ]


def approved(raw) -> None:
    seeded(raw)
    for s in budget.departments(NAME):
        budget.submit(NAME, s.department, FIN)
        for account in sorted(set(budget.lines(NAME, FIN, s.department)["account"])):
            budget.review(NAME, s.department, account, FIN, verdict="accept")
    budget.submit_version(NAME, FIN)
    budget.approve(NAME, CFO)


def test_finance_records_a_transfer_on_the_approved_version_and_the_changes_list_it(raw):
    approved(raw)
    at = ok(page(FIN))
    source = ("Sales",) + first_line("Sales")
    target = ("Marketing",) + first_line("Marketing")
    before = stored(*source, 1), stored(*target, 1)
    for prefix, (department, account, region) in (("bp_tr_src", source), ("bp_tr_dst", target)):
        at.selectbox(key=f"{prefix}_d").set_value(department).run()
        at.selectbox(key=f"{prefix}_a").set_value(account).run()
        at.selectbox(key=f"{prefix}_r").set_value(region).run()
        at.selectbox(key=f"{prefix}_m").set_value(dt.date(2026, 1, 1)).run()
    at.text_input(key="bp_tr_amount").set_value("100.00")
    at.text_input(key="bp_tr_note").set_value("Trade show moved to Marketing").run()
    by_label(at.button, "Record the transfer").click().run()
    ok(at)
    (moved,) = budget.transfers(NAME)
    assert moved.amount == Decimal("100.00") and moved.source.department == "Sales"
    assert stored(*source, 1) == before[0] - Decimal("100.00")
    assert stored(*target, 1) == before[1] + Decimal("100.00")
    assert any("Trade show moved to Marketing" in df.value.to_string() for df in at.dataframe)


def test_finance_seeds_with_a_department_driver_and_a_one_off_adjustment(raw):
    at = ok(page(FIN))
    by_label(at.number_input, "Company-wide growth %").set_value(5.0)
    at.session_state["bp_new_drivers"] = {
        "edited_rows": {},
        "added_rows": [{"dimension": "department", "member": "Sales", "pct": 10.0}],
        "deleted_rows": [],
    }
    at.session_state["bp_new_adjust"] = {
        "edited_rows": {},
        "added_rows": [
            {"month": 3, "department": "Sales", "account": "Travel", "region": "East", "amount": 1000.0, "note": "x"}
        ],
        "deleted_rows": [],
    }
    at.run()
    ok(at)
    by_label(at.button, "Create version").click().run()
    ok(at)
    # by hand: each Sales cell × 1.05 × 1.10 rounded to the cent, plus the one-off 1,000.00
    hand = raw.execute(
        """SELECT sum(round(s * 1.05 * 1.10, 2)) FROM (
             SELECT sum(amount) AS s FROM expenses
             WHERE department = 'Sales' AND expense_date BETWEEN DATE '2025-01-01' AND DATE '2025-12-31'
             GROUP BY date_trunc('month', expense_date), account, region)"""
    ).fetchone()[0]
    got = sum((Decimal(str(v)) for v in budget.lines(NAME, FIN, "Sales")["amount"]), Decimal(0))
    assert got == Decimal(str(hand)).quantize(CENT, rounding=ROUND_HALF_UP) + Decimal("1000.00")
    marketing = raw.execute(
        """SELECT sum(round(s * 1.05, 2)) FROM (
             SELECT sum(amount) AS s FROM expenses
             WHERE department = 'Marketing' AND expense_date BETWEEN DATE '2025-01-01' AND DATE '2025-12-31'
             GROUP BY date_trunc('month', expense_date), account, region)"""
    ).fetchone()[0]
    got = sum((Decimal(str(v)) for v in budget.lines(NAME, FIN, "Marketing")["amount"]), Decimal(0))
    assert got == Decimal(str(marketing)).quantize(CENT, rounding=ROUND_HALF_UP)


FORECAST = "Forecast 3+9"


def forecast(raw) -> None:
    """Forecast 3+9 of 2025 (actuals up to March) seeded from 2025 actuals, every cell +100: the stored months
    differ from what happened (the page shows the actual expense for January to March)."""
    base = cells_2025(raw)
    base["amount"] = base["amount"].map(lambda v: Decimal(str(v)).quantize(CENT) + (100 if v else 0))
    budget.create(FORECAST, 2025, FIN, lines=budget.seed_lines(base, 2025), kind="forecast", switch_month=3)


def sales_grid(at: AppTest):
    return next(d for d in at.dataframe if "m01" in d.value.columns)


def test_a_forecast_shows_its_months_of_actuals_read_only_and_labelled(raw):
    forecast(raw)
    at = ok(page(SALES))
    grid = sales_grid(at)
    columns = json.loads(grid.proto.columns)  # the data_editor's column config as Streamlit sends it
    for col, label in (("m01", "Jan · actual"), ("m02", "Feb · actual"), ("m03", "Mar · actual")):
        assert columns[col]["label"] == label and columns[col]["disabled"] is True, columns[col]
    assert columns["m04"]["label"] == "Apr" and not columns["m04"].get("disabled"), columns["m04"]
    assert any("the months up to Mar are actuals" in clean(c.value) for c in at.caption)
    account, region = first_line_of(FORECAST, "Sales")
    hand = raw.execute(  # the actual expense of the first line in January, by hand
        "SELECT sum(amount) FROM expenses WHERE department = 'Sales' AND account = ? AND region = ? "
        "AND expense_date BETWEEN DATE '2025-01-01' AND DATE '2025-01-31'",
        (account, region),
    ).fetchone()[0]
    assert grid.value["m01"].iloc[0] == pytest.approx(float(hand), abs=0.005)
    zh = ok(page(SALES, "zh"))
    zh_columns = json.loads(sales_grid(zh).proto.columns)
    assert zh_columns["m01"]["label"] == "1月 · 实际"
    # a crafted edit of an actual month is refused by the store, in one line, nothing written
    at.session_state[f"bp_grid|{FORECAST}|Sales|0"] = {
        "edited_rows": {0: {"m01": 1.0}},
        "added_rows": [],
        "deleted_rows": [],
    }
    at.run()
    before = budget.lines(FORECAST, FIN, "Sales")["amount"].map(Decimal).sum()
    by_label(at.button, "Save changes (1)").click().run()
    assert any("is an actual month of Forecast 3+9" in clean(e.value) for e in at.error), [e.value for e in at.error]
    assert budget.lines(FORECAST, FIN, "Sales")["amount"].map(Decimal).sum() == before


def first_line_of(name: str, department: str) -> tuple[str, str]:
    lines = budget.lines(name, FIN, department)
    return sorted(set(zip(lines["account"], lines["region"], strict=True)))[0]


def upload_template(at: AppTest, change) -> AppTest:
    """The page's own template for Sales (the download button's bytes), changed by `change(sheet)`, uploaded."""
    import io

    from openpyxl import load_workbook

    from data.budget import excel

    version = budget.find(FORECAST)
    lines = budget.lines(FORECAST, FIN, "Sales")
    no_last_year = pd.DataFrame(columns=["month", "account", "region", "amount"])
    book = load_workbook(io.BytesIO(excel.template(version, "Sales", lines, None, no_last_year, lang="en")))
    sheet = book["Sales"]
    for row in sheet.iter_rows(min_row=2, min_col=3, max_col=14):  # every month empty: "unchanged"
        for cell in row:
            cell.value = None
    change(sheet)
    out = io.BytesIO()
    book.save(out)
    at.file_uploader[0].set_value(
        ("sales.xlsx", out.getvalue(), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    )
    return at.run()


def test_an_upload_changing_a_forecast_month_of_actuals_is_refused_in_one_line(raw):
    forecast(raw)
    at = ok(page(SALES))
    account, region = first_line_of(FORECAST, "Sales")
    hand = raw.execute(
        "SELECT sum(amount) FROM expenses WHERE department = 'Sales' AND account = ? AND region = ? "
        "AND expense_date BETWEEN DATE '2025-02-01' AND DATE '2025-02-28'",
        (account, region),
    ).fetchone()[0]

    def feb_changed(sheet):
        sheet["D2"] = float(hand) + 1  # February, the first line: one more than the actual

    refused = upload_template(at, feb_changed)
    errors = [clean(e.value) for e in refused.error]
    assert errors == [
        f"{account} / {region}, Feb 2025: a month of actuals in {FORECAST} (actuals up to Mar) cannot be changed; "
        "keep it as downloaded and change the months after it."
    ], errors

    def may_changed(sheet):
        sheet["D2"] = float(hand)  # February as it happened (what the grid shows): not a change
        sheet["G2"] = 4321.5  # May: a plan month

    at = ok(upload_template(page(SALES), may_changed))
    assert any("Cells this file changes (1):" in clean(c.value) for c in at.caption), [c.value for c in at.caption]
