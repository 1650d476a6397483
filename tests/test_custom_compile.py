"""Custom metrics and groupings (issue 15) compile to the numbers hand-written SQL gives.

The test library (tests/custom_hand.py) is the demo library plus one custom entry of
each kind. Every number is checked against SQL written over the raw tables, by region,
by month, by a grouping, with a where, and with rollups on and off; the row policy
stays in a share's total; rollups answer only where exact.
"""

from __future__ import annotations

import dataclasses

import pytest

from semantic import Query, run
from semantic.compile.assemble import compile_query
from semantic.compile.where import parse_where
from semantic.model.loader import MODELS_DIR, extend_library, load_library
from semantic.model.schema import LibraryFile
from tests import custom_hand, handsql
from tests.custom_hand import (
    END,
    KEYS,
    SALES_KINDS,
    START,
    SUMS,
    check,
    custom_entries,
    flow,
    groupings_sql,
    hand_sql,
)
from tests.handsql import FACTS, assert_same, hand, metric_sql

# the library and hand-SQL fixtures of tests/custom_hand.py
key_accounts, lib, lines = custom_hand.key_accounts, custom_hand.lib, custom_hand.lines


@pytest.mark.parametrize("keys", KEYS, ids=lambda k: "+".join(k) or "total")
@pytest.mark.parametrize("metric", SALES_KINDS)
@pytest.mark.parametrize("rollups", [True, False], ids=["rollups", "facts"])
def test_each_kind_equals_hand_sql(raw, lib, lines, rolled, metric, keys, rollups):
    query = Query(metrics=(metric,), group_by=keys, time_from=START, time_to=END)
    want = hand_sql(lines, metric, keys, start=START, end=END)
    result = check(raw, lib, rolled, query, want, rollups)
    if not rollups:
        assert result.rollups == ()


@pytest.mark.parametrize(
    "where",
    [
        "{segment} = 'SMB'",
        "{city_tier} = 'Tier 1'",
        "{price_band} IN ('Budget', 'Premium')",
        "{key_account} <> 'Key account'",
    ],
)
@pytest.mark.parametrize("metric", SALES_KINDS)
def test_each_kind_with_a_where(raw, lib, lines, rolled, metric, where):
    keys = ("region", "metric_time__month")
    query = Query(metrics=(metric,), group_by=keys, where=handsql.where_text(where), time_from=START, time_to=END)
    check(raw, lib, rolled, query, hand_sql(lines, metric, keys, where, START, END, denominator_where=where))


@pytest.mark.parametrize(
    "where,kept",
    [
        ("{region} IN ('East', 'South')", None),  # a filter on `across` leaves the denominator
        ("{region} = 'East' AND {channel} = 'Online'", "{channel} = 'Online'"),  # only its conjunct does
        ("({region} = 'East' OR {channel} = 'Online') AND {segment} = 'SMB'", "{segment} = 'SMB'"),
    ],
)
@pytest.mark.parametrize("keys", [("region",), ("region", "metric_time__month"), ("metric_time__quarter",), ()])
def test_share_where_on_across_leaves_the_denominator(raw, lib, lines, rolled, where, kept, keys):
    query = Query(
        metrics=("revenue_share",), group_by=keys, where=handsql.where_text(where), time_from=START, time_to=END
    )
    check(raw, lib, rolled, query, hand_sql(lines, "revenue_share", keys, where, START, END, denominator_where=kept))


def test_share_keeps_the_row_policy_in_the_denominator(raw, lib, lines):
    """A rep limited to East sees East's share of East, 1, never East over every region."""
    rows = [parse_where("region = 'East'", tuple(lib.dimensions))]
    query = Query(metrics=("revenue_share", "revenue"), group_by=("region", "channel"), time_from=START, time_to=END)
    frame = raw.execute(compile_query(lib, query, row_filters=rows).sql()).df()
    assert set(frame["region"]) == {"East"}
    by_channel = hand(raw, flow(lines, {"revenue": SUMS["revenue"]}, ["channel"], "{region} = 'East'", START, END))
    want = by_channel.assign(region="East", revenue_share=1.0)
    assert_same(frame, want, ["region", "channel"], ["revenue_share", "revenue"])
    narrowed = Query(metrics=("revenue_share",), group_by=("channel",), where="region = 'East'")
    sql = compile_query(lib, narrowed, row_filters=rows).sql()
    total = raw.execute(f"SELECT * FROM ({sql}) q ORDER BY channel").df()
    assert (total["revenue_share"].astype(float) > 0.99999).all()  # the where on region goes, the row policy stays


@pytest.mark.parametrize("keys", [("region",), ("metric_time__month",), ("region", "metric_time__quarter"), ()])
def test_filtered_balance_equals_hand_sql(raw, lib, rolled, keys):
    query = Query(metrics=("east_ar",), group_by=keys, time_from=START, time_to=END)
    check(raw, lib, rolled, query, hand_sql(None, "east_ar", keys, start=START, end=END))


@pytest.mark.parametrize(
    "metric,keys,where,used",
    [
        ("online_revenue", ("region",), None, ("orders_by_day",)),  # the rollup keeps channel
        ("online_revenue", ("region",), "city = 'Shanghai'", ()),  # no rollup keeps city
        ("online_revenue", ("city_tier",), None, ()),  # nor city tier's base
        ("revenue", ("key_account",), None, ("customers_by_month",)),  # customer: the grouping's base is kept
        ("revenue", ("price_band",), None, ()),  # list_price is in no rollup
        ("revenue_share", ("region", "channel"), None, ("orders_by_day",)),
        ("online_gross_profit", ("segment",), None, ("orders_by_day",)),
    ],
)
def test_rollups_answer_only_when_exact(raw, lib, lines, rolled, metric, keys, where, used):
    query = Query(metrics=(metric,), group_by=keys, where=where)  # open range: month rollups may answer
    template = None if where is None else "{city} = 'Shanghai'"
    want = hand_sql(lines, metric, keys, template, denominator_where=template) if metric in SALES_KINDS else None
    if want is None:
        want = flow(lines, {"revenue": SUMS["revenue"]}, keys, template)
    check(raw, lib, rolled, query, want, used=used)
    check(raw, lib, rolled, query, want, rollups=False, used=())


# ---- groupings ----------------------------------------------------------------------
def test_grouping_values_are_labels_with_members_filled(lib):
    tier = lib.dimensions["city_tier"]
    assert set(tier.members) == {"Tier 1", "Tier 2", "Tier 3"}
    assert tier.members["Tier 1"].zh == "一线" and tier.members["Tier 3"].zh == "三线"
    assert lib.applies("revenue", "city_tier") and lib.applies("invoiced", "city_tier")
    assert not lib.applies("expense", "city_tier")  # expenses have no city, so no city tier
    assert lib.applies("inventory_value", "price_band") and not lib.applies("invoiced", "price_band")
    assert tier.sources == ()  # a grouping lives where its base lives; it is no column of its own


def test_grouping_on_another_fact(raw, lib, rolled):
    """Invoices reach city through orders and customers: city tier applies there too."""
    query = Query(metrics=("invoiced",), group_by=("city_tier",), time_from=START, time_to=END)
    fact = FACTS["invoices"]
    fact = dataclasses.replace(fact, dims={**fact.dims, "city_tier": groupings_sql(())["city_tier"]})
    check(raw, lib, rolled, query, flow(fact, {"invoiced": "sum(i.amount)"}, ["city_tier"], None, START, END))


def test_additive(lib):
    assert lib.additive("revenue") and lib.additive("online_revenue") and lib.additive("margin_after_fee")
    assert lib.additive("online_gross_profit")
    for name in ("revenue_per_order", "revenue_share", "east_ar", "orders", "gross_margin_pct", "dso", "ar_balance"):
        assert not lib.additive(name), name


def test_extend_library_gives_the_same_numbers(raw, lib, rolled, key_accounts):
    extended = extend_library(load_library(MODELS_DIR), LibraryFile.model_validate(custom_entries(key_accounts)))
    query = Query(
        metrics=("online_revenue", "revenue_share", "margin_after_fee"), group_by=("city_tier", "region"), where=None
    )
    a = run(query, warehouse=rolled, library=lib, cache=None).frame
    b = run(query, warehouse=rolled, library=extended, cache=None).frame
    assert_same(a, b, ["city_tier", "region"])
    assert extended.dimensions["city_tier"].members == lib.dimensions["city_tier"].members


def test_share_beside_metrics_of_other_tables(raw, lib, lines, rolled):
    """Several sources meet on a spine of keys; the share's total joins it on the keys it kept."""
    keys = ("region", "metric_time__month")
    query = Query(metrics=("revenue_share", "invoiced", "online_revenue"), group_by=keys, time_from=START, time_to=END)
    frame = run(query, warehouse=rolled, library=lib, cache=None).frame
    for metric in ("revenue_share", "online_revenue"):
        want = hand(raw, hand_sql(lines, metric, keys, start=START, end=END))
        got = frame[frame[metric].notna()] if metric == "revenue_share" else frame
        assert_same(got[[*keys, metric]], want, keys, [metric], what=metric)
    invoiced = hand(raw, metric_sql("invoiced", keys, None, START, END))
    assert_same(frame[frame["invoiced"].notna()][[*keys, "invoiced"]], invoiced, keys, ["invoiced"])


def test_band_and_bucket_edges(raw, lib):
    """A value equal to a band's `below` is in the next band; NULL stays NULL; unlisted is other."""
    from sqlglot import exp

    from semantic.compile.grouping import case

    value = exp.column("v", table="t")
    bands = case(lib.dimensions["price_band"], value).sql("duckdb")
    got = raw.execute(
        f"SELECT v, {bands} FROM (VALUES (0.0), (249.99), (250.0), (999.99), (1000.0), (1e9), (NULL)) t(v) ORDER BY v"
    ).fetchall()
    assert [label for _, label in got] == ["Budget", "Budget", "Mid", "Mid", "Premium", "Premium", None]
    tiers = case(lib.dimensions["city_tier"], value).sql("duckdb")
    got = raw.execute(f"SELECT {tiers} FROM (VALUES ('Shanghai'), ('Wuhan'), ('Lhasa'), (NULL)) t(v)").fetchall()
    assert [label for (label,) in got] == ["Tier 1", "Tier 2", "Tier 3", None]
