"""A department's budget grid as an Excel template, and the filled-in template read back.

`template` writes one sheet named after the department (Account, Region, the twelve months headed in the
reader's language, Total as a SUM formula, amounts as #,##0.00), a second sheet with last year's actuals and
the seed beside each line, and a very hidden, protected sheet naming the version, year and department.
`read_upload` reads it back into {Cell: Decimal}: every refusal is one line naming the sheet cell
("C7: 'abc' is not a number"). An empty month cell means "unchanged": it is left out of the answer, so a
save never touches it (a zero is typed as 0)."""

from __future__ import annotations

import datetime as dt
import io
import math
import zipfile
from collections.abc import Collection
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

import pandas as pd
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

HEADER_SHEET = "concord"
MONEY = "#,##0.00"
MONTHS = {
    "en": ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"],
    "zh": [f"{m}月" for m in range(1, 13)],
}
WORDS = {
    "en": {"account": "Account", "region": "Region", "total": "Total", "reference": "Last year and seed",
           "kind": "Line", "last_year": "Last year actual", "seed": "Seed"},
    "zh": {"account": "科目", "region": "区域", "total": "合计", "reference": "上年实际与初始值",
           "kind": "类别", "last_year": "上年实际", "seed": "初始值"},
}  # fmt: skip
LIMIT = Decimal("1e12")
CENT = Decimal("0.01")


def _pivot(frame: pd.DataFrame | None, column: str) -> dict[tuple[str, str], dict[int, float]]:
    """{(account, region): {month number: amount}} of a frame with month, account, region and `column`."""
    out: dict[tuple[str, str], dict[int, float]] = {}
    if frame is None or frame.empty or column not in frame.columns:
        return out
    for row in frame.itertuples(index=False):
        month = pd.Timestamp(row.month).month
        cells = out.setdefault((str(row.account), str(row.region)), {})
        cells[month] = cells.get(month, 0.0) + float(getattr(row, column))
    return out


def _sheet_title(department: str) -> str:
    """An Excel sheet name: at most 31 characters, none of []:*?/\\."""
    return "".join("_" if c in "[]:*?/\\" else c for c in department)[:31] or "Budget"


def template(version, department: str, lines: pd.DataFrame, seed=None, last_year=None, *, lang: str = "en") -> bytes:
    """The grid of `department` in `version` (anything with .name and .year) as .xlsx bytes. `lines`: month,
    account, region, amount (budget.lines; its seed column is used when `seed` is None); `seed` and
    `last_year`: frames of month, account, region, amount (last year's months in any year)."""
    words, months = WORDS.get(lang, WORDS["en"]), MONTHS.get(lang, MONTHS["en"])
    amounts = _pivot(lines, "amount")
    seeds = _pivot(seed, "amount") if seed is not None else _pivot(lines, "seed")
    actual = _pivot(last_year, "amount")
    book = Workbook()
    grid = book.active
    grid.title = _sheet_title(department)
    bold = Font(bold=True)
    head = [words["account"], words["region"], *months, words["total"]]
    grid.append(head)
    for cell in grid[1]:
        cell.font = bold
        cell.fill = PatternFill("solid", fgColor="DDE7F3")
    for r, (account, region) in enumerate(sorted(amounts), start=2):
        values = amounts[(account, region)]
        grid.append([account, region, *[values.get(m) for m in range(1, 13)], f"=SUM(C{r}:N{r})"])
        for c in range(3, 16):
            grid.cell(r, c).number_format = MONEY
    grid.freeze_panes = "C2"
    grid.column_dimensions["A"].width = 18
    grid.column_dimensions["B"].width = 12
    for c in range(3, 16):
        grid.column_dimensions[get_column_letter(c)].width = 14
    ref = book.create_sheet(words["reference"][:31])
    ref.append([words["account"], words["region"], words["kind"], *months, words["total"]])
    for cell in ref[1]:
        cell.font = bold
    for account, region in sorted(amounts):
        for kind, source in (("last_year", actual), ("seed", seeds)):
            values = source.get((account, region), {})
            r = ref.max_row + 1
            row = [values.get(m) for m in range(1, 13)]
            ref.append([account, region, words[kind], *row, f"=SUM(D{r}:O{r})"])
            for c in range(4, 17):
                ref.cell(r, c).number_format = MONEY
    ref.protection.sheet = True
    header = book.create_sheet(HEADER_SHEET)
    for key, value in (("version", version.name), ("year", int(version.year)), ("department", department)):
        header.append([key, value])
    header.sheet_state = "veryHidden"
    header.protection.sheet = True
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


class UploadError(ValueError):
    """An upload refused, in one line."""


def _refuse(line: str):
    from data import budget

    error = getattr(budget, "BudgetError", UploadError)
    raise error(line)


def _amount(value, where: str) -> Decimal | None:
    """A cell's amount: None when empty (unchanged); refused when not a number, not finite, negative or huge."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool) or isinstance(value, (dt.date, dt.datetime, dt.time)):
        _refuse(f"{where}: {value!r} is not a number; type an amount such as 12500.00")
    if isinstance(value, float) and not math.isfinite(value):
        _refuse(f"{where}: {value} is not a number; type an amount such as 12500.00")
    try:
        text = value.strip().replace(",", "") if isinstance(value, str) else repr(value)
        if isinstance(value, str) and text.startswith("="):
            _refuse(f"{where}: a formula ({value}) is not an amount; type the number itself")
        amount = Decimal(text)
    except InvalidOperation:
        _refuse(f"{where}: {str(value)!r} is not a number; type an amount such as 12500.00")
    if not amount.is_finite():
        _refuse(f"{where}: {str(value)!r} is not a number; type an amount such as 12500.00")
    if amount < 0:
        _refuse(f"{where}: {value} is negative; a budget amount is 0 or more")
    if amount > LIMIT:
        _refuse(f"{where}: {value} is too large (at most 1,000,000,000,000)")
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def _header(book) -> dict[str, str]:
    if HEADER_SHEET not in book.sheetnames:
        _refuse("this workbook is not a Concord budget template (no header sheet); download the template again")
    return {str(row[0]): str(row[1]) for row in book[HEADER_SHEET].iter_rows(values_only=True) if row and row[0]}


def read_upload(
    data: bytes, version: str, year: int, department: str, known: Collection[tuple[str, str]] | None = None
) -> dict:
    """{Cell: Decimal} of every filled month cell of `department`'s sheet; empty cells are left out (unchanged).
    `known`: the (account, region) lines of the version for the department (rows outside it are refused)."""
    from data.budget import Cell

    try:
        book = load_workbook(io.BytesIO(data), data_only=False)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError):
        _refuse("the file is not an Excel workbook (.xlsx) or is damaged; upload the template you downloaded")
    head = _header(book)
    for key, want in (("version", version), ("year", str(year)), ("department", department)):
        got = head.get(key, "")
        if got != str(want):
            _refuse(f"this template is for {key} '{got}', not '{want}'; download the template of {want}")
    title = _sheet_title(department)
    if title not in book.sheetnames:
        _refuse(f"the workbook has no sheet '{title}'; upload the template you downloaded")
    sheet = book[title]
    out, seen = {}, {}
    for r, row in enumerate(sheet.iter_rows(min_row=2, max_col=14, values_only=True), start=2):
        row = list(row) + [None] * (14 - len(row))
        account, region = row[0], row[1]
        if account is None and region is None and all(v is None for v in row[2:14]):
            continue
        account, region = str(account or "").strip(), str(region or "").strip()
        if known is not None and (account, region) not in set(known):
            _refuse(
                f"A{r}: '{account}' / '{region}' is not a line of {department} in this version; "
                "keep the rows as downloaded"
            )
        if (account, region) in seen:
            _refuse(f"A{r}: '{account}' / '{region}' appears twice (also row {seen[(account, region)]}); keep one row")
        seen[(account, region)] = r
        for m in range(1, 13):
            where = f"{get_column_letter(m + 2)}{r}"
            amount = _amount(row[m + 1], where)
            if amount is not None:
                out[Cell(department, account, region, dt.date(int(year), m, 1))] = amount
    return out
