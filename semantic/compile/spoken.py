"""A stored filter as people read it: `department = 'Finance' AND account = 'Audit fees'` becomes
"Department = Finance and Account = Audit fees" / "部门 = 财务部 且 科目 = 审计费", with dimension and
member labels from the library. For the audit log and anywhere a filter is shown back; a filter that
does not parse (an old or hand-edited record) is returned as written."""

from __future__ import annotations

from sqlglot import exp

from semantic.compile.where import parse_where
from semantic.errors import SemanticError

WORDS = {
    "en": {
        "and": " and ",
        "or": " or ",
        "not": "not ",
        "in": " is one of ",
        "between": " between ",
        "to": " and ",
        "null": " is empty",
        "like": " matches ",
        "sep": ", ",
    },
    "zh": {
        "and": " 且 ",
        "or": " 或 ",
        "not": "非 ",
        "in": " 属于 ",
        "between": " 介于 ",
        "to": " 与 ",
        "null": " 为空",
        "like": " 匹配 ",
        "sep": "、",
    },
}
SIGNS = {exp.EQ: "=", exp.NEQ: "≠", exp.GT: ">", exp.GTE: "≥", exp.LT: "<", exp.LTE: "≤"}


def spoken(text: str | None, library, lang: str = "en") -> str:
    if not text:
        return ""
    try:
        tree = parse_where(text, tuple(library.dimensions))
    except (SemanticError, RecursionError):
        return text
    return _say(tree, library, lang, WORDS.get(lang, WORDS["en"]))


def _label(spec, lang: str) -> str:
    data = spec.model_dump() if hasattr(spec, "model_dump") else dict(spec)
    return data.get(lang) or data.get("en") or ""


def _value(node: exp.Expression, library, lang: str, dimension: str | None) -> str:
    if isinstance(node, exp.Column):
        dim = library.dimensions.get(node.name)
        return _label(dim.label, lang) if dim else node.name
    if isinstance(node, exp.Null):
        return "NULL"
    value = str(node.this) if isinstance(node, exp.Literal) else node.sql()
    members = library.dimensions[dimension].members if dimension in library.dimensions else {}
    return _label(members[value], lang) if value in members else value


def _say(node: exp.Expression, library, lang: str, w: dict) -> str:
    def side(n):
        return _value(n, library, lang, dimension_of(node))

    if isinstance(node, exp.Paren):
        return f"({_say(node.this, library, lang, w)})"
    if isinstance(node, exp.And | exp.Or):
        joint = w["and"] if isinstance(node, exp.And) else w["or"]
        return _say(node.this, library, lang, w) + joint + _say(node.expression, library, lang, w)
    if isinstance(node, exp.Not):
        return w["not"] + _say(node.this, library, lang, w)
    if type(node) in SIGNS:
        return f"{side(node.this)} {SIGNS[type(node)]} {side(node.expression)}"
    if isinstance(node, exp.Like | exp.ILike):
        return f"{side(node.this)}{w['like']}{side(node.expression)}"
    if isinstance(node, exp.In):
        return side(node.this) + w["in"] + w["sep"].join(side(v) for v in node.expressions)
    if isinstance(node, exp.Between):
        return side(node.this) + w["between"] + side(node.args["low"]) + w["to"] + side(node.args["high"])
    if isinstance(node, exp.Is):
        return side(node.this) + w["null"]
    return node.sql()


def dimension_of(node: exp.Expression) -> str | None:
    column = next(node.find_all(exp.Column), None)
    return column.name if column else None
