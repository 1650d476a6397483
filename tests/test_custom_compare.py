"""Custom metrics compared with an earlier period, at every grain, against hand SQL.

compare=prior_year and prior_period on filtered, derived, share metrics and groupings
(tests/custom_hand.py), and filtered balances and snapshots.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from semantic import Query, run
from tests import custom_hand, handsql
from tests.conftest import ALL_ENGINES
from tests.custom_hand import (
    END,
    GRAIN_SPANS,
    PRIOR,
    SALES_KINDS,
    START,
    check,
    groupings_sql,
    hand_sql,
)
from tests.handsql import FACTS, assert_same, hand, metric_sql

# the library and hand-SQL fixtures of tests/custom_hand.py
key_accounts, lib, lines = custom_hand.key_accounts, custom_hand.lib, custom_hand.lines


ENGINES = ALL_ENGINES  # every test here runs on DuckDB, PostgreSQL and Spark (tests/conftest.py)


@pytest.mark.parametrize(
    "keys", [("metric_time__month",), ("region", "metric_time__month"), ("city_tier", "metric_time__quarter")]
)
@pytest.mark.parametrize("metric", SALES_KINDS)
def test_prior_year_comparison(raw, lib, lines, rolled, metric, keys):
    query = Query(metrics=(metric,), group_by=keys, time_from=START, time_to=END, compare="prior_year")
    result = run(query, warehouse=rolled, library=lib, cache=None)
    time = next(k for k in keys if k.startswith("metric_time"))
    now = hand(raw, hand_sql(lines, metric, keys, start=START, end=END))
    before = hand(raw, hand_sql(lines, metric, keys, start=PRIOR[0], end=PRIOR[1]))
    before[time] = before[time].map(lambda d: d.replace(year=d.year + 1))
    frame = result.frame
    assert_same(frame[[*keys, metric]], now, keys, [metric], what="current")
    prior = frame[[*keys, f"{metric}__prior"]].rename(columns={f"{metric}__prior": metric})
    prior = prior[prior[metric].notna()]
    assert_same(prior, before[before[metric].notna()], keys, [metric], what="prior year")


def test_filtered_balance_prior_period(raw, lib, rolled):
    keys = ("metric_time__month",)
    query = Query(metrics=("east_ar",), group_by=keys, time_from=START, time_to=END, compare="prior_period")
    frame = run(query, warehouse=rolled, library=lib, cache=None).frame
    want = hand(raw, hand_sql(None, "east_ar", keys, start=dt.date(2024, 12, 1), end=END))
    by_month = {handsql.as_key(r["metric_time__month"]): float(r["east_ar"]) for _, r in want.iterrows()}
    for _, row in frame.iterrows():
        month = dt.date.fromisoformat(handsql.as_key(row["metric_time__month"]))
        prior = (month.replace(day=1) - dt.timedelta(days=1)).replace(day=1).isoformat()
        assert float(row["east_ar__prior"]) == pytest.approx(by_month[prior], abs=0.005)


# ---- rollups: exact where they can be, never otherwise ------------------------------------
@pytest.mark.parametrize("grain", list(GRAIN_SPANS))
@pytest.mark.parametrize("metric", ["online_revenue", "revenue_share", "margin_after_fee", "online_share"])
def test_prior_period_at_every_grain(raw, lib, lines, rolled, metric, grain):
    start, end, step = GRAIN_SPANS[grain]
    keys = ("region", f"metric_time__{grain}")
    time = keys[1]
    query = Query(metrics=(metric,), group_by=keys, time_from=start, time_to=end, compare="prior_period")
    frame = run(query, warehouse=rolled, library=lib, cache=None).frame
    back = {"month": 1, "quarter": 3, "year": 12}

    def before(day: dt.date) -> dt.date:
        if step is not None:
            return day - step
        months = day.year * 12 + day.month - 1 - back[grain]
        return dt.date(months // 12, months % 12 + 1, 1)

    wide = hand(raw, hand_sql(lines, metric, keys, start=before(start), end=end))
    values = {(r["region"], handsql.as_key(r[time])): handsql.as_number(r[metric]) for r in wide.to_dict("records")}
    now = hand(raw, hand_sql(lines, metric, keys, start=start, end=end))
    assert_same(frame[[*keys, metric]], now, keys, [metric], what="current")
    assert len(frame) > 0
    for r in frame.to_dict("records"):
        period = dt.date.fromisoformat(handsql.as_key(r[time]))
        want = values.get((r["region"], before(period).isoformat()))
        got = handsql.as_number(r[f"{metric}__prior"])
        assert handsql.close(got, want, ratio=handsql.is_ratio(metric)), (r["region"], period, got, want)


@pytest.mark.parametrize("keys", [("metric_time__month",), ("product",), ("price_band", "metric_time__quarter"), ()])
def test_filtered_snapshot_and_a_grouping_of_stock(raw, lib, rolled, keys, monkeypatch):
    """A filtered snapshot filters the stock rows; price band groups them through products."""
    fact = FACTS["inventory_snapshots"]
    monkeypatch.setitem(FACTS, "inventory_snapshots", dataclasses.replace(fact, dims={**fact.dims, **_price_band()}))
    query = Query(metrics=("electronics_stock",), group_by=keys, time_from=START, time_to=END)
    want = metric_sql("inventory_value", keys, "{category} = 'Electronics'", START, END)
    want = f"SELECT {', '.join([*keys, 'inventory_value AS electronics_stock'])} FROM ({want}) s"
    check(raw, lib, rolled, query, want)
    if "price_band" in keys:
        query = Query(metrics=("inventory_value",), group_by=keys, time_from=START, time_to=END)
        check(raw, lib, rolled, query, metric_sql("inventory_value", keys, None, START, END))


def _price_band() -> dict:
    return {"price_band": groupings_sql(("x",))["price_band"]}
