"""What a custom metric or grouping reads: the names a viewer must be granted to see it."""

from __future__ import annotations

from semantic.compile.where import dimension_names, parse_text
from semantic.model.library import Library


def reads(library: Library, name: str) -> tuple[frozenset[str], frozenset[str]]:
    """(metrics, dimensions) the custom definition `name` is built from, one level down
    (a custom ingredient is itself checked by the same rule)."""
    if name in library.dimensions:
        base = library.dimensions[name].base
        return frozenset(), frozenset([base] if base else [])
    metric = library.metrics[name]
    metrics = set(library.refs(name))  # by their own names: a library ratio is granted as itself
    dims: set[str] = set()
    if metric.where:
        dims |= set(dimension_names(parse_text(metric.where)))
    if metric.across:
        dims.add(metric.across)
    return frozenset(metrics), frozenset(dims)


def may_use(info, username: str, roles) -> bool:
    """Whether a principal may use a custom definition at all: its author, a role it is shared
    with, or anyone once certified (grants to what it reads are checked separately)."""
    return info.status == "certified" or info.author == username or bool(set(info.shared_with) & set(roles))
