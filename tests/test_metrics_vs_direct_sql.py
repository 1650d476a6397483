"""Simple, derived, balance and snapshot metrics against SQL written directly from
the metric definitions (not from the compiler and not from tests/handsql.py).

Each metric is built from additive components; each component is one hand-written
SELECT yielding (d DATE, region, <columns>) plus the aggregate that sums it.
Derived metrics are combined from the grouped components.
"""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd
import pytest

from semantic import Query, QueryError, run
from tests.conftest import ALL_ENGINES

Y_FROM, Y_TO = dt.date(2024, 1, 1), dt.date(2024, 12, 31)

ENGINES = ALL_ENGINES  # every test here runs on DuckDB, PostgreSQL and Spark (tests/conftest.py)

SALES = """
    SELECT o.order_date AS d, c.region AS region, o.order_id, ol.net_amount, ol.cost_amount,
           ol.quantity, ol.quantity * ol.unit_price AS gross
    FROM order_lines ol JOIN orders o ON o.order_id = ol.order_id
    JOIN customers c ON c.customer_id = o.customer_id
    WHERE o.status <> 'cancelled'"""
INVOICES = """
    SELECT i.invoice_date AS d, c.region AS region, i.amount
    FROM invoices i JOIN orders o ON o.order_id = i.order_id
    JOIN customers c ON c.customer_id = o.customer_id"""
RECEIPTS = """
    SELECT r.receipt_date AS d, c.region AS region, r.amount
    FROM receipts r JOIN invoices i ON i.invoice_id = r.invoice_id
    JOIN orders o ON o.order_id = i.order_id
    JOIN customers c ON c.customer_id = o.customer_id"""
PAYMENTS = """
    SELECT p.payment_date AS d, b.region AS region, p.amount
    FROM payments p JOIN bills b ON b.bill_id = p.bill_id"""
EXPENSES = "SELECT expense_date AS d, region, amount FROM expenses"
BUDGETS = "SELECT CAST(month AS DATE) AS d, region, amount FROM budgets"
LEDGER = """
    SELECT entry_date AS d, region, credit - debit AS amount
    FROM journal_entries WHERE account_code = '6001'"""

# component name -> (source SELECT, aggregate over it)
COMPONENTS = {
    "revenue": (SALES, "sum(net_amount)"),
    "cogs": (SALES, "sum(cost_amount)"),
    "units": (SALES, "sum(quantity)"),
    "orders": (SALES, "count(DISTINCT order_id)"),
    "gross": (SALES, "sum(gross)"),
    "invoiced": (INVOICES, "sum(amount)"),
    "cash_in": (RECEIPTS, "sum(amount)"),
    "cash_out": (PAYMENTS, "sum(amount)"),
    "expense": (EXPENSES, "sum(amount)"),
    "budget": (BUDGETS, "sum(amount)"),
    "ledger": (LEDGER, "sum(amount)"),
}

# metric -> (components it needs, how it is computed from them, is it a ratio)
METRICS = {
    "revenue": (("revenue",), lambda c: c["revenue"], False),
    "cogs": (("cogs",), lambda c: c["cogs"], False),
    "gross_profit": (("revenue", "cogs"), lambda c: c["revenue"] - c["cogs"], False),
    "gross_margin_pct": (("revenue", "cogs"), lambda c: (c["revenue"] - c["cogs"]) / c["revenue"], True),
    "orders": (("orders",), lambda c: c["orders"], False),
    "units": (("units",), lambda c: c["units"], False),
    "avg_order_value": (("revenue", "orders"), lambda c: c["revenue"] / c["orders"], True),
    "discount_rate": (("revenue", "gross"), lambda c: 1 - c["revenue"] / c["gross"], True),
    "invoiced": (("invoiced",), lambda c: c["invoiced"], False),
    "cash_in": (("cash_in",), lambda c: c["cash_in"], False),
    "cash_out": (("cash_out",), lambda c: c["cash_out"], False),
    "net_cash_flow": (("cash_in", "cash_out"), lambda c: c["cash_in"] - c["cash_out"], False),
    "expense": (("expense",), lambda c: c["expense"], False),
    "budget": (("budget",), lambda c: c["budget"], False),
    "budget_variance": (("expense", "budget"), lambda c: c["expense"] - c["budget"], False),
    "budget_variance_pct": (("expense", "budget"), lambda c: (c["expense"] - c["budget"]) / c["budget"], True),
    "ledger_revenue": (("ledger",), lambda c: c["ledger"], False),
    "revenue_recon_gap": (("revenue", "ledger"), lambda c: c["revenue"] - c["ledger"], False),
}

KEY_SQL = {
    "metric_time__month": "CAST(date_trunc('month', d) AS DATE)",
    "metric_time__quarter": "CAST(date_trunc('quarter', d) AS DATE)",
    "region": "region",
}

GROUPINGS = {
    "none": ((), None),
    "month": (("metric_time__month",), None),
    "region": (("region",), None),
    "quarter_region": (("metric_time__quarter", "region"), None),
    "where_east": ((), "region = 'East'"),
}


def component_frame(raw, name, keys, where, t_from, t_to):
    source, agg = COMPONENTS[name]
    conds = [f"d BETWEEN DATE '{t_from}' AND DATE '{t_to}'"]
    if where:
        conds.append(where)  # only "region = ..." here; region is a column of every source
    select = [f"{KEY_SQL[k]} AS {k}" for k in keys] + [f"{agg} AS {name}"]
    sql = f"SELECT {', '.join(select)} FROM ({source}) AS s WHERE {' AND '.join(conds)}"
    if keys:
        sql += " GROUP BY " + ", ".join(str(i + 1) for i in range(len(keys)))
    return raw.execute(sql).df()


def expected_frame(raw, metric, keys, where, t_from=Y_FROM, t_to=Y_TO):
    needs, compute, _ = METRICS[metric]
    frames = [component_frame(raw, n, keys, where, t_from, t_to) for n in needs]
    merged = frames[0]
    for f in frames[1:]:
        merged = merged.merge(f, on=list(keys), how="outer") if keys else pd.concat([merged, f], axis=1)
    merged[metric] = compute(merged)
    return merged[list(keys) + [metric]]


def actual_frame(warehouse, metric, keys, where=None, t_from=Y_FROM, t_to=Y_TO):
    q = Query(metrics=(metric,), group_by=tuple(keys), where=where, time_from=t_from, time_to=t_to)
    return run(q, warehouse=warehouse, cache=None).frame


def _norm_keys(frame, keys):
    frame = frame.copy()
    for k in keys:
        if k.startswith("metric_time__"):
            frame[k] = pd.to_datetime(frame[k]).dt.date
        else:
            frame[k] = frame[k].astype(str)
    return frame


def _num(v):
    if v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NA:
        return None
    return float(v)


def assert_frames_match(actual, expected, metric, keys, ratio):
    assert list(actual.columns) == list(keys) + [metric], actual.columns
    if not keys:
        assert len(actual) == 1 and len(expected) == 1, (actual, expected)
        pairs = [((), actual[metric].iloc[0], expected[metric].iloc[0])]
    else:
        a, e = _norm_keys(actual, keys), _norm_keys(expected, keys)
        a_keys = set(map(tuple, a[list(keys)].itertuples(index=False)))
        e_keys = set(map(tuple, e[list(keys)].itertuples(index=False)))
        assert a_keys == e_keys, (
            f"only in actual: {sorted(a_keys - e_keys)}; only in expected: {sorted(e_keys - a_keys)}"
        )
        assert len(a) == len(a_keys), "duplicate group keys in the result"
        m = a.merge(e, on=list(keys), suffixes=("_act", "_exp"))
        pairs = [(tuple(r[k] for k in keys), r[f"{metric}_act"], r[f"{metric}_exp"]) for _, r in m.iterrows()]
    bad = []
    for key, got, want in pairs:
        got, want = _num(got), _num(want)
        if got is None or want is None:
            if got is not want:
                bad.append((key, got, want))
            continue
        approx = pytest.approx(want, rel=1e-9) if ratio else pytest.approx(want, abs=0.01)
        if got != approx:
            bad.append((key, got, want))
    assert not bad, f"{metric}: {len(bad)} of {len(pairs)} rows differ (key, actual, expected): {bad[:8]}"


@pytest.mark.parametrize("grouping", list(GROUPINGS))
@pytest.mark.parametrize("metric", list(METRICS))
def test_metric_matches_sql(warehouse, raw, metric, grouping):
    keys, where = GROUPINGS[grouping]
    actual = actual_frame(warehouse, metric, keys, where)
    expected = expected_frame(raw, metric, keys, where)
    assert_frames_match(actual, expected, metric, keys, METRICS[metric][2])


# --- balances and snapshots -------------------------------------------------------


def _ar_balance_sql(as_of_expr):
    return f"""
        (SELECT coalesce(sum(amount), 0) FROM invoices WHERE invoice_date <= {as_of_expr})
        - (SELECT coalesce(sum(amount), 0) FROM receipts WHERE receipt_date <= {as_of_expr})"""


def _ar_by_month(raw):
    return raw.execute(f"""
        WITH months AS (
            SELECT CAST(m AS DATE) AS metric_time__month,
                   CAST(m + INTERVAL 1 MONTH - INTERVAL 1 DAY AS DATE) AS month_end
            FROM generate_series(TIMESTAMP '2024-01-01', TIMESTAMP '2024-12-01', INTERVAL 1 MONTH) t(m))
        SELECT metric_time__month, month_end, {_ar_balance_sql("months.month_end")} AS ar_balance
        FROM months ORDER BY 1""").df()


def test_ar_balance_by_month(warehouse, raw):
    expected = _ar_by_month(raw)[["metric_time__month", "ar_balance"]]
    actual = actual_frame(warehouse, "ar_balance", ("metric_time__month",))
    assert_frames_match(actual, expected, "ar_balance", ("metric_time__month",), False)


def test_ar_balance_ungrouped_as_of_range_end(warehouse, raw):
    expected = raw.execute("SELECT " + _ar_balance_sql("DATE '2024-06-30'") + " AS ar_balance").df()
    q = Query(metrics=("ar_balance",), time_to=dt.date(2024, 6, 30))
    actual = run(q, warehouse=warehouse, cache=None).frame
    assert_frames_match(actual, expected, "ar_balance", (), False)


def test_inventory_value_by_quarter(warehouse, raw):
    expected = raw.execute("""
        WITH last AS (
            SELECT CAST(date_trunc('quarter', snapshot_date) AS DATE) AS q, max(snapshot_date) AS d
            FROM inventory_snapshots
            WHERE snapshot_date BETWEEN DATE '2024-01-01' AND DATE '2024-12-31'
            GROUP BY 1)
        SELECT last.q AS metric_time__quarter, sum(s.value) AS inventory_value
        FROM last JOIN inventory_snapshots s ON s.snapshot_date = last.d
        GROUP BY 1 ORDER BY 1""").df()
    assert len(expected) == 4, "the demo warehouse should have snapshots in every 2024 quarter"
    actual = actual_frame(warehouse, "inventory_value", ("metric_time__quarter",))
    assert_frames_match(actual, expected, "inventory_value", ("metric_time__quarter",), False)


def test_dso_by_month(warehouse, raw):
    ar = _ar_by_month(raw)
    inv = component_frame(raw, "invoiced", ("metric_time__month",), None, Y_FROM, Y_TO)
    ar["metric_time__month"] = pd.to_datetime(ar["metric_time__month"]).dt.date
    inv["metric_time__month"] = pd.to_datetime(inv["metric_time__month"]).dt.date
    m = ar.merge(inv, on="metric_time__month", how="left")
    days = pd.to_datetime(m["month_end"]).dt.day
    m["dso"] = m["ar_balance"] / m["invoiced"] * days
    expected = m[["metric_time__month", "dso"]]
    actual = actual_frame(warehouse, "dso", ("metric_time__month",))
    assert_frames_match(actual, expected, "dso", ("metric_time__month",), True)


# --- refusals -----------------------------------------------------------------------


@pytest.mark.parametrize("metric, dimension", [("cash_in", "category"), ("inventory_value", "region")])
def test_inapplicable_dimension_is_refused(warehouse, metric, dimension):
    with pytest.raises(QueryError) as info:
        run(Query(metrics=(metric,), group_by=(dimension,)), warehouse=warehouse, cache=None)
    message = str(info.value)
    assert metric in message and dimension in message, message
