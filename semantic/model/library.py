"""The loaded indicator library: one immutable value the compiler reads.

`Library` answers the questions the compiler, the policy and the pages ask:
what a metric is made of, which dimensions apply to it, and how a fact table
reaches a dimension's column. It is built once per process by `load_library`.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import sqlglot
from sqlglot import exp

from semantic.compile.where import dimension_names, parse_where
from semantic.errors import QueryError, did_you_mean
from semantic.model.graph import ColumnRef
from semantic.model.schema import DimensionSpec, MeasureSpec, MetricSpec, TableSpec

TIME = "metric_time"
GRAINS = ("day", "week", "month", "quarter", "year")


@functools.lru_cache(maxsize=4096)
@functools.lru_cache(maxsize=2048)
def parse_fragment(sql: str) -> exp.Expression:
    """Parse a trusted SQL fragment from the library (not user input), once per
    process: the tree is shared, so callers copy it before changing it."""
    return sqlglot.parse_one(sql, read="duckdb")


def split_time(name: str) -> tuple[str, str | None]:
    """'metric_time__month' -> ('metric_time', 'month'); 'region' -> ('region', None)."""
    base, sep, grain = name.partition("__")
    return (base, grain) if sep else (name, None)


@dataclass(frozen=True, eq=False)  # identity: one loaded library is one value
class Library:
    tables: Mapping[str, TableSpec]
    dimensions: Mapping[str, DimensionSpec]
    measures: Mapping[str, MeasureSpec]
    metrics: Mapping[str, MetricSpec]
    # (fact table, dimension name) -> where that dimension lives for that fact
    columns: Mapping[tuple[str, str], ColumnRef] = field(default_factory=dict)
    files: tuple[str, ...] = ()
    # opaque to the compiler: what the app knows about custom entries (semantic/custom keeps a CustomInfo per name)
    custom: Mapping[str, Any] = field(default_factory=dict)

    @property
    def warehouse_tables(self) -> dict[str, TableSpec]:
        """The tables that live in the warehouse: every table but the planning ones (built from the Plan)."""
        return {name: spec for name, spec in self.tables.items() if spec.planning is None}

    # ---- look-ups that name the problem when they fail -------------------
    def metric(self, name: str) -> MetricSpec:
        try:
            return self.metrics[name]
        except KeyError:
            raise QueryError(
                f"unknown metric '{name}'.{did_you_mean(name, self.metrics)} "
                "Run `python -m semantic list metrics` to see them all."
            ) from None

    def dimension(self, name: str) -> DimensionSpec | None:
        """The dimension spec, None for metric_time; raises for unknown names."""
        base, grain = split_time(name)
        if base == TIME:
            if grain is not None and grain not in GRAINS:
                raise QueryError(
                    f"unknown time grain '{grain}' in '{name}'; use one of "
                    + ", ".join(f"{TIME}__{g}" for g in GRAINS)
                    + "."
                )
            return None
        if grain is not None or base not in self.dimensions:
            raise QueryError(
                f"unknown dimension '{name}'.{did_you_mean(name, list(self.dimensions) + [TIME])} "
                "Run `python -m semantic list dimensions` to see them all."
            )
        return self.dimensions[base]

    # ---- what a metric is made of -----------------------------------------
    def refs(self, name: str) -> tuple[str, ...]:
        """The metrics a metric is defined over (derived: its expression's; filtered, share: its base)."""
        metric = self.metric(name)
        if metric.type == "derived":
            return metric_refs(metric.expr or "")
        if metric.type in ("filtered", "share"):
            return (metric.base,)  # type: ignore[return-value]
        return ()

    def leaves(self, name: str) -> tuple[str, ...]:
        """The simple, cumulative and snapshot metrics a metric is computed from (itself if one)."""
        if not self.refs(name):
            return (name,)
        out: list[str] = []
        for ref in self.refs(name):
            for leaf in self.leaves(ref):
                if leaf not in out:
                    out.append(leaf)
        return tuple(out)

    def leaf_measures(self, name: str) -> tuple[str, ...]:
        """Every measure a metric reads."""
        metric = self.metric(name)
        if metric.type in ("simple", "snapshot"):
            return (metric.measure,)  # type: ignore[return-value]
        if metric.type == "cumulative":
            return metric.add + metric.subtract
        return tuple(dict.fromkeys(m for leaf in self.leaves(name) for m in self.leaf_measures(leaf)))

    def column(self, fact: str, dimension: str) -> ColumnRef | None:
        """Where a dimension lives for a fact table (a grouping: where its base lives)."""
        return self.columns.get((fact, dimension))

    def applies(self, metric: str, dimension: str) -> bool:
        """Whether grouping or filtering `metric` by `dimension` has a meaning."""
        base, _ = split_time(dimension)
        if base == TIME:
            return True
        return all(self.column(self.measures[m].table, base) is not None for m in self.leaf_measures(metric))

    def dimensions_for(self, metric: str) -> tuple[str, ...]:
        return tuple(d for d in self.dimensions if self.applies(metric, d))

    def reads(self, name: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """(metrics, dimensions) a metric or a grouping is built from, all the way down, itself left
        out: a filtered metric reads its base and its where's dimensions, a share its base and
        `across`, a grouping its base (what a reader must be granted to see it)."""
        metrics: list[str] = []
        dims: list[str] = []

        def dimension(dim: str) -> None:
            if dim not in dims:
                dims.append(dim)
                base = self.dimensions[dim].base
                if base is not None:
                    dimension(base)

        def metric(metric_name: str) -> None:
            spec = self.metric(metric_name)
            if spec.type == "filtered":
                for dim in dimension_names(parse_where(spec.where or "", tuple(self.dimensions))):
                    dimension(dim)
            if spec.type == "share":
                dimension(spec.across)  # type: ignore[arg-type]
            for ref in self.refs(metric_name):
                if ref not in metrics:
                    metrics.append(ref)
                    metric(ref)

        if name in self.dimensions:
            base = self.dimensions[name].base
            if base is not None:
                dimension(base)
        else:
            metric(name)
        return tuple(m for m in metrics if m != name), tuple(d for d in dims if d != name)

    def additive(self, metric: str) -> bool:
        """Whether summing the metric over result rows gives the metric of the total: sum and count
        measures, a filtered additive metric, and derived metrics built only from + and - of additive
        metrics and constant multiples of one. Never ratios, shares, distinct counts or balances."""
        spec = self.metric(metric)
        if spec.type == "simple":
            return self.measures[spec.measure].agg in ("sum", "count")  # type: ignore[index]
        if spec.type == "filtered":
            return self.additive(spec.base)  # type: ignore[arg-type]
        if spec.type == "derived":
            return _additive_tree(self, parse_fragment(spec.expr or ""))
        return False


def _constant(node: exp.Expression) -> bool:
    """A number, or arithmetic of numbers only."""
    if isinstance(node, exp.Paren):
        return _constant(node.this)
    if isinstance(node, exp.Neg):
        return _constant(node.this)
    if isinstance(node, exp.Literal):
        return not node.is_string
    if isinstance(node, (exp.Add, exp.Sub, exp.Mul, exp.Div)):
        return _constant(node.this) and _constant(node.expression)
    return False


def _additive_tree(lib: Library, node: exp.Expression) -> bool:
    if isinstance(node, (exp.Paren, exp.Neg)):
        return _additive_tree(lib, node.this)
    if isinstance(node, exp.Column):
        return node.name in lib.metrics and lib.additive(node.name)
    if isinstance(node, (exp.Add, exp.Sub)):
        return _additive_tree(lib, node.this) and _additive_tree(lib, node.expression)
    if isinstance(node, exp.Mul):
        left, right = node.this, node.expression
        return (_constant(left) and _additive_tree(lib, right)) or (_constant(right) and _additive_tree(lib, left))
    if isinstance(node, exp.Div):  # revenue / 2: a constant multiple; a constant zero is not
        return (
            _constant(node.expression) and node.expression.sql() not in ("0", "0.0") and _additive_tree(lib, node.this)
        )
    return False


def metric_refs(expr: str) -> tuple[str, ...]:
    """Names a derived metric's expression refers to, in order of appearance."""
    names: list[str] = []
    for column in parse_fragment(expr).find_all(exp.Column):
        if column.name not in names and column.name != "period_days":
            names.append(column.name)
    return tuple(names)
