"""DuckDB's spelling: the calendar is UNNEST(GENERATE_SERIES(low, high, step)) cast to DATE; plan lines
are unnest(from_json(j, schema), recursive := true)."""

from __future__ import annotations

from sqlglot import exp

from semantic.compile.dialects import PLAN_COLUMNS, PeriodSeries, PlanRows, plan_rows_alias

_TYPES = {"text": "VARCHAR", "date": "DATE", "decimal(18,2)": "DECIMAL(18,2)"}
SCHEMA = "[{" + ",".join(f'"{name}":"{_TYPES[kind]}"' for name, kind in PLAN_COLUMNS) + "}]"


def plan_rows(node: PlanRows) -> exp.Expression:
    """unnest(from_json(j, '[{...}]'), recursive := true): one row per JSON object, typed by the schema."""
    rows = exp.Explode(
        this=exp.FromJson(this=node.this, expression=exp.Literal.string(SCHEMA)),
        expressions=[exp.PropertyEQ(this=exp.to_identifier("recursive"), expression=exp.true())],
    )
    return exp.Subquery(this=exp.select(rows, copy=False), alias=plan_rows_alias())


def lower(tree: exp.Expression) -> exp.Expression:
    def rewrite(node: exp.Expression) -> exp.Expression:
        if isinstance(node, PeriodSeries):
            series = exp.GenerateSeries(start=node.this, end=node.expression, step=node.args["step"])
            return exp.cast(exp.Explode(this=series), exp.DataType.build("date"))
        if isinstance(node, PlanRows):
            return plan_rows(node)
        return node

    return tree.transform(rewrite, copy=False)
