"""The values the planning store hands out, its errors, and reading a user's amount to the cent."""

from __future__ import annotations

import datetime as dt
import math
import numbers
import unicodedata
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from semantic.errors import SemanticError
from semantic.plan.model import IMPORTED, KINDS

CENT = Decimal("0.01")
MOST = Decimal("1000000000000")  # 1e12: the largest amount a cell may hold
MAX_NAME = 60
MAX_TEXT = 500
YEARS = (2000, 2100)
PERIODS = {"year": range(1, 13), "Q1": range(1, 4), "Q2": range(4, 7), "Q3": range(7, 10), "Q4": range(10, 13)}


class BudgetError(SemanticError):
    """Bad input or a wrong state of a budget version (one line: what is wrong, what to do)."""


class StaleEdit(BudgetError):
    """Someone saved the department's lines since the editor opened them."""


@dataclass(frozen=True)
class VersionInfo:
    id: int
    name: str
    year: int
    kind: str
    status: str
    switch_month: int
    based_on: str
    note: str
    created_by: str
    created_at: str
    approved_by: str
    approved_at: str
    revision: int


@dataclass(frozen=True)
class Driver:
    """Growth of `pct` percent for every line of a member (`dimension` "all": every line)."""

    dimension: str
    member: str = ""
    pct: Decimal = Decimal(0)


@dataclass(frozen=True)
class Adjustment:
    """A one-off amount added to one cell of the seeded year (a new cell when it has none)."""

    month: dt.date
    department: str
    account: str
    region: str
    amount: Decimal
    note: str = ""


@dataclass(frozen=True)
class Cell:
    department: str
    account: str
    region: str
    month: dt.date

    def text(self) -> str:
        return f"{self.department} / {self.account} / {self.region} / {self.month:%Y-%m}"


@dataclass(frozen=True)
class CellChange:
    cell: Cell
    before: Decimal
    after: Decimal


@dataclass(frozen=True)
class SaveResult:
    revision: int
    changes: tuple[CellChange, ...]


@dataclass(frozen=True)
class DepartmentStatus:
    department: str
    status: str  # open, submitted, returned, accepted
    revision: int
    saved_by: str
    saved_at: str


@dataclass(frozen=True)
class Comment:
    department: str
    account: str
    author: str
    at: str
    verdict: str  # accept, return, comment
    text: str


@dataclass(frozen=True)
class Transfer:
    id: int
    source: Cell
    target: Cell
    amount: Decimal
    note: str
    by: str
    at: str


@dataclass(frozen=True)
class Change:
    at: str
    who: str
    action: str
    department: str
    account: str
    region: str
    month: dt.date | None
    before: Decimal | None
    after: Decimal | None
    note: str


def now_text() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def to_cents(amount: Decimal) -> int:
    return int((amount * 100).to_integral_value())


def from_cents(cents: int | None) -> Decimal | None:
    return None if cents is None else (Decimal(int(cents)) / 100).quantize(CENT)


def cents_of(value) -> Decimal:
    """A value rounded half-up to the cent (Decimal); floats through their shortest text."""
    return decimal_of(value).quantize(CENT, rounding=ROUND_HALF_UP)


def decimal_of(value) -> Decimal:
    """A number as Decimal, or ValueError for text that is not one, NaN and infinities."""
    if isinstance(value, bool) or value is None:
        raise ValueError("not a number")
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError("not a number")
        value = repr(value)
    if isinstance(value, str):
        value = value.strip().replace(",", "").replace(" ", "")
    try:
        number = Decimal(value) if not isinstance(value, Decimal) else value
    except (InvalidOperation, TypeError, ValueError):
        raise ValueError("not a number") from None
    if not number.is_finite():
        raise ValueError("not a number")
    return number


def amount_of(value, where: str) -> Decimal:
    """A cell's amount as typed: a number of 0 or more, at most 1e12, rounded half-up to the cent."""
    shown = str(value)[:40]
    try:
        number = decimal_of(value)
    except ValueError:
        raise BudgetError(f"{where}: '{shown}' is not a number; enter an amount such as 1200.50.") from None
    if number < 0:
        raise BudgetError(f"{where}: {shown} is negative; enter 0 or more.")
    if number > MOST:
        raise BudgetError(f"{where}: {shown} is more than 1,000,000,000,000; enter a smaller amount.")
    return number.quantize(CENT, rounding=ROUND_HALF_UP)


def check_size(number: Decimal, where: str) -> Decimal:
    """`number` itself, unless it is beyond ±1e12 (what a cell may hold)."""
    if abs(number) > MOST:
        raise BudgetError(f"{where}: {number:,} is beyond 1,000,000,000,000; enter a smaller amount.")
    return number


def month_of(value) -> dt.date:
    """A date (or pandas Timestamp / 'YYYY-MM[-DD]' text) as the first day of its month."""
    if isinstance(value, str):
        text = value.strip()
        value = dt.date.fromisoformat(text if len(text) > 7 else text + "-01")
    if hasattr(value, "to_pydatetime"):
        value = value.to_pydatetime()
    if isinstance(value, dt.datetime):
        value = value.date()
    if not isinstance(value, dt.date) or value != value:  # (pandas' NaT is a date that is not equal to itself)
        raise ValueError("not a month")
    return dt.date(value.year, value.month, 1)


def check_name(name: str) -> str:
    name = str(name or "").strip()
    if not name or len(name) > MAX_NAME:
        raise BudgetError(f"a version name has 1 to {MAX_NAME} characters; '{name[:70]}' has {len(name)}.")
    if any(c in "<>" or unicodedata.category(c).startswith("C") for c in name):
        raise BudgetError("a version name may not contain < > or control characters; choose another name.")
    if name.casefold() == IMPORTED:
        raise BudgetError(f"'{IMPORTED}' is the warehouse's own budget table; choose another name.")
    return name


def whole(value) -> int | None:
    """An integer (also numpy's), or None for anything else (bools, floats, text)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        return None
    return int(value)


def check_year(year) -> int:
    found = whole(year)
    if found is None or not YEARS[0] <= found <= YEARS[1]:
        raise BudgetError(f"year {str(year)[:20]!r}: give a whole year from {YEARS[0]} to {YEARS[1]}.")
    return found


def check_kind(kind: str, year, switch_month) -> tuple[int, int]:
    """(year, switch month) as integers, once the kind, year and switch-over month fit together."""
    if kind not in KINDS:
        raise BudgetError(f"kind '{kind}': use budget or forecast.")
    year = check_year(year)
    switch = 0 if switch_month is None else whole(switch_month)
    if kind == "forecast" and not (switch is not None and 1 <= switch <= 11):
        raise BudgetError(
            f"a forecast needs a switch-over month from 1 to 11 (the last month of actuals), not {switch_month}."
        )
    if kind == "budget" and switch != 0:
        raise BudgetError("a budget has no switch-over month; use kind forecast for actuals plus plan.")
    return year, int(switch)


def check_text(text: str, what: str = "the note") -> str:
    text = " ".join(str(text or "").split())
    if len(text) > MAX_TEXT:
        raise BudgetError(f"{what} is longer than {MAX_TEXT} characters; shorten it.")
    return text


def hhmm(at: str) -> str:
    try:
        return dt.datetime.fromisoformat(at).strftime("%H:%M UTC")
    except ValueError:
        return at
