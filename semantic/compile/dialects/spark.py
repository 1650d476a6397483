"""Spark SQL's spelling, so Spark answers exactly what DuckDB answers.

- The calendar: EXPLODE(SEQUENCE(low, high, step)) over DATEs; a generator may not sit inside another
  expression in Spark, so the dates come out of SEQUENCE already typed.
- Plan lines: inline(from_json(j, 'array<struct<...>>')) in a subquery.
- Division: DuckDB divides in DOUBLE whatever the operands (a DECIMAL over a DECIMAL too); Spark keeps a
  DECIMAL quotient rounded to 6 places, so a ratio would be off in the 7th digit. Every `/` divides a
  DOUBLE here as well.
"""

from __future__ import annotations

from sqlglot import exp

from semantic.compile.dialects import PLAN_COLUMNS, PeriodSeries, PlanRows, plan_rows_alias

_TYPES = {"text": "string", "date": "date", "decimal(18,2)": "decimal(18,2)"}
SCHEMA = "array<struct<" + ",".join(f"{name}:{_TYPES[kind]}" for name, kind in PLAN_COLUMNS) + ">>"

DOUBLE = exp.DataType.build("double")


def lower(tree: exp.Expression) -> exp.Expression:
    def rewrite(node: exp.Expression) -> exp.Expression:
        if isinstance(node, PeriodSeries):
            day = exp.DataType.build("date")
            series = exp.GenerateSeries(
                start=exp.cast(node.this, day), end=exp.cast(node.expression, day), step=node.args["step"]
            )
            return exp.Explode(this=series)
        if isinstance(node, PlanRows):  # (SELECT inline(from_json(j, 'array<struct<...>>'))) AS plan_rows
            rows = exp.Inline(this=exp.FromJson(this=node.this, expression=exp.Literal.string(SCHEMA)))
            return exp.Subquery(this=exp.select(rows, copy=False), alias=plan_rows_alias())
        if isinstance(node, exp.Div) and not _is_double(node.this):
            node.set("this", exp.cast(node.this, DOUBLE))
        return node

    return tree.transform(rewrite, copy=False)


def _is_double(node: exp.Expression) -> bool:
    return isinstance(node, exp.Cast) and node.to.is_type(exp.DataType.Type.DOUBLE)
