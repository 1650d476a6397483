"""Period choices of the home page, relative to the data's last day."""

from __future__ import annotations

import datetime as dt

CHOICES = ("month", "quarter", "ytd", "l12m", "custom")


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def add_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def period_range(choice: str, as_of: dt.date, custom: tuple[dt.date, dt.date] | None = None) -> tuple[dt.date, dt.date]:
    """(first day, last day) of the chosen period ending at `as_of`."""
    if choice == "month":
        return month_start(as_of), as_of
    if choice == "quarter":
        return dt.date(as_of.year, 3 * ((as_of.month - 1) // 3) + 1, 1), as_of
    if choice == "ytd":
        return dt.date(as_of.year, 1, 1), as_of
    if choice == "l12m":
        return add_months(month_start(as_of), -11), as_of
    if choice == "custom" and custom:
        return custom
    raise ValueError(f"unknown period {choice!r}")


def sparkline_range(as_of: dt.date) -> tuple[dt.date, dt.date]:
    return add_months(month_start(as_of), -11), as_of
