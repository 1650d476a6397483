"""A grouping's value: its base dimension's column wrapped in a CASE.

Buckets: the first bucket listing the member; bands: the first band whose `below`
the value is under. Anything else is the grouping's `other` label (NULL when it has
none); a NULL base value stays NULL. The value is the label's en text, built as a
fresh sqlglot literal.
"""

from __future__ import annotations

from sqlglot import exp

from semantic.model.schema import DimensionSpec


def case(spec: DimensionSpec, value: exp.Expression) -> exp.Expression:
    """The grouping `spec` of the base column `value`."""
    node = exp.Case().when(exp.Is(this=value.copy(), expression=exp.Null()), exp.Null(), copy=False)
    for bucket in spec.buckets:
        members = [exp.Literal.string(m) for m in bucket.members]
        node = node.when(
            exp.In(this=value.copy(), expressions=members), exp.Literal.string(bucket.label.en), copy=False
        )
    for band in spec.bands:
        below = exp.Literal.number(repr(float(band.below)))
        node = node.when(exp.LT(this=value.copy(), expression=below), exp.Literal.string(band.label.en), copy=False)
    return node.else_(exp.Literal.string(spec.other.en) if spec.other else exp.Null(), copy=False)
