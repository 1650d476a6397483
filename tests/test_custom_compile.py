"""Custom metrics and groupings (issue 15) compile to the numbers hand-written SQL gives.

A test library is the demo library copied into tmp_path plus custom.yml with one entry
of each kind: filtered (over a simple metric, a derived one and a balance), derived
with a constant, a ratio, a share across region, and groupings by buckets (city tier,
key accounts) and by numeric bands (price band). Every number is checked against SQL
written here over the raw tables (tests/handsql.py), by region, by month, by a
grouping, with a where, with compare=prior_year, and with rollups on and off.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import shutil

import pytest
import yaml

from semantic import Query, run
from semantic.compile.assemble import compile_query
from semantic.compile.where import parse_where
from semantic.model.loader import MODELS_DIR, extend_library, load_library
from semantic.model.schema import LibraryFile
from tests import handsql
from tests.handsql import FACTS, assert_same, bind, hand, in_range, key_sql, metric_sql

TIER1 = ("Shanghai", "Beijing", "Guangzhou", "Shenzhen")
TIER2 = ("Hangzhou", "Nanjing", "Suzhou", "Wuhan", "Chengdu")
START, END = dt.date(2025, 1, 1), dt.date(2025, 6, 30)
ONLINE_TEXT = "channel = 'Online'"
PRIOR = (dt.date(2024, 1, 1), dt.date(2024, 6, 30))
handsql.RATIOS.update(
    {"revenue_share", "revenue_per_order", "online_share", "share_points"}
)  # compared relatively, like the library's ratios


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


@pytest.mark.parametrize("keys", [("region",), ("metric_time__month",), ("region", "metric_time__quarter"), ()])
def test_filtered_balance_equals_hand_sql(raw, lib, rolled, keys):
    query = Query(metrics=("east_ar",), group_by=keys, time_from=START, time_to=END)
    check(raw, lib, rolled, query, hand_sql(None, "east_ar", keys, start=START, end=END))


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
