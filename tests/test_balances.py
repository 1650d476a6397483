"""Balances follow their own rule, not a sum, and equal their definitions:
- ar_balance at the end of each period = invoices up to that day - receipts up to
  that day; without a time grouping, as of the end of the queried range;
- inventory_value = the sum of value on the last snapshot date within each period;
- dso = ar_balance / invoiced * days in the period.
Periods are clipped to the queried range. Expected values: tests/handsql.py and
literal SQL below.
"""

from __future__ import annotations

import datetime as dt

import pytest

from semantic import Query, run
from tests.conftest import ALL_ENGINES
from tests.handsql import assert_same, column, expected, hand, where_text

ENGINES = ALL_ENGINES  # every test here runs on DuckDB, PostgreSQL and Spark (tests/conftest.py)

D = dt.date
RANGES = {
    "2024-h1-2025": (D(2024, 1, 1), D(2025, 6, 30)),
    "cut": (D(2023, 11, 17), D(2025, 2, 11)),
    "all": (None, None),
}


def semantic(warehouse, metrics, keys=(), start=None, end=None, where=None):
    return run(
        Query(metrics=metrics, group_by=keys, where=where_text(where), time_from=start, time_to=end),
        warehouse=warehouse,
        cache=None,
    ).frame


@pytest.mark.parametrize("span", list(RANGES))
@pytest.mark.parametrize("grain", ["month", "quarter"])
@pytest.mark.parametrize("metric", ["ar_balance", "inventory_value", "dso"])
def test_balance_at_each_period_end(metric, grain, span, warehouse, raw):
    keys, (start, end) = (f"metric_time__{grain}",), RANGES[span]
    want = expected(raw, metric, keys, None, start, end)
    assert len(want) >= 4
    assert_same(semantic(warehouse, (metric,), keys, start, end), want, keys, what=f"{metric} by {grain}, {span}")


@pytest.mark.parametrize(
    "metric,keys,where",
    [
        ("ar_balance", ("metric_time__month", "region"), None),
        ("ar_balance", ("metric_time__week",), "{segment} = 'SMB'"),
        ("ar_balance", ("metric_time__year", "segment"), None),
        ("dso", ("metric_time__quarter", "region"), "{channel} <> 'Online'"),
        ("inventory_value", ("metric_time__month", "category"), None),
        ("inventory_value", ("metric_time__year", "product"), "{category} IN ('Tools', 'Lighting')"),
    ],
)
def test_balance_by_a_dimension_and_with_a_where(metric, keys, where, warehouse, raw):
    start, end = D(2024, 3, 1), D(2025, 9, 30)
    assert_same(
        semantic(warehouse, (metric,), keys, start, end, where),
        expected(raw, metric, keys, where, start, end),
        keys,
        what=f"{metric} by {keys} where {where}",
    )


@pytest.mark.parametrize("end", [D(2023, 6, 30), D(2024, 2, 29), D(2024, 5, 17), D(2025, 12, 31)])
def test_ungrouped_balances_are_as_of_the_end_of_the_range(end, warehouse, raw):
    start = D(2023, 3, 1)
    got = semantic(warehouse, ("ar_balance", "inventory_value", "dso"), (), start, end)
    e = f"DATE '{end}'"
    want = hand(
        raw,
        f"""SELECT ar_balance, inventory_value, ar_balance / invoiced * ({e} - DATE '{start}' + 1) AS dso
        FROM (SELECT
          (SELECT sum(amount) FROM invoices WHERE invoice_date <= {e})
            - (SELECT sum(amount) FROM receipts WHERE receipt_date <= {e}) AS ar_balance,
          (SELECT sum(value) FROM inventory_snapshots WHERE snapshot_date = (SELECT max(snapshot_date)
              FROM inventory_snapshots WHERE snapshot_date BETWEEN DATE '{start}' AND {e})) AS inventory_value,
          (SELECT sum(amount) FROM invoices WHERE invoice_date BETWEEN DATE '{start}' AND {e}) AS invoiced)""",
    )
    assert_same(got, want, what=f"balances as of {end}")


def test_ar_balance_does_not_depend_on_where_the_range_starts(warehouse, raw):
    end = D(2024, 9, 30)
    want = hand(
        raw,
        f"""SELECT (SELECT sum(amount) FROM invoices WHERE invoice_date <= DATE '{end}')
                              - (SELECT sum(amount) FROM receipts WHERE receipt_date <= DATE '{end}') AS ar_balance""",
    )
    for start in (None, D(2023, 1, 1), D(2024, 9, 1), D(2024, 9, 30)):
        assert_same(semantic(warehouse, ("ar_balance",), (), start, end), want, what=f"ar_balance from {start}")


def test_a_quarter_holds_its_last_month_end_not_the_sum_of_its_months(warehouse, raw):
    got = semantic(
        warehouse, ("ar_balance", "inventory_value"), ("metric_time__quarter",), D(2024, 1, 1), D(2024, 12, 31)
    )
    want = hand(
        raw,
        """
        WITH ends(q, e) AS (VALUES (DATE '2024-01-01', DATE '2024-03-31'), (DATE '2024-04-01', DATE '2024-06-30'),
                                   (DATE '2024-07-01', DATE '2024-09-30'), (DATE '2024-10-01', DATE '2024-12-31'))
        SELECT q AS metric_time__quarter,
               (SELECT sum(amount) FROM invoices WHERE invoice_date <= e)
                 - (SELECT sum(amount) FROM receipts WHERE receipt_date <= e) AS ar_balance,
               (SELECT sum(value) FROM inventory_snapshots WHERE snapshot_date = e) AS inventory_value
        FROM ends""",
    )
    assert_same(got, want, ("metric_time__quarter",), what="quarter-end balances of 2024")
    month_sum = hand(
        raw,
        """SELECT sum(value) FROM inventory_snapshots WHERE snapshot_date IN
                             (DATE '2024-01-31', DATE '2024-02-29', DATE '2024-03-31')""",
    ).iloc[0, 0]
    assert abs(column(got, ("metric_time__quarter",), "inventory_value")[("2024-01-01",)] - float(month_sum)) > 1


def test_ar_balance_by_region_adds_up_to_the_total_each_month(warehouse, raw):
    """Balances never add across time, but they do add across regions."""
    start, end = D(2024, 1, 1), D(2024, 12, 31)
    by_region = semantic(warehouse, ("ar_balance",), ("metric_time__month", "region"), start, end)
    summed = by_region.groupby("metric_time__month", as_index=False)["ar_balance"].sum()
    assert_same(
        summed,
        expected(raw, "ar_balance", ("metric_time__month",), None, start, end),
        ("metric_time__month",),
        what="ar_balance summed over regions",
    )


def test_a_period_cut_by_the_range_ends_with_the_range(warehouse, raw):
    """May 2024 cut at the 17th: its ar_balance is as of the 17th and its dso counts 17
    days; no month end falls in it, so it has no inventory_value."""
    got = semantic(
        warehouse, ("ar_balance", "dso", "inventory_value"), ("metric_time__month",), D(2024, 4, 1), D(2024, 5, 17)
    )
    want = hand(
        raw,
        """
        WITH m(month, first, last) AS (VALUES (DATE '2024-04-01', DATE '2024-04-01', DATE '2024-04-30'),
                                             (DATE '2024-05-01', DATE '2024-05-01', DATE '2024-05-17'))
        SELECT month AS metric_time__month, ar, ar / inv * (last - first + 1) AS dso, stock AS inventory_value FROM (
          SELECT month, first, last,
                 (SELECT sum(amount) FROM invoices WHERE invoice_date <= last)
                   - (SELECT sum(amount) FROM receipts WHERE receipt_date <= last) AS ar,
                 (SELECT sum(amount) FROM invoices WHERE invoice_date BETWEEN first AND last) AS inv,
                 (SELECT sum(value) FROM inventory_snapshots WHERE snapshot_date = last) AS stock
          FROM m)""",
    ).rename(columns={"ar": "ar_balance"})
    assert_same(got, want, ("metric_time__month",), what="balances of a month cut by the range")
