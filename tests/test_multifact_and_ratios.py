"""Metrics from different tables in one query: each equals the same metric queried
alone and its hand SQL, with no row counted twice (no join fan-out); ratios are the
ratio of the summed parts, never an average of ratios.
"""

from __future__ import annotations

import datetime as dt

import pytest

from semantic import Query, run
from tests.conftest import ALL_ENGINES
from tests.handsql import as_key, assert_same, column, expected, hand, metric_sql, where_text

ENGINES = ALL_ENGINES  # every test here runs on DuckDB, PostgreSQL and Spark (tests/conftest.py)

KEYS = ("metric_time__month", "region")
SPANS = {"all": (None, None), "2024-25": (dt.date(2024, 1, 1), dt.date(2025, 6, 30))}


def check_column(frame, keys, metric, want, what):
    """`metric` in a multi-metric frame equals its own hand SQL on the groups that have
    it; a group that only other metrics have shows it as zero or empty, never a number."""
    __tracebackhide__ = True
    has = set(column(want, keys, metric))
    rows = [tuple(as_key(v) for v in key) for key in frame[list(keys)].itertuples(index=False)] if keys else [()]
    mine = frame[[key in has for key in rows]]
    assert_same(mine, want, keys, [metric], what=f"{metric} in {what}")
    others = {k: v for k, v in column(frame, keys, metric).items() if k not in has}
    assert all(v in (None, 0.0) for v in others.values()), f"{metric} has numbers where it has no data: {others}"


@pytest.mark.parametrize("where", [None, "{region} IN ('East', 'South')"])
@pytest.mark.parametrize("span", list(SPANS))
def test_revenue_cash_in_expense_by_month_and_region_equal_each_alone(span, where, warehouse, raw):
    start, end = SPANS[span]
    metrics = ("revenue", "cash_in", "expense")
    together = run(
        Query(metrics=metrics, group_by=KEYS, where=where_text(where), time_from=start, time_to=end),
        warehouse=warehouse,
        cache=None,
    ).frame
    union = set()
    for metric in metrics:
        alone = run(
            Query(metrics=(metric,), group_by=KEYS, where=where_text(where), time_from=start, time_to=end),
            warehouse=warehouse,
            cache=None,
        ).frame
        want = expected(raw, metric, KEYS, where, start, end)
        assert_same(alone, want, KEYS, what=f"{metric} alone")
        check_column(together, KEYS, metric, want, "revenue, cash_in, expense")
        check_column(together, KEYS, metric, alone, "revenue, cash_in, expense (against the metric alone)")
        union |= set(column(want, KEYS, metric))
    assert set(column(together, KEYS, "revenue")) == union  # one row per group any of them has


@pytest.mark.parametrize(
    "metrics,keys",
    [
        (("revenue", "invoiced", "cash_in"), ("customer",)),  # lines x invoices x receipts would multiply
        (("cash_in", "cash_out", "net_cash_flow"), ("metric_time__quarter", "region")),
        (("expense", "budget", "budget_variance", "budget_variance_pct"), ("department", "metric_time__year")),
        (("revenue", "ledger_revenue", "revenue_recon_gap"), ("metric_time__month", "region")),
        (("units", "orders", "inventory_value"), ("metric_time__quarter", "category")),
        (("ar_balance", "invoiced", "cash_in", "dso"), ("metric_time__quarter", "channel")),
        (("gross_margin_pct", "cash_out", "expense", "ledger_revenue"), ()),
    ],
)
def test_mixed_tables_equal_hand_sql(metrics, keys, warehouse, raw):
    start, end = dt.date(2024, 1, 1), dt.date(2025, 3, 31)
    frame = run(
        Query(metrics=metrics, group_by=keys, time_from=start, time_to=end), warehouse=warehouse, cache=None
    ).frame
    assert list(frame.columns) == [*keys, *metrics]
    for metric in metrics:
        check_column(frame, keys, metric, expected(raw, metric, keys, None, start, end), ", ".join(metrics))


def test_no_fan_out_where_one_order_has_many_lines_invoices_and_receipts(warehouse, raw):
    """Orders have several lines and invoices several receipts, so joining the facts to
    each other would multiply them; the totals must equal each table's own sum."""
    fan = hand(
        raw,
        """SELECT (SELECT count(*) FROM (SELECT order_id FROM order_lines GROUP BY 1 HAVING count(*) > 1)),
                              (SELECT count(*) FROM (SELECT invoice_id FROM receipts GROUP BY 1 HAVING count(*) > 1))""",
    )
    assert fan.iloc[0, 0] > 0 and fan.iloc[0, 1] > 0, "the data must be able to fan out for this test to mean anything"
    frame = run(
        Query(metrics=("revenue", "orders", "invoiced", "cash_in"), group_by=("region",)),
        warehouse=warehouse,
        cache=None,
    ).frame
    totals = hand(
        raw,
        """SELECT (SELECT sum(l.net_amount) FROM order_lines l JOIN orders o USING (order_id)
                                  WHERE o.status <> 'cancelled') AS revenue,
                                 (SELECT count(*) FROM orders WHERE status <> 'cancelled') AS orders,
                                 (SELECT sum(amount) FROM invoices) AS invoiced,
                                 (SELECT sum(amount) FROM receipts) AS cash_in""",
    )
    summed = frame[["revenue", "orders", "invoiced", "cash_in"]].sum().to_frame().T
    assert_same(summed, totals, what="sums over regions of revenue, orders, invoiced, cash_in")


@pytest.mark.parametrize(
    "metric,keys",
    [
        ("gross_margin_pct", ("region",)),
        ("gross_margin_pct", ("metric_time__year",)),
        ("avg_order_value", ("metric_time__quarter",)),
        ("discount_rate", ("channel",)),
        ("budget_variance_pct", ("metric_time__year", "department")),
        ("dso", ("metric_time__year",)),
    ],
)
def test_ratio_is_the_ratio_of_summed_parts(metric, keys, warehouse, raw):
    start, end = dt.date(2024, 1, 1), dt.date(2025, 12, 31)
    got = run(
        Query(metrics=(metric,), group_by=keys, time_from=start, time_to=end), warehouse=warehouse, cache=None
    ).frame
    assert_same(got, expected(raw, metric, keys, None, start, end), keys, what=f"{metric} by {keys}")


def test_a_yearly_margin_is_not_the_average_of_monthly_margins(warehouse, raw):
    """The ratio of 2024's sums, which differs measurably from the mean of its months."""
    year = (dt.date(2024, 1, 1), dt.date(2024, 12, 31))
    got = run(
        Query(metrics=("gross_margin_pct", "revenue", "cogs"), time_from=year[0], time_to=year[1]),
        warehouse=warehouse,
        cache=None,
    ).frame
    sums = hand(
        raw,
        "SELECT (revenue - cogs) / revenue AS gross_margin_pct FROM ("
        "SELECT sum(l.net_amount) AS revenue, sum(l.cost_amount) AS cogs FROM order_lines l "
        "JOIN orders o USING (order_id) WHERE o.status <> 'cancelled' "
        "AND o.order_date BETWEEN DATE '2024-01-01' AND DATE '2024-12-31')",
    )
    monthly = hand(
        raw,
        f"SELECT avg(gross_margin_pct) AS m FROM ("
        f"{metric_sql('gross_margin_pct', ('metric_time__month',), None, *year)})",
    ).iloc[0, 0]
    assert abs(float(sums.iloc[0, 0]) - float(monthly)) > 1e-6
    assert_same(got, sums, columns=["gross_margin_pct"], what="2024 gross margin")
