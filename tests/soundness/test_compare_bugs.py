"""Comparison columns (found 2026-11-25 while running the CLI on the demo warehouse)."""
from __future__ import annotations

import datetime as dt

import pytest

from semantic import Query, run


def hand_monthly(raw, year: int) -> dict:
    rows = raw.execute(f"""
        SELECT month(o.order_date), sum(l.net_amount) FROM order_lines l JOIN orders o USING (order_id)
        WHERE o.status <> 'cancelled' AND year(o.order_date) = {year} GROUP BY 1""").fetchall()
    return {m: float(v) for m, v in rows}


def hand_gap_monthly(raw, year: int) -> dict:
    ledger = dict(raw.execute(f"""SELECT month(entry_date), sum(credit - debit) FROM journal_entries
                                  WHERE account_code = '6001' AND year(entry_date) = {year} GROUP BY 1""").fetchall())
    return {m: v - float(ledger.get(m, 0)) for m, v in hand_monthly(raw, year).items()}


def test_change_pct_is_change_over_the_absolute_prior(warehouse, raw):
    """Bug: m__change_pct was compiled as c - p / |p| (no parentheses), giving c - 1."""
    frame = run(Query(metrics=("revenue",), group_by=("metric_time__month",), time_from=dt.date(2025, 1, 1),
                      time_to=dt.date(2025, 12, 31), compare="prior_year"), warehouse=warehouse, cache=None).frame
    now, before = hand_monthly(raw, 2025), hand_monthly(raw, 2024)
    for row in frame.itertuples():
        m = row.metric_time__month.month
        assert row.revenue__change_pct == pytest.approx((now[m] - before[m]) / abs(before[m]), rel=1e-9)


def test_compared_columns_carry_their_own_names(warehouse, raw):
    """Bug: compared results were renamed by position, so revenue__prior showed the
    change and the second metric showed the first metric's prior value."""
    frame = run(Query(metrics=("revenue", "revenue_recon_gap"), group_by=("metric_time__month",),
                      time_from=dt.date(2025, 1, 1), time_to=dt.date(2025, 12, 31), compare="prior_year"),
                warehouse=warehouse, cache=None).frame
    assert list(frame.columns) == ["metric_time__month", "revenue", "revenue__prior", "revenue__change_pct",
                                   "revenue_recon_gap", "revenue_recon_gap__prior", "revenue_recon_gap__change_pct"]
    before, gap_now, gap_before = hand_monthly(raw, 2024), hand_gap_monthly(raw, 2025), hand_gap_monthly(raw, 2024)
    for row in frame.itertuples():
        m = row.metric_time__month.month
        assert float(row.revenue__prior) == pytest.approx(before[m], abs=0.01)
        assert float(row.revenue_recon_gap) == pytest.approx(gap_now[m], abs=0.01)
        assert float(row.revenue_recon_gap__prior) == pytest.approx(gap_before[m], abs=0.01)
