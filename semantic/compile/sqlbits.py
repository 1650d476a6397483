"""Builders for the names the compiler makes itself (tables, CTEs, joins).

They build sqlglot nodes directly instead of parsing text: sqlglot's string
builders (to_table("x"), join(..., join_type="left")) run the parser on every
call, and that was a third of the compile time.
"""

from __future__ import annotations

from sqlglot import exp

_JOINS = {"inner": {"kind": "INNER"}, "left": {"side": "LEFT"}, "cross": {"kind": "CROSS"}}


def table(name: str, alias: str | None = None) -> exp.Table:
    node = exp.Table(this=exp.to_identifier(name))
    if alias:
        node.set("alias", exp.TableAlias(this=exp.to_identifier(alias)))
    return node


def join(select: exp.Select, target: exp.Expression, how: str, on: exp.Expression | None = None) -> exp.Select:
    """`select` JOIN `target` (inner, left or cross) ON `on`, in place."""
    node = exp.Join(this=target, **_JOINS[how])
    if on is not None:
        node.set("on", on)
    select.append("joins", node)
    return select
