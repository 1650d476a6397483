"""The few pieces of SQL each engine spells its own way, as passes over the compiled tree.

The compiler builds one dialect-neutral sqlglot tree; where no common spelling exists it leaves a
neutral node (`PeriodSeries`: the dense calendar of a balance). `render(tree, dialect)` hands the tree
to that dialect's pass (`lower`: expression in, expression out; one small module per engine) and then
to sqlglot's generator. A dialect without a module of its own (snowflake, bigquery: compile-only, for
`python -m semantic sql --dialect`) gets DuckDB's spelling of the calendar.
"""

from __future__ import annotations

import importlib

from sqlglot import exp


class PeriodSeries(exp.Expression, exp.Func):
    """One row per period start from `this` to `expression` (both dates, inclusive), `step` apart
    (an INTERVAL): the calendar a balance's running sum walks, so a period without movements still has
    its balance. Each dialect's `lower` replaces it with that engine's set-returning spelling."""

    arg_types = {"this": True, "expression": True, "step": True}


LOWERED = ("duckdb", "postgres", "spark")  # the engines Concord runs on, each with a module here


def lower(tree: exp.Expression, dialect: str) -> exp.Expression:
    """`tree` with every neutral node replaced by `dialect`'s spelling (a copy; `tree` is unchanged)."""
    name = dialect if dialect in LOWERED else "duckdb"
    module = importlib.import_module(f"semantic.compile.dialects.{name}")
    return module.lower(tree.copy())


def render(tree: exp.Expression, dialect: str, pretty: bool = False) -> str:
    """The SQL text of `tree` in `dialect`, after that dialect's pass."""
    return lower(tree, dialect).sql(dialect=dialect, pretty=pretty)
