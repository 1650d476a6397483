"""Comparisons: for each metric m, m__prior equals hand SQL of the shifted period
(prior_year: the same dates a year back; prior_period: the period before) and
m__change_pct = (m - prior) / |prior|, empty where the prior is empty or zero.
The prior ranges below are written out by hand, not computed by the code under test.
"""

from __future__ import annotations

import datetime as dt

import pytest

from semantic import Query, run
from tests.conftest import ALL_ENGINES
from tests.handsql import as_number, assert_same, compared_sql, hand

ENGINES = ALL_ENGINES  # every test here runs on DuckDB, PostgreSQL and Spark (tests/conftest.py)

D = dt.date
# id: (grain, comparison, current range, prior range, how far a prior period's label moves)
CASES = {
    "month-prior_year": (
        "month",
        "prior_year",
        (D(2025, 1, 1), D(2025, 12, 31)),
        (D(2024, 1, 1), D(2024, 12, 31)),
        "INTERVAL 1 YEAR",
    ),
    "month-prior_period": (
        "month",
        "prior_period",
        (D(2025, 1, 1), D(2025, 12, 31)),
        (D(2024, 12, 1), D(2025, 11, 30)),
        "INTERVAL 1 MONTH",
    ),
    "quarter-prior_period": (
        "quarter",
        "prior_period",
        (D(2024, 4, 1), D(2025, 9, 30)),
        (D(2024, 1, 1), D(2025, 6, 30)),
        "INTERVAL 3 MONTH",
    ),
    "leap-month-prior_year": (
        "month",
        "prior_year",
        (D(2024, 1, 15), D(2024, 2, 29)),
        (D(2023, 1, 15), D(2023, 2, 28)),
        "INTERVAL 1 YEAR",
    ),
    "week-prior_period": (
        "week",
        "prior_period",
        (D(2025, 3, 3), D(2025, 5, 25)),
        (D(2025, 2, 24), D(2025, 5, 18)),
        "INTERVAL 7 DAY",
    ),
    "week-prior_year": (
        "week",
        "prior_year",
        (D(2025, 3, 3), D(2025, 5, 25)),
        (D(2024, 3, 4), D(2024, 5, 26)),
        "INTERVAL 364 DAY",
    ),  # 52 weeks back: the same ISO week, still a Monday
    "year-prior_year": (
        "year",
        "prior_year",
        (D(2024, 1, 1), D(2025, 12, 31)),
        (D(2023, 1, 1), D(2024, 12, 31)),
        "INTERVAL 1 YEAR",
    ),
    "range-prior_year": (None, "prior_year", (D(2025, 1, 1), D(2025, 6, 30)), (D(2024, 1, 1), D(2024, 6, 30)), None),
    "range-prior_period-months": (
        None,
        "prior_period",
        (D(2025, 4, 1), D(2025, 6, 30)),
        (D(2025, 1, 1), D(2025, 3, 31)),
        None,
    ),
    "range-prior_period-days": (
        None,
        "prior_period",
        (D(2025, 3, 10), D(2025, 3, 24)),
        (D(2025, 2, 23), D(2025, 3, 9)),
        None,
    ),
    "range-leap-prior_year": (
        None,
        "prior_year",
        (D(2024, 2, 1), D(2024, 2, 29)),
        (D(2023, 2, 1), D(2023, 2, 28)),
        None,
    ),
}
# id: (metrics, a dimension to group by as well)
GROUPS = {
    "sales": (("revenue", "gross_margin_pct", "orders"), None),
    "sales-by-region": (("revenue", "gross_margin_pct", "orders"), "region"),
    "cash-by-region": (("net_cash_flow",), "region"),
    "receivables-by-region": (("ar_balance", "dso"), "region"),
    "stock-by-category": (("inventory_value",), "category"),
}


def compared(warehouse, metrics, keys, current, comparison, where=None):
    return run(
        Query(
            metrics=metrics, group_by=keys, where=where, time_from=current[0], time_to=current[1], compare=comparison
        ),
        warehouse=warehouse,
        cache=None,
    ).frame


@pytest.mark.parametrize("group", list(GROUPS))
@pytest.mark.parametrize("case", list(CASES))
def test_prior_and_change_equal_hand_sql_of_the_shifted_period(case, group, warehouse, raw):
    grain, comparison, current, prior, shift = CASES[case]
    metrics, dim = GROUPS[group]
    keys = tuple(k for k in ((f"metric_time__{grain}" if grain else None), dim) if k)
    got = compared(warehouse, metrics, keys, current, comparison)
    assert list(got.columns) == [*keys, *[f"{m}{s}" for m in metrics for s in ("", "__prior", "__change_pct")]]
    for metric in metrics:
        want = hand(raw, compared_sql(metric, keys, None, current, prior, shift))
        if metric != "inventory_value" or grain in ("month", "quarter", "year"):  # a week rarely holds a month end
            assert want[f"{metric}__prior"].notna().any(), "the prior period must have data, or this proves little"
        assert_same(
            got,
            want,
            keys,
            [metric, f"{metric}__prior", f"{metric}__change_pct"],
            what=f"{metric} {comparison} by {keys or 'nothing'} over {current}",
        )


def test_a_prior_before_the_data_is_empty_and_so_is_the_change(warehouse, raw):
    current, prior = (D(2023, 1, 1), D(2023, 6, 30)), (D(2022, 1, 1), D(2022, 6, 30))
    keys = ("metric_time__month", "region")
    for metric in ("revenue", "cash_in"):
        got = compared(warehouse, (metric,), keys, current, "prior_year")
        want = hand(raw, compared_sql(metric, keys, None, current, prior, "INTERVAL 1 YEAR"))
        assert want[f"{metric}__prior"].isna().all()
        assert_same(
            got, want, keys, [metric, f"{metric}__prior", f"{metric}__change_pct"], what=f"{metric} against 2022"
        )


def test_change_over_a_negative_prior_divides_by_its_size(warehouse, raw):
    """net_cash_flow is often negative: a rise from -100 to -50 is +50%, not -50%."""
    keys, current, prior = ("metric_time__month",), (D(2024, 1, 1), D(2025, 12, 31)), (D(2023, 12, 1), D(2025, 11, 30))
    want = hand(raw, compared_sql("net_cash_flow", keys, None, current, prior, "INTERVAL 1 MONTH"))
    rising_from_below_zero = want[
        (want["net_cash_flow__prior"] < 0) & (want["net_cash_flow"] > want["net_cash_flow__prior"])
    ]
    assert len(rising_from_below_zero) > 0 and (rising_from_below_zero["net_cash_flow__change_pct"] > 0).all()
    got = compared(warehouse, ("net_cash_flow",), keys, current, "prior_period")
    assert_same(got, want, keys, what="net_cash_flow against the month before")


def test_compare_with_a_where(warehouse, raw):
    current, prior = (D(2025, 1, 1), D(2025, 6, 30)), (D(2024, 1, 1), D(2024, 6, 30))
    keys, where = ("metric_time__quarter", "channel"), "{segment} = 'SMB' AND {region} <> 'East'"
    got = compared(
        warehouse, ("cash_in", "ar_balance"), keys, current, "prior_year", where="segment = 'SMB' AND region <> 'East'"
    )
    for metric in ("cash_in", "ar_balance"):
        want = hand(raw, compared_sql(metric, keys, where, current, prior, "INTERVAL 1 YEAR"))
        assert_same(got, want, keys, [metric, f"{metric}__prior", f"{metric}__change_pct"], what=f"{metric} SMB")


def test_ungrouped_prior_year_by_literal_sql(warehouse, raw):
    """One case written out in full, with no helper at all."""
    got = compared(warehouse, ("revenue",), (), (D(2025, 1, 1), D(2025, 3, 31)), "prior_year")
    now, before = (
        float(
            hand(
                raw,
                f"""SELECT sum(l.net_amount) FROM order_lines l JOIN orders o USING (order_id)
        WHERE o.status <> 'cancelled' AND o.order_date BETWEEN DATE '{a}' AND DATE '{b}'""",
            ).iloc[0, 0]
        )
        for a, b in (("2025-01-01", "2025-03-31"), ("2024-01-01", "2024-03-31"))
    )
    row = got.iloc[0]
    assert len(got) == 1
    assert abs(as_number(row["revenue"]) - now) <= 0.005 and abs(as_number(row["revenue__prior"]) - before) <= 0.005
    assert as_number(row["revenue__change_pct"]) == pytest.approx((now - before) / abs(before), rel=1e-9)
