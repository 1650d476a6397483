"""User filters: a where expression over dimensions, parsed and rebuilt safely.

The user's text is parsed by sqlglot and then rebuilt node by node from a short
list of allowed shapes: dimension names, literals, comparisons, IN, BETWEEN,
LIKE, IS NULL, AND, OR, NOT and parentheses. Every value is re-created as a
fresh sqlglot literal, so nothing of the user's text reaches SQL except through
sqlglot's own quoting. Anything else (functions, subqueries, table names,
several statements, comments) is refused with a message that says what is
allowed.

Hostile sizes are refused before parsing: a filter longer than MAX_LENGTH
characters or nested deeper than MAX_DEPTH (parentheses and NOTs) gets a clear
message, and any parse or recursion failure left (sqlglot errors,
RecursionError) becomes the usual one-line QueryError, never a traceback.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from decimal import Decimal, InvalidOperation

import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError

from semantic.errors import QueryError, did_you_mean

ALLOWED = (
    "dimension names, 'quoted text', numbers, dates as 'YYYY-MM-DD', = <> != < <= > >=, "
    "IN (...), BETWEEN ... AND ..., LIKE, IS [NOT] NULL, AND, OR, NOT and parentheses"
)
MAX_LENGTH = 4000
MAX_DEPTH = 25  # parentheses and NOTs inside each other (sqlglot parses ~23 frames per parenthesis)
TOO_DEEP = f"it is nested too deeply; use at most {MAX_DEPTH} levels of parentheses and NOT"
COMPARISONS = (exp.EQ, exp.NEQ, exp.GT, exp.GTE, exp.LT, exp.LTE, exp.Like, exp.ILike)
CONNECTIVES = (exp.And, exp.Or)


def refuse(reason: str) -> QueryError:
    return QueryError(f"where: {reason}. A filter may use {ALLOWED}.")


def parse_where(text: str, known: Iterable[str]) -> exp.Expression:
    """Parse and rebuild `text`; columns in the result are bare dimension names."""
    return rebuild(parse_text(text), known)


def rebuild(tree: exp.Expression, known: Iterable[str]) -> exp.Expression:
    """Re-create a parsed filter from allowed shapes only, with fresh literals."""
    try:
        return _rebuild(tree, tuple(known))
    except RecursionError:
        raise refuse(TOO_DEEP) from None


def size_problem(text: str) -> str | None:
    """Why `text` is too big to parse safely (too long, nested too deeply), or None.
    A plain scan of the characters, no parser, so it is safe on any input."""
    if len(text) > MAX_LENGTH:
        return f"the filter is longer than {MAX_LENGTH} characters; shorten it"
    if _nesting(text) > MAX_DEPTH:
        return f"the filter is nested more than {MAX_DEPTH} levels deep (parentheses and NOT); simplify it"
    return None


def parse_text(text: str) -> exp.Expression:
    """sqlglot's tree of one condition; several statements or comments are refused."""
    problem = size_problem(text)
    if problem:
        raise refuse(problem)
    try:
        statements = sqlglot.parse(text, read="duckdb")
    except SqlglotError:
        raise refuse("it could not be read (check quotes and parentheses)") from None
    except RecursionError:
        raise refuse(TOO_DEEP) from None
    statements = [s for s in statements if s is not None]
    if len(statements) != 1:
        raise refuse("it must be a single condition, not several statements")
    tree = statements[0]
    if any(node.comments for node in tree.walk()):
        raise refuse("comments are not allowed")
    return tree


def _nesting(text: str) -> int:
    """How deep parentheses and NOTs go in `text`, quoted text skipped. A NOT nests
    what follows it up to the next AND or OR at its level (NOT NOT x is 2 deep)."""
    deepest, base, run, stack = 0, 0, 0, []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch in "'\"":  # a quoted value or name: '' inside is an escaped quote
            end = text.find(ch, i + 1)
            while end != -1 and end + 1 < n and text[end + 1] == ch:
                end = text.find(ch, end + 2)
            i = n if end == -1 else end + 1
            continue
        if ch == "(":
            stack.append((base, run))
            base, run = base + run + 1, 0
        elif ch == ")":
            base, run = stack.pop() if stack else (0, 0)
        elif ch.isalpha() or ch == "_":
            j = i
            while j < n and (text[j].isalnum() or text[j] == "_"):
                j += 1
            word = text[i:j].upper()
            if word == "NOT":
                run += 1
            elif word in ("AND", "OR"):
                run = 0
            i = j
            deepest = max(deepest, base + run)
            continue
        deepest = max(deepest, base + run)
        i += 1
    return deepest


def bind(tree: exp.Expression, column_for: Callable[[str], exp.Expression]) -> exp.Expression:
    """Replace each bare dimension name with the column it means for one fact."""
    return tree.transform(lambda node: column_for(node.name) if isinstance(node, exp.Column) else node)


def dimension_names(tree: exp.Expression) -> tuple[str, ...]:
    return tuple(dict.fromkeys(c.name for c in tree.find_all(exp.Column)))


def _rebuild(node: exp.Expression, known: tuple[str, ...]) -> exp.Expression:
    if isinstance(node, exp.Paren):
        return exp.Paren(this=_rebuild(node.this, known))
    if isinstance(node, CONNECTIVES):
        return type(node)(this=_condition(node.this, known), expression=_condition(node.expression, known))
    if isinstance(node, exp.Not):
        return exp.Not(this=_condition(node.this, known))
    if isinstance(node, COMPARISONS):
        if node.args.get("escape") is not None:
            raise refuse("LIKE ... ESCAPE is not supported")
        _needs_dimension(node, node.this, node.expression)
        return type(node)(this=_operand(node.this, known), expression=_operand(node.expression, known))
    if isinstance(node, exp.Escape):
        raise refuse("LIKE ... ESCAPE is not supported")
    if isinstance(node, exp.Between):
        _needs_dimension(node, node.this)
        return exp.Between(
            this=_operand(node.this, known),
            low=_operand(node.args["low"], known),
            high=_operand(node.args["high"], known),
        )
    if isinstance(node, exp.In):
        if node.args.get("query") or node.args.get("unnest") or node.args.get("field"):
            raise refuse("IN takes a list of values, not a subquery")
        _needs_dimension(node, node.this)
        values = node.expressions
        if not values:
            raise refuse("IN needs at least one value")
        return exp.In(this=_operand(node.this, known), expressions=[_literal(v) for v in values])
    if isinstance(node, exp.Is):
        if not isinstance(node.expression, exp.Null):
            raise refuse("IS may only be followed by NULL or NOT NULL")
        _needs_dimension(node, node.this)
        return exp.Is(this=_operand(node.this, known), expression=exp.Null())
    if isinstance(node, exp.Column):
        raise refuse(f"'{node.sql()}' alone is not a condition; compare it, e.g. {node.name} = 'value'")
    raise refuse(f"'{_short(node)}' is not allowed")


def _needs_dimension(node: exp.Expression, *sides: exp.Expression) -> None:
    """A condition must be about a dimension: `1 = 1` or `'a' IN ('a')` say nothing."""

    def is_column(side: exp.Expression) -> bool:
        return isinstance(side.unnest(), exp.Column)

    if not any(is_column(side) for side in sides):
        raise refuse(f"'{_short(node)}' does not compare a dimension with a value")


def _condition(node: exp.Expression, known: tuple[str, ...]) -> exp.Expression:
    if isinstance(node, (exp.Literal, exp.Boolean, exp.Null)):
        raise refuse(f"'{node.sql()}' alone is not a condition")
    return _rebuild(node, known)


def _operand(node: exp.Expression, known: tuple[str, ...]) -> exp.Expression:
    if isinstance(node, exp.Column):
        if node.table or node.args.get("db") or node.args.get("catalog"):
            raise refuse(f"'{node.sql()}' names a table; use dimension names only")
        name = node.name
        if name not in known:
            raise QueryError(
                f"where: unknown dimension '{name}'.{did_you_mean(name, known)} "
                "Quote text values ('East'); bare words are dimension names."
            )
        return exp.column(name)
    if isinstance(node, exp.Paren):
        return _operand(node.this, known)
    return _literal(node)


def _literal(node: exp.Expression) -> exp.Expression:
    """A brand-new literal carrying the same value, or a refusal."""
    if isinstance(node, exp.Null):
        return exp.Null()
    if isinstance(node, exp.Boolean):
        return exp.Boolean(this=bool(node.this))
    if isinstance(node, exp.Neg) and isinstance(node.this, exp.Literal) and not node.this.is_string:
        return exp.Literal.number(f"-{_number(node.this.this)}")
    if isinstance(node, exp.Cast) and isinstance(node.this, exp.Literal) and node.to.is_type("date"):
        return exp.Literal.string(_date(node.this.this).isoformat())
    if isinstance(node, exp.Literal):
        return exp.Literal.string(str(node.this)) if node.is_string else exp.Literal.number(_number(node.this))
    raise refuse(f"'{_short(node)}' is not a plain value")


def _number(text: str) -> str:
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise refuse(f"'{text}' is not a number") from None
    if not value.is_finite():
        raise refuse(f"'{text}' is not a finite number")
    return str(value)


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise refuse(f"'{text}' is not a date (YYYY-MM-DD)") from None


def _short(node: exp.Expression) -> str:
    text = node.sql(dialect="duckdb")
    return text if len(text) <= 60 else text[:57] + "..."
