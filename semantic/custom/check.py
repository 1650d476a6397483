"""From the "New metric" / "New grouping" forms to a checked library entry.

`metric_spec` and `grouping_spec` turn what a user filled in (a `MetricDraft`, a
`GroupingDraft`) into the MetricSpec / DimensionSpec the YAML library would hold;
`validate` checks a definition against the library and the user's grants before the store
saves it. Every problem is one line naming the field that is wrong; nothing is saved.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict
from sqlglot import exp

from semantic import policy
from semantic.custom import registry
from semantic.custom.formula import divides_by_constant_zero, names_in, parse_formula
from semantic.custom.model import Definition
from semantic.custom.overlay import build, current_library
from semantic.custom.reads import reads
from semantic.errors import ModelError, PolicyError, QueryError, did_you_mean
from semantic.model.library import Library, metric_refs
from semantic.model.loader import default_library
from semantic.model.schema import DimensionSpec, MetricSpec, Text
from semantic.principal import Principal

NAME = re.compile(r"^[a-z][a-z0-9_]{1,47}$")
Format = Literal["currency", "percent", "count", "days", "number"]


class MetricDraft(BaseModel):
    """What the New metric form sends. kind: filtered (base where a filter), formula (metrics and
    constants with + - * /), share (base as a share of its total across a dimension's members)."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    name: str
    kind: Literal["filtered", "formula", "share"]
    label_en: str = ""
    label_zh: str = ""
    description: str = ""
    base: str | None = None
    where: str | None = None
    formula: str | None = None
    across: str | None = None
    format: Format | None = None  # None: from what it is built on
    good: Literal["up", "down", "neutral"] | None = None


class GroupingDraft(BaseModel):
    """What the New grouping form sends: members into buckets, or numeric bands (upper bounds)."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    name: str
    base: str
    label_en: str = ""
    label_zh: str = ""
    description: str = ""
    buckets: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (bucket label, members)
    bands: tuple[tuple[str, float], ...] = ()  # (band label, values below this)
    other: str = ""


def name_shape(name) -> str:
    """`name`, stripped, if it is a usable custom name, else the one-line QueryError (the store asks this
    before it reads anything; validate asks it again with the library)."""
    name = (name if isinstance(name, str) else "").strip()
    if not NAME.match(name) or "__" in name:
        raise QueryError(
            f"name: '{name[:60]}' is not a usable name; use lower_snake_case: 2-48 lowercase letters, digits and "
            "single underscores, starting with a letter, e.g. online_revenue."
        )
    return name


def check_name(name: str, library: Library) -> str:
    name = name_shape(name)
    if name in library.metrics or name in library.dimensions:
        kind = "metric" if name in library.metrics else "dimension"
        raise QueryError(f"name: '{name}' is already a library {kind}; choose another name.")
    return name


def _labels(draft, name: str) -> Text:
    en = draft.label_en.strip() or draft.label_zh.strip() or name.replace("_", " ").capitalize()
    zh = draft.label_zh.strip() or en
    if len(en) > 80 or len(zh) > 80:
        raise QueryError("label: keep a label under 80 characters.")
    _no_markup("label", en + zh)
    return Text(en=en, zh=zh)


def _no_markup(field: str, text: str) -> None:
    """A label is drawn inside charts, whose text understands a little HTML (<a href>, <b>): a user's
    label could draw a link on the CEO's office screen, so angle brackets are refused outright."""
    if "<" in text or ">" in text:
        raise QueryError(f"{field}: '<' and '>' are not allowed in a label; write the words without them.")


def _description(draft, label: Text) -> Text:
    text = draft.description.strip()
    if len(text) > 1000:
        raise QueryError("description: keep it under 1,000 characters.")
    return Text(en=text or label.en, zh=text or label.zh)


def resolver(library: Library, granted: frozenset[str]):
    """A formula's word -> metric name: a granted metric's name, or its English (any case) or Chinese label."""
    by_word: dict[str, str] = {}
    for name in library.metrics:
        if name not in granted:
            continue
        spec = library.metrics[name]
        by_word.setdefault(spec.label.zh, name)
        by_word.setdefault(spec.label.en.lower(), name)
        by_word[name] = name
    return lambda word: by_word.get(word) or by_word.get(word.lower()), tuple(
        n for n in library.metrics if n in granted
    )


def metric_spec(draft: MetricDraft, principal: Principal, library: Library | None = None) -> MetricSpec:
    """The library entry a MetricDraft describes, built only on what `principal` may see."""
    library = library or current_library()  # an edited one's older version too
    access = policy.access_for(principal, library)
    label = _labels(draft, draft.name)
    fields: dict = {"type": draft.kind if draft.kind != "formula" else "derived"}
    if draft.kind == "formula":
        resolve, choices = resolver(library, access.metrics)
        tree = parse_formula(draft.formula or "", _not_itself(resolve, draft.name), choices)
        if divides_by_constant_zero(tree):
            raise QueryError("formula: it divides by 0, which is never a number; check the constant after '/'.")
        refs = names_in(tree)
        if not refs:
            raise QueryError("formula: it uses no metric; name at least one, e.g. revenue / orders.")
        fields["expr"] = tree.sql(dialect="duckdb")
        fmt, good = _infer(tree, library), library.metrics[refs[0]].good
    else:
        base = _granted_metric(draft.base, library, access, "base")
        fields["base"] = base
        if draft.kind == "filtered":
            if not (draft.where or "").strip():
                raise QueryError("filter: choose at least one member to keep, e.g. channel = Online.")
            fields["where"] = draft.where.strip()
            fmt = library.metrics[base].format
        else:
            if not draft.across or draft.across not in access.dimensions:
                raise QueryError(
                    f"across: choose the dimension whose members make the total, e.g. region."
                    f"{did_you_mean(draft.across or '', access.dimensions)}"
                )
            fields["across"] = draft.across
            fmt = "percent"
        good = library.metrics[base].good
    return MetricSpec(
        label=label,
        description=_description(draft, label),
        owner=principal.display_name or principal.username,
        format=draft.format or fmt,
        good=draft.good or good,
        tags=("custom",),
        **fields,
    )


def grouping_spec(draft: GroupingDraft, principal: Principal, library: Library | None = None) -> DimensionSpec:
    library = library or current_library()  # an edited one's older version too
    access = policy.access_for(principal, library)
    if draft.base not in access.dimensions:
        raise QueryError(
            f"base: '{draft.base}' is not a dimension you can use.{did_you_mean(draft.base, access.dimensions)}"
        )
    if bool(draft.buckets) == bool(draft.bands):
        raise QueryError("buckets: give either buckets of members or numeric bands (at least one).")
    label = _labels(draft, draft.name)
    other = draft.other.strip() or None
    fields: dict = {"other": Text(en=other, zh=other)} if other else {}
    if draft.buckets:
        fields["buckets"] = tuple(
            {"label": Text(en=_bucket(b), zh=_bucket(b)), "members": tuple(m for m in members)}
            for b, members in draft.buckets
        )
    else:
        fields["bands"] = tuple(
            {"label": Text(en=_bucket(b), zh=_bucket(b)), "below": below} for b, below in draft.bands
        )
    try:
        return DimensionSpec(
            label=label,
            description=_description(draft, label),
            owner=principal.display_name or principal.username,
            base=draft.base,
            **fields,
        )
    except ValueError as err:  # pydantic: a member in two buckets, bands out of order
        raise QueryError(_first_error(err)) from None


def validate(definition: Definition, principal: Principal, library: Library | None = None) -> Library:
    """The library with `definition` added, or a one-line QueryError/PolicyError saying what is wrong:
    a bad name, unknown names, a cycle, an ingredient `principal` is not granted."""
    base = _others_library(definition.name, library)
    check_name(definition.name, base)
    spec = definition.spec  # a crafted save skips the form: its labels are checked here too
    _no_markup("label", spec.label.en + spec.label.zh)
    for bucket in getattr(spec, "buckets", ()) + getattr(spec, "bands", ()):
        _no_markup("buckets", bucket.label.en + bucket.label.zh)
    _no_cycle(definition, {d.name: d for d in registry.definitions()})
    try:
        extended, problems = build(base, [definition])
    except ModelError as err:
        raise QueryError(_plain(str(err), definition.name)) from None
    if definition.name in problems:
        raise QueryError(_plain(problems[definition.name], definition.name))
    access = policy.access_for(principal, extended)
    metrics, dims = reads(extended, definition.name)
    for name in sorted(metrics - access.metrics):
        raise PolicyError(f"{definition.name} reads metric {name}, which is not available to your roles.")
    for name in sorted(dims - access.dimensions):
        raise PolicyError(f"{definition.name} reads dimension {name}, which is not available to your roles.")
    return extended


def _others_library(name: str, library: Library | None = None) -> Library:
    """The library with every other custom definition in it (this name's older versions left out)."""
    others = tuple(d for d in registry.definitions() if d.name != name)
    base = library or default_library()
    return build(base, others)[0] if others else base


def _no_cycle(definition: Definition, stored: dict[str, Definition]) -> None:
    """a -> b -> a through other users' drafts: said as the cycle, not as a name that went missing."""

    def refs(spec) -> tuple[str, ...]:
        if getattr(spec, "type", None) == "derived":
            return metric_refs(spec.expr or "")
        return (spec.base,) if getattr(spec, "base", None) else ()

    def walk(name: str, trail: tuple[str, ...]) -> None:
        spec = definition.spec if name == definition.name else (stored[name].spec if name in stored else None)
        for ref in refs(spec) if spec is not None else ():
            if ref == definition.name:
                raise QueryError(f"formula: metrics refer to each other in a cycle ({' -> '.join(trail + (ref,))}).")
            if ref in stored and ref not in trail:
                walk(ref, trail + (ref,))

    walk(definition.name, (definition.name,))


def _not_itself(resolve, name: str):
    def inner(word: str) -> str | None:
        if word == name:
            raise QueryError(f"formula: '{name}' uses itself; a metric cannot be part of its own formula.")
        return resolve(word)

    return inner


def _granted_metric(name: str | None, library: Library, access, field: str) -> str:
    if not name or name not in access.metrics:
        raise QueryError(
            f"{field}: '{name or ''}' is not a metric you can use.{did_you_mean(name or '', access.metrics)}"
        )
    return name


def _bucket(label: str) -> str:
    label = (label or "").strip()
    if not label or len(label) > 60:
        raise QueryError("buckets: every bucket needs a label of 1-60 characters.")
    _no_markup("buckets", label)
    return label


def _infer(tree: exp.Expression, library: Library) -> str:
    """The format a formula's result has: revenue - cogs is currency, revenue / orders currency per
    order, gross_profit / revenue a percent, anything else a number."""

    def of(node: exp.Expression) -> str | None:  # None: a constant
        if isinstance(node, exp.Column):
            return library.metrics[node.name].format
        if isinstance(node, exp.Literal):
            return None
        if isinstance(node, exp.Paren | exp.Neg):
            return of(node.this)
        left, right = of(node.this), of(node.expression)
        if isinstance(node, exp.Add | exp.Sub):
            return left if left == right or right is None else (right if left is None else "number")
        if isinstance(node, exp.Mul):
            return left if right is None else (right if left is None else "number")
        if right is None:
            return left
        if left == right and left in ("currency", "count"):
            return "percent"
        return "currency" if (left, right) == ("currency", "count") else "number"

    return of(tree) or "number"


def _plain(message: str, name: str) -> str:
    """A loader message about the custom entry, said about the form's fields."""
    return message.replace(f"custom: metrics.{name}", name).replace(f"custom: dimensions.{name}", name)


def _first_error(err: ValueError) -> str:
    errors = getattr(err, "errors", None)
    if callable(errors):
        first = err.errors()[0]
        where = ".".join(str(p) for p in first["loc"] if not isinstance(p, int)) or "grouping"
        return f"{where}: {first['msg'].removeprefix('Value error, ')}."
    return str(err)
