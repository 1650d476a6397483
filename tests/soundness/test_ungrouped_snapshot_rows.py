"""An ungrouped query that has no inventory snapshot in its range (found 2026-11-25
by the hand-SQL suite, tests/test_compare.py)."""

from __future__ import annotations

import datetime as dt

from semantic import Query, run
from tests.conftest import ALL_ENGINES
from tests.handsql import assert_same, expected, hand, metric_sql

# No month end falls in this range: no inventory snapshot, but plenty of orders.
START, END = dt.date(2025, 3, 10), dt.date(2025, 3, 24)


ENGINES = ALL_ENGINES  # every test here runs on DuckDB, PostgreSQL and Spark (tests/conftest.py)


def test_other_metrics_survive_a_range_without_a_snapshot(warehouse, raw):
    """Bug: ungrouped, each source was CROSS JOINed and the snapshot source had no row
    when no snapshot fell in the range, so revenue and cash_in vanished with it: the
    result had no row at all instead of revenue, cash_in and an empty inventory_value."""
    got = run(
        Query(metrics=("revenue", "cash_in", "inventory_value"), time_from=START, time_to=END),
        warehouse=warehouse,
        cache=None,
    ).frame
    want = hand(
        raw,
        f"""SELECT r.revenue, c.cash_in, NULL::DOUBLE AS inventory_value
                         FROM ({metric_sql("revenue", (), None, START, END)}) r,
                              ({metric_sql("cash_in", (), None, START, END)}) c""",
    )
    assert want["revenue"].iloc[0] > 0  # the range does have orders
    assert_same(got, want, what="revenue, cash_in, inventory_value in a range without a snapshot")


def test_inventory_value_alone_is_one_empty_row(warehouse, raw):
    """Same bug, alone: an ungrouped query gives one row, as every other metric does;
    with no snapshot in the range its inventory_value is empty (NULL), not missing."""
    got = run(Query(metrics=("inventory_value",), time_from=START, time_to=END), warehouse=warehouse, cache=None).frame
    assert_same(got, expected(raw, "inventory_value", (), None, START, END), what="inventory_value without a snapshot")


def test_compared_value_survives_a_prior_range_without_a_snapshot(warehouse, raw):
    """Same bug through compare: ungrouped, the current and prior periods were CROSS
    JOINed, so when the prior range (2025-03-25..2025-03-30) held no snapshot the
    current inventory_value (the 2025-03-31 snapshot) disappeared with it."""
    start, end = dt.date(2025, 3, 31), dt.date(2025, 4, 5)
    got = run(
        Query(metrics=("inventory_value",), time_from=start, time_to=end, compare="prior_period"),
        warehouse=warehouse,
        cache=None,
    ).frame
    now = metric_sql("inventory_value", (), None, start, end)
    want = hand(
        raw,
        f"""SELECT inventory_value, NULL::DOUBLE AS inventory_value__prior,
                                NULL::DOUBLE AS inventory_value__change_pct FROM ({now}) c""",
    )
    assert want["inventory_value"].iloc[0] > 0
    assert_same(got, want, what="inventory_value compared with a prior range without a snapshot")
