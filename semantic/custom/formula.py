"""A user's formula ("gross_profit - 3% * revenue", "毛利 / 订单数") -> the library's expression tree.

The text is read by a small tokenizer of its own, not by a SQL parser: a formula is metric
names (or their English or Chinese labels, [in brackets] when they contain spaces), numbers
(3% is 0.03), + - * / and parentheses. Anything else (a quote, a semicolon, SELECT, a
function) is refused with the position and the word that is wrong, so no SQL can ride in on
a formula. The result is built node by node as a sqlglot tree of metric columns and numeric
literals: the same shape as a derived metric's `expr` in the YAML library, rendered back to
that text for storage.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from sqlglot import exp

from semantic.errors import QueryError, did_you_mean

MAX_FORMULA = 2000
MAX_TERMS = 60  # names and numbers in one formula
TOKEN = re.compile(
    r"\s*(?:"
    r"(?P<number>\d+(?:\.\d+)?%?)"
    r"|(?P<bracket>\[[^\[\]]{1,80}\])"
    r"|(?P<name>[A-Za-z_][A-Za-z0-9_]*|[\u3400-\u9fff][\u3400-\u9fffA-Za-z0-9_%]*)"
    r"|(?P<op>[-+*/()×÷（）])"
    r")"
)
OPS = {"×": "*", "÷": "/", "（": "(", "）": ")"}
ALLOWED = "metric names (or their labels in [brackets]), numbers, 3% for 0.03, + - * / and parentheses"


@dataclass(frozen=True)
class Token:
    kind: str  # number | name | op
    text: str
    at: int  # 1-based character position, for the message


def refuse(reason: str) -> QueryError:
    return QueryError(f"formula: {reason}. A formula may use {ALLOWED}.")


def tokens(text: str) -> list[Token]:
    if len(text) > MAX_FORMULA:
        raise refuse(f"it is {len(text):,} characters long; keep it under {MAX_FORMULA:,}")
    out: list[Token] = []
    pos = 0
    stripped = text.rstrip()
    while pos < len(stripped):
        match = TOKEN.match(stripped, pos)
        if match is None or match.end() == pos:
            at = pos + len(stripped[pos:]) - len(stripped[pos:].lstrip())
            word = re.match(r"\S+", stripped[at:]).group(0)[:20]
            raise refuse(f"'{word}' at character {at + 1} is not allowed")
        kind = match.lastgroup
        value = match.group(kind)
        if kind == "bracket":
            kind, value = "name", value[1:-1].strip()
        out.append(Token(kind, OPS.get(value, value), match.start(kind) + 1))
        pos = match.end()
    if not out:
        raise refuse("it is empty")
    if sum(t.kind != "op" for t in out) > MAX_TERMS:
        raise refuse(f"it has more than {MAX_TERMS} names and numbers; split it into two metrics")
    return out


def parse_formula(text: str, resolve: Callable[[str], str | None], choices: tuple[str, ...] = ()) -> exp.Expression:
    """The tree of `text`; `resolve` turns a name or label into a metric name (None: unknown).
    Unknown names and SQL are QueryErrors pointing at the part that is wrong."""
    return _Parser(tokens(text), resolve, choices).formula()


class _Parser:
    """formula := term (('+'|'-') term)* ; term := factor (('*'|'/') factor)* ;
    factor := '-' factor | number | name | '(' formula ')'"""

    def __init__(self, items: list[Token], resolve, choices):
        self.items, self.i, self.resolve, self.choices, self.depth = items, 0, resolve, choices, 0

    def peek(self) -> Token | None:
        return self.items[self.i] if self.i < len(self.items) else None

    def take(self) -> Token:
        token = self.peek()
        if token is None:
            raise refuse("it ends too early (a name or number is missing at the end)")
        self.i += 1
        return token

    def formula(self) -> exp.Expression:
        tree = self.sum()
        extra = self.peek()
        if extra is not None:
            raise refuse(f"'{extra.text}' at character {extra.at} does not follow from what comes before it")
        return tree

    def sum(self) -> exp.Expression:
        tree = self.term()
        while (token := self.peek()) is not None and token.text in "+-" and token.kind == "op":
            self.i += 1
            right = self.term()
            tree = exp.Add(this=tree, expression=right) if token.text == "+" else exp.Sub(this=tree, expression=right)
        return tree

    def term(self) -> exp.Expression:
        tree = self.factor()
        while (token := self.peek()) is not None and token.text in "*/" and token.kind == "op":
            self.i += 1
            right = self.factor()
            tree = exp.Mul(this=tree, expression=right) if token.text == "*" else exp.Div(this=tree, expression=right)
        return tree

    def factor(self) -> exp.Expression:
        token = self.take()
        if token.kind == "number":
            if token.text.endswith("%"):
                return exp.Literal.number(_percent(token.text[:-1]))
            return exp.Literal.number(token.text)
        if token.kind == "name":
            name = self.resolve(token.text)
            if name is None:
                raise QueryError(
                    f"formula: '{token.text}' at character {token.at} is not a metric you can use."
                    f"{did_you_mean(token.text, self.choices)}"
                )
            return exp.column(name)
        if token.text == "-":
            return exp.Neg(this=self.factor())
        if token.text == "(":
            self.depth += 1
            if self.depth > 20:
                raise refuse("it has more than 20 levels of parentheses")
            inner = self.sum()
            if self.peek() is None:
                raise refuse("a ')' is missing at the end")
            close = self.take()
            if close.text != ")":
                raise refuse(f"a ')' is missing before character {close.at}")
            self.depth -= 1
            return exp.Paren(this=inner)
        raise refuse(f"'{token.text}' at character {token.at} needs a name or a number before it")


def _percent(digits: str) -> str:
    """'3' -> '0.03', '12.5' -> '0.125' exactly (no float rounding)."""
    whole, _, frac = digits.partition(".")
    scaled = (whole + frac).lstrip("0") or "0"
    places = len(frac) + 2
    scaled = scaled.rjust(places + 1, "0")
    text = f"{scaled[:-places]}.{scaled[-places:]}".rstrip("0").rstrip(".")
    return text or "0"


def names_in(tree: exp.Expression) -> tuple[str, ...]:
    return tuple(dict.fromkeys(c.name for c in tree.find_all(exp.Column)))


def divides_by_constant_zero(tree: exp.Expression) -> bool:
    """`revenue / 0`: always empty, so it is refused rather than shown as a blank column."""
    return any(isinstance(d.expression, exp.Literal) and float(d.expression.this) == 0 for d in tree.find_all(exp.Div))
