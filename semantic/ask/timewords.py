"""Time words in a question, turned into dates relative to the data date (`as_of`), never the clock.

`find_periods` returns every period named in the text (今年, last month, Q3, 2025年3月, 近12个月,
between March and June ...) with the characters it came from; `resolve` merges a year with a
month or quarter next to it (去年3月, Q3 2024) and two periods joined by to/到/至/between ... and
into one range. Grain words (按月, monthly) and comparisons (同比, vs last month) are found here too.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass

CN_DIGITS = {"零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
CN_NUM = "[零一二两三四五六七八九十]+"
MONTHS_EN = {
    name: i
    for i, names in enumerate(
        (
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ),
        start=1,
    )
    for name in names
}
MONTH_EN = "|".join(sorted(MONTHS_EN, key=len, reverse=True))
NUM = rf"(\d{{1,3}}|{CN_NUM})"


def number(text: str) -> int:
    """'12' -> 12, '十二' -> 12, '两' -> 2, '二十四' -> 24."""
    if text.isdigit():
        return int(text)
    if "十" in text:
        tens, _, ones = text.partition("十")
        return (CN_DIGITS.get(tens, 1) if tens else 1) * 10 + (CN_DIGITS.get(ones, 0) if ones else 0)
    value = 0
    for ch in text:
        value = value * 10 + CN_DIGITS[ch]
    return value


@dataclass(frozen=True)
class Period:
    start: dt.date
    end: dt.date
    begin: int  # characters [begin, finish) of the question
    finish: int
    kind: str  # year, month, quarter, half, day, range, yearless_month, yearless_quarter, yearless_half


def month_end(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def add_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return dt.date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def month(year: int, m: int) -> tuple[dt.date, dt.date]:
    return dt.date(year, m, 1), month_end(year, m)


def quarter(year: int, q: int) -> tuple[dt.date, dt.date]:
    return dt.date(year, 3 * q - 2, 1), month_end(year, 3 * q)


def half(year: int, h: int) -> tuple[dt.date, dt.date]:
    return dt.date(year, 6 * h - 5, 1), month_end(year, 6 * h)


def year(y: int) -> tuple[dt.date, dt.date]:
    return dt.date(y, 1, 1), dt.date(y, 12, 31)


def _rules(as_of: dt.date):
    """(pattern, kind, function of the match -> (start, end)), most specific first."""
    y, q_now = as_of.year, (as_of.month - 1) // 3 + 1
    this_month = month(y, as_of.month)
    first = add_months(dt.date(y, as_of.month, 1), -1)
    prev_month = month(first.year, first.month)
    prev_q = quarter(y, q_now - 1) if q_now > 1 else quarter(y - 1, 4)
    monday = as_of - dt.timedelta(days=as_of.weekday())

    def date_of(g):
        return dt.date(int(g[0]), int(g[1]), int(g[2]))

    def back(n: int, unit: str) -> tuple[dt.date, dt.date]:
        if unit in ("天", "日", "day", "days"):
            return as_of - dt.timedelta(days=n - 1), as_of
        if unit in ("周", "星期", "week", "weeks"):
            return as_of - dt.timedelta(days=7 * n - 1), as_of
        months = {"月": 1, "个月": 1, "month": 1, "months": 1, "季度": 3, "个季度": 3, "quarter": 3, "quarters": 3}
        span = months.get(unit, 12) * n  # N whole calendar months ending with as_of's month
        return add_months(dt.date(y, as_of.month, 1), 1 - span), as_of

    unit_zh = r"(个月|个季度|季度|天|日|周|星期|年|月)"
    unit_en = r"(days?|weeks?|months?|quarters?|years?)"
    return [
        (r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})", "day", lambda m: (date_of(m.groups()),) * 2),
        (r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]", "day", lambda m: (date_of(m.groups()),) * 2),
        (rf"(\d{{4}})\s*年\s*{NUM}\s*月份?", "month", lambda m: month(int(m[1]), number(m[2]))),
        (r"(\d{4})[-/](\d{1,2})(?![\d-])", "month", lambda m: month(int(m[1]), int(m[2]))),
        (rf"\b({MONTH_EN})\.?\s*,?\s*(\d{{4}})\b", "month", lambda m: month(int(m[2]), MONTHS_EN[m[1]])),
        (r"(\d{4})\s*年?\s*-?\s*q([1-4])\b", "quarter", lambda m: quarter(int(m[1]), int(m[2]))),
        (r"\bq([1-4])\s*,?\s*(?:of\s+)?(\d{4})\b", "quarter", lambda m: quarter(int(m[2]), int(m[1]))),
        (r"(\d{4})\s*年\s*(?:第)?([一二三四1-4])\s*季度", "quarter", lambda m: quarter(int(m[1]), number(m[2]))),
        (r"(\d{4})\s*年\s*(上|下)半年", "half", lambda m: half(int(m[1]), 1 if m[2] == "上" else 2)),
        (r"(\d{4})\s*-?\s*h([12])\b", "half", lambda m: half(int(m[1]), int(m[2]))),
        (
            r"(年初至今|今年以来|本年累计|年累计|\bytd\b|year[- ]to[- ]date)",
            "range",
            lambda m: (dt.date(y, 1, 1), as_of),
        ),
        (r"(本月至今|月初至今|\bmtd\b|month[- ]to[- ]date)", "range", lambda m: (this_month[0], as_of)),
        (
            rf"(?:近|最近|过去|前)\s*{NUM}\s*{unit_zh}",
            "range",
            lambda m: back(number(m[1]), m[2]),
        ),
        (
            rf"\b(?:last|past|previous|trailing|the last|the past)\s+(\d{{1,3}}|two|three|four|five|six|twelve)\s+{unit_en}",
            "range",
            lambda m: back(_en_number(m[1]), m[2]),
        ),
        (r"\b(?:ttm|ltm)\b", "range", lambda m: back(12, "month")),
        (r"((?:近|最近|过去)半年|\b(?:last|past) (?:half[- ]year|six months)\b)", "range", lambda m: back(6, "month")),
        (
            r"(本季度|这个季度|这季度|当季|本季|this quarter|current quarter|qtd|quarter to date)",
            "range",
            lambda m: quarter(y, q_now),
        ),
        (r"(上个?季度|上一季度|上季|last quarter|previous quarter|prior quarter)", "range", lambda m: prev_q),
        (r"(?<![a-z0-9])q([1-4])(?![a-z0-9])", "yearless_quarter", lambda m: (int(m[1]),) * 2),
        (r"(?:第)?([一二三四1-4])\s*季度", "yearless_quarter", lambda m: (number(m[1]),) * 2),
        (r"(上|下)半年", "yearless_half", lambda m: ((1 if m[1] == "上" else 2),) * 2),
        (
            r"\b(?:the )?(first|second) half(?: of (?:the|this) year)?\b",
            "yearless_half",
            lambda m: ((1 if m[1] == "first" else 2),) * 2,
        ),
        (r"(?<![a-z0-9])h([12])(?![a-z0-9])", "yearless_half", lambda m: (int(m[1]),) * 2),
        (r"(本年度|今年度|今年|本年|this year|current year)", "year", lambda m: year(y)),
        (r"(大前年)", "year", lambda m: year(y - 3)),
        (r"(前年|the year before last)", "year", lambda m: year(y - 2)),
        (r"(去年|上年|上一年|last year|previous year|prior year)", "year", lambda m: year(y - 1)),
        (r"(\d{4})\s*年(?:度)?", "year", lambda m: year(int(m[1]))),
        (r"\b(?:fy|in |for |during )?((?:19|20)\d{2})\b", "year", lambda m: year(int(m[1]))),
        (r"(本月|这个月|这月|当月|this month|current month)", "range", lambda m: this_month),
        (r"(上个?月|上一个?月|last month|previous month|prior month)", "range", lambda m: prev_month),
        (r"(本周|这周|这个星期|本星期|this week)", "range", lambda m: (monday, monday + dt.timedelta(days=6))),
        (
            r"(上周|上个?星期|last week|previous week)",
            "range",
            lambda m: (monday - dt.timedelta(days=7), monday - dt.timedelta(days=1)),
        ),
        (r"(明年|下一?年|next year)", "year", lambda m: year(y + 1)),
        (r"(下个?月|下一个?月|next month)", "range", lambda m: month(*_next_month(as_of))),
        (r"(下个?季度|下一季度|下季|next quarter)", "range", lambda m: _next_quarter(y, q_now)),
        (r"(下周|下个?星期|next week)", "range", lambda m: (monday + dt.timedelta(days=7),) * 2),
        (r"(明天|明日|后天|tomorrow)", "day", lambda m: (as_of + dt.timedelta(days=1),) * 2),
        (rf"{NUM}\s*月\s*{NUM}\s*[日号]", "day", lambda m: (_recent_day(as_of, number(m[1]), number(m[2])),) * 2),
        (r"(今天|今日|today)", "day", lambda m: (as_of, as_of)),
        (r"(昨天|昨日|yesterday)", "day", lambda m: (as_of - dt.timedelta(days=1),) * 2),
        (r"(前天)", "day", lambda m: (as_of - dt.timedelta(days=2),) * 2),
        (rf"{NUM}\s*月份?(?!\s*[日号\d])", "yearless_month", lambda m: (number(m[1]),) * 2),
        (rf"\b(?:in |of |during |for )?({MONTH_EN})\b\.?", "yearless_month", lambda m: (MONTHS_EN[m[1]],) * 2),
    ]


def _next_month(as_of: dt.date) -> tuple[int, int]:
    first = add_months(dt.date(as_of.year, as_of.month, 1), 1)
    return first.year, first.month


def _next_quarter(y: int, q: int) -> tuple[dt.date, dt.date]:
    return quarter(y, q + 1) if q < 4 else quarter(y + 1, 1)


def _recent_day(as_of: dt.date, m: int, d: int) -> dt.date:
    """3月5日: that day in as_of's year, or the year before when it is still to come. 2月30日 raises."""
    day = dt.date(as_of.year, m, d)
    return day if day <= as_of else dt.date(as_of.year - 1, m, d)


def _en_number(text: str) -> int:
    words = {"two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "twelve": 12}
    return words.get(text) or int(text)


_CACHE: dict[dt.date, list] = {}


def rules(as_of: dt.date) -> list:
    if as_of not in _CACHE:
        _CACHE.clear()
        _CACHE[as_of] = [(re.compile(p), kind, f) for p, kind, f in _rules(as_of)]
    return _CACHE[as_of]


def find_periods(text: str, taken: list[bool], as_of: dt.date, guard: list[bool] | None = None) -> list[Period]:
    """Every period in `text` (lower-cased), marking its characters in `taken`; a period that is not
    a real date (2025年13月) comes back as kind 'invalid'. `guard` marks characters of library names."""
    guard = guard or taken
    found: list[Period] = []
    for pattern, kind, value in rules(as_of):
        for match in pattern.finditer(text):
            begin, finish = match.span()
            if (
                any(taken[begin:finish])
                or any(guard[begin:finish])
                or (
                    kind == "yearless_month"
                    and match[1] == "may"
                    and not match[0].strip().startswith(("in", "of", "during", "for"))
                )
            ):
                continue
            read = kind
            try:
                start, end = value(match)
            except (ValueError, KeyError):  # 2025年13月, 2月30日: not a date; the question is refused
                start, end, read = None, None, "invalid"
            if read == "yearless_month" and not 1 <= start <= 12:
                start, end, read = None, None, "invalid"
            for i in range(begin, finish):
                taken[i] = True
            found.append(Period(start, end, begin, finish, read))
    return sorted(found, key=lambda p: p.begin)


YEAR_JOIN = re.compile(r"^\s*(的|'s|of|in)?\s*$")
RANGE_JOIN = re.compile(r"^\s*(到|至|~|-|–|to|until|through|thru|and|和)\s*$")


def resolve(text: str, periods: list[Period], as_of: dt.date) -> list[Period]:
    """Attach years to yearless months/quarters/halves, then join 'A to B' into one range."""
    out: list[Period] = []
    for p in periods:
        prev = out[-1] if out else None
        if (
            p.kind.startswith("yearless")
            and prev
            and prev.kind == "year"
            and YEAR_JOIN.match(text[prev.finish : p.begin])
        ):
            out[-1] = _dated(p, prev.start.year, prev.begin, p.finish)
            continue
        if (
            prev
            and prev.kind.startswith("yearless")
            and p.kind == "year"
            and YEAR_JOIN.match(text[prev.finish : p.begin])
        ):
            out[-1] = _dated(prev, p.start.year, prev.begin, p.finish)
            continue
        out.append(p)
    dated = []
    for p in out:
        if p.kind.startswith("yearless"):
            y = as_of.year
            while _dated(p, y, 0, 0).start > as_of:  # the latest one that has begun
                y -= 1
            p = _dated(p, y, p.begin, p.finish)
        dated.append(p)
    joined: list[Period] = []
    for p in dated:
        prev = joined[-1] if joined else None
        gap = text[prev.finish : p.begin] if prev else ""
        if (
            prev
            and "invalid" not in (p.kind, prev.kind)
            and RANGE_JOIN.match(gap)
            and (
                gap.strip() not in ("and", "和")
                or _between(text, prev.begin)
                or p.start == prev.end + dt.timedelta(days=1)
            )
        ):
            joined[-1] = Period(min(prev.start, p.start), max(prev.end, p.end), prev.begin, p.finish, "range")
            continue
        joined.append(p)
    return joined


def _between(text: str, begin: int) -> bool:
    return bool(re.search(r"(between|从|自|介于)\s*$", text[:begin]))


def _dated(p: Period, y: int, begin: int, finish: int) -> Period:
    n = p.start
    if p.kind == "yearless_month":
        start, end = month(y, n)
    elif p.kind == "yearless_quarter":
        start, end = quarter(y, n)
    else:
        start, end = half(y, n)
    return Period(start, end, begin, finish, p.kind.removeprefix("yearless_"))
