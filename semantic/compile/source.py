"""One fact table in scope: its columns, the joins they need, and aggregation.

A FactScope turns names from the library (dimensions, metric_time, measure
fragments) into qualified columns of one fact table and the dimension tables it
reaches, remembering which many-to-one joins those columns need. `grouped`
then builds the aggregating SELECT. Every source of numbers in a compiled query
(simple facts, balance flows, snapshots) is built through here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlglot import exp

from semantic.compile import grouping, sqlbits, timegrain
from semantic.compile.where import bind
from semantic.errors import QueryError
from semantic.model.graph import ColumnRef, Hop, reachable
from semantic.model.library import TIME, Library, parse_fragment, split_time
from semantic.model.schema import MeasureSpec
from semantic.rollup.choose import from_rollup


@dataclass(frozen=True)
class GroupKey:
    """An output grouping column: a dimension, or metric_time at a grain."""

    name: str
    dimension: str
    grain: str | None = None

    @classmethod
    def parse(cls, name: str) -> GroupKey:
        base, grain = split_time(name)
        return cls(name, base, (grain or "day") if base == TIME else None)

    @property
    def is_time(self) -> bool:
        return self.dimension == TIME


@dataclass(frozen=True)
class Range:
    """Inclusive bounds on metric_time; either side may be open."""

    start: object = None  # datetime.date | None
    end: object = None

    def conditions(self, column: exp.Expression) -> list[exp.Expression]:
        out = []
        if self.start is not None:
            out.append(exp.GTE(this=column.copy(), expression=timegrain.date_literal(self.start)))
        if self.end is not None:
            out.append(exp.LTE(this=column.copy(), expression=timegrain.date_literal(self.end)))
        return out


class FactScope:
    def __init__(self, lib: Library, table: str):
        self.lib = lib
        self.table = table
        self.hops: list[Hop] = []

    # ---- columns ----------------------------------------------------------
    def ref(self, ref: ColumnRef) -> exp.Column:
        for hop in ref.hops:
            if hop not in self.hops:
                self.hops.append(hop)
        return exp.column(ref.column, table=ref.table)

    def fragment(self, sql: str) -> exp.Expression:
        """A library SQL fragment with every column qualified and its joins noted."""
        paths = {self.table: ()}

        def qualify(node: exp.Expression) -> exp.Expression:
            nonlocal paths
            if not isinstance(node, exp.Column):
                return node
            table = node.table or self.table
            if table not in paths:
                paths = reachable(self.lib.tables, self.table)
            return self.ref(ColumnRef(table, node.name, paths[table]))

        return parse_fragment(sql).transform(qualify)

    def time(self, measure: MeasureSpec) -> exp.Expression:
        return self.fragment(measure.time)

    def dimension(self, name: str, time_column: exp.Expression) -> exp.Expression:
        """The column a dimension (or metric_time__grain) means for this fact."""
        base, grain = split_time(name)
        if base == TIME:
            return timegrain.truncate(time_column.copy(), grain or "day")
        ref = self.lib.column(self.table, base)
        if ref is None:
            raise QueryError(f"dimension '{base}' does not apply to table {self.table}.")
        spec = self.lib.dimensions[base]
        return grouping.case(spec, self.ref(ref)) if spec.base is not None else self.ref(ref)

    def filters(self, trees: Sequence[exp.Expression], time_column: exp.Expression) -> list[exp.Expression]:
        return [exp.paren(bind(tree, lambda name: self.dimension(name, time_column)), copy=False) for tree in trees]

    # ---- the SELECT ---------------------------------------------------------
    def grouped(
        self,
        keys: Sequence[tuple[str, exp.Expression]],
        values: Sequence[tuple[str, exp.Expression]],
        conditions: Sequence[exp.Expression],
    ) -> exp.Select:
        """SELECT keys, values FROM fact JOIN dims WHERE conditions GROUP BY keys."""
        select = exp.select(
            *[exp.alias_(expr, name, quoted=False) for name, expr in list(keys) + list(values)], copy=False
        ).from_(sqlbits.table(self.table), copy=False)
        for hop in self.hops:
            on = exp.EQ(
                this=exp.column(hop.fk, table=hop.from_table), expression=exp.column(hop.pk, table=hop.to_table)
            )
            select = sqlbits.join(select, sqlbits.table(hop.to_table), "inner", on)
        if conditions:
            select = select.where(exp.and_(*conditions, copy=False), copy=False)
        if keys:
            select = select.group_by(*[expr.copy() for _, expr in keys], copy=False)
        return select


def aggregate(measure: MeasureSpec, value: exp.Expression) -> exp.Expression:
    if measure.agg == "sum":
        return exp.Sum(this=value)
    if measure.agg == "count":
        return exp.Count(this=value)
    if measure.agg == "count_distinct":
        return exp.Count(this=exp.Distinct(expressions=[value]))
    if measure.agg == "min":
        return exp.Min(this=value)
    return exp.Max(this=value)


def measure_select(
    lib: Library,
    measures: Sequence[str],
    keys: Sequence[GroupKey],
    filters: Sequence[exp.Expression],
    span: Range,
    signs: Sequence[int] | None = None,
    extra_keys: Sequence[tuple[str, str]] = (),
    rollups: Mapping[str, str] | None = None,
) -> exp.Select:
    """Aggregate measures that share one table, date and filter, at the keys' grain.

    `signs` negates measures (balance outflows); `extra_keys` adds (alias, dimension)
    pairs such as the raw snapshot date; `rollups` (name -> definition hash) are those
    the warehouse has: one that answers exactly is read instead of the fact table.
    """
    rolled = from_rollup(lib, measures, keys, filters, span, rollups or {}, signs, extra_keys)
    if rolled is not None:
        return rolled
    first = lib.measures[measures[0]]
    scope = FactScope(lib, first.table)
    time_column = scope.time(first)
    key_exprs = [(k.name, scope.dimension(k.name, time_column)) for k in keys]
    key_exprs += [(alias, scope.dimension(dim, time_column)) for alias, dim in extra_keys]
    values = []
    for i, name in enumerate(measures):
        agg = aggregate(lib.measures[name], scope.fragment(lib.measures[name].expr))
        values.append((name, exp.Neg(this=agg) if signs and signs[i] < 0 else agg))
    conditions = span.conditions(time_column)
    if first.filter:
        conditions.append(exp.paren(scope.fragment(first.filter), copy=False))
    conditions += scope.filters(filters, time_column)
    return scope.grouped(key_exprs, values, conditions)
