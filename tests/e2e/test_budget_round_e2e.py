"""Issue 17's browser test (预算编制): the CFO seeds Budget FY2026 from 2025 actuals +5% on the Budget
planning page; Sales's department head edits a cell in the grid, saves and submits; the CFO accepts every
department and submits the version, then approves it. The department total is checked against hand SQL
over the warehouse the app reads; the stored cell is read back from the app's metadata store.

Screenshots (tests/artifacts): budget-plan-new-{en,zh}, budget-plan-grid-{en,zh}, budget-plan-upload-en, budget-plan-round-{en,zh}."""

from __future__ import annotations

import io
import os
import re
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook

from tests.e2e.conftest import shot
from tests.e2e.helpers import login, new_page, settle, switch
from tests.e2e.helpers import main_text as main
from ui.fmt import format_value

pytestmark = pytest.mark.browser
NAME = "Budget FY2026"
SALES_2025_PLUS_5 = """
    SELECT sum(round(s * 1.05, 2)) FROM (
      SELECT sum(amount) AS s FROM expenses
      WHERE department = 'Sales' AND expense_date BETWEEN DATE '2025-01-01' AND DATE '2025-12-31'
      GROUP BY date_trunc('month', expense_date), account, region)"""
BUDGET_2025 = "SELECT sum(amount) FROM budgets WHERE month BETWEEN DATE '2025-01-01' AND DATE '2025-12-31'"


@pytest.fixture(scope="module")
def store_env(app_env):
    """This process reads the app's metadata store (the version the browser made)."""
    from data import budget

    old = os.environ.get("CONCORD_METASTORE")
    os.environ["CONCORD_METASTORE"] = app_env["CONCORD_METASTORE"]
    budget.forget()
    yield
    budget.forget()
    if old is None:
        os.environ.pop("CONCORD_METASTORE", None)
    else:
        os.environ["CONCORD_METASTORE"] = old


def tab(page, name: str) -> None:
    page.get_by_role("tab", name=name).click()
    settle(page)


def pick(page, label: str, option: str) -> None:
    for _attempt in range(3):  # a click while the page reruns can be lost: try again
        page.get_by_label(label, exact=True).first.click(force=True)  # the input under the shown value
        try:
            page.get_by_role("option", name=option, exact=True).click(timeout=10_000)
        except Exception:  # noqa: BLE001
            page.keyboard.press("Escape")
            settle(page)
            continue
        settle(page)
        return
    raise AssertionError(f"{label}: no option {option}")


def click(page, name) -> None:
    page.get_by_role("button", name=name).first.click()
    settle(page, 600)


def clean_text(page) -> str:
    text = main(page)
    assert "Traceback" not in text and "00:00:00" not in text, text
    return text


def edit_first_january(page, value: str, saves: str) -> None:
    """The grid's first row, January (after Account and Region): a double click opens the cell's editor
    (glide's overlay input), type, Enter keeps it in the grid; tried again while the page was still
    drawing (the Save button then counts the edit)."""
    grid = page.locator("[data-testid='stMain'] [data-testid='stDataFrame']").first
    grid.wait_for()
    for _attempt in range(8):
        settle(page, 600)
        box = grid.locator("canvas").first.bounding_box()
        page.mouse.dblclick(box["x"] + 230, box["y"] + 35 + 17)
        try:
            page.locator(".gdg-input").first.wait_for(timeout=5_000)
        except Exception:  # noqa: BLE001
            continue
        editor = page.locator(".gdg-input").first
        editor.fill(value)
        page.wait_for_timeout(300)  # the editor's own state takes the value before Enter commits it
        editor.press("Enter")
        settle(page, 800)
        if page.get_by_role("button", name=saves).count():
            return
    raise AssertionError("the grid did not take the edit")


def test_a_budget_round_from_seed_to_approved(browser, app, raw, store_env, tmp_path):
    from data import budget
    from semantic import Principal

    fin = Principal("fin_analyst", ("finance",))
    cfo_context, cfo = new_page(browser, 2000)
    login(cfo, app, "cfo", "budget_plan")
    settle(cfo, 800)

    # 1. the CFO seeds Budget FY2026 from 2025 actuals +5% (the preview shows the departments before creating)
    growth = cfo.get_by_label("Company-wide growth %", exact=True).first
    growth.fill("5")
    growth.press("Enter")
    settle(cfo, 800)
    text = clean_text(cfo)
    assert "Preview by department" in text, text
    shot(cfo, "budget-plan-new-en")
    click(cfo, "Create version")
    cfo.get_by_text(f"Version {NAME} created.").wait_for()
    budget.forget()
    assert budget.find(NAME).status == "draft"
    hand = Decimal(str(raw.execute(SALES_2025_PLUS_5).fetchone()[0])).quantize(Decimal("0.01"), ROUND_HALF_UP)
    sales = budget.lines(NAME, fin, "Sales")
    assert sum((Decimal(str(v)) for v in sales["amount"]), Decimal(0)) == hand

    # 2. Sales's department head: only Sales, edits January of the first line, saves, submits
    sales_context, head = new_page(browser, 1800)
    login(head, app, "dept_sales", "budget_plan")
    settle(head, 800)
    text = clean_text(head)
    assert "Versions" not in [t.inner_text() for t in head.get_by_role("tab").all()]
    assert "Sales: Open" in text, text
    edit_first_january(head, "12345.67", "Save changes (1)")
    head.get_by_role("button", name="Save changes (1)").wait_for()
    shot(head, "budget-plan-grid-en")
    click(head, "Save changes (1)")
    head.get_by_text("Saved (1 changed).").wait_for()
    budget.forget()
    first = sorted(zip(sales["account"], sales["region"], strict=True))[0]
    lines = budget.lines(NAME, fin, "Sales")
    jan = lines[
        (lines["account"] == first[0]) & (lines["region"] == first[1]) & (lines["month"].astype(str) == "2026-01-01")
    ]
    assert Decimal(str(jan["amount"].iloc[0])) == Decimal("12345.67")
    # the Excel round trip: download the template, change February of the first line, upload, see, save
    head.get_by_text("Excel template", exact=True).click()
    settle(head)
    with head.expect_download() as download:
        head.get_by_role("button", name="Download the Excel template").click()
    book = load_workbook(io.BytesIO(Path(download.value.path()).read_bytes()))
    sheet = book["Sales"]
    assert (sheet["A2"].value, sheet["B2"].value, sheet["C2"].value) == (*first, 12345.67)
    assert sheet["D1"].value == "Feb" and sheet["O2"].value == "=SUM(C2:N2)"
    sheet["D2"] = 999.99
    filled = tmp_path / "sales.xlsx"
    book.save(filled)
    head.locator("[data-testid='stFileUploader'] input[type='file']").set_input_files(str(filled))
    head.get_by_text("Cells this file changes (1):").wait_for()
    settle(head)
    head.get_by_role("button", name="Save these changes (1)").scroll_into_view_if_needed()
    shot(head, "budget-plan-upload-en")
    click(head, "Save these changes (1)")
    head.get_by_text("Saved (1 changed).").wait_for()
    budget.forget()
    lines = budget.lines(NAME, fin, "Sales")
    feb = lines[
        (lines["account"] == first[0]) & (lines["region"] == first[1]) & (lines["month"].astype(str) == "2026-02-01")
    ]
    assert Decimal(str(feb["amount"].iloc[0])) == Decimal("999.99")
    tab(head, "Submit and approve")
    click(head, "Submit Sales's budget")
    head.get_by_text("Sales's budget submitted to finance.").wait_for()
    switch(head, "简体中文")
    tab(head, "填报表")
    assert "预算编制" in clean_text(head)
    shot(head, "budget-plan-grid-zh")

    # 3. the other departments submit (through the store, as finance may for any department); the CFO
    #    accepts every department on the page and submits the version, then approves it
    for status in budget.departments(NAME):
        if status.department != "Sales":
            budget.submit(NAME, status.department, fin)
    cfo.goto(f"{app.url}/budget_plan")
    settle(cfo, 800)
    tab(cfo, "Submit and approve")
    for status in budget.departments(NAME):
        click(cfo, f"Accept all of {status.department}")
        cfo.get_by_text(re.compile("every line accepted")).first.wait_for()
    budget.forget()
    assert {s.status for s in budget.departments(NAME)} == {"accepted"}
    tab(cfo, "Submit and approve")
    click(cfo, "Submit the version for approval")
    cfo.get_by_text(f"{NAME} submitted for approval.").wait_for()
    tab(cfo, "Submit and approve")
    shot(cfo, "budget-plan-round-en")
    click(cfo, "Approve (locks the cells)")
    cfo.get_by_text(re.compile("approved: it is now the budget of its year")).wait_for()
    budget.forget()
    assert budget.find(NAME).status == "approved"
    assert budget.current_plan().default_for(2026).name == NAME  # what Budget vs actual reads for 2026
    switch(cfo, "简体中文")
    tab(cfo, "提交与审批")
    assert "已批准" in clean_text(cfo)
    shot(cfo, "budget-plan-round-zh")
    tab(cfo, "预算版本")
    shot(cfo, "budget-plan-new-zh")

    # 4. Budget vs actual: 2026 is offered (it has a version); the default "Approved budget" reads
    #    Budget FY2026: its full-year card is the store's total for the version, not 2025's
    total = sum((Decimal(str(v)) for v in budget.lines(NAME, fin)["amount"]), Decimal(0))
    last_year = Decimal(str(raw.execute(BUDGET_2025).fetchone()[0]))
    assert total != last_year
    switch(cfo, "English")
    cfo.goto(f"{app.url}/budget")
    settle(cfo, 800)
    assert cfo.get_by_text("Year-end forecast").count()  # it opens on the tracked year, 2025, not on FY2026
    pick(cfo, "Year", "2026")
    cfo.get_by_text("No actuals yet for 2026").first.wait_for()
    cards = cfo.locator("[data-testid='stMetric']")
    full = cards.filter(has_text="Full year · Budget").first.locator("[data-testid='stMetricValue']")
    assert full.inner_text().strip() == format_value(float(total), "currency", "en")
    assert full.inner_text().strip() != format_value(float(last_year), "currency", "en")
    text = clean_text(cfo)
    assert "-100" not in text and "Year-end forecast" not in text, text
    shot(cfo, "budget-vs-actual-2026-en")
    # Compare with: a second 2026 version (finance's draft, Sales +10%) bridged from the approved one
    base = budget.lines(NAME, fin)[["month", "department", "account", "region", "amount"]]
    sales_up = budget.Driver("department", "Sales", Decimal("10"))
    budget.create(f"{NAME} v2", 2026, fin, lines=budget.seed_lines(base, 2026, drivers=(sales_up,)))
    cfo.reload()  # a new session: the page tracks the data date's year (2025) again until 2026 is picked
    settle(cfo, 800)
    pick(cfo, "Year", "2026")
    cfo.get_by_text("No actuals yet for 2026").first.wait_for()
    pick(cfo, "Compare with", f"{NAME} v2 · budget, draft")
    cfo.get_by_text(f"Approved budget · {NAME} to {NAME} v2 · budget, draft by department").first.wait_for()
    settle(cfo)
    cfo.get_by_text("By department and account", exact=True).first.scroll_into_view_if_needed()
    shot(cfo, "budget-compare-2026-en")
    switch(cfo, "简体中文")
    cfo.get_by_text("2026年尚无实际数").first.wait_for()
    full = cards.filter(has_text="全年 · 预算").first.locator("[data-testid='stMetricValue']")
    assert full.inner_text().strip() == format_value(float(total), "currency", "zh")
    cfo.get_by_text("按部门和科目", exact=True).first.scroll_into_view_if_needed()
    shot(cfo, "budget-compare-2026-zh")
    cfo.evaluate("window.scrollTo(0, 0)")
    cfo.locator("[data-testid='stMain']").evaluate("e => e.scrollTo(0, 0)")
    shot(cfo, "budget-vs-actual-2026-zh")
    sales_context.close()
    cfo_context.close()
