"""Comparison columns (found 2026-11-25 while running the CLI on the demo warehouse).

Both bugs gave plausible-looking numbers in the compared columns of a query with
--compare; each test checks those columns against hand SQL of the shifted period.
"""

from __future__ import annotations

import datetime as dt

from semantic import Query, run
from tests.conftest import ALL_ENGINES
from tests.handsql import assert_same, compared_sql, hand

YEAR_2025, YEAR_2024 = (dt.date(2025, 1, 1), dt.date(2025, 12, 31)), (dt.date(2024, 1, 1), dt.date(2024, 12, 31))
MONTH = ("metric_time__month",)


ENGINES = ALL_ENGINES  # every test here runs on DuckDB, PostgreSQL and Spark (tests/conftest.py)


def test_change_pct_is_change_over_the_absolute_prior(warehouse, raw):
    """Bug: m__change_pct was compiled as c - p / |p| (no parentheses), which is c - 1
    for a positive prior: revenue's "change" showed revenue minus one."""
    got = run(
        Query(metrics=("revenue",), group_by=MONTH, time_from=YEAR_2025[0], time_to=YEAR_2025[1], compare="prior_year"),
        warehouse=warehouse,
        cache=None,
    ).frame
    want = hand(raw, compared_sql("revenue", MONTH, None, YEAR_2025, YEAR_2024, "INTERVAL 1 YEAR"))
    without_parentheses = want["revenue"] - want["revenue__prior"] / want["revenue__prior"].abs()
    assert ((without_parentheses - want["revenue__change_pct"]).abs() > 1).all()  # the bug would show
    assert_same(got, want, MONTH, what="revenue compared with 2024")


def test_ungrouped_change_pct_is_change_over_the_absolute_prior(warehouse, raw):
    """The same bug without a time grouping, on a metric that can be negative."""
    current, prior = (dt.date(2025, 4, 1), dt.date(2025, 6, 30)), (dt.date(2025, 1, 1), dt.date(2025, 3, 31))
    got = run(
        Query(metrics=("net_cash_flow",), time_from=current[0], time_to=current[1], compare="prior_period"),
        warehouse=warehouse,
        cache=None,
    ).frame
    assert_same(
        got,
        hand(raw, compared_sql("net_cash_flow", (), None, current, prior, None)),
        what="net_cash_flow, Q2 against Q1 2025",
    )


def test_compared_columns_carry_their_own_names(warehouse, raw):
    """Bug: compared results were renamed by position, so revenue__prior showed the
    change and the second metric showed the first metric's prior value."""
    metrics = ("revenue", "revenue_recon_gap", "gross_margin_pct")
    got = run(
        Query(metrics=metrics, group_by=MONTH, time_from=YEAR_2025[0], time_to=YEAR_2025[1], compare="prior_year"),
        warehouse=warehouse,
        cache=None,
    ).frame
    assert list(got.columns) == [
        "metric_time__month",
        *[f"{m}{s}" for m in metrics for s in ("", "__prior", "__change_pct")],
    ]
    for metric in metrics:
        want = hand(raw, compared_sql(metric, MONTH, None, YEAR_2025, YEAR_2024, "INTERVAL 1 YEAR"))
        assert_same(
            got,
            want,
            MONTH,
            [metric, f"{metric}__prior", f"{metric}__change_pct"],
            what=f"{metric} next to other compared metrics",
        )
