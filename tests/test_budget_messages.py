"""The planning store's refusals as a page user reads them (ui.messages.browser, issue 17): each error is
REAL, raised through the store's API on a fresh metadata store, then said in Chinese and English. The
expected lines are written out by hand (the department labels are the library's: Sales = 销售部)."""

from __future__ import annotations

import datetime as dt
import io
import re
from decimal import Decimal as D

import pandas as pd
import pytest
from openpyxl import load_workbook

from data import budget
from data.budget import excel
from semantic.errors import SemanticError
from tests.budgetstore import make_version, small_lines, who
from ui.messages import browser

NAME = "Budget T"
JAN = dt.date(2026, 1, 1)
TRAVEL_EAST = budget.Cell("Sales", "Travel", "East", JAN)


@pytest.fixture(autouse=True)
def _store(metastore_file):
    budget.forget()
    yield
    budget.forget()


def refusal(call, *args, **kwargs) -> SemanticError:
    with pytest.raises(SemanticError) as caught:
        call(*args, **kwargs)
    return caught.value


def said(err) -> tuple[str, str]:
    return browser(err, "zh"), browser(err, "en")


def draft():
    make_version(NAME, small_lines(), "draft", year=2026)
    return budget.grid_revision(NAME, "Sales")


def test_a_stale_save_names_who_saved_and_when_in_chinese():
    rev = draft()
    budget.save(NAME, "Sales", {TRAVEL_EAST: "120"}, who("fin_analyst"), expected_revision=rev)
    err = refusal(budget.save, NAME, "Sales", {TRAVEL_EAST: "130"}, who("dept_sales"), expected_revision=rev)
    assert isinstance(err, budget.StaleEdit)
    at = re.search(r"at (\d\d:\d\d UTC)", str(err)).group(1)
    zh, en = said(err)
    assert (
        zh
        == f"Budget T 的销售部已由 fin_analyst 于 {at} 保存（在您打开之后）：请重新加载并再次录入您的修改（您的修改仍在表格中）。"
    )
    assert en.startswith(f"Sales in Budget T was saved by fin_analyst at {at} after you opened it")


@pytest.mark.parametrize(
    ("value", "zh"),
    [
        ("-5", "Sales / Travel / East / 2026-01：-5 为负数：预算金额须大于或等于 0。"),
        ("abc", "Sales / Travel / East / 2026-01：“abc”不是数字：请输入金额，例如 1200.50。"),
        ("2000000000000", "Sales / Travel / East / 2026-01：2000000000000 过大：金额最多为 1,000,000,000,000。"),
    ],
)
def test_a_bad_cell_is_refused_in_chinese(value, zh):
    rev = draft()
    err = refusal(budget.save, NAME, "Sales", {TRAVEL_EAST: value}, who("dept_sales"), expected_revision=rev)
    assert said(err)[0] == zh


def test_editing_an_approved_or_locked_version():
    make_version(NAME, small_lines(), "approved", year=2026)
    rev = budget.grid_revision(NAME, "Sales")
    err = refusal(budget.save, NAME, "Sales", {TRAVEL_EAST: "1"}, who("fin_analyst"), expected_revision=rev)
    assert said(err) == (
        "无法编辑Budget T：该版本已批准，单元格已锁定；请用调剂转移金额。",
        "Cannot edit Budget T: it is approved and its cells are locked; move amounts with a transfer.",
    )
    budget.lock(NAME, who("cfo"))
    err = refusal(budget.save, NAME, "Sales", {TRAVEL_EAST: "1"}, who("fin_analyst"), expected_revision=rev)
    assert said(err)[0] == "无法编辑Budget T：该版本已锁定，不能再做任何修改。"
    source = budget.Cell("Sales", "Events", "East", JAN)
    err = refusal(budget.transfer, NAME, who("fin_analyst"), source=source, target=TRAVEL_EAST, amount=D("1"), note="")
    assert said(err)[0] == "Budget T已锁定：不能再调剂。"


def test_a_department_head_on_another_department():
    draft()
    rev = budget.grid_revision(NAME, "Marketing")
    cell = budget.Cell("Marketing", "Ads", "East", JAN)
    err = refusal(budget.save, NAME, "Marketing", {cell: "1"}, who("dept_sales"), expected_revision=rev)
    assert said(err) == (
        "您只能编辑销售部的预算，不能编辑市场部的预算。",
        "You may edit only Sales's budget, not Marketing's.",
    )
    rev = budget.grid_revision(NAME, "Sales")
    err = refusal(budget.save, NAME, "Sales", {cell: "1"}, who("fin_analyst"), expected_revision=rev)
    assert said(err)[0] == "Marketing / Ads / East / 2026-01 属于市场部，不属于销售部：请分别保存各部门。"


def test_the_workflow_out_of_order():
    rev = draft()
    cfo = who("cfo")
    assert said(refusal(budget.approve, NAME, cfo))[0] == (
        "无法批准Budget T：该版本仍是草稿；各部门全部通过后，由财务提交审批。"
    )
    assert said(refusal(budget.submit_version, NAME, cfo))[0] == (
        "Budget T暂不能提交审批：财务部、市场部、销售部尚未通过，请先审核。"
    )
    err = refusal(budget.review, NAME, "Sales", "Travel", cfo, verdict="accept")
    assert said(err)[0] == "Budget T中销售部的预算填报中：部门提交后才能通过或退回各行。"
    budget.submit(NAME, "Sales", who("dept_sales"))
    err = refusal(budget.save, NAME, "Sales", {TRAVEL_EAST: "1"}, who("dept_sales"), expected_revision=rev)
    assert said(err)[0] == "Budget T中销售部的预算已提交：财务退回后才能修改。"
    err = refusal(budget.submit, NAME, "Sales", who("dept_sales"))
    assert said(err)[0] == "Budget T中销售部的预算已提交：财务退回后才能修改。"


def test_a_transfer_of_more_than_the_cell_holds():
    make_version(NAME, small_lines(), "approved", year=2026)  # every cell holds 100.00
    source = budget.Cell("Sales", "Events", "East", JAN)
    err = refusal(budget.transfer, NAME, who("fin_analyst"), source=source, target=TRAVEL_EAST, amount=D("1000"))
    assert said(err) == (
        "调出单元格只有 100.00：最多可调 100.00，不能调 1,000.00。",
        "The source cell holds 100.00: move at most that, not 1,000.00.",
    )
    err = refusal(budget.transfer, NAME, who("fin_analyst"), source=source, target=TRAVEL_EAST, amount=D("0"))
    assert said(err)[0] == "调剂金额须大于 0，不能是 0.00。"


def test_a_transfer_on_a_draft_and_an_unknown_version():
    draft()
    source = budget.Cell("Sales", "Events", "East", JAN)
    err = refusal(budget.transfer, NAME, who("fin_analyst"), source=source, target=TRAVEL_EAST, amount=D("1"))
    assert said(err)[0] == "Budget T为草稿，尚未批准：只有已批准的预算才能调剂。"
    err = refusal(budget.submit, "Budget X", "Sales", who("fin_analyst"))
    assert said(err) == (
        "没有名为“Budget X”的预算版本：请从列表中选择版本。",
        "There is no budget version 'Budget X': choose a version from the list.",
    )


def template(department: str = "Sales") -> bytes:
    version = budget.find(NAME)
    lines = budget.lines(NAME, who("fin_analyst"), department)
    last_year = pd.DataFrame(columns=["month", "account", "region", "amount"])
    return excel.template(version, department, lines, None, last_year, lang="en")


def upload(book_bytes: bytes, department: str = "Sales"):
    lines = budget.lines(NAME, who("fin_analyst"), department)
    known = set(zip(lines["account"], lines["region"], strict=True))
    return excel.read_upload(book_bytes, NAME, 2026, department, known)


def changed(cell: str, value) -> bytes:
    book = load_workbook(io.BytesIO(template()))
    book["Sales"][cell] = value
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.mark.parametrize(
    ("cell", "value", "zh"),
    [
        ("C2", "abc", "C2：“abc”不是数字：请输入金额，例如 1200.50。"),
        ("D3", -5, "D3：-5 为负数：预算金额须大于或等于 0。"),
        ("E2", "=1+1", "E2：公式（=1+1）不是金额：请直接输入数字。"),
        ("A2", "Bribes", "A2：Bribes / East 不是本版本销售部的预算行：请保持下载时的行。"),
    ],
)
def test_an_upload_refusal_names_the_cell_in_chinese(cell, value, zh):
    draft()
    assert said(refusal(upload, changed(cell, value)))[0] == zh


def test_an_upload_of_another_department_or_not_a_workbook():
    draft()
    err = refusal(upload, template("Sales"), "Marketing")
    assert said(err)[0] == "此文件是部门“Sales”的模板，不是“Marketing”的：请下载“Marketing”的模板。"
    err = refusal(upload, b"PK not a workbook")
    assert said(err)[0] == "该文件不是 Excel 工作簿（.xlsx）或已损坏：请上传您下载的模板。"
