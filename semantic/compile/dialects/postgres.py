"""PostgreSQL's spelling of what the compiler leaves neutral, and what its planner needs.

The calendar: generate_series is a set-returning function in the SELECT list (never inside UNNEST), over
timestamps (date arguments are ambiguous between its timestamp and timestamptz forms), each period start
cast back to DATE. Plan lines: jsonb_to_recordset(CAST(j AS JSONB)) with a typed column list.

Null-safe join keys: the compiler joins facts, the key spine and the prior period with
`a IS NOT DISTINCT FROM b` (a NULL region meets the NULL region). PostgreSQL can neither hash nor merge
that operator, so such a join is a nested loop: rows x rows comparisons (a prior-year comparison by
customer at scale 1 is 16 million; by customer and month, a timeout). Each such key therefore also gets
a hashable equality it implies, `COALESCE(CAST(a AS TEXT), '') = COALESCE(CAST(b AS TEXT), '')`; the
original condition stays beside it, so the answer is exactly the null-safe join, only found by hashing.
(Equal keys of one type have one text form: the compiler's keys are dimension columns and period starts.)

What sqlglot already spells for PostgreSQL as DuckDB means it: `/` on integers (cast to double
precision: DuckDB divides to a DOUBLE), NULLs last in every ORDER BY (the compiler says so explicitly,
sqlglot writes NULLS LAST where PostgreSQL's default differs), ISO weeks (date_trunc('week') is Monday
on both); text order is code point order because the loader declares text columns COLLATE "C".
"""

from __future__ import annotations

from sqlglot import exp

from semantic.compile.dialects import PeriodSeries, PlanRows, plan_rows_alias


def _hashable(key: exp.NullSafeEQ) -> exp.Expression:
    def text(side: exp.Expression) -> exp.Expression:
        as_text = exp.cast(side.copy(), exp.DataType.build("text"))
        return exp.Coalesce(this=as_text, expressions=[exp.Literal.string("")])

    return exp.and_(exp.EQ(this=text(key.this), expression=text(key.expression)), key.copy(), copy=False)


def lower(tree: exp.Expression) -> exp.Expression:
    def rewrite(node: exp.Expression) -> exp.Expression:
        if isinstance(node, PeriodSeries):
            stamp = exp.DataType.build("timestamp")
            series = exp.GenerateSeries(
                start=exp.cast(node.this, stamp), end=exp.cast(node.expression, stamp), step=node.args["step"]
            )
            return exp.cast(series, exp.DataType.build("date"))
        if isinstance(node, PlanRows):  # jsonb_to_recordset(CAST(j AS JSONB)) AS plan_rows(version TEXT, ...)
            rows = exp.Anonymous(this="jsonb_to_recordset", expressions=[exp.cast(node.this, "jsonb")])
            return exp.Table(this=rows, alias=plan_rows_alias(columns=True))
        if isinstance(node, exp.Join) and node.args.get("on") is not None:
            on = node.args["on"]
            keys = [on] if isinstance(on, exp.NullSafeEQ) else list(on.find_all(exp.NullSafeEQ))
            for key in keys:
                if isinstance(key.this, exp.Column) and isinstance(key.expression, exp.Column):
                    hashed = _hashable(key)
                    if key is on:
                        node.set("on", hashed)
                    else:
                        key.replace(exp.paren(hashed, copy=False))
        return node

    return tree.transform(rewrite, copy=False)
