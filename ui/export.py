"""Downloads: CSV, and Excel with formatted numbers plus a sheet recording the
query and when it ran (so a spreadsheet found later says where it came from).

Text is never a formula: a text cell starting with = + - @, a tab or a carriage
return (a member synced from another system, a where typed by a user) is
prefixed with a single quote, OWASP's rule against CSV/formula injection.
Numbers stay numbers (a negative number is not text)."""

from __future__ import annotations

import datetime as dt
import io
import math

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from semantic.query import Query

EXCEL_FORMATS = {
    "currency": '"¥"#,##0.00;[Red]-"¥"#,##0.00',
    "percent": "0.0%",
    "count": "#,##0",
    "days": "0.0",
    "number": "#,##0.00",
}


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutral(value):
    """`value`, with a text that a spreadsheet would read as a formula made plain text."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def to_csv(frame: pd.DataFrame) -> bytes:
    safe = frame.rename(columns=lambda c: neutral(str(c)))
    for column in safe.columns:
        if not (pd.api.types.is_numeric_dtype(safe[column]) or pd.api.types.is_datetime64_any_dtype(safe[column])):
            safe[column] = safe[column].map(neutral)
    # BOM: Excel opens Chinese text correctly; CRLF rows (RFC 4180), so a field holding a bare CR is quoted
    return safe.to_csv(index=False, lineterminator="\r\n").encode("utf-8-sig")


def to_excel(
    frame: pd.DataFrame,
    formats: dict[str, str],
    query: Query,
    *,
    user: str,
    ran_at: dt.datetime,
    headers: dict[str, str] | None = None,
    sheet_names: tuple[str, str] = ("Result", "Query"),
) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = sheet_names[0]
    columns = list(frame.columns)
    sheet.append([neutral(str((headers or {}).get(c, c))) for c in columns])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in frame.itertuples(index=False):
        sheet.append([_cell(v) for v in row])
    for i, column in enumerate(columns, start=1):
        fmt = EXCEL_FORMATS.get(formats.get(column, ""))
        if column.endswith("__prior"):  # the prior value is the metric itself, a year (or period) back
            fmt = EXCEL_FORMATS.get(formats.get(column.split("__")[0], ""))
        if column.endswith("__change_pct"):
            fmt = EXCEL_FORMATS["percent"]
        letter = get_column_letter(i)
        sheet.column_dimensions[letter].width = max(12, min(40, len(str(sheet.cell(1, i).value)) + 4))
        for cell in sheet[letter][1:]:
            if fmt:
                cell.number_format = fmt
            elif isinstance(cell.value, dt.date):
                cell.number_format = "yyyy-mm-dd"
    meta = book.create_sheet(sheet_names[1])
    for key, value in (
        ("metrics", ", ".join(query.metrics)),
        ("group_by", ", ".join(query.group_by)),
        ("where", query.where or ""),
        ("from", str(query.time_from or "")),
        ("to", str(query.time_to or "")),
        ("compare", query.compare or ""),
        ("user", user),
        ("ran_at", ran_at.isoformat(timespec="seconds")),
        ("rows", len(frame)),
    ):
        meta.append([key, neutral(value)])
    meta.column_dimensions["A"].width = 12
    meta.column_dimensions["B"].width = 60
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _cell(value):
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NaT:
        return None
    if isinstance(value, pd.Timestamp):
        return value.date()
    if hasattr(value, "item"):
        return neutral(value.item())
    try:
        from decimal import Decimal

        if isinstance(value, Decimal):
            return float(value)
    except ImportError:  # pragma: no cover
        pass
    return neutral(value)
