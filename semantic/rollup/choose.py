"""Answering a measure SELECT from a rollup, when (and only when) it is exact.

compile_query is given the rollups the warehouse has (name -> definition hash)
and passes them down, as an argument, to measure_select, which asks
`from_rollup` first; `used_in` reads back from the finished tree which rollups
answered. A rollup qualifies when it keeps every measure asked, every dimension
used in the group-by, the where and the row filters, and its definition hash
matches the library's (so a rollup built from an older definition is never
used). A day rollup answers every time grain. A month rollup answers only
month, quarter and year, and only a range of whole months (or an open one),
since it cannot split a month. The first declared rollup that answers is used,
so rollups.yml lists the smallest first.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from sqlglot import exp

from semantic.compile import grouping, sqlbits, timegrain
from semantic.compile.where import bind
from semantic.model.library import Library, split_time
from semantic.rollup.spec import RollupSpec, load_rollups


def _dimensions(lib: Library, keys, filters) -> set[str]:
    """The dimensions a rollup must keep: those used, a grouping replaced by its base."""
    out = {k.dimension for k in keys if not k.is_time}
    for tree in filters:
        out |= {c.name for c in tree.find_all(exp.Column)}
    return {lib.dimensions[d].base or d if d in lib.dimensions else d for d in out}


def _time_fits(spec, keys, span) -> bool:
    if spec.grain == "day":
        return True
    if any(k.is_time and k.grain not in timegrain.GRAIN_MONTHS for k in keys):
        return False  # day and week periods split months
    starts_ok = span.start is None or span.start.day == 1
    return starts_ok and (span.end is None or timegrain.is_month_end(span.end))


def pick(lib: Library, measures: Sequence[str], keys, filters, span, available: Mapping[str, str]) -> RollupSpec | None:
    """The first declared rollup in `available` (name -> hash built) that answers exactly, or None."""
    if not available:
        return None
    needed = _dimensions(lib, keys, filters)
    for spec in load_rollups(lib).values():  # declared smallest first: the first that answers
        if available.get(spec.name) != spec.definition_hash(lib):
            continue
        if set(measures) <= set(spec.measures) and needed <= set(spec.dimensions) and _time_fits(spec, keys, span):
            return spec
    return None


def from_rollup(
    lib: Library, measures, keys, filters, span, available: Mapping[str, str], signs=None, extra_keys=()
) -> exp.Select | None:
    if extra_keys or not available:
        return None
    spec = pick(lib, measures, keys, filters, span, available)
    if spec is None:
        return None
    table = spec.table
    day = exp.column(spec.time_column, table=table)  # the first day of the rollup's period

    def column(name: str) -> exp.Expression:
        base, grain = split_time(name)
        if base == "metric_time":
            return day.copy() if (grain or "day") == spec.grain else timegrain.truncate(day.copy(), grain or "day")
        dim = lib.dimensions[base]
        if dim.base is not None:
            return grouping.case(dim, exp.column(dim.base, table=table))
        return exp.column(base, table=table)

    key_exprs = [(k.name, column(k.name)) for k in keys]
    values = []
    for i, name in enumerate(measures):
        total = exp.Sum(this=exp.column(name, table=table))
        values.append(exp.alias_(exp.Neg(this=total) if signs and signs[i] < 0 else total, name))
    select = exp.select(*[exp.alias_(e, n) for n, e in key_exprs], *values, copy=False).from_(
        sqlbits.table(table), copy=False
    )
    conditions = span.conditions(day) + [exp.paren(bind(tree, column), copy=False) for tree in filters]
    if conditions:
        select = select.where(exp.and_(*conditions, copy=False), copy=False)
    if key_exprs:
        select = select.group_by(*[e.copy() for _, e in key_exprs], copy=False)
    return select


def used_in(lib: Library, tree: exp.Expression) -> tuple[str, ...]:
    """The declared rollups `tree` reads, in the order they appear in its SQL."""
    by_table = {spec.table: spec.name for spec in load_rollups(lib).values()}
    tables = (t.name for t in tree.find_all(exp.Table, bfs=False))
    return tuple(dict.fromkeys(by_table[name] for name in tables if name in by_table))
