"""The planning arithmetic (data/budget/math.py, transfers.moved): every expected number below is worked out
by hand in the comment beside it; hypothesis checks that spreading, top-down and transfers keep totals to
the cent."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from data import budget
from data.budget import math
from data.budget.transfers import moved


def base(*rows) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["month", "department", "account", "region", "amount"])


# ---- spread ---------------------------------------------------------------------------------------------
def test_spread_equal_months_puts_the_remainder_on_the_last():
    assert budget.spread(D("100.00"), [1, 1, 1]) == [D("33.33"), D("33.33"), D("33.34")]  # 100 / 3 = 33.333…
    # 200 / 3 = 66.666… rounds half-up to 66.67 twice; the last is 200 - 133.34 = 66.66
    assert budget.spread(D("200"), [1, 1, 1]) == [D("66.67"), D("66.67"), D("66.66")]
    # 1000 over 12 equal months: 83.333… -> 83.33 eleven times (916.63), the last 1000 - 916.63 = 83.37
    assert budget.spread(D("1000"), [0] * 12) == [D("83.33")] * 11 + [D("83.37")]


def test_spread_is_proportional_to_last_years_months():
    # weights 100, 200, 300 (sum 600); 1234.56 × 1/6 = 205.76, × 2/6 = 411.52, last 1234.56 - 617.28 = 617.28
    assert budget.spread(D("1234.56"), [100, 200, 300]) == [D("205.76"), D("411.52"), D("617.28")]
    # weights 1, 2 of 10.01: 3.336… -> 3.34, the last 10.01 - 3.34 = 6.67
    assert budget.spread("10.01", [1, 2]) == [D("3.34"), D("6.67")]


def test_spread_gives_a_zero_weight_month_nothing_even_the_remainder():
    # 100.01 over weights 1, 1, 0: 50.005 half-up = 50.01; the remainder goes to the last month with a weight:
    # 100.01 - 50.01 = 50.00; the zero-weight month stays 0
    assert budget.spread("100.01", [1, 1, 0]) == [D("50.01"), D("50.00"), D("0.00")]


def test_spread_of_a_tiny_total_never_goes_negative():
    # 0.05 over ten equal months: 0.005 half-up is 0.01 each, nine of them already 0.09 > 0.05, so it rounds
    # down instead: 0.00 nine times, the last 0.05
    assert budget.spread("0.05", [1] * 10) == [D("0.00")] * 9 + [D("0.05")]


@pytest.mark.parametrize(
    "total, weights, message",
    [
        ("-1", [1], "negative"),
        ("x", [1], "numbers"),
        ("NaN", [1], "numbers"),
        ("1", [float("inf")], "numbers"),
        ("1e30", [1], "beyond 1,000,000,000,000"),
        ("1", [], "at least one"),
        ("1", [1, -1], "weight is negative"),
    ],
)
def test_spread_refusals(total, weights, message):
    with pytest.raises(budget.BudgetError, match=message):
        budget.spread(total, weights)


@settings(max_examples=300, deadline=None)
@given(
    st.decimals(min_value=0, max_value=10**12, places=2, allow_nan=False),
    st.lists(st.integers(min_value=0, max_value=10**9), min_size=1, max_size=24),
)
def test_spread_adds_up_to_the_total_to_the_cent(total, weights):
    parts = budget.spread(total, weights)
    assert sum(parts) == total and len(parts) == len(weights)
    assert all(p >= 0 and p == p.quantize(D("0.01")) for p in parts)
    if any(weights):
        assert all(p == 0 for p, w in zip(parts, weights, strict=True) if w == 0)


# ---- top-down -------------------------------------------------------------------------------------------
def test_top_down_shares_are_current_shares_adding_up_to_one():
    # 100 : 300 : 600 of 1000 -> 0.1, 0.3, 0.6
    assert budget.top_down_shares({"Sales": D(100), "Marketing": D(300), "R&D": D(600)}) == {
        "Sales": D("0.100000"),
        "Marketing": D("0.300000"),
        "R&D": D("0.600000"),
    }
    # thirds: 0.333333, 0.333333, last 1 - 0.666666 = 0.333334
    assert list(budget.top_down_shares({"a": D(1), "b": D(1), "c": D(1)}).values()) == [
        D("0.333333"),
        D("0.333333"),
        D("0.333334"),
    ]


def test_top_down_split_and_scale_by_hand():
    # 1,000,000.00 by 0.25 / 0.35 / 0.40 -> 250,000.00 / 350,000.00 / 400,000.00
    assert math.split_total(D("1000000"), {"A": D("0.25"), "B": D("0.35"), "C": D("0.40")}) == {
        "A": D("250000.00"),
        "B": D("350000.00"),
        "C": D("400000.00"),
    }
    # 100.00 over current cells 10, 20, 30 (sum 60): 16.666… -> 16.67, 33.333… -> 33.33, last 100 - 50 = 50.00
    assert math.scale_cells(D("100"), {"x": D(10), "y": D(20), "z": D(30)}) == {
        "x": D("16.67"),
        "y": D("33.33"),
        "z": D("50.00"),
    }


@pytest.mark.parametrize("shares", [{"A": D("0.5"), "B": D("0.4")}, {"A": D("-0.5"), "B": D("1.5")}, {}])
def test_shares_must_add_up_to_one(shares):
    with pytest.raises(budget.BudgetError):
        math.check_shares(shares)


@settings(max_examples=200, deadline=None)
@given(
    st.decimals(min_value=0, max_value=10**11, places=2),
    st.lists(st.integers(min_value=0, max_value=10**6), min_size=1, max_size=6),
    st.lists(st.integers(min_value=0, max_value=10**7), min_size=1, max_size=60),
)
def test_top_down_keeps_the_company_total_to_the_cent(total, department_weights, cells):
    shares = budget.top_down_shares({f"d{i}": D(w) for i, w in enumerate(department_weights)})
    assert sum(shares.values()) == 1
    targets = math.split_total(total, shares)
    assert sum(targets.values()) == total
    for target in targets.values():
        scaled = math.scale_cells(target, {i: D(c) for i, c in enumerate(cells)})
        assert sum(scaled.values()) == target


# ---- seeding --------------------------------------------------------------------------------------------
def test_seed_moves_the_year_applies_drivers_and_adjustments_by_hand():
    lines = base(
        (dt.date(2025, 1, 1), "Sales", "Travel", "East", D("1000.00")),
        (dt.date(2025, 2, 1), "Sales", "Travel", "East", D("333.33")),
        (dt.date(2025, 1, 1), "R&D", "Cloud", "North", D("200.00")),
    )
    drivers = [budget.Driver("all", pct=D(5)), budget.Driver("department", "Sales", D(10))]
    adjustments = [
        budget.Adjustment(dt.date(2026, 3, 1), "Sales", "Travel", "East", D("50.00"), "trade fair"),
        budget.Adjustment(dt.date(2026, 1, 1), "R&D", "Cloud", "North", D("-10.00")),
    ]
    seeded = budget.seed_lines(lines, 2026, drivers, adjustments)
    got = [(r.month, r.department, r.account, r.region, r.amount) for r in seeded.itertuples()]
    assert got == [
        # 200.00 × 1.05 = 210.00, then -10.00 = 200.00
        (dt.date(2026, 1, 1), "R&D", "Cloud", "North", D("200.00")),
        # 1000.00 × 1.05 × 1.10 = 1155.00
        (dt.date(2026, 1, 1), "Sales", "Travel", "East", D("1155.00")),
        # 333.33 × 1.155 = 384.99615 -> 385.00 (half-up)
        (dt.date(2026, 2, 1), "Sales", "Travel", "East", D("385.00")),
        # a new cell: the adjustment alone
        (dt.date(2026, 3, 1), "Sales", "Travel", "East", D("50.00")),
    ]


def test_seed_rounds_half_up_to_the_cent():
    # 0.10 × 1.05 = 0.105 -> 0.11 (half-up; banker's rounding would give 0.10); 0.30 × 1.15 = 0.345 -> 0.35
    lines = base((dt.date(2025, 1, 1), "A", "x", "East", "0.10"), (dt.date(2025, 1, 1), "B", "x", "East", 0.3))
    seeded = budget.seed_lines(
        lines, 2026, [budget.Driver("department", "A", D(5)), budget.Driver("department", "B", D(15))]
    )
    assert list(seeded["amount"]) == [D("0.11"), D("0.35")]


@pytest.mark.parametrize(
    "drivers, adjustments, message",
    [
        ([budget.Driver("all", pct=D(-150))], [], "below zero"),
        ([], [budget.Adjustment(dt.date(2026, 1, 1), "A", "x", "East", D("-100.01"))], "below zero"),
        ([], [budget.Adjustment(dt.date(2025, 1, 1), "A", "x", "East", D(1))], "not in 2026"),
        ([budget.Driver("city", "x", D(1))], [], "use all, department"),
        ([budget.Driver("region", "", D(1))], [], "needs a member"),
        ([budget.Driver("all", pct="lots")], [], "not a number"),
        ([budget.Driver("all", pct=D("1e9"))], [], "beyond ±10,000%"),
        ([budget.Driver("all", pct=D("9900"))] * 6, [], "beyond 1,000,000,000,000"),  # 100.00 × 100⁶ = 1e14
        ([], [budget.Adjustment(dt.date(2026, 1, 1), "A", "x", "East", D("1e30"))], "beyond 1,000,000,000,000"),
        ([], [budget.Adjustment(dt.date(2026, 1, 1), "A", "x", "East", "lots")], "not a number"),
    ],
)
def test_seed_refusals(drivers, adjustments, message):
    with pytest.raises(budget.BudgetError, match=message):
        budget.seed_lines(base((dt.date(2025, 1, 1), "A", "x", "East", D(100))), 2026, drivers, adjustments)


@pytest.mark.parametrize(
    "line, message",
    [
        ((dt.date(2025, 1, 1), "A", "x", float("nan"), 1), "has no department, account or region"),
        ((dt.date(2025, 1, 1), None, "x", "East", 1), "has no department, account or region"),
        ((pd.NaT, "A", "x", "East", 1), "is not a month"),
        ((dt.date(2025, 1, 1), "A", "x", "East", "ten"), "not a number"),
    ],
)
def test_seed_refuses_a_broken_base_line(line, message):
    with pytest.raises(budget.BudgetError, match=message):
        budget.seed_lines(base(line), 2026)


def test_seed_refuses_a_base_of_two_years():
    lines = base((dt.date(2024, 1, 1), "A", "x", "East", 1), (dt.date(2025, 1, 1), "A", "x", "East", 1))
    with pytest.raises(budget.BudgetError, match="span 2 years"):
        budget.seed_lines(lines, 2026)


# ---- transfer -------------------------------------------------------------------------------------------
def test_transfer_moves_the_amount_by_hand():
    # 5,000.00 - 1,234.56 = 3,765.44; 100.00 + 1,234.56 = 1,334.56
    assert moved(D("5000.00"), D("100.00"), D("1234.56")) == (D("3765.44"), D("1334.56"))
    assert moved(D("10.00"), D("0.00"), D("10.00")) == (D("0.00"), D("10.00"))  # all of it


@pytest.mark.parametrize("amount, message", [(D(0), "above zero"), (D("-1"), "above zero"), (D("10.01"), "at most")])
def test_transfer_refusals(amount, message):
    with pytest.raises(budget.BudgetError, match=message):
        moved(D("10.00"), D(0), amount)


@settings(max_examples=200, deadline=None)
@given(
    st.decimals(min_value="0.01", max_value=10**12, places=2),
    st.decimals(min_value=0, max_value=10**12, places=2),
    st.integers(min_value=1, max_value=10**4),
)
def test_transfer_keeps_the_total(source, target, part):
    amount = max(D("0.01"), (source * part / 10**4).quantize(D("0.01")))
    after_source, after_target = moved(source, target, min(amount, source))
    assert after_source + after_target == source + target and after_source >= 0
