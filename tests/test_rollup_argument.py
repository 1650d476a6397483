"""The rollups a warehouse has reach the compiler as an argument, never as hidden
state: the same arguments give the same tree, whatever ran before or around it."""

from __future__ import annotations

from sqlglot import exp

from semantic import Query
from semantic.compile.assemble import compile_query
from semantic.compile.source import GroupKey, Range, measure_select
from semantic.rollup import choose


def tables(tree: exp.Expression) -> set[str]:
    return {t.name for t in tree.find_all(exp.Table)}


def test_measure_select_reads_a_rollup_only_when_given_it(rolled, library):
    have = rolled.rollups()
    keys = [GroupKey.parse("region")]
    assert "rollup_orders_by_day" in tables(measure_select(library, ["revenue"], keys, [], Range(), rollups=have))
    assert "order_lines" in tables(measure_select(library, ["revenue"], keys, [], Range()))


def test_compile_query_is_a_function_of_its_arguments(rolled, library):
    have = rolled.rollups()
    query = Query(metrics=("revenue", "cash_in"), group_by=("metric_time__month", "region"))
    with_rollups = compile_query(library, query, rollups=have)
    without = compile_query(library, query)
    assert with_rollups.rollups and not without.rollups
    assert set(with_rollups.rollups) <= {t.removeprefix("rollup_") for t in tables(with_rollups.tree)}
    assert not any(t.startswith("rollup_") for t in tables(without.tree))
    assert compile_query(library, query, rollups=have).sql() == with_rollups.sql()  # nothing left behind
    assert compile_query(library, query).sql() == without.sql()
    assert not [name for name in vars(choose) if name.isupper()]  # no module-level state in the chooser
