"""Time: truncating dates to a grain, period ends, and shifting for comparisons.

SQL builders return sqlglot expressions (so every dialect gets its own spelling);
the date arithmetic on query bounds is done here in Python, because the bounds
are known when the query is compiled.
"""

from __future__ import annotations

import calendar
import datetime as dt

from sqlglot import exp

# A grain as a SQL interval (count, unit); week is ISO (periods start on Monday).
GRAIN_INTERVAL = {
    "day": (1, "DAY"),
    "week": (7, "DAY"),
    "month": (1, "MONTH"),
    "quarter": (3, "MONTH"),
    "year": (1, "YEAR"),
}
GRAIN_MONTHS = {"month": 1, "quarter": 3, "year": 12}


def date_literal(day: dt.date) -> exp.Expression:
    return exp.cast(exp.Literal.string(day.isoformat()), exp.DataType.build("date"))


def interval(count: int, unit: str) -> exp.Expression:
    return exp.Interval(this=exp.Literal.string(str(count)), unit=exp.var(unit))


def truncate(column: exp.Expression, grain: str) -> exp.Expression:
    """The first day of the period that `column` falls in, as a DATE."""
    if grain == "day":
        return exp.cast(column, exp.DataType.build("date"))
    return exp.cast(exp.DateTrunc(this=column, unit=exp.Literal.string(grain.upper())), exp.DataType.build("date"))


def add(day: exp.Expression, count: int, unit: str) -> exp.Expression:
    """`day` moved by count units, still a DATE."""
    op = exp.Add if count >= 0 else exp.Sub
    return exp.cast(op(this=day, expression=interval(abs(count), unit)), exp.DataType.build("date"))


def period_end(start: exp.Expression, grain: str) -> exp.Expression:
    """The last day of the period that starts at `start`."""
    count, unit = GRAIN_INTERVAL[grain]
    return add(add(start, count, unit), -1, "DAY")


def shift_for(grain: str | None, comparison: str, days_in_range: int | None = None) -> tuple[int, str]:
    """How far back the comparison period lies, as (count, unit)."""
    if comparison == "prior_year":
        return (364, "DAY") if grain in ("week",) else (1, "YEAR")
    if grain is not None:
        return GRAIN_INTERVAL[grain]
    if days_in_range is None:
        raise ValueError("an ungrouped prior_period needs the range length")
    return (days_in_range, "DAY")


# ---- Python date arithmetic on the query's bounds ---------------------------
def is_month_end(day: dt.date) -> bool:
    return day.day == calendar.monthrange(day.year, day.month)[1]


def add_months(day: dt.date, months: int, snap_to_end: bool = False) -> dt.date:
    """Move by whole months, clamping to the month's length; month ends stay month ends."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return dt.date(year, month + 1, last if snap_to_end else min(day.day, last))


def shift_date(day: dt.date, count: int, unit: str, is_end: bool = False) -> dt.date:
    """`day` moved back by count units; a range end on a month end stays a month end."""
    if unit == "DAY":
        return day - dt.timedelta(days=count)
    months = count * (12 if unit == "YEAR" else 1)
    return add_months(day, -months, snap_to_end=is_end and is_month_end(day))


def whole_months(start: dt.date, end: dt.date) -> int | None:
    """Number of months when [start, end] covers whole calendar months, else None."""
    if start.day != 1 or not is_month_end(end):
        return None
    return (end.year - start.year) * 12 + end.month - start.month + 1
