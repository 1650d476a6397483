"""Reading one cell the way finance teams write it: amounts, dates, months.

Each parser takes the raw cell (text from a CSV, or what the spreadsheet holds: a number, a datetime,
None) and returns the value, or raises ValueError with a short reason the preview shows beside the
row's line number."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation

EXCEL_EPOCH = dt.date(1899, 12, 30)  # Excel's day 0 (its 1900 leap-year bug included)
UNITS = {"万": Decimal(10_000), "亿": Decimal(100_000_000), "千": Decimal(1_000)}
CURRENCY = "¥￥$€£元RMBCNY "
_DATE_SEP = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$")
_DATE_ZH = re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})[日号]$")
_DATE_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_MONTH_SEP = re.compile(r"^(\d{4})[-/.](\d{1,2})$")
_MONTH_ZH = re.compile(r"^(\d{4})年(\d{1,2})月(?:份)?$")
_MONTH_ONLY = re.compile(r"^(\d{1,2})月(?:份)?$")
_MONTH_EN = {m: i for i, m in enumerate(("jan feb mar apr may jun jul aug sep oct nov dec").split(), start=1)}


def blank(raw) -> bool:
    return raw is None or (isinstance(raw, str) and raw.strip() in ("", "-", "—", "--"))


def text(raw) -> str | None:
    if blank(raw):
        return None
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))
    return str(raw).strip()


def amount(raw, scale: Decimal = Decimal(1)) -> Decimal | None:
    """1,234.56 · (1,234.56) · -1,234.56 · ¥1,234.56 · 1.2万 · 3亿 · 12% is refused; blank -> None.
    `scale` is the file's unit (a 万元 workbook: 10000)."""
    if blank(raw):
        return None
    if isinstance(raw, bool):
        raise ValueError(f"'{raw}' is not an amount")
    if isinstance(raw, int | float | Decimal):
        return Decimal(str(raw)) * scale
    s = str(raw).strip().replace("\u3000", "").replace("，", ",")
    negative = False
    if (s.startswith("(") and s.endswith(")")) or (s.startswith("（") and s.endswith("）")):
        negative, s = True, s[1:-1].strip()
    s = s.strip(CURRENCY)
    if s.startswith("-") or s.startswith("−"):
        negative, s = not negative, s[1:].strip(CURRENCY)
    unit = Decimal(1)
    if s and s[-1] in UNITS:
        unit, s = UNITS[s[-1]], s[:-1]
    s = s.strip(CURRENCY)
    if not re.fullmatch(r"\d{1,3}(,\d{3})+(\.\d+)?|\d+(\.\d*)?|\.\d+", s):
        raise ValueError(f"'{raw}' is not an amount (write it as 1234.56, 1,234.56, (1,234.56) or 1.2万)")
    try:
        value = Decimal(s.replace(",", "")) * unit * scale
    except InvalidOperation:
        raise ValueError(f"'{raw}' is not an amount") from None
    return -value if negative else value


def whole(raw) -> int | None:
    value = amount(raw)
    if value is None:
        return None
    if value != value.to_integral_value():
        raise ValueError(f"'{raw}' is not a whole number")
    return int(value)


def date(raw, today: dt.date | None = None) -> dt.date | None:
    """2025-03-01 · 2025/3/1 · 2025年3月1日 · 20250301 · an Excel date serial or datetime; a day after
    `today` is refused (a plan belongs in budgets, whose months may lie ahead: see month())."""
    if blank(raw):
        return None
    day = _day(raw)
    if today is not None and day > today:
        raise ValueError(f"{day.isoformat()} is in the future (today is {today.isoformat()})")
    return day


def _day(raw) -> dt.date:
    if isinstance(raw, dt.datetime):
        return raw.date()
    if isinstance(raw, dt.date):
        return raw
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        if 1 <= raw < 2_958_466:  # an Excel serial (1900-01-01 .. 9999-12-31)
            return EXCEL_EPOCH + dt.timedelta(days=int(raw))
        raise ValueError(f"{raw} is not a date")
    s = str(raw).strip()
    for pattern in (_DATE_SEP, _DATE_ZH, _DATE_COMPACT):
        found = pattern.match(s)
        if found:
            try:
                return dt.date(*(int(g) for g in found.groups()))
            except ValueError:
                raise ValueError(f"'{s}' is not a real day") from None
    if re.fullmatch(r"\d{5}(\.\d+)?", s):  # a serial exported as text
        return _day(float(s))
    raise ValueError(f"'{s}' is not a date (write it as 2025-03-01, 2025/3/1 or 2025年3月1日)")


def month(raw, year: int | None = None) -> dt.date | None:
    """The first day of a month: 2025-03 · 2025年3月 · 3月 (with `year` from the file) · Mar 2025 · any date."""
    if blank(raw):
        return None
    if isinstance(raw, dt.date | dt.datetime | int | float) and not isinstance(raw, bool):
        return _day(raw).replace(day=1)
    s = str(raw).strip()
    for pattern in (_MONTH_SEP, _MONTH_ZH):
        found = pattern.match(s)
        if found:
            return _first(int(found.group(1)), int(found.group(2)), s)
    found = _MONTH_ONLY.match(s) or re.fullmatch(r"(\d{1,2})", s)
    if found:
        if year is None:
            raise ValueError(f"'{s}' has no year: put the year in the file name, the title row or a column")
        return _first(year, int(found.group(1)), s)
    found = re.fullmatch(r"([A-Za-z]{3})[a-z]*[ -]?(\d{4})?", s)
    if found and found.group(1).lower() in _MONTH_EN:
        got = int(found.group(2)) if found.group(2) else year
        if got is None:
            raise ValueError(f"'{s}' has no year: put the year in the file name, the title row or a column")
        return _first(got, _MONTH_EN[found.group(1).lower()], s)
    try:
        return _day(s).replace(day=1)
    except ValueError:
        raise ValueError(f"'{s}' is not a month (write it as 2025-03, 2025年3月 or 3月)") from None


def _first(year: int, number: int, s: str) -> dt.date:
    if not 1 <= number <= 12 or not 1900 <= year <= 9999:
        raise ValueError(f"'{s}' is not a month")
    return dt.date(year, number, 1)


def month_header(raw, year: int | None) -> dt.date | None:
    """A column header that names a month (1月, 2025-01, 2025年1月, Jan); None if it is not one."""
    if blank(raw):
        return None
    s = str(raw).strip()
    if isinstance(raw, dt.date | dt.datetime):
        return _day(raw).replace(day=1)
    if not (_MONTH_SEP.match(s) or _MONTH_ZH.match(s) or _MONTH_ONLY.match(s) or s[:3].lower() in _MONTH_EN):
        return None
    try:
        return month(s, year)
    except ValueError:
        return None


def year_in(*texts: str) -> int | None:
    """The year a file means, from its name, sheet name or title row: '2025年预算.xlsx' -> 2025."""
    for t in texts:
        found = re.search(r"(?<!\d)(19\d{2}|20\d{2})(?!\d)", t or "")
        if found:
            return int(found.group(1))
    return None


def unit_in(*texts: str) -> Decimal:
    """The unit a title row states: 单位：万元 -> 10000; 元 or nothing -> 1."""
    for t in texts:
        found = re.search(r"(?:单位|unit)\s*[:：]?\s*(千元|万元|亿元|元|thousand|10k)", t or "", re.IGNORECASE)
        if found:
            return {"千元": Decimal(1000), "万元": UNITS["万"], "亿元": UNITS["亿"], "thousand": Decimal(1000)}.get(
                found.group(1).lower(), Decimal(10_000) if found.group(1).lower() == "10k" else Decimal(1)
            )
        if re.search(r"[（(]\s*万元\s*[)）]", t or ""):
            return UNITS["万"]
    return Decimal(1)
