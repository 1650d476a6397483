"""The budget template written and read back with real .xlsx files (openpyxl), and crafted ones refused,
each in one line naming the sheet cell."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from decimal import Decimal

import pandas as pd
import pytest
from openpyxl import load_workbook

from data.budget import excel
from semantic.errors import SemanticError


@dataclass(frozen=True)
class V:
    name: str
    year: int


VERSION = V("Budget FY2026", 2026)
KNOWN = {("Travel", "East"), ("Salaries", "East")}


def lines() -> pd.DataFrame:
    rows = []
    for m in range(1, 13):
        rows.append((dt.date(2026, m, 1), "Sales", "Travel", "East", 1000.0 + m, 900.0 + m))
        rows.append((dt.date(2026, m, 1), "Sales", "Salaries", "East", 50000.0, 48000.0))
    return pd.DataFrame(rows, columns=["month", "department", "account", "region", "amount", "seed"])


def last_year() -> pd.DataFrame:
    rows = [(dt.date(2025, m, 1), "Travel", "East", 800.0) for m in range(1, 13)]
    return pd.DataFrame(rows, columns=["month", "account", "region", "amount"])


def book_bytes(lang="en") -> bytes:
    return excel.template(VERSION, "Sales", lines(), None, last_year(), lang=lang)


def edited(change) -> bytes:
    book = load_workbook(io.BytesIO(book_bytes()))
    change(book)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def refused(data: bytes, **kw) -> str:
    args = dict(version="Budget FY2026", year=2026, department="Sales", known=KNOWN) | kw
    with pytest.raises((SemanticError, ValueError)) as err:
        excel.read_upload(data, **args)
    line = str(err.value)
    assert "\n" not in line
    return line


def test_the_template_has_the_grid_a_total_formula_money_format_and_a_hidden_header():
    book = load_workbook(io.BytesIO(book_bytes()))
    grid = book["Sales"]
    assert [c.value for c in grid[1]][:3] == ["Account", "Region", "Jan"] and grid["O1"].value == "Total"
    assert grid["A2"].value == "Salaries" and grid["A3"].value == "Travel"
    assert grid["C3"].value == 1001.0 and grid["N3"].value == 1012.0
    assert grid["O3"].value == "=SUM(C3:N3)" and grid["C3"].number_format == "#,##0.00"
    header = book[excel.HEADER_SHEET]
    assert header.sheet_state == "veryHidden" and header.protection.sheet
    assert {r[0]: r[1] for r in header.iter_rows(values_only=True)} == {
        "version": "Budget FY2026", "year": 2026, "department": "Sales"
    }  # fmt: skip
    reference = book.worksheets[1]
    values = list(reference.iter_rows(values_only=True))
    travel_last = next(r for r in values if r[0] == "Travel" and r[2] == "Last year actual")
    travel_seed = next(r for r in values if r[0] == "Travel" and r[2] == "Seed")
    assert travel_last[3] == 800.0 and travel_seed[3] == 901.0


def test_months_are_headed_in_chinese_for_a_chinese_reader():
    grid = load_workbook(io.BytesIO(book_bytes("zh"))).worksheets[0]
    assert [c.value for c in grid[1]][:4] == ["科目", "区域", "1月", "2月"] and grid["O1"].value == "合计"


def test_reading_back_gives_every_filled_cell_and_leaves_empty_cells_out():
    def change(book):
        book["Sales"]["C3"] = 1234.565  # rounded half-up to the cent
        book["Sales"]["D3"] = None  # empty: unchanged, not in the answer
        book["Sales"]["E3"] = "2,000.10"

    got = excel.read_upload(edited(change), "Budget FY2026", 2026, "Sales", KNOWN)
    by_key = {(c.account, c.region, c.month): v for c, v in got.items()}
    assert len(got) == 23  # 24 cells, one emptied
    assert by_key[("Travel", "East", dt.date(2026, 1, 1))] == Decimal("1234.57")
    assert ("Travel", "East", dt.date(2026, 2, 1)) not in by_key
    assert by_key[("Travel", "East", dt.date(2026, 3, 1))] == Decimal("2000.10")
    assert by_key[("Salaries", "East", dt.date(2026, 12, 1))] == Decimal("50000.00")
    assert all(c.department == "Sales" for c in got)


@pytest.mark.parametrize(
    ("cell", "value", "said"),
    [
        ("C7", None, None),
        ("C3", "abc", "C3: 'abc' is not a number"),
        ("F2", -5, "F2: -5 is negative"),
        ("N3", "=1+1", "N3: a formula"),
        ("D2", 2e12, "D2: 2000000000000 is too large"),
    ],
)
def test_a_bad_cell_is_refused_naming_it(cell, value, said):
    def change(book):
        book["Sales"][cell] = value

    data = edited(change)
    if said is None:
        assert excel.read_upload(data, "Budget FY2026", 2026, "Sales", KNOWN)
    else:
        assert refused(data).startswith(said)


def test_an_unknown_account_row_is_refused_naming_its_row():
    def change(book):
        book["Sales"]["A3"] = "Yachts"

    assert refused(edited(change)).startswith("A3: 'Yachts' / 'East' is not a line of Sales")


def test_a_template_of_another_year_version_or_department_is_refused():
    assert "year '2026', not '2027'" in refused(book_bytes(), year=2027)
    assert "version 'Budget FY2026', not 'Forecast 3+9'" in refused(book_bytes(), version="Forecast 3+9")
    assert "department 'Sales', not 'Marketing'" in refused(book_bytes(), department="Marketing")


def test_a_crafted_header_claiming_another_year_is_refused():
    def change(book):
        book[excel.HEADER_SHEET]["B2"] = 2025

    assert "year '2025', not '2026'" in refused(edited(change))


def test_not_an_xlsx_a_damaged_one_and_a_plain_workbook_are_refused():
    assert "not an Excel workbook" in refused(b"Account,Region\nTravel,East\n")
    assert "not an Excel workbook" in refused(book_bytes()[:500])

    def change(book):
        del book[excel.HEADER_SHEET]

    assert "not a Concord budget template" in refused(edited(change))
