"""Every contract metric equals hand-written SQL over the raw tables, ungrouped,
by month, by region, by month and region, and with a where and a range."""
from __future__ import annotations

import datetime as dt

import pytest

from semantic import Query, QueryError, run

RANGE = dict(time_from=dt.date(2024, 1, 1), time_to=dt.date(2024, 12, 31))
IN_RANGE = "BETWEEN DATE '2024-01-01' AND DATE '2024-12-31'"

# metric -> (FROM ... with a `region` column, date column, value expression); derived ones are built from these
BASE = {
    "revenue": ("order_lines l JOIN orders o USING (order_id) JOIN customers c USING (customer_id)", "o.order_date",
                "sum(l.net_amount)", "o.status <> 'cancelled'", "c.region"),
    "cogs": ("order_lines l JOIN orders o USING (order_id) JOIN customers c USING (customer_id)", "o.order_date",
             "sum(l.cost_amount)", "o.status <> 'cancelled'", "c.region"),
    "units": ("order_lines l JOIN orders o USING (order_id) JOIN customers c USING (customer_id)", "o.order_date",
              "sum(l.quantity)", "o.status <> 'cancelled'", "c.region"),
    "orders": ("order_lines l JOIN orders o USING (order_id) JOIN customers c USING (customer_id)", "o.order_date",
               "count(DISTINCT l.order_id)", "o.status <> 'cancelled'", "c.region"),
    "gross_sales": ("order_lines l JOIN orders o USING (order_id) JOIN customers c USING (customer_id)", "o.order_date",
                    "sum(l.quantity * l.unit_price)", "o.status <> 'cancelled'", "c.region"),
    "invoiced": ("invoices i JOIN orders o USING (order_id) JOIN customers c USING (customer_id)", "i.invoice_date",
                 "sum(i.amount)", "TRUE", "c.region"),
    "cash_in": ("receipts r JOIN invoices i USING (invoice_id) JOIN orders o USING (order_id) JOIN customers c USING (customer_id)",
                "r.receipt_date", "sum(r.amount)", "TRUE", "c.region"),
    "cash_out": ("payments p JOIN bills b USING (bill_id)", "p.payment_date", "sum(p.amount)", "TRUE", "b.region"),
    "expense": ("expenses e", "e.expense_date", "sum(e.amount)", "TRUE", "e.region"),
    "budget": ("budgets b", "b.month", "sum(b.amount)", "TRUE", "b.region"),
    "ledger_revenue": ("journal_entries j", "j.entry_date", "sum(j.credit - j.debit)", "j.account_code = '6001'", "j.region"),
}
DERIVED = {
    "gross_profit": lambda v: v["revenue"] - v["cogs"],
    "gross_margin_pct": lambda v: (v["revenue"] - v["cogs"]) / v["revenue"] if v["revenue"] else None,
    "avg_order_value": lambda v: v["revenue"] / v["orders"] if v["orders"] else None,
    "discount_rate": lambda v: 1 - v["revenue"] / v["gross_sales"] if v["gross_sales"] else None,
    "net_cash_flow": lambda v: v["cash_in"] - v["cash_out"],
    "budget_variance": lambda v: v["expense"] - v["budget"],
    "budget_variance_pct": lambda v: (v["expense"] - v["budget"]) / v["budget"] if v["budget"] else None,
    "revenue_recon_gap": lambda v: v["revenue"] - v["ledger_revenue"],
}
NEEDS = {"gross_profit": ("revenue", "cogs"), "gross_margin_pct": ("revenue", "cogs"),
         "avg_order_value": ("revenue", "orders"), "discount_rate": ("revenue", "gross_sales"),
         "net_cash_flow": ("cash_in", "cash_out"), "budget_variance": ("expense", "budget"),
         "budget_variance_pct": ("expense", "budget"), "revenue_recon_gap": ("revenue", "ledger_revenue")}
METRICS = [m for m in BASE if m != "gross_sales"] + list(DERIVED)
GROUPINGS = {"none": (), "month": ("metric_time__month",), "region": ("region",),
             "month_region": ("metric_time__month", "region")}


def hand(raw, metric: str, grouping: str, region_where: str | None) -> dict:
    """{key tuple: value} by hand for a base metric."""
    source, day, value, keep, region = BASE[metric]
    keys = {"none": [], "month": [f"date_trunc('month', {day})::DATE"], "region": [region],
            "month_region": [f"date_trunc('month', {day})::DATE", region]}[grouping]
    where = f"{keep} AND {day} {IN_RANGE}" + (f" AND {region} = '{region_where}'" if region_where else "")
    select = ", ".join(keys + [value])
    group = f" GROUP BY {', '.join(keys)}" if keys else ""
    rows = raw.execute(f"SELECT {select} FROM {source} WHERE {where}{group}").fetchall()
    return {tuple(str(k) for k in r[:-1]): (float(r[-1]) if r[-1] is not None else 0.0) for r in rows}


def expected(raw, metric, grouping, region_where):
    parts = NEEDS.get(metric, (metric,))
    tables = {p: hand(raw, p, grouping, region_where) for p in parts}
    keys = set().union(*tables.values()) or ({()} if grouping == "none" else set())
    out = {}
    for key in keys:
        values = {p: tables[p].get(key, 0.0) for p in parts}
        out[key] = DERIVED[metric](values) if metric in DERIVED else values[metric]
    return out


@pytest.mark.parametrize("grouping", list(GROUPINGS))
@pytest.mark.parametrize("metric", METRICS)
def test_metric_equals_hand_sql(metric, grouping, warehouse, raw):
    frame = run(Query(metrics=(metric,), group_by=GROUPINGS[grouping], **RANGE), warehouse=warehouse, cache=None).frame
    got = {tuple(str(getattr(r, k))[:10] for k in GROUPINGS[grouping]): getattr(r, metric)
           for r in frame.itertuples()}
    want = expected(raw, metric, grouping, None)
    assert set(got) == set(want)
    for key, value in want.items():
        if value is None:
            assert got[key] is None or got[key] != got[key]
        else:
            assert float(got[key]) == pytest.approx(value, rel=1e-9, abs=0.005), key


@pytest.mark.parametrize("metric", METRICS)
def test_metric_with_a_where_equals_hand_sql(metric, warehouse, raw):
    frame = run(Query(metrics=(metric,), group_by=("metric_time__month",), where="region = 'East'", **RANGE),
                warehouse=warehouse, cache=None).frame
    want = expected(raw, metric, "month", "East")
    got = {(str(r.metric_time__month)[:10],): getattr(r, metric) for r in frame.itertuples()}
    assert set(got) == set(want)
    for key, value in want.items():
        if value is not None:
            assert float(got[key]) == pytest.approx(value, rel=1e-9, abs=0.005), key


@pytest.mark.parametrize("grain", ["month", "quarter"])
def test_balances_at_period_ends(grain, warehouse, raw):
    frame = run(Query(metrics=("ar_balance", "inventory_value", "dso"), group_by=(f"metric_time__{grain}",), **RANGE),
                warehouse=warehouse, cache=None).frame
    for row in frame.itertuples():
        start = row[1].date()
        end = raw.execute(f"SELECT (DATE '{start}' + INTERVAL 1 {grain.upper()} - INTERVAL 1 DAY)::DATE").fetchall()[0][0]
        ar, inv_period, stock = raw.execute(f"""SELECT
            (SELECT sum(amount) FROM invoices WHERE invoice_date <= DATE '{end}')
              - (SELECT coalesce(sum(amount), 0) FROM receipts WHERE receipt_date <= DATE '{end}'),
            (SELECT sum(amount) FROM invoices WHERE invoice_date BETWEEN DATE '{start}' AND DATE '{end}'),
            (SELECT sum(value) FROM inventory_snapshots WHERE snapshot_date = (SELECT max(snapshot_date)
                FROM inventory_snapshots WHERE snapshot_date BETWEEN DATE '{start}' AND DATE '{end}'))""").fetchall()[0]
        assert float(row.ar_balance) == pytest.approx(float(ar), abs=0.01)
        assert float(row.inventory_value) == pytest.approx(float(stock), abs=0.01)
        days = (end - start).days + 1
        assert float(row.dso) == pytest.approx(float(ar) / float(inv_period) * days, rel=1e-9)


def test_ar_balance_without_time_is_as_of_the_end_of_the_range(warehouse, raw):
    value = run(Query(metrics=("ar_balance",), time_to=dt.date(2024, 6, 30)), warehouse=warehouse, cache=None).frame.iloc[0, 0]
    hand_value = raw.execute("""SELECT (SELECT sum(amount) FROM invoices WHERE invoice_date <= DATE '2024-06-30')
                                     - (SELECT sum(amount) FROM receipts WHERE receipt_date <= DATE '2024-06-30')""").fetchall()[0][0]
    assert float(value) == pytest.approx(float(hand_value), abs=0.01)


@pytest.mark.parametrize("metric,dimension", [("cash_in", "category"), ("inventory_value", "region"),
                                              ("expense", "customer")])
def test_a_dimension_that_does_not_apply_is_refused_naming_both(metric, dimension, warehouse):
    with pytest.raises(QueryError) as caught:
        run(Query(metrics=(metric,), group_by=(dimension,)), warehouse=warehouse)
    assert metric in str(caught.value) and dimension in str(caught.value)


def test_multi_fact_equals_each_metric_alone(warehouse):
    together = run(Query(metrics=("revenue", "cash_in", "expense"), group_by=("metric_time__month", "region"), **RANGE),
                   warehouse=warehouse, cache=None).frame.set_index(["metric_time__month", "region"])
    for metric in ("revenue", "cash_in", "expense"):
        alone = run(Query(metrics=(metric,), group_by=("metric_time__month", "region"), **RANGE),
                    warehouse=warehouse, cache=None).frame.set_index(["metric_time__month", "region"])[metric]
        joined = together[metric].reindex(alone.index)
        assert [float(x) for x in joined] == pytest.approx([float(x) for x in alone], abs=0.005)
        assert float(together[metric].sum()) == pytest.approx(float(alone.sum()), abs=0.01)  # no fan-out
