"""A grid -> records (column -> raw cell, with the line each came from). Two shapes:
- rows: one record per line, headers mapped to columns;
- months across (the budget workbook): department × account rows, one column per month (1月 … 12月,
  2025-01 …), each cell one record; a 合计/total column and a 合计 row are left out and checked
  against the sum of the cells they total."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from data.load import values
from data.load.mapping import TOTALS, Choice, norm
from data.load.read import Grid, cell_name

TOTAL_WORDS = {norm(t) for t in TOTALS}
TOLERANCE = Decimal("0.01")


@dataclass
class Record:
    line: int
    cells: dict[str, object]  # column -> raw value
    cell: dict[str, str]  # column -> spreadsheet cell name (for messages)


def month_columns(grid: Grid, year: int | None) -> dict[int, dt.date]:
    out = {}
    for j, header in enumerate(grid.header):
        month = values.month_header(header, year)
        if month is not None:
            out[j] = month
    return out if len(out) >= 2 else {}


def is_total(cell) -> bool:
    return cell is not None and norm(cell) in TOTAL_WORDS


def _num(raw, scale) -> Decimal:
    try:
        return values.amount(raw, scale) or Decimal(0)
    except ValueError:
        return Decimal(0)


def records(
    grid: Grid,
    choices: list[Choice],
    months: dict[int, dt.date],
    month_column: str | None,
    value_column: str | None,
    scale: Decimal,
) -> tuple[list[Record], list[tuple[int, str]]]:
    """The records and the consistency errors (a total that does not add up)."""
    index = {}
    for j, header in enumerate(grid.header):
        if header is None or str(header).strip() == "":
            continue
        for choice in choices:
            if choice.header == str(header).strip() and choice.column is not None and choice.column not in index:
                index[choice.column] = j
    total_col = next(
        (j for j, h in enumerate(grid.header) if is_total(h) and j not in months.values() and j not in index.values()),
        None,
    )
    text_cols = [j for c, j in index.items() if c not in (value_column, month_column)]
    out: list[Record] = []
    errors: list[tuple[int, str]] = []
    sums: dict[int, Decimal] = {}
    value_at = index.get(value_column) if not months else None
    for line, row in grid.rows:
        if grid.csv and len(row) > len(grid.header) and any(not values.blank(v) for v in row[len(grid.header) :]):
            errors.append(
                (line, f"{len(row)} values but the header has {len(grid.header)} (a comma in an amount not in quotes?)")
            )
            continue
        get = lambda j, row=row: row[j] if j < len(row) else None  # noqa: E731
        if any(is_total(get(j)) for j in text_cols):  # a 合计 row: checked below, not loaded
            _check_total_row(line, row, months, value_at, sums, scale, errors)
            continue
        base = {c: get(j) for c, j in index.items()}
        names = {c: str(grid.header[j]).strip() if grid.csv else cell_name(j, line) for c, j in index.items()}
        if not months:
            if value_at is not None:
                sums[value_at] = sums.get(value_at, Decimal(0)) + _num(get(value_at), scale)
            out.append(Record(line, base, names))
            continue
        row_sum = Decimal(0)
        for j, month in months.items():
            cell = get(j)
            row_sum += _num(cell, scale)
            sums[j] = sums.get(j, Decimal(0)) + _num(cell, scale)
            if values.blank(cell):
                continue
            out.append(
                Record(
                    line, {**base, month_column: month, value_column: cell}, {**names, value_column: cell_name(j, line)}
                )
            )
        if total_col is not None and not values.blank(get(total_col)):
            said = _num(get(total_col), scale)
            if abs(said - row_sum) > TOLERANCE * scale:
                errors.append(
                    (
                        line,
                        f"the total in {cell_name(total_col, line)} is {said / scale:,.2f} but the months add up to {row_sum / scale:,.2f}",
                    )
                )
    return out, errors


def _check_total_row(line, row, months, value_at, sums, scale, errors) -> None:
    columns = list(months) if months else ([value_at] if value_at is not None else [])
    for j in columns:
        cell = row[j] if j < len(row) else None
        if values.blank(cell):
            continue
        said, summed = _num(cell, scale), sums.get(j, Decimal(0))
        if abs(said - summed) > TOLERANCE * scale:
            errors.append(
                (
                    line,
                    f"the total in {cell_name(j, line)} is {said / scale:,.2f} but the rows above add up to {summed / scale:,.2f}",
                )
            )
            return
