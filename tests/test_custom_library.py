"""The library schema for custom metrics and groupings: what it accepts, what it refuses.

Every bad entry is refused by the loader with one ModelError line that names the entry
and the field, whether it comes in a YAML file (load_library) or is added to a loaded
library (extend_library). A certified custom metric dumped as YAML loads back unchanged.
"""

from __future__ import annotations

import shutil

import pytest
import yaml

from semantic.errors import ModelError
from semantic.model.loader import MODELS_DIR, extend_library, load_library
from semantic.model.schema import DimensionSpec, LibraryFile, MetricSpec


def metric(type_: str, fmt: str = "currency", **fields) -> dict:
    return {
        "label": {"en": "X", "zh": "X"},
        "description": {"en": "X", "zh": "X"},
        "owner": "Sales Operations",
        "format": fmt,
        "tags": ["sales"],
        "good": "up",
        "type": type_,
        **fields,
    }


def grouping(base: str, **fields) -> dict:
    return {
        "label": {"en": "G", "zh": "G"},
        "description": {"en": "G", "zh": "G"},
        "owner": "Sales",
        "base": base,
        **fields,
    }


def bucket(en: str, *members: str) -> dict:
    return {"label": {"en": en, "zh": en}, "members": list(members)}


def band(en: str, below: float) -> dict:
    return {"label": {"en": en, "zh": en}, "below": below}


@pytest.fixture(scope="module")
def base():
    return load_library(MODELS_DIR)


def folder_with(tmp_path, entries: dict):
    for path in MODELS_DIR.glob("*.yml"):
        shutil.copy(path, tmp_path / path.name)
    (tmp_path / "custom.yml").write_text(yaml.safe_dump(entries, allow_unicode=True), "utf-8")
    return tmp_path


BAD = [
    (
        {
            "dimensions": {
                "tier": grouping("city", buckets=[bucket("A", "Shanghai", "Beijing"), bucket("B", "Shanghai")])
            }
        },
        ["dimensions.tier", "member 'Shanghai' is in two buckets ('A' and 'B')"],
    ),
    (
        {"dimensions": {"band": grouping("list_price", bands=[band("Low", 500), band("High", 100)])}},
        ["dimensions.band", "strictly ascending", "'High' (below 100)"],
    ),
    (
        {"dimensions": {"band": grouping("list_price", bands=[band("Low", 100), band("Same", 100)])}},
        ["dimensions.band", "strictly ascending"],
    ),
    ({"dimensions": {"tier": grouping("town", buckets=[bucket("A", "x")])}}, ["dimensions.tier.base", "'town'"]),
    (
        {"dimensions": {"tier": grouping("city", buckets=[bucket("A", "x")], bands=[band("L", 1)])}},
        ["dimensions.tier", "exactly one of 'buckets'"],
    ),
    ({"dimensions": {"tier": grouping("city")}}, ["dimensions.tier", "exactly one of 'buckets'"]),
    (
        {"dimensions": {"tier": {**grouping("city", buckets=[bucket("A", "x")]), "sources": ["customers.city"]}}},
        ["dimensions.tier", "exactly one of 'sources'"],
    ),
    ({"dimensions": {"tier": grouping("city", buckets=[bucket("A")])}}, ["dimensions.tier.buckets.0.members"]),
    (
        {"dimensions": {"tier": grouping("city", buckets=[bucket("Other", "x")])}},
        ["dimensions.tier", "label 'Other' is used twice"],
    ),
    (
        {
            "dimensions": {
                "tier": grouping("city", buckets=[bucket("A", "Shanghai")]),
                "tier2": grouping("tier", buckets=[bucket("B", "A")]),
            }
        },
        ["dimensions.tier2.base", "itself a grouping"],
    ),
    ({"metrics": {"m": metric("filtered", base="revenu", where="channel = 'Online'")}}, ["metrics.m.base", "revenue"]),
    ({"metrics": {"m": metric("filtered", base="revenue")}}, ["metrics.m", "needs 'where'"]),
    ({"metrics": {"m": metric("share", base="revenue")}}, ["metrics.m", "needs 'across'"]),
    (
        {"metrics": {"m": metric("share", base="expense", across="city")}},
        ["metrics.m.across", "'city' does not apply to 'expense'"],
    ),
    (
        {"metrics": {"m": metric("share", base="revenue", across="metric_time")}},
        ["metrics.m.across", "metric_time"],
    ),
    (
        {"metrics": {"m": metric("share", fmt="percent", base="gross_margin_pct", across="region")}},
        ["metrics.m.base", "percentage"],
    ),
    (
        {
            "metrics": {
                "a": metric("filtered", base="b", where="channel = 'Online'"),
                "b": metric("derived", expr="a * 2"),
            }
        },
        ["metrics.a.base", "cycle (a -> b -> a)"],
    ),
    (
        {
            "metrics": {
                "a": metric("share", base="b", across="region"),
                "b": metric("filtered", base="a", where="channel = 'Online'"),
            }
        },
        ["metrics.a.base", "cycle (a -> b -> a)"],
    ),
    (
        {"metrics": {"m": metric("filtered", base="revenue", where="upper(channel) = 'ONLINE'")}},
        ["metrics.m.where", "A filter may use"],
    ),
    (
        {"metrics": {"m": metric("filtered", base="revenue", where="channel = 'Online'; DROP TABLE orders")}},
        ["metrics.m.where", "single condition"],
    ),
    (
        {"metrics": {"m": metric("filtered", base="revenue", where="channel IN (SELECT channel FROM customers)")}},
        ["metrics.m.where"],
    ),
    (
        {"metrics": {"m": metric("filtered", base="revenue", where="chanel = 'Online'")}},
        ["metrics.m.where", "unknown dimension 'chanel'", "channel"],
    ),
    (
        {"metrics": {"m": metric("filtered", base="expense", where="city = 'Shanghai'")}},
        ["metrics.m.where", "'city' does not apply to 'expense'"],
    ),
    (
        {"metrics": {"m": metric("derived", expr="revenue - 0.03 * revenue", across="region")}},
        ["metrics.m.across", "only a share metric"],
    ),
    (
        {"metrics": {"m": metric("filtered", base="revenue", where="channel = 'Online'", measure="revenue")}},
        ["metrics.m.measure"],
    ),
    ({"metrics": {"m": metric("derived", expr="revenue * 'a'")}}, ["metrics.m.expr", "'a' is text"]),
    ({"metrics": {"m": metric("derived", expr="revenue; DROP TABLE orders")}}, ["metrics.m.expr"]),
    ({"metrics": {"m": metric("derived", expr="(SELECT 1) * revenue")}}, ["metrics.m.expr", "is not allowed"]),
    (
        {"metrics": {"m": metric("derived", expr="revenue - select_me")}},
        ["metrics.m.expr", "unknown metric 'select_me'"],
    ),
]


@pytest.mark.parametrize("entries,words", BAD, ids=range(len(BAD)))
def test_bad_entries_are_one_line_naming_the_field(tmp_path, base, entries, words):
    with pytest.raises(ModelError) as err:
        load_library(folder_with(tmp_path, entries))
    message = str(err.value)
    assert "\n" not in message and "Traceback" not in message
    for word in words:
        assert word in message, message
    try:
        extra = LibraryFile.model_validate(entries)
    except ValueError:
        return  # refused as it is read: the app builds specs through the same models
    with pytest.raises(ModelError) as again:
        extend_library(base, extra)
    assert str(again.value).startswith("custom: ") and "\n" not in str(again.value)
    for word in words:
        assert word in str(again.value), str(again.value)


def test_extend_refuses_clashes_and_sql_sections(base):
    clash = LibraryFile.model_validate({"metrics": {"revenue": metric("derived", expr="cogs * 2")}})
    with pytest.raises(ModelError, match=r"custom: metrics.revenue: the library already has a metric 'revenue'"):
        extend_library(base, clash)
    clash = LibraryFile.model_validate({"metrics": {"region": metric("derived", expr="cogs * 2")}})
    with pytest.raises(ModelError, match=r"already has a dimension 'region'"):
        extend_library(base, clash)
    sql = LibraryFile.model_validate(
        {"measures": {"x": {"table": "orders", "expr": "order_id", "agg": "count", "time": "order_date"}}}
    )
    with pytest.raises(ModelError, match=r"custom: measures: only dimensions and metrics"):
        extend_library(base, sql)
    assert "x" not in base.measures and "revenue" in base.metrics  # the base library is untouched


def test_extend_keeps_custom_and_the_base_unchanged(base):
    import dataclasses

    marked = dataclasses.replace(base, custom={"online": "info"})
    extra = LibraryFile.model_validate(
        {"metrics": {"online": metric("filtered", base="revenue", where="channel = 'Online'")}}
    )
    extended = extend_library(marked, extra, origin="store")
    assert extended.custom == {"online": "info"} and "online" in extended.metrics and "online" not in base.metrics
    assert extended.columns == {**base.columns}  # no new dimension: the same places
    assert extended.leaves("online") == ("revenue",) and extended.applies("online", "city")
    assert not extended.applies("online", "department")


def test_a_certified_custom_metric_and_grouping_round_trip_through_yaml(tmp_path, base):
    entries = {
        "metrics": {
            "online_revenue": metric(
                "filtered",
                base="revenue",
                where="channel = 'Online'",
                certified=True,
                certified_by="cfo",
                certified_at="2026-11-26T21:00:00+00:00",
                certification_note="Matches the channel report.",
            ),
            "fee_margin": metric("derived", expr="gross_profit - 0.03 * revenue", certified=True, certified_by="cfo"),
            "region_share": metric("share", fmt="percent", base="revenue", across="region"),
        },
        "dimensions": {
            "tier": grouping(
                "city", buckets=[bucket("Tier 1", "Shanghai", "Beijing")], certified=True, certified_by="cfo"
            ),
            "price_band": grouping("list_price", bands=[band("Low", 100), band("Mid", 1000)], other=None),
        },
    }
    extended = extend_library(base, LibraryFile.model_validate(entries))
    exported = {
        "metrics": {n: extended.metrics[n].model_dump(mode="json", exclude_defaults=True) for n in entries["metrics"]},
        "dimensions": {
            n: extended.dimensions[n].model_dump(mode="json", exclude_defaults=True) for n in entries["dimensions"]
        },
    }
    loaded = load_library(folder_with(tmp_path, exported))
    for name in entries["metrics"]:
        assert loaded.metrics[name] == extended.metrics[name]
        assert isinstance(loaded.metrics[name], MetricSpec)
    for name in entries["dimensions"]:
        assert loaded.dimensions[name] == extended.dimensions[name]
        assert isinstance(loaded.dimensions[name], DimensionSpec)
    assert loaded.metrics["online_revenue"].certified_by == "cfo"
    assert set(loaded.dimensions["tier"].members) == {"Tier 1", "Other"}
    assert set(loaded.dimensions["price_band"].members) == {"Low", "Mid"}  # other None: no label for the rest


def test_additive_rules(base):
    extra = LibraryFile.model_validate(
        {
            "metrics": {
                "half": metric("derived", expr="revenue / 2"),
                "plus_one": metric("derived", expr="revenue + 1"),
                "by_zero": metric("derived", expr="revenue / 0"),
                "scaled_ratio": metric("derived", expr="2 * gross_margin_pct"),
                "net": metric("derived", expr="-(cash_in - cash_out) + 0.5 * (revenue - cogs)"),
                "online_orders": metric("filtered", base="orders", where="channel = 'Online'"),
            }
        }
    )
    lib = extend_library(base, extra)
    assert lib.additive("half") and lib.additive("net")
    for name in (
        "plus_one",
        "by_zero",
        "scaled_ratio",
        "online_orders",
        "dso",
        "inventory_value",
        "budget_variance_pct",
    ):
        assert not lib.additive(name), name


def test_reads_lists_everything_a_custom_entry_is_built_from(base):
    extra = LibraryFile.model_validate(
        {
            "dimensions": {"tier": grouping("city", buckets=[bucket("Tier 1", "Shanghai")])},
            "metrics": {
                "tier_revenue": metric("filtered", base="gross_profit", where="tier = 'Tier 1' AND segment = 'SMB'"),
                "tier_share": metric("share", fmt="percent", base="tier_revenue", across="region"),
                "fee": metric("derived", expr="tier_share * 2 + orders"),
            },
        }
    )
    lib = extend_library(base, extra)
    assert lib.reads("tier") == ((), ("city",))
    assert lib.reads("tier_revenue") == (("gross_profit", "revenue", "cogs"), ("tier", "city", "segment"))
    metrics, dims = lib.reads("fee")
    assert set(metrics) == {"tier_share", "tier_revenue", "gross_profit", "revenue", "cogs", "orders"}
    assert set(dims) == {"region", "tier", "city", "segment"}
    assert lib.reads("revenue") == ((), ()) and lib.reads("region") == ((), ())
