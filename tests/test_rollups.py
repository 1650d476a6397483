"""Rollups answer exactly what the raw tables answer, and only when they can."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from semantic import ModelError, Principal, Query, default_library, run
from semantic.cache import ResultCache
from semantic.rollup.spec import RollupSpec, _check

EAST = Principal("sales_east", ("sales_rep",), {"region": "East"})
METRICS = (
    "revenue",
    "cogs",
    "units",
    "orders",
    "gross_margin_pct",
    "avg_order_value",
    "discount_rate",
    "invoiced",
    "cash_in",
    "ar_balance",
    "dso",
    "expense",
)
DIMS = ("region", "city", "channel", "segment", "sales_rep", "category", "customer", "product")
GRAINS = (None, "day", "week", "month", "quarter", "year")


def same(a: pd.DataFrame, b: pd.DataFrame) -> None:
    assert list(a.columns) == list(b.columns)
    keys = [c for c in a.columns if not pd.api.types.is_numeric_dtype(a[c]) or "metric_time" in c]
    a = a.sort_values(keys).reset_index(drop=True) if keys else a
    b = b.sort_values(keys).reset_index(drop=True) if keys else b
    assert len(a) == len(b)
    for col in a.columns:
        if col in keys:
            assert list(a[col]) == list(b[col]), col
        else:
            assert [float(x) for x in a[col]] == pytest.approx(
                [float(x) for x in b[col]], rel=1e-9, abs=1e-6, nan_ok=True
            ), col


def both(query, rolled, principal=None):
    with_rollups = run(query, principal, warehouse=rolled, cache=None)
    without = run(query, principal, warehouse=rolled, cache=None, rollups=False)
    assert without.rollups == ()
    return with_rollups, without


def test_rollups_are_built_and_used_for_a_home_kpi(rolled):
    assert set(rolled.rollups()) == {
        "sales_by_category",
        "orders_by_day",
        "invoices_by_day",
        "receipts_by_day",
        "products_by_month",
        "customers_by_month",
    }
    fast, slow = both(Query(metrics=("revenue", "orders", "avg_order_value"), time_from=dt.date(2025, 1, 1)), rolled)
    assert fast.rollups == ("orders_by_day",)
    same(fast.frame, slow.frame)


@pytest.mark.parametrize(
    "query,used",
    [
        (Query(metrics=("revenue",), group_by=("category",)), ("sales_by_category",)),
        (Query(metrics=("orders",), group_by=("category",)), ()),  # distinct orders do not add up across categories
        (Query(metrics=("revenue",), group_by=("product",)), ("products_by_month",)),  # open range: all months
        (
            Query(
                metrics=("revenue",), group_by=("product",), time_from=dt.date(2025, 1, 1), time_to=dt.date(2025, 6, 30)
            ),
            ("products_by_month",),
        ),
        # a month rollup cannot split a month: a range that starts or ends inside one reads the raw rows
        (
            Query(
                metrics=("revenue",), group_by=("product",), time_from=dt.date(2025, 1, 2), time_to=dt.date(2025, 6, 30)
            ),
            (),
        ),
        (Query(metrics=("revenue",), group_by=("product",), time_to=dt.date(2025, 6, 29)), ()),
        (Query(metrics=("revenue",), group_by=("product", "metric_time__week")), ()),
        (Query(metrics=("revenue",), group_by=("product", "metric_time__day")), ()),
        (
            Query(metrics=("revenue",), group_by=("product", "metric_time__quarter"), time_from=dt.date(2024, 4, 1)),
            ("products_by_month",),
        ),
        (Query(metrics=("orders",), group_by=("product",)), ()),  # distinct orders do not add up across products
        (
            Query(metrics=("revenue", "avg_order_value"), group_by=("customer",), order_by=("-revenue",), limit=5),
            ("customers_by_month",),
        ),
        (
            Query(
                metrics=("revenue",),
                group_by=("customer", "metric_time__year"),
                compare="prior_year",
                time_from=dt.date(2025, 1, 1),
                time_to=dt.date(2025, 12, 31),
            ),
            ("customers_by_month",),
        ),
        (Query(metrics=("revenue",), group_by=("region",), time_from=dt.date(2025, 1, 1)), ("orders_by_day",)),
        (Query(metrics=("revenue",), where="customer LIKE 'Shanghai%'"), ("customers_by_month",)),
        (Query(metrics=("revenue",), where="customer LIKE 'Shanghai%'", time_from=dt.date(2025, 3, 3)), ()),
        (Query(metrics=("revenue",), group_by=("city",)), ()),
        (
            Query(metrics=("cash_in", "ar_balance"), group_by=("metric_time__month", "region")),
            ("receipts_by_day", "invoices_by_day"),
        ),
        (Query(metrics=("revenue",), group_by=("metric_time__week",), compare="prior_year"), ("orders_by_day",)),
    ],
)
def test_a_rollup_is_used_only_when_it_answers_exactly(query, used, rolled):
    fast, slow = both(query, rolled)
    assert set(fast.rollups) == set(used)
    same(fast.frame, slow.frame)


def test_row_filters_apply_to_rollups_too(rolled):
    fast, slow = both(Query(metrics=("revenue", "orders"), group_by=("region", "channel")), rolled, EAST)
    assert fast.rollups and set(fast.frame["region"]) == {"East"}
    same(fast.frame, slow.frame)


@given(data=st.data())
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_random_queries_give_identical_results_with_and_without_rollups_and_cache(data, rolled):
    metrics = tuple(data.draw(st.lists(st.sampled_from(METRICS), min_size=1, max_size=3, unique=True)))
    lib = default_library()
    dims = [d for d in DIMS if all(lib.applies(m, d) for m in metrics)]
    by = tuple(data.draw(st.lists(st.sampled_from(dims), max_size=2, unique=True))) if dims else ()
    grain = data.draw(st.sampled_from(GRAINS))
    where = data.draw(st.sampled_from([None, "channel = 'Online'", "region IN ('East', 'North')", "segment <> 'SMB'"]))
    if where and not all(lib.applies(m, "channel") for m in metrics):
        where = None
    group = ((f"metric_time__{grain}",) if grain else ()) + by
    start, end = data.draw(
        st.sampled_from(
            [
                (dt.date(2024, 10, 1), dt.date(2025, 3, 31)),  # whole months
                (dt.date(2024, 10, 1), dt.date(2025, 3, 30)),
                (dt.date(2024, 10, 2), None),
                (None, None),
            ]
        )
    )
    if "dso" in metrics and not grain and end is None:  # days in the period need a range or a time grouping
        group = ("metric_time__month",) + by
    query = Query(metrics=metrics, group_by=group, where=where, time_from=start, time_to=end)
    fast, slow = both(query, rolled)
    same(fast.frame, slow.frame)
    cache = ResultCache()
    first = run(query, warehouse=rolled, cache=cache)
    second = run(query, warehouse=rolled, cache=cache)
    assert not first.cached and second.cached
    same(second.frame, slow.frame)


def test_a_stale_rollup_is_not_used(rolled, monkeypatch):
    from semantic import service
    from semantic.rollup import spec as spec_module

    query = Query(metrics=("revenue",))
    assert run(query, warehouse=rolled, cache=None).rollups == ("orders_by_day",)
    monkeypatch.setattr(spec_module.RollupSpec, "definition_hash", lambda self, library: "changed")
    service.forget_plans()  # plans are kept per library; here the code itself changed under it
    fast = run(query, warehouse=rolled, cache=None)
    assert fast.rollups == ()
    service.forget_plans()


def test_a_distinct_count_across_a_line_level_dimension_is_refused_in_the_declaration():
    lib = default_library()
    with pytest.raises(ModelError, match="would not add up across 'category'"):
        _check(RollupSpec(name="bad", measures=("orders",), dimensions=("region", "category")), lib)
    with pytest.raises(ModelError, match="another table"):
        _check(RollupSpec(name="bad", measures=("revenue", "cash_in"), dimensions=()), lib)


def test_a_sales_rep_top_customers_come_from_the_month_rollup_with_the_region_filter(rolled):
    query = Query(
        metrics=("revenue", "gross_margin_pct"),
        group_by=("customer",),
        order_by=("-revenue",),
        limit=10,
        time_from=dt.date(2025, 1, 1),
        time_to=dt.date(2025, 12, 31),
    )
    fast, slow = both(query, rolled, EAST)
    assert fast.rollups == ("customers_by_month",) and "region" in fast.sql
    same(fast.frame, slow.frame)


def test_build_if_stale_builds_only_what_is_missing(warehouse_path, rolled_warehouse_path, tmp_path):
    """`make run` calls `rollups build --if-stale`, so a warehouse built before a rollup
    was declared (or redefined) gets it, and a current one is left alone."""
    import shutil
    import subprocess
    import sys

    from semantic import Warehouse
    from semantic.rollup.build import rollups_current

    bare, current = tmp_path / "bare.duckdb", tmp_path / "current.duckdb"
    shutil.copyfile(warehouse_path, bare)
    shutil.copyfile(rolled_warehouse_path, current)
    assert not rollups_current(Warehouse(bare)) and rollups_current(Warehouse(current))
    for path, says in ((current, "nothing to build"), (bare, "rollup customers_by_month")):
        done = subprocess.run(
            [sys.executable, "-m", "semantic", "rollups", "build", "--if-stale", "--db", str(path)],
            capture_output=True,
            text=True,
        )
        assert done.returncode == 0 and says in done.stderr, done.stderr
    assert rollups_current(Warehouse(bare))
