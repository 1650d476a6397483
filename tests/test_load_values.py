"""data.load.values: every amount, date and month form finance files use, and the ones refused."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from data.load import values


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("1,234.56", "1234.56"),
        ("(1,234.56)", "-1234.56"),
        ("（1,234.56）", "-1234.56"),
        ("-1,234.56", "-1234.56"),
        ("¥1,234.56", "1234.56"),
        ("￥1,234.56", "1234.56"),
        ("-¥1,234.56", "-1234.56"),
        ("1.2万", "12000"),
        ("3亿", "300000000"),
        ("1234", "1234"),
        (1234.5, "1234.5"),
        (7, "7"),
        (".5", "0.5"),
    ],
)
def test_amounts(raw, expected):
    assert values.amount(raw) == Decimal(expected)


@pytest.mark.parametrize("raw", [None, "", "  ", "-", "—"])
def test_blank_amounts_are_none(raw):
    assert values.amount(raw) is None


@pytest.mark.parametrize("raw", ["abc", "12%", "1,23.4", "1.2.3", "万", True])
def test_not_amounts(raw):
    with pytest.raises(ValueError):
        values.amount(raw)


def test_a_unit_multiplies_amounts():
    assert values.amount("1.5", Decimal(10_000)) == Decimal(15_000)
    assert values.unit_in("2025年预算 单位：万元") == Decimal(10_000)
    assert values.unit_in("预算（万元）") == Decimal(10_000)
    assert values.unit_in("单位：元") == Decimal(1)
    assert values.unit_in("2025 budget") == Decimal(1)


@pytest.mark.parametrize(
    "raw",
    ["2025-03-01", "2025/3/1", "2025年3月1日", "20250301", "2025-03-01 10:30:00", 45717, 45717.0,
     dt.datetime(2025, 3, 1, 9, 0), dt.date(2025, 3, 1)],
)  # fmt: skip
def test_dates(raw):
    assert values.date(raw) == dt.date(2025, 3, 1)


def test_a_day_in_the_future_is_refused():
    with pytest.raises(ValueError, match="in the future"):
        values.date("2025-03-02", today=dt.date(2025, 3, 1))
    assert values.date("2025-03-01", today=dt.date(2025, 3, 1)) == dt.date(2025, 3, 1)


@pytest.mark.parametrize("raw", ["2025-02-30", "March first", "2025-13-01", 0])
def test_not_dates(raw):
    with pytest.raises(ValueError):
        values.date(raw)


@pytest.mark.parametrize(
    "raw, year",
    [("2025-03", None), ("2025/3", None), ("2025年3月", None), ("3月", 2025), ("3", 2025), ("Mar 2025", None),
     ("2025-03-15", None), (dt.datetime(2025, 3, 9), None), (45717, None)],
)  # fmt: skip
def test_months(raw, year):
    assert values.month(raw, year) == dt.date(2025, 3, 1)


def test_a_month_without_a_year_says_where_to_put_it():
    with pytest.raises(ValueError, match="no year"):
        values.month("3月")
    with pytest.raises(ValueError):
        values.month("13月", 2025)


def test_year_and_month_headers():
    assert values.year_in("预算.xlsx", "2025年预算") == 2025
    assert values.year_in("budget_2024.xlsx") == 2024
    assert values.year_in("预算.xlsx") is None
    assert values.month_header("1月", 2025) == dt.date(2025, 1, 1)
    assert values.month_header("2025-12", None) == dt.date(2025, 12, 1)
    assert values.month_header("部门", 2025) is None
    assert values.month_header("合计", 2025) is None
