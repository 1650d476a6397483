"""Answering a measure SELECT from a rollup, when (and only when) it is exact.

compile_query sets the rollups the warehouse has (name -> definition hash);
measure_select asks `from_rollup` first. A rollup qualifies when it keeps every
measure asked, every dimension used in the group-by, the where and the row
filters, and its definition hash matches the library's (so a rollup built
from an older definition is never used). A day rollup answers every time grain.
A month rollup answers only month, quarter and year, and only a range of whole
months (or an open one), since it cannot split a month. The first declared
rollup that answers is used, so rollups.yml lists the smallest first.
"""
from __future__ import annotations

import contextvars
from collections.abc import Sequence

from sqlglot import exp

from semantic.compile import sqlbits, timegrain
from semantic.compile.where import bind
from semantic.model.library import Library, split_time

AVAILABLE: contextvars.ContextVar[dict[str, str]] = contextvars.ContextVar("rollups_available", default={})
USED: contextvars.ContextVar[list[str] | None] = contextvars.ContextVar("rollups_used", default=None)


def _dimensions(keys, filters) -> set[str]:
    out = {k.dimension for k in keys if not k.is_time}
    for tree in filters:
        out |= {c.name for c in tree.find_all(exp.Column)}
    return out


def _time_fits(spec, keys, span) -> bool:
    if spec.grain == "day":
        return True
    if any(k.is_time and k.grain not in timegrain.GRAIN_MONTHS for k in keys):
        return False  # day and week periods split months
    starts_ok = span.start is None or span.start.day == 1
    return starts_ok and (span.end is None or timegrain.is_month_end(span.end))


def pick(lib: Library, measures: Sequence[str], keys, filters, span) -> object | None:
    available = AVAILABLE.get()
    if not available:
        return None
    from semantic.rollup.spec import load_rollups

    needed = _dimensions(keys, filters)
    for spec in load_rollups(lib).values():  # declared smallest first: the first that answers
        if available.get(spec.name) != spec.definition_hash(lib):
            continue
        if set(measures) <= set(spec.measures) and needed <= set(spec.dimensions) and _time_fits(spec, keys, span):
            return spec
    return None


def from_rollup(lib: Library, measures, keys, filters, span, signs=None, extra_keys=()) -> exp.Select | None:
    if extra_keys:
        return None
    spec = pick(lib, measures, keys, filters, span)
    if spec is None:
        return None
    used = USED.get()
    if used is not None and spec.name not in used:
        used.append(spec.name)
    table = spec.table
    day = exp.column(spec.time_column, table=table)  # the first day of the rollup's period

    def column(name: str) -> exp.Expression:
        base, grain = split_time(name)
        if base == "metric_time":
            return day.copy() if (grain or "day") == spec.grain else timegrain.truncate(day.copy(), grain or "day")
        return exp.column(base, table=table)

    key_exprs = [(k.name, column(k.name)) for k in keys]
    values = []
    for i, name in enumerate(measures):
        total = exp.Sum(this=exp.column(name, table=table))
        values.append(exp.alias_(exp.Neg(this=total) if signs and signs[i] < 0 else total, name))
    select = exp.select(*[exp.alias_(e, n) for n, e in key_exprs], *values, copy=False).from_(
        sqlbits.table(table), copy=False)
    conditions = span.conditions(day) + [exp.paren(bind(tree, column), copy=False) for tree in filters]
    if conditions:
        select = select.where(exp.and_(*conditions, copy=False), copy=False)
    if key_exprs:
        select = select.group_by(*[e.copy() for _, e in key_exprs], copy=False)
    return select
