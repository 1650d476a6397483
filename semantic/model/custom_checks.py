"""The library checks for filtered and share metrics and for groupings (custom or in YAML).

Run by the loader on every library it builds (load_library and extend_library), in
two steps: `check_refs` before the loader computes where each dimension lives (names
exist, required fields, no cycles) and `check_meaning` after (a filtered metric's
where parses and applies to its base, a share's `across` applies, no share of a
percentage). Each problem is one ModelError line naming the entry and the field.
"""

from __future__ import annotations

from collections.abc import Mapping

from semantic.compile.where import dimension_names, parse_where
from semantic.errors import ModelError, QueryError, SemanticError, did_you_mean
from semantic.model.library import TIME, Library
from semantic.model.schema import DimensionSpec, Text

NEEDS = {"filtered": ("base", "where"), "share": ("base", "across")}
ONLY = {"base": ("filtered", "share"), "where": ("filtered",), "across": ("share",)}


def _at(origin: Mapping[tuple[str, str], str], section: str, name: str) -> str:
    return f"{origin[(section, name)]}: {section}.{name}"


def check_refs(lib: Library, origin: Mapping[tuple[str, str], str]) -> None:
    """Names and shapes: before columns are computed."""
    for name, dim in lib.dimensions.items():
        if dim.base is None:
            continue
        where = _at(origin, "dimensions", name)
        if dim.base not in lib.dimensions:
            raise ModelError(
                f"{where}.base: unknown dimension '{dim.base}'.{did_you_mean(dim.base, lib.dimensions)} "
                "A grouping groups an existing dimension."
            )
        if lib.dimensions[dim.base].base is not None:
            raise ModelError(
                f"{where}.base: '{dim.base}' is itself a grouping; group its base "
                f"'{lib.dimensions[dim.base].base}' instead."
            )
    for name, metric in lib.metrics.items():
        where = _at(origin, "metrics", name)
        for field, types in ONLY.items():
            if getattr(metric, field) is not None and metric.type not in types:
                raise ModelError(f"{where}.{field}: only a {' or '.join(types)} metric has '{field}'; remove it.")
        for field in NEEDS.get(metric.type, ()):
            if not getattr(metric, field):
                raise ModelError(f"{where}: a {metric.type} metric needs '{field}'; add it.")
        if metric.type in NEEDS:
            for field in ("measure", "expr"):
                if getattr(metric, field) is not None:
                    raise ModelError(f"{where}.{field}: a {metric.type} metric has no '{field}'; remove it.")
            if metric.add or metric.subtract:
                raise ModelError(f"{where}: a {metric.type} metric has no 'add' or 'subtract'; remove them.")
            if metric.base not in lib.metrics:
                raise ModelError(
                    f"{where}.base: unknown metric '{metric.base}'.{did_you_mean(metric.base, lib.metrics)}"
                )
    for name in lib.metrics:
        _no_cycle(lib, name, (), origin)


def _no_cycle(lib: Library, name: str, trail: tuple[str, ...], origin) -> None:
    if name in trail:
        first = lib.metrics[trail[0]]
        field = "expr" if first.type == "derived" else "base"
        raise ModelError(
            f"{_at(origin, 'metrics', trail[0])}.{field}: metrics refer to each other in a cycle "
            f"({' -> '.join(trail + (name,))}); break the cycle."
        )
    if name not in lib.metrics:
        return  # reported by the checks of unknown names
    for ref in lib.refs(name):
        _no_cycle(lib, ref, trail + (name,), origin)


def check_meaning(lib: Library, origin: Mapping[tuple[str, str], str]) -> None:
    """What needs to know where dimensions live: after columns are computed."""
    for name, metric in lib.metrics.items():
        where = _at(origin, "metrics", name)
        if metric.type == "filtered":
            try:
                tree = parse_where(metric.where, tuple(lib.dimensions))
            except QueryError as err:
                raise ModelError(f"{where}.where: {_strip(err)}") from None
            for dim in dimension_names(tree):
                if not lib.applies(metric.base, dim):
                    raise ModelError(
                        f"{where}.where: dimension '{dim}' does not apply to '{metric.base}'; "
                        f"filter by one of: {', '.join(lib.dimensions_for(metric.base)) or 'none'}."
                    )
        elif metric.type == "share":
            base = lib.metrics[metric.base]
            if metric.across == TIME or metric.across.startswith(TIME + "__"):
                raise ModelError(f"{where}.across: a share is across a dimension, not {TIME}; use a comparison.")
            if metric.across not in lib.dimensions:
                raise ModelError(
                    f"{where}.across: unknown dimension '{metric.across}'.{did_you_mean(metric.across, lib.dimensions)}"
                )
            if not lib.applies(metric.base, metric.across):
                raise ModelError(
                    f"{where}.across: dimension '{metric.across}' does not apply to '{metric.base}'; "
                    f"use one of: {', '.join(lib.dimensions_for(metric.base)) or 'none'}."
                )
            if base.format == "percent" or base.type == "share":
                raise ModelError(
                    f"{where}.base: '{metric.base}' is a percentage, and a share of a percentage means nothing; "
                    "take the share of an amount or a count."
                )


def with_members(dimensions: Mapping[str, DimensionSpec]) -> dict[str, DimensionSpec]:
    """Each grouping with `members` filled from its labels ({en text: label}), so a page shows a
    grouping's values in the reader's language like any dimension's."""
    out = dict(dimensions)
    for name, dim in dimensions.items():
        if dim.base is None:
            continue
        labels: list[Text] = [part.label for part in dim.buckets + dim.bands]
        if dim.other is not None:
            labels.append(dim.other)
        out[name] = dim.model_copy(update={"members": {label.en: label for label in labels}})
    return out


def _strip(err: SemanticError) -> str:
    text = str(err)
    return text[len("where: ") :] if text.startswith("where: ") else text
