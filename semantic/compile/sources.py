"""Where each leaf metric's numbers come from, as CTEs aggregated at the query grain.

Three kinds of source, one per way a number adds up:
- facts: simple metrics whose measures share a table, date and filter are
  summed in one CTE (revenue, cogs, units and orders read order lines once);
- balances (cumulative): flows in minus flows out, running-summed from the start
  of the data over a dense calendar of periods, so every period has its
  end-of-period balance even when nothing moved in it;
- snapshots: the value on the last snapshot date within each period.
Every source outputs the query's group keys under their names plus one column
per leaf metric; assemble.py joins them on the keys. A leaf is a metric with the
filters of the filtered metrics above it (online_revenue: revenue where channel =
'Online'): those are ANDed into its source's where like the query's own filter.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlglot import exp

from semantic.compile import sqlbits, timegrain
from semantic.compile.dialects import PeriodSeries
from semantic.compile.source import GroupKey, Range, measure_select
from semantic.compile.where import parse_where
from semantic.model.library import Library


@dataclass(frozen=True)
class Leaf:
    """A simple, cumulative or snapshot metric, with the filtered metrics' filters (where texts) on it."""

    metric: str
    where: tuple[str, ...] = ()

    def narrowed(self, where: str) -> tuple[str, ...]:
        return tuple(sorted({*self.where, where}))


def leaves_of(lib: Library, name: str, where: tuple[str, ...] = ()) -> list[Leaf]:
    """The leaves a metric is computed from, each with the filters of the filtered metrics above it
    (a share contributes its numerator's; its denominator is built on its own)."""
    metric = lib.metrics[name]
    if metric.type == "filtered":
        return leaves_of(lib, metric.base, Leaf(name, where).narrowed(metric.where))
    refs = lib.refs(name)
    if not refs:
        return [Leaf(name, where)]
    return [leaf for ref in refs for leaf in leaves_of(lib, ref, where)]


def leaf_filters(lib: Library, leaf: Leaf) -> list[exp.Expression]:
    return [parse_where(text, tuple(lib.dimensions)) for text in leaf.where]


@dataclass(frozen=True)
class Source:
    ctes: tuple[tuple[str, exp.Select], ...]  # the last one is the output
    leaves: tuple[tuple[Leaf, str], ...]  # (leaf, output column)
    additive: bool  # a missing row means zero

    @property
    def name(self) -> str:
        return self.ctes[-1][0]


def build_sources(
    lib: Library,
    leaves: Sequence[Leaf],
    keys: Sequence[GroupKey],
    filters: Sequence[exp.Expression],
    span: Range,
    prefix: str,
    rollups: Mapping[str, str] | None = None,
) -> list[Source]:
    """The sources of `leaves`; `rollups` (name -> definition hash) are those the warehouse has."""
    groups: dict[tuple, list[Leaf]] = {}
    sources: list[Source] = []
    used: set[str] = set()

    def cte_name(base: str) -> str:
        name, n = f"{prefix}{base}", 2
        while name in used:
            name, n = f"{prefix}{base}_{n}", n + 1
        used.add(name)
        return name

    for leaf in leaves:
        metric = lib.metrics[leaf.metric]
        if metric.type == "simple":
            measure = lib.measures[metric.measure]
            groups.setdefault((measure.table, measure.time, measure.filter, leaf.where), []).append(leaf)
    for (table, _, _, _), group in groups.items():
        measures = list(dict.fromkeys(lib.metrics[leaf.metric].measure for leaf in group))
        narrowed = list(filters) + leaf_filters(lib, group[0])
        select = measure_select(lib, measures, keys, narrowed, span, rollups=rollups)
        sources.append(
            Source(
                ((cte_name(f"f_{table}"), select),),
                tuple((leaf, lib.metrics[leaf.metric].measure) for leaf in group),
                True,
            )
        )
    for leaf in leaves:
        metric = lib.metrics[leaf.metric]
        narrowed = list(filters) + leaf_filters(lib, leaf)
        if metric.type == "cumulative":
            source = _balance(lib, leaf.metric, keys, narrowed, span, cte_name(f"b_{leaf.metric}"), rollups)
        elif metric.type == "snapshot":
            source = _snapshot(lib, leaf.metric, keys, narrowed, span, cte_name(f"s_{leaf.metric}"), rollups)
        else:
            continue
        sources.append(Source(source.ctes, ((leaf, leaf.metric),), source.additive))
    return sources


def _columns(names) -> list[exp.Column]:
    return [exp.column(n) for n in names]


def _balance(lib, leaf, keys, filters, span, name, rollups) -> Source:
    metric = lib.metrics[leaf]
    time_key = next((k for k in keys if k.is_time), None)
    dims = [k.name for k in keys if not k.is_time]
    flows = None
    # Everything up to the end of the range moves the balance, whatever its start.
    upto = Range(None, span.end)
    for measure in metric.add + metric.subtract:
        part = measure_select(
            lib, [measure], keys, filters, upto, signs=[1 if measure in metric.add else -1], rollups=rollups
        )
        part.expressions[-1].set("alias", exp.to_identifier("flow"))
        flows = part if flows is None else exp.union(flows, part, distinct=False, copy=False)
    flows_name = f"{name}_flows"
    if time_key is None:
        select = exp.select(*_columns(dims), exp.alias_(exp.Sum(this=exp.column("flow")), leaf), copy=False).from_(
            sqlbits.table(flows_name), copy=False
        )
        if dims:
            select = select.group_by(*_columns(dims), copy=False)
        return Source(((flows_name, flows), (name, select)), ((leaf, leaf),), False)

    t, grain = time_key.name, time_key.grain
    count, unit = timegrain.GRAIN_INTERVAL[grain]
    high = (
        timegrain.truncate(timegrain.date_literal(span.end), grain)
        if span.end is not None
        else exp.Max(this=exp.column(t))
    )
    bounds = exp.select(exp.alias_(exp.Min(this=exp.column(t)), "low"), exp.alias_(high, "high"), copy=False).from_(
        sqlbits.table(flows_name), copy=False
    )
    series = PeriodSeries(this=exp.column("low"), expression=exp.column("high"), step=timegrain.interval(count, unit))
    periods = exp.select(exp.alias_(series, t), copy=False).from_(bounds.subquery("bounds", copy=False), copy=False)
    totals = exp.select(*_columns(dims + [t]), exp.alias_(exp.Sum(this=exp.column("flow")), "flow"), copy=False).from_(
        sqlbits.table(flows_name), copy=False
    )
    totals = totals.group_by(*_columns(dims + [t]), copy=False)
    groups = (
        exp.select(*_columns(dims), copy=False).distinct(copy=False).from_(sqlbits.table(flows_name), copy=False)
        if dims
        else None
    )

    on = exp.and_(
        exp.EQ(this=exp.column(t, table="m"), expression=exp.column(t, table="p")),
        *[exp.NullSafeEQ(this=exp.column(d, table="m"), expression=exp.column(d, table="g")) for d in dims],
    )
    running = exp.Window(
        this=exp.Sum(this=exp.func("COALESCE", exp.column("flow", table="m"), exp.Literal.number(0))),
        partition_by=[exp.column(d, table="g") for d in dims] or None,
        order=exp.Order(expressions=[exp.Ordered(this=exp.column(t, table="p"))]),
        spec=exp.WindowSpec(kind="ROWS", start="UNBOUNDED", start_side="PRECEDING", end="CURRENT ROW"),
    )
    dense = exp.select(
        *[exp.column(d, table="g") for d in dims], exp.column(t, table="p"), exp.alias_(running, leaf), copy=False
    ).from_(sqlbits.table(f"{name}_periods", "p"), copy=False)
    if dims:
        dense = sqlbits.join(dense, sqlbits.table(f"{name}_groups", "g"), "cross")
    dense = sqlbits.join(dense, sqlbits.table(f"{name}_totals", "m"), "left", on)
    output = exp.select(exp.Star(), copy=False).from_(dense.subquery("balance", copy=False), copy=False)
    if span.start is not None:
        output = output.where(
            exp.GTE(this=exp.column(t), expression=timegrain.truncate(timegrain.date_literal(span.start), grain))
        )
    ctes = [(flows_name, flows), (f"{name}_periods", periods), (f"{name}_totals", totals)]
    if groups is not None:
        ctes.append((f"{name}_groups", groups))
    return Source(tuple(ctes) + ((name, output),), ((leaf, leaf),), False)


def _snapshot(lib, leaf, keys, filters, span, name, rollups) -> Source:
    metric = lib.metrics[leaf]
    time_key = next((k for k in keys if k.is_time), None)
    names = [k.name for k in keys]
    daily = measure_select(
        lib, [metric.measure], keys, filters, span, extra_keys=[("snapshot_date", "metric_time__day")], rollups=rollups
    )
    daily.expressions[-1].set("alias", exp.to_identifier(leaf))
    period = [time_key.name] if time_key else []
    last = exp.select(
        *_columns(period), exp.alias_(exp.Max(this=exp.column("snapshot_date")), "snapshot_date"), copy=False
    ).from_(sqlbits.table(f"{name}_daily"), copy=False)
    if period:
        last = last.group_by(*_columns(period), copy=False)
    on = exp.and_(
        exp.EQ(this=exp.column("snapshot_date", table="d"), expression=exp.column("snapshot_date", table="l")),
        *[exp.NullSafeEQ(this=exp.column(p, table="d"), expression=exp.column(p, table="l")) for p in period],
    )
    value = exp.column(leaf, table="d")
    if not names:  # ungrouped: one row, like every source, empty when no snapshot falls in the range
        value = exp.alias_(exp.Sum(this=value), leaf)
    output = exp.select(*[exp.column(n, table="d") for n in names], value, copy=False).from_(
        sqlbits.table(f"{name}_daily", "d"), copy=False
    )
    output = sqlbits.join(output, sqlbits.table(f"{name}_last", "l"), "inner", on)
    return Source(((f"{name}_daily", daily), (f"{name}_last", last), (name, output)), ((leaf, leaf),), False)
