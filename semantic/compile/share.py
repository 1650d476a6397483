"""What a share metric divides by: its base over all members of `across`.

revenue_share (across region) grouped by region and month is each region's revenue
over the month's revenue of every region: the denominator is the base built with
the group keys minus `across` (and minus groupings of `across`), under the query's
where without the conjuncts that mention them. The row policy is never dropped, so
a share never reveals a total over rows its reader may not see. assemble.py builds
the denominator as a query of its own and joins it on the keys it kept.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlglot import exp

from semantic.compile.source import GroupKey
from semantic.compile.where import dimension_names
from semantic.model.library import Library

TOTAL = "share_total"  # the denominator's value column


def across_dimensions(lib: Library, across: str) -> set[str]:
    """`across` and the groupings over it (city tier over city): filters on them go."""
    return {across} | {name for name, dim in lib.dimensions.items() if dim.base == across}


def conjuncts(tree: exp.Expression) -> list[exp.Expression]:
    """The parts of a top-level AND (through parentheses); the tree itself otherwise."""
    inner = tree.unnest()
    if isinstance(inner, exp.And):
        return conjuncts(inner.this) + conjuncts(inner.expression)
    return [tree]


def scope(
    lib: Library, metric: str, keys: Sequence[GroupKey], where: exp.Expression | None
) -> tuple[tuple[GroupKey, ...], exp.Expression | None]:
    """The denominator's group keys and where for share metric `metric`."""
    dropped = across_dimensions(lib, lib.metrics[metric].across)  # type: ignore[arg-type]
    kept_keys = tuple(k for k in keys if k.is_time or k.dimension not in dropped)
    if where is None:
        return kept_keys, None
    kept = [c for c in conjuncts(where) if not set(dimension_names(c)) & dropped]
    return kept_keys, (exp.and_(*[c.copy() for c in kept], copy=False) if kept else None)
