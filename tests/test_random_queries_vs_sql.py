"""Random queries against hand SQL (hypothesis): random subsets of the additive
metrics, grouped by random dimensions that apply to all of them (and maybe a time
grain), filtered by a random where built from real member values, over a random
range, on the plain test warehouse or on a copy with the declared rollups built
(as `make run` builds them). For each metric: every group equals hand SQL, the
groups add up to the ungrouped total, and that total equals hand SQL.
"""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from semantic import Query, run
from tests.conftest import ALL_ENGINES
from tests.handsql import FACTS, FLOWS, as_number, assert_same, expected, lit, members, where_text

ENGINES = ALL_ENGINES  # every test here runs on DuckDB, PostgreSQL and Spark (tests/conftest.py)

ADDITIVE = ("revenue", "cogs", "units", "cash_in", "expense", "invoiced")
GRAINS = (None, "day", "week", "month", "quarter", "year")
FIRST, LAST = dt.date(2022, 12, 1), dt.date(2026, 1, 31)  # a little beyond the data on both sides


def applies(metrics) -> list[str]:
    """Dimensions every metric's table reaches (from the hand definitions)."""
    return sorted(set.intersection(*(set(FACTS[FLOWS[m][0]].dims) for m in metrics)))


@pytest.fixture(scope="module")
def values(raw) -> dict[str, list[str]]:
    dims = {d for m in ADDITIVE for d in FACTS[FLOWS[m][0]].dims}
    return {d: members(raw, d, {FLOWS[m][0] for m in ADDITIVE}) for d in sorted(dims)}


@st.composite
def conditions(draw, dims, values):
    dim = draw(st.sampled_from(dims))
    picked = draw(st.lists(st.sampled_from(values[dim]), min_size=1, max_size=3, unique=True))
    form = draw(st.sampled_from(["=", "<>", "IN", "NOT IN", "NOT ="]))
    col = "{" + dim + "}"
    if form in ("IN", "NOT IN"):
        return f"{col} {form} ({', '.join(lit(v) for v in picked)})"
    if form == "NOT =":
        return f"NOT {col} = {lit(picked[0])}"
    return f"{col} {form} {lit(picked[0])}"


@st.composite
def wheres(draw, dims, values):
    if not dims or draw(st.booleans()):
        return None
    first = draw(conditions(dims, values))
    if draw(st.booleans()):
        return first
    return f"({first}) {draw(st.sampled_from(['AND', 'OR']))} ({draw(conditions(dims, values))})"


def nonzero(frame, metric):
    """Rows where the metric has a number other than zero (a group that only another
    metric of the query has shows zero, which hand SQL of this metric alone omits)."""
    numbers = frame[metric].map(as_number)
    return frame[numbers.notna() & (numbers != 0)]


@settings(max_examples=40, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_random_query_adds_up_and_equals_hand_sql(data, warehouse, rolled, raw, values):
    metrics = tuple(data.draw(st.lists(st.sampled_from(ADDITIVE), min_size=1, max_size=3, unique=True), "metrics"))
    dims = applies(metrics)
    by = data.draw(st.lists(st.sampled_from(dims), max_size=2, unique=True), "dimensions") if dims else []
    grain = data.draw(st.sampled_from(GRAINS), "grain")
    keys = tuple(([f"metric_time__{grain}"] if grain else []) + by)
    where = data.draw(wheres(dims, values), "where")
    days = sorted(data.draw(st.lists(st.dates(FIRST, LAST), min_size=2, max_size=2), "range"))
    start, end = data.draw(st.sampled_from([(None, None), (days[0], days[1]), (days[0], None)]), "bounds")
    if grain == "day" and (start is None or end is None or (end - start).days > 400):
        start, end = days[0], min(days[1], days[0] + dt.timedelta(days=400))  # keep daily results small

    source = {"plain": warehouse, "with rollups": rolled}[
        data.draw(st.sampled_from(["plain", "with rollups"]), "warehouse")
    ]

    def ask(group_by):
        return run(
            Query(metrics=metrics, group_by=group_by, where=where_text(where), time_from=start, time_to=end),
            warehouse=source,
            cache=None,
        ).frame

    grouped, total = ask(keys), ask(())
    assert len(total) == 1
    for metric in metrics:
        what = f"{metric} by {keys} where {where_text(where)} from {start} to {end}"
        want_total = as_number(expected(raw, metric, (), where, start, end)[metric].iloc[0]) or 0.0
        got_total = as_number(total[metric].iloc[0]) or 0.0
        summed = sum(as_number(v) or 0.0 for v in grouped[metric])
        assert abs(got_total - want_total) <= 0.005, f"{what}: total {got_total} vs hand SQL {want_total}"
        assert abs(summed - want_total) <= 0.005 * max(1, len(grouped)), (
            f"{what}: groups sum to {summed}, hand SQL {want_total}"
        )
        if keys:
            want = expected(raw, metric, keys, where, start, end)
            assert_same(nonzero(grouped, metric), nonzero(want, metric), keys, [metric], what=what)
