"""Reconciliation, receivables and budget numbers against hand-written SQL over the raw tables."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from semantic import PolicyError, Principal, Query, run
from semantic.finance.receivables import open_invoices
from semantic.finance.recon import gap_rows
from tests.conftest import ALL_ENGINES
from ui.forecast import run_rate

ENGINES = ALL_ENGINES  # every test here runs on DuckDB, PostgreSQL and Spark (tests/conftest.py)

MONTHS = [dt.date(y, m, 1) for y in (2023, 2024, 2025) for m in range(1, 13)]
EAST = Principal("sales_east", ("sales_rep",), {"region": "East"})


def hand_gap(raw, month: dt.date, region: str | None = None) -> float:
    region_sql = f"AND c.region = '{region}'" if region else ""
    region_gl = f"AND region = '{region}'" if region else ""
    return float(
        raw.execute(f"""
        SELECT (SELECT coalesce(sum(l.net_amount), 0) FROM order_lines l JOIN orders o USING (order_id)
                JOIN customers c USING (customer_id)
                WHERE o.status <> 'cancelled' AND date_trunc('month', o.order_date) = DATE '{month}' {region_sql})
             - (SELECT coalesce(sum(credit - debit), 0) FROM journal_entries
                WHERE account_code = '6001' AND date_trunc('month', entry_date) = DATE '{month}' {region_gl})
    """).fetchall()[0][0]
    )


@pytest.fixture(scope="module")
def all_gap_rows(warehouse):
    return {m: gap_rows(m, warehouse=warehouse) for m in MONTHS}


def test_every_months_gap_is_explained_exactly(all_gap_rows, raw):
    for month, rows in all_gap_rows.items():
        assert float(rows["difference"].sum()) == pytest.approx(hand_gap(raw, month), abs=0.005), month


def test_a_regions_gap_is_explained_exactly(warehouse, raw):
    for month in MONTHS[::5]:
        rows = gap_rows(month, warehouse=warehouse, where="region = 'South'")
        assert set(rows["region"]) <= {"South"}
        assert float(rows["difference"].sum()) == pytest.approx(hand_gap(raw, month, "South"), abs=0.005)


def test_the_injected_posting_differences_are_all_found_and_nothing_else(all_gap_rows, raw):
    found = pd.concat(all_gap_rows.values())
    outgoing = {
        (int(r.order_id), r.kind) for r in found.itertuples() if r.kind in ("timing_out", "not_posted", "amount")
    }
    injected = raw.execute("""
        SELECT x.order_id, CASE x.kind WHEN 'timing' THEN 'timing_out' ELSE x.kind END
        FROM gl_posting_exceptions x JOIN orders o USING (order_id) WHERE o.order_date <= DATE '2025-12-31'""").fetchall()
    assert outgoing == {(int(a), b) for a, b in injected}
    incoming = {int(r.order_id) for r in found.itertuples() if r.kind == "timing_in"}
    late = raw.execute("""SELECT order_id FROM gl_posting_exceptions
                          WHERE kind = 'timing' AND posted_date <= DATE '2025-12-31'""").fetchall()
    assert incoming == {int(r[0]) for r in late}
    assert not (found["kind"] == "unmatched").any()


def test_ageing_and_open_invoices_match_hand_sql(warehouse, raw):
    day = dt.date(2025, 6, 30)
    listed = open_invoices(day, warehouse=warehouse)
    expected = raw.execute("""
        WITH o AS (
            SELECT i.invoice_id, i.amount - coalesce((SELECT sum(amount) FROM receipts r
                     WHERE r.invoice_id = i.invoice_id AND r.receipt_date <= DATE '2025-06-30'), 0) AS outstanding,
                   DATE '2025-06-30' - i.due_date AS late
            FROM invoices i WHERE i.invoice_date <= DATE '2025-06-30')
        SELECT count(*) FILTER (WHERE outstanding <> 0), sum(outstanding),
               sum(outstanding) FILTER (WHERE late <= 0), sum(outstanding) FILTER (WHERE late BETWEEN 1 AND 30),
               sum(outstanding) FILTER (WHERE late BETWEEN 31 AND 60), sum(outstanding) FILTER (WHERE late BETWEEN 61 AND 90),
               sum(outstanding) FILTER (WHERE late > 90)
        FROM o""").fetchall()[0]
    assert len(listed) == expected[0]
    assert float(listed["outstanding"].sum()) == pytest.approx(float(expected[1]), abs=0.01)
    buckets = listed.groupby("bucket")["outstanding"].sum()
    for bucket, value in zip(("not_due", "1_30", "31_60", "61_90", "over_90"), expected[2:]):
        assert float(buckets.get(bucket, 0)) == pytest.approx(float(value or 0), abs=0.01), bucket
    metrics = run(
        Query(metrics=("ar_balance", "ar_not_due", "ar_1_30", "ar_31_60", "ar_61_90", "ar_over_90"), time_to=day),
        warehouse=warehouse,
        cache=None,
    ).frame.iloc[0]
    for metric, value in zip(metrics.index, (expected[1], *expected[2:])):
        assert float(metrics[metric]) == pytest.approx(float(value or 0), abs=0.01), metric


def test_ageing_by_region_matches_hand_sql(warehouse, raw):
    frame = run(
        Query(metrics=("overdue_ar", "ar_over_90"), group_by=("region",), time_to=dt.date(2024, 12, 31)),
        warehouse=warehouse,
        cache=None,
    ).frame.set_index("region")
    hand = raw.execute("""
        SELECT c.region,
               sum(i.amount - coalesce(p.paid, 0)) FILTER (WHERE DATE '2024-12-31' - i.due_date >= 1),
               sum(i.amount - coalesce(p.paid, 0)) FILTER (WHERE DATE '2024-12-31' - i.due_date > 90)
        FROM invoices i JOIN orders o USING (order_id) JOIN customers c USING (customer_id)
        LEFT JOIN (SELECT invoice_id, sum(amount) paid FROM receipts WHERE receipt_date <= DATE '2024-12-31' GROUP BY 1) p
          USING (invoice_id)
        WHERE i.invoice_date <= DATE '2024-12-31' GROUP BY 1""").fetchall()
    for region, overdue, over90 in hand:
        assert float(frame.loc[region, "overdue_ar"]) == pytest.approx(float(overdue or 0), abs=0.01)
        assert float(frame.loc[region, "ar_over_90"]) == pytest.approx(float(over90 or 0), abs=0.01)


def test_budget_vs_actual_by_department_matches_hand_sql(warehouse, raw):
    frame = run(
        Query(
            metrics=("budget", "expense", "budget_variance", "budget_variance_pct"),
            group_by=("department",),
            time_from=dt.date(2025, 1, 1),
            time_to=dt.date(2025, 12, 31),
        ),
        warehouse=warehouse,
        cache=None,
    ).frame.set_index("department")
    hand = raw.execute("""
        SELECT b.department, b.total, e.total FROM
          (SELECT department, sum(amount) total FROM budgets WHERE year(month) = 2025 GROUP BY 1) b
          JOIN (SELECT department, sum(amount) total FROM expenses WHERE year(expense_date) = 2025 GROUP BY 1) e
          USING (department)""").fetchall()
    assert len(hand) == len(frame)
    for dept, budget, expense in hand:
        assert float(frame.loc[dept, "budget"]) == pytest.approx(float(budget), abs=0.01)
        assert float(frame.loc[dept, "budget_variance"]) == pytest.approx(float(expense - budget), abs=0.01)
        assert float(frame.loc[dept, "budget_variance_pct"]) == pytest.approx(
            float((expense - budget) / budget), rel=1e-9
        )


def test_run_rate_forecast_is_actual_plus_remaining_months_at_last_three_average():
    monthly = pd.DataFrame(
        {
            "metric_time__month": [dt.date(2025, m, 1) for m in range(1, 13)],
            "expense": [float(m * 10) for m in range(1, 13)],
        }
    )
    actual, avg, projected = run_rate(monthly, 2025, dt.date(2025, 9, 1))
    assert actual == sum(m * 10 for m in range(1, 10))
    assert avg == (70 + 80 + 90) / 3
    assert projected == actual + 3 * avg
    assert run_rate(monthly, 2025, dt.date(2025, 12, 1))[2] == sum(m * 10 for m in range(1, 13))


def test_reps_may_not_list_receivables_or_reconcile(warehouse):
    with pytest.raises(PolicyError, match="overdue_ar is not available to your roles: sales_rep"):
        open_invoices(dt.date(2025, 6, 30), EAST, warehouse=warehouse)
    with pytest.raises(PolicyError, match="not available to your roles: sales_rep"):
        gap_rows(dt.date(2025, 3, 1), EAST, warehouse=warehouse)
