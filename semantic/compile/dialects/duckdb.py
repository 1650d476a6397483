"""DuckDB's spelling: the calendar is UNNEST(GENERATE_SERIES(low, high, step)) cast to DATE."""

from __future__ import annotations

from sqlglot import exp

from semantic.compile.dialects import PeriodSeries


def lower(tree: exp.Expression) -> exp.Expression:
    def rewrite(node: exp.Expression) -> exp.Expression:
        if isinstance(node, PeriodSeries):
            series = exp.GenerateSeries(start=node.this, end=node.expression, step=node.args["step"])
            return exp.cast(exp.Explode(this=series), exp.DataType.build("date"))
        return node

    return tree.transform(rewrite, copy=False)
