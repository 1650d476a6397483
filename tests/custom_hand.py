"""The custom test library of issue 15 and its hand SQL, shared by tests/test_custom_*.py.

The demo library copied into a folder plus custom.yml with one entry of each kind:
filtered (over a simple metric, a derived one, a share, a balance, a snapshot and a
grouping), derived with a constant, a ratio, a share across region, and groupings by
buckets (city tier, key accounts) and numeric bands (price band). hand_sql() writes
each custom metric as SQL over the raw tables (with tests/handsql.py), never through
the semantic layer. Fixtures: key_accounts, lib, lines (import them into a test module).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import shutil

import pytest
import yaml

from semantic import Query, run
from semantic.model.loader import MODELS_DIR, load_library
from tests import handsql
from tests.handsql import FACTS, assert_same, bind, hand, in_range, key_sql, metric_sql

TIER1 = ("Shanghai", "Beijing", "Guangzhou", "Shenzhen")
TIER2 = ("Hangzhou", "Nanjing", "Suzhou", "Wuhan", "Chengdu")
START, END = dt.date(2025, 1, 1), dt.date(2025, 6, 30)
ONLINE_TEXT = "channel = 'Online'"
PRIOR = (dt.date(2024, 1, 1), dt.date(2024, 6, 30))
# compared relatively, like the library's ratios
handsql.RATIOS.update({"revenue_share", "revenue_per_order", "online_share", "share_points"})


def _metric(label: str, type_: str, fmt: str = "currency", **fields) -> dict:
    return {
        "label": {"en": label, "zh": label},
        "description": {"en": label, "zh": label},
        "owner": "Sales Operations",
        "format": fmt,
        "tags": ["sales"],
        "good": "up",
        "type": type_,
        **fields,
    }


def _grouping(label: str, base: str, **fields) -> dict:
    return {
        "label": {"en": label, "zh": label},
        "description": {"en": label, "zh": label},
        "owner": "Sales Operations",
        "base": base,
        **fields,
    }


def custom_entries(key_accounts) -> dict:
    text = lambda en, zh: {"en": en, "zh": zh}  # noqa: E731
    return {
        "dimensions": {
            "city_tier": _grouping(
                "City tier",
                "city",
                buckets=[
                    {"label": text("Tier 1", "一线"), "members": list(TIER1)},
                    {"label": text("Tier 2", "二线"), "members": list(TIER2)},
                ],
                other=text("Tier 3", "三线"),
            ),
            "key_account": _grouping(
                "Key account",
                "customer",
                buckets=[{"label": text("Key account", "重点客户"), "members": list(key_accounts)}],
                other=text("Other accounts", "其他客户"),
            ),
            "price_band": _grouping(
                "Price band",
                "list_price",
                bands=[{"label": text("Budget", "低价"), "below": 250}, {"label": text("Mid", "中价"), "below": 1000}],
                other=text("Premium", "高价"),
            ),
        },
        "metrics": {
            "online_revenue": _metric("Online revenue", "filtered", base="revenue", where="channel = 'Online'"),
            "margin_after_fee": _metric("Margin after fee", "derived", expr="gross_profit - 0.03 * revenue"),
            "revenue_per_order": _metric("Revenue per order", "derived", expr="revenue / orders"),
            "revenue_share": _metric("Revenue share", "share", fmt="percent", base="revenue", across="region"),
            "online_gross_profit": _metric(
                "Online gross profit", "filtered", base="gross_profit", where="channel = 'Online'"
            ),
            "tier1_revenue": _metric("Tier 1 revenue", "filtered", base="revenue", where="city_tier = 'Tier 1'"),
            "online_share": _metric("Online share", "filtered", fmt="percent", base="revenue_share", where=ONLINE_TEXT),
            "share_points": _metric("Share in points", "derived", fmt="number", expr="100 * revenue_share"),
            "electronics_stock": _metric(
                "Electronics stock", "filtered", base="inventory_value", where="category = 'Electronics'"
            ),
            "east_ar": _metric(
                "East AR", "filtered", base="ar_balance", where="region = 'East'", certified=True, certified_by="cfo"
            ),
        },
    }


@pytest.fixture(scope="module")
def key_accounts(raw):
    return tuple(
        n for (n,) in raw.execute("SELECT customer_name FROM customers ORDER BY customer_id LIMIT 6").fetchall()
    )


@pytest.fixture(scope="module")
def lib(tmp_path_factory, key_accounts):
    folder = tmp_path_factory.mktemp("models")
    for path in MODELS_DIR.glob("*.yml"):
        shutil.copy(path, folder / path.name)
    (folder / "custom.yml").write_text(yaml.safe_dump(custom_entries(key_accounts), allow_unicode=True), "utf-8")
    return load_library(folder)


# ---- hand SQL ------------------------------------------------------------------
def _in(column: str, values) -> str:
    return f"{column} IN ({', '.join(handsql.lit(v) for v in values)})"


def groupings_sql(key_accounts) -> dict[str, str]:
    return {
        "city_tier": f"CASE WHEN c.city IS NULL THEN NULL WHEN {_in('c.city', TIER1)} THEN 'Tier 1' "
        f"WHEN {_in('c.city', TIER2)} THEN 'Tier 2' ELSE 'Tier 3' END",
        "key_account": f"CASE WHEN c.customer_name IS NULL THEN NULL WHEN {_in('c.customer_name', key_accounts)} "
        "THEN 'Key account' ELSE 'Other accounts' END",
        "price_band": "CASE WHEN p.list_price IS NULL THEN NULL WHEN p.list_price < 250 THEN 'Budget' "
        "WHEN p.list_price < 1000 THEN 'Mid' ELSE 'Premium' END",
    }


@pytest.fixture(scope="module")
def lines(key_accounts):
    """The order lines fact of handsql with the groupings as columns too."""
    fact = FACTS["order_lines"]
    return dataclasses.replace(fact, dims={**fact.dims, **groupings_sql(key_accounts)})


def flow(fact, aggregates: dict, keys, where=None, start=None, end=None) -> str:
    select = [f"{key_sql(fact, k)} AS {k}" for k in keys] + [f"{a} AS {n}" for n, a in aggregates.items()]
    cond = [fact.keep, *in_range(fact.day, start, end), bind(where, fact)]
    group = f" GROUP BY {', '.join(str(i + 1) for i in range(len(keys)))}" if keys else ""
    return f"SELECT {', '.join(select)} FROM {fact.source} WHERE {' AND '.join(cond)}{group}"


def _and(*parts) -> str | None:
    parts = [p for p in parts if p]
    return " AND ".join(f"({p})" for p in parts) if parts else None


ONLINE = "{channel} = 'Online'"
GRAIN_SPANS = {  # whole periods, so each period's prior is the whole period before it
    "day": (dt.date(2025, 3, 1), dt.date(2025, 3, 31), dt.timedelta(days=1)),
    "week": (dt.date(2025, 1, 6), dt.date(2025, 3, 30), dt.timedelta(days=7)),
    "month": (dt.date(2025, 1, 1), dt.date(2025, 6, 30), None),
    "quarter": (dt.date(2025, 1, 1), dt.date(2025, 6, 30), None),
    "year": (dt.date(2024, 1, 1), dt.date(2025, 12, 31), None),
}
SUMS = {"revenue": "sum(l.net_amount)", "cogs": "sum(l.cost_amount)", "orders": "count(DISTINCT o.order_id)"}


def hand_sql(fact, metric: str, keys, where=None, start=None, end=None, denominator_where=None) -> str:
    """Hand SQL for one custom metric of the test library: columns keys then metric."""
    if metric == "online_revenue":
        return flow(fact, {metric: SUMS["revenue"]}, keys, _and(where, ONLINE), start, end)
    if metric in ("margin_after_fee", "online_gross_profit", "revenue_per_order"):
        extra = ONLINE if metric == "online_gross_profit" else None
        parts = flow(fact, SUMS, keys, _and(where, extra), start, end)
        formula = {
            "margin_after_fee": "revenue - cogs - 0.03 * revenue",
            "online_gross_profit": "revenue - cogs",
            "revenue_per_order": "revenue / NULLIF(orders, 0)",
        }[metric]
        return f"SELECT {', '.join([*keys, f'{formula} AS {metric}'])} FROM ({parts}) q"
    if metric == "revenue_share":
        kept = [k for k in keys if k != "region"]
        part = flow(fact, {"part": SUMS["revenue"]}, keys, where, start, end)
        total = flow(fact, {"total": SUMS["revenue"]}, kept, denominator_where, start, end)
        join = f"LEFT JOIN ({total}) t USING ({', '.join(kept)})" if kept else f"CROSS JOIN ({total}) t"
        return f"SELECT {', '.join([*keys, f'part / NULLIF(total, 0) AS {metric}'])} FROM ({part}) p {join}"
    if metric == "tier1_revenue":
        return flow(fact, {metric: SUMS["revenue"]}, keys, _and(where, "{city_tier} = 'Tier 1'"), start, end)
    if metric in ("online_share", "share_points"):
        online = metric == "online_share"
        inner = hand_sql(
            fact,
            "revenue_share",
            keys,
            _and(where, ONLINE if online else None),
            start,
            end,
            _and(denominator_where, ONLINE if online else None),
        )
        value = "revenue_share" if online else "100 * revenue_share"
        return f"SELECT {', '.join([*keys, f'{value} AS {metric}'])} FROM ({inner}) s"
    if metric == "east_ar":
        return (
            f"SELECT {', '.join([*keys, 'ar_balance AS east_ar'])} "
            f"FROM ({metric_sql('ar_balance', keys, _and(where, '{region} = ' + chr(39) + 'East' + chr(39)), start, end)}) b"
        )
    raise KeyError(metric)


def check(raw, lib, warehouse, query: Query, want_sql: str, rollups: bool = True, used=None):
    result = run(query, warehouse=warehouse, library=lib, cache=None, rollups=rollups)
    keys = [k for k in query.group_by]
    assert_same(result.frame, hand(raw, want_sql), keys, what=f"{query.metrics} by {keys} where {query.where}")
    if used is not None:
        assert result.rollups == used
    return result


# ---- every kind against hand SQL ----------------------------------------------------
SALES_KINDS = (
    "online_revenue",
    "margin_after_fee",
    "revenue_per_order",
    "revenue_share",
    "online_gross_profit",
    "tier1_revenue",
    "online_share",
    "share_points",
)
KEYS = (
    ("region",),
    ("metric_time__month",),
    ("region", "metric_time__quarter"),
    ("city_tier",),
    ("key_account", "metric_time__year"),
    ("price_band",),
    ("city_tier", "region"),
    (),
)
