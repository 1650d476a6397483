"""Spark SQL's spelling. The calendar: EXPLODE(SEQUENCE(low, high, step)) over DATEs; a generator may
not sit inside another expression in Spark, so the dates come out of SEQUENCE already typed."""

from __future__ import annotations

from sqlglot import exp

from semantic.compile.dialects import PeriodSeries


def lower(tree: exp.Expression) -> exp.Expression:
    def rewrite(node: exp.Expression) -> exp.Expression:
        if isinstance(node, PeriodSeries):
            day = exp.DataType.build("date")
            series = exp.GenerateSeries(
                start=exp.cast(node.this, day), end=exp.cast(node.expression, day), step=node.args["step"]
            )
            return exp.Explode(this=series)
        return node

    return tree.transform(rewrite, copy=False)
