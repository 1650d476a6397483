"""Every contract metric of issue 2 §3 equals hand-written SQL over the raw tables:
ungrouped, by month, by region, by month and region, over all the data and over a
range that cuts periods in two; with a where and a range; dimensions that do not
apply are refused naming both. Expected values come from tests/handsql.py only.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from semantic import Query, QueryError, run
from tests.conftest import ALL_ENGINES
from tests.handsql import CONTRACT, assert_same, dims_of, expected, hand, metric_sql, where_text

ENGINES = ALL_ENGINES  # every test here runs on DuckDB, PostgreSQL and Spark (tests/conftest.py)

GROUPINGS = {
    "none": (),
    "month": ("metric_time__month",),
    "region": ("region",),
    "month_region": ("metric_time__month", "region"),
}
# all the data, and a range that starts and ends inside a month (periods are clipped to it)
SPANS = {"all": (None, None), "range": (dt.date(2024, 2, 10), dt.date(2024, 11, 20))}

# A where per metric, over dimensions that apply to it: "{dim}" is the dimension in
# the query and the table's own column in the hand SQL.
SALES_WHERE = "{channel} IN ('Online', 'Direct') AND NOT {category} = 'Furniture'"
CUSTOMER_WHERE = "{segment} = 'Enterprise' OR {city} LIKE 'S%'"
SPEND_WHERE = "{department} <> 'R&D' AND ({account} = 'Salaries' OR {region} = 'South')"
WHERE = {
    **dict.fromkeys(
        ("revenue", "cogs", "gross_profit", "gross_margin_pct", "orders", "units", "avg_order_value", "discount_rate"),
        SALES_WHERE,
    ),
    **dict.fromkeys(("invoiced", "cash_in", "ar_balance", "dso"), CUSTOMER_WHERE),
    **dict.fromkeys(("cash_out", "net_cash_flow"), "{region} IN ('East', 'North')"),
    **dict.fromkeys(("expense", "budget", "budget_variance", "budget_variance_pct"), SPEND_WHERE),
    **dict.fromkeys(("ledger_revenue", "revenue_recon_gap"), "{region} BETWEEN 'Central' AND 'North'"),
    "inventory_value": "{category} = 'Electronics' OR {product} LIKE '%Pro%'",
}
WHERE_RANGE = (dt.date(2024, 3, 5), dt.date(2025, 8, 20))


def query(metric, keys=(), where=None, span=(None, None), **more):
    return Query(metrics=(metric,), group_by=keys, where=where_text(where), time_from=span[0], time_to=span[1], **more)


@pytest.mark.parametrize("span", list(SPANS))
@pytest.mark.parametrize("grouping", list(GROUPINGS))
@pytest.mark.parametrize("metric", CONTRACT)
def test_metric_equals_hand_sql(metric, grouping, span, warehouse, raw):
    keys, (start, end) = GROUPINGS[grouping], SPANS[span]
    if "region" in keys and "region" not in dims_of(metric):  # inventory_value: stock has no region
        with pytest.raises(QueryError) as refused:
            run(query(metric, keys, span=(start, end)), warehouse=warehouse, cache=None)
        assert "region" in str(refused.value) and metric in str(refused.value)
        return
    if metric == "dso" and not keys[:1] == ("metric_time__month",) and start is None:  # days of what?
        with pytest.raises(QueryError, match="time range"):
            run(query(metric, keys), warehouse=warehouse, cache=None)
        return
    got = run(query(metric, keys, span=(start, end)), warehouse=warehouse, cache=None).frame
    want = expected(raw, metric, keys, None, start, end)
    assert len(want) > 0
    assert_same(got, want, keys, what=f"{metric} by {grouping or 'nothing'} over {span}")


@pytest.mark.parametrize("grouping", ["none", "month_or_category"])
@pytest.mark.parametrize("metric", CONTRACT)
def test_metric_with_a_where_and_a_range_equals_hand_sql(metric, grouping, warehouse, raw):
    keys = (
        ()
        if grouping == "none"
        else (("metric_time__month", "category") if metric == "inventory_value" else ("metric_time__month", "region"))
    )
    where = WHERE[metric]
    got = run(query(metric, keys, where, WHERE_RANGE), warehouse=warehouse, cache=None).frame
    want = expected(raw, metric, keys, where, *WHERE_RANGE)
    unfiltered = expected(raw, metric, keys, None, *WHERE_RANGE)
    assert not want.equals(unfiltered), "the where must change the answer, or this test proves nothing"
    assert_same(got, want, keys, what=f"{metric} where {where_text(where)}")


@pytest.mark.parametrize(
    "metric,keys",
    [
        ("inventory_value", ("category",)),
        ("inventory_value", ("metric_time__quarter", "product")),
        ("orders", ("category",)),  # an order with lines in two categories counts in both
        ("avg_order_value", ("sales_rep",)),
        ("discount_rate", ("metric_time__year", "segment")),
        ("dso", ("metric_time__quarter", "channel")),
        ("ar_balance", ("customer",)),
        ("budget_variance_pct", ("department", "account")),
        ("ledger_revenue", ("account",)),
        ("units", ("metric_time__week", "city")),
    ],
)
def test_other_dimensions_and_grains_equal_hand_sql(metric, keys, warehouse, raw):
    span = (dt.date(2024, 1, 1), dt.date(2024, 12, 31))
    got = run(query(metric, keys, span=span), warehouse=warehouse, cache=None).frame
    assert_same(got, expected(raw, metric, keys, None, *span), keys, what=f"{metric} by {keys}")


@pytest.mark.parametrize(
    "metric,dimension",
    [
        ("cash_in", "category"),
        ("invoiced", "product"),
        ("ar_balance", "category"),
        ("cash_out", "customer"),
        ("net_cash_flow", "channel"),
        ("inventory_value", "region"),
        ("inventory_value", "customer"),
        ("expense", "customer"),
        ("budget", "product"),
        ("ledger_revenue", "department"),
        ("revenue_recon_gap", "account"),
        ("revenue", "department"),
    ],
)
@pytest.mark.parametrize("how", ["group_by", "where"])
def test_a_dimension_that_does_not_apply_is_refused_naming_both(metric, dimension, how, warehouse):
    assert dimension not in dims_of(metric)  # the hand definitions agree it does not apply
    by, where = ((dimension,), None) if how == "group_by" else ((), f"{dimension} = 'x'")
    with pytest.raises(QueryError) as refused:
        run(Query(metrics=(metric,), group_by=by, where=where), warehouse=warehouse, cache=None)
    message = str(refused.value)
    assert metric in message and dimension in message and "\n" not in message


def test_top_n_by_a_metric_equals_hand_sql(warehouse, raw):
    got = run(
        Query(metrics=("revenue",), group_by=("customer",), order_by=("-revenue",), limit=5),
        warehouse=warehouse,
        cache=None,
    ).frame
    want = hand(raw, f"SELECT * FROM ({metric_sql('revenue', ('customer',))}) ORDER BY revenue DESC LIMIT 5")
    assert list(got["customer"]) == list(want["customer"])
    assert_same(got, want, ("customer",), what="top 5 customers by revenue")


def test_the_comparison_itself_can_fail(raw):
    """assert_same must catch every kind of difference, or the suite proves nothing."""
    keys = ("metric_time__month", "region")
    want = expected(raw, "gross_margin_pct", keys, None, dt.date(2024, 1, 1), dt.date(2024, 3, 31))
    assert_same(want.copy(), want, keys)

    ratio = want["gross_margin_pct"]
    broken = {
        "a ratio off by 1e-6": want.assign(gross_margin_pct=ratio + 1e-6),
        "a missing row": want.iloc[1:],
        "an extra row": pd.concat([want, want.iloc[:1].assign(region="Nowhere")]),
        "NULL for a number": want.assign(gross_margin_pct=ratio.where(want.index != 3)),
    }
    for name, frame in broken.items():
        with pytest.raises(AssertionError):
            assert_same(frame, want, keys, what=name)
    with_null = want.assign(gross_margin_pct=ratio.where(want.index != 3))
    with pytest.raises(AssertionError, match="NULL"):
        assert_same(want, with_null, keys)
    with pytest.raises(AssertionError, match="repeated group key"):
        assert_same(pd.concat([want, want.iloc[:1]]), want, keys)
    amounts = expected(raw, "revenue", ("region",))
    with pytest.raises(AssertionError, match="differ"):
        assert_same(amounts.assign(revenue=amounts["revenue"] + 0.01), amounts, ("region",))
    assert_same(amounts.assign(revenue=amounts["revenue"] + 0.004), amounts, ("region",))  # half a cent is equal
