"""Property checks through the store (hypothesis, SQLite): whatever the cells, shares and amounts, a top-down
leaves the version holding exactly the company total (each department exactly total × share, the remainder
on the last), a spread into a line holds exactly its total, and a transfer leaves the version's total as it was."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import ROUND_HALF_UP
from decimal import Decimal as D

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from data import budget
from semantic import Principal

FINANCE = Principal("prop_finance", ("finance", "budget_approver"))
DEPARTMENTS = ("Finance", "Marketing", "Sales")
names = itertools.count()
cents = st.integers(min_value=0, max_value=10**11).map(lambda c: D(c) / 100)
SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.fixture(autouse=True)
def fresh(metastore_file):
    budget.forget()
    yield
    budget.forget()


def version(amounts: list[D]) -> str:
    """A version of 3 departments × 1 account × 1 region × 4 months holding `amounts` (12 of them)."""
    name = f"Prop {next(names)}"
    rows = [
        (dt.date(2026, m, 1), d, "Travel", "East", amounts[i * 4 + m - 1])
        for i, d in enumerate(DEPARTMENTS)
        for m in range(1, 5)
    ]
    budget.create(
        name, 2026, FINANCE, lines=pd.DataFrame(rows, columns=["month", "department", "account", "region", "amount"])
    )
    return name


def totals(name: str) -> dict[str, D]:
    lines = budget.lines(name, FINANCE)
    return {d: sum(lines[lines.department == d]["amount"], D(0)) for d in DEPARTMENTS}


@SETTINGS
@given(st.lists(cents, min_size=12, max_size=12), cents, st.lists(st.integers(0, 1000), min_size=3, max_size=3))
def test_top_down_holds_the_company_total(amounts, total, weights):
    name = version(amounts)
    shares = budget.top_down_shares(dict(zip(DEPARTMENTS, map(D, weights), strict=True)))
    expected = {d: budget.grid_revision(name, d) for d in DEPARTMENTS}
    budget.top_down(name, FINANCE, total=total, shares=shares, expected=expected)
    after = totals(name)
    assert sum(after.values()) == total
    # each department total × share rounded half-up, the last department with a share takes the remainder
    last = [d for d in DEPARTMENTS if shares[d]][-1]
    expected = {d: (total * shares[d]).quantize(D("0.01"), ROUND_HALF_UP) for d in DEPARTMENTS if d != last}
    expected[last] = total - sum(expected.values())
    assert after == expected


@SETTINGS
@given(st.lists(cents, min_size=12, max_size=12), cents, st.lists(st.integers(0, 50), min_size=3, max_size=3))
def test_a_spread_holds_its_total(amounts, total, weights):
    name = version(amounts)
    before = totals(name)
    budget.spread_into(
        name, "Sales", "Travel", "East", FINANCE, total=total, period="Q1", weights=weights, expected_revision=1
    )
    lines = budget.lines(name, FINANCE, "Sales")
    first = sum(lines[lines.month < dt.date(2026, 4, 1)]["amount"], D(0))
    assert first == total
    assert {d: v for d, v in totals(name).items() if d != "Sales"} == {d: v for d, v in before.items() if d != "Sales"}


@SETTINGS
@given(st.lists(cents.filter(lambda x: x > 0), min_size=12, max_size=12), st.integers(1, 10**4), st.integers(0, 11))
def test_a_transfer_keeps_the_version_total(amounts, part, target):
    name = version(amounts)
    for department in DEPARTMENTS:
        budget.submit(name, department, FINANCE)
        budget.review(name, department, "Travel", FINANCE, verdict="accept")
    budget.submit_version(name, FINANCE)
    budget.approve(name, FINANCE)
    before = sum(totals(name).values())
    source = budget.Cell("Sales", "Travel", "East", dt.date(2026, 1, 1))
    cells = [budget.Cell(d, "Travel", "East", dt.date(2026, m, 1)) for d in DEPARTMENTS for m in range(1, 5)]
    goal = cells[target] if cells[target] != source else cells[-1]
    held = amounts[8]  # Sales (the third department), January
    amount = max(D("0.01"), (held * part / 10**4).quantize(D("0.01")))
    budget.transfer(name, FINANCE, source=source, target=goal, amount=min(amount, held))
    assert sum(totals(name).values()) == before
