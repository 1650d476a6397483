"""PostgreSQL's spelling. The calendar: generate_series is a set-returning function in the SELECT list
(never inside UNNEST), over timestamps (date arguments are ambiguous between its timestamp and timestamptz
forms), each period start cast back to DATE."""

from __future__ import annotations

from sqlglot import exp

from semantic.compile.dialects import PeriodSeries


def lower(tree: exp.Expression) -> exp.Expression:
    def rewrite(node: exp.Expression) -> exp.Expression:
        if isinstance(node, PeriodSeries):
            stamp = exp.DataType.build("timestamp")
            series = exp.GenerateSeries(
                start=exp.cast(node.this, stamp), end=exp.cast(node.expression, stamp), step=node.args["step"]
            )
            return exp.cast(series, exp.DataType.build("date"))
        return node

    return tree.transform(rewrite, copy=False)
