"""The library with the custom definitions added: what every surface reads metrics from.

`extend(library, definitions)` adds each definition's spec to the YAML library through the
loader's own checks (semantic.model.loader.extend_library), so a custom metric compiles on
the same path as a library one, and records who made each in `Library.custom`. A name the
YAML library already has is skipped: once a certified metric is exported and committed, the
library in git is the source of truth. A stored definition that no longer fits the library
(its base metric was renamed in the YAML) is left out, with the reason kept in `broken`, and
never breaks the rest.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Sequence

from semantic.custom import registry
from semantic.custom.model import Definition
from semantic.errors import ModelError
from semantic.model.library import Library
from semantic.model.loader import default_library, extend_library
from semantic.model.schema import DimensionSpec, LibraryFile

_lock = threading.Lock()
_kept: dict[tuple[int, int], tuple[Library, tuple[Definition, ...], Library, dict[str, str]]] = {}


def current_library() -> Library:
    """The YAML library plus the current custom definitions (cached until either changes)."""
    return extend(default_library(), registry.definitions())


def broken(library: Library, definitions: Sequence[Definition]) -> dict[str, str]:
    """{name: why it was left out} for the definitions `extend` could not add."""
    return _extend(library, tuple(definitions))[1]


def extend(library: Library, definitions: Sequence[Definition]) -> Library:
    return _extend(library, tuple(definitions))[0]


def _extend(library: Library, definitions: tuple[Definition, ...]) -> tuple[Library, dict[str, str]]:
    if not definitions:
        return library, {}
    key = (id(library), id(definitions))
    with _lock:
        hit = _kept.get(key)
        if hit is not None and hit[0] is library and hit[1] is definitions:
            return hit[2], hit[3]
    extended, problems = build(library, definitions)
    with _lock:
        if len(_kept) > 8:
            _kept.clear()
        _kept[key] = (library, definitions, extended, problems)  # the key objects are held, so ids stay theirs
    return extended, problems


def build(library: Library, definitions: Sequence[Definition]) -> tuple[Library, dict[str, str]]:
    """Add what fits, in as few loader passes as possible: all at once, else one by one
    (repeatedly, so a definition built on another custom one follows it in)."""
    fresh = [d for d in definitions if d.name not in library.metrics and d.name not in library.dimensions]
    try:
        return _with(library, fresh), {}
    except ModelError:
        pass
    added: list[Definition] = []
    problems: dict[str, str] = {}
    waiting = list(fresh)
    progress = True
    while waiting and progress:
        progress = False
        for definition in list(waiting):
            try:
                _with(library, added + [definition])
            except ModelError as err:
                problems[definition.name] = str(err)
                continue
            added.append(definition)
            waiting.remove(definition)
            problems.pop(definition.name, None)
            progress = True
    return _with(library, added), problems


def _with(library: Library, definitions: Sequence[Definition]) -> Library:
    if not definitions:
        return library
    extra = LibraryFile(
        metrics={d.name: d.spec for d in definitions if d.info.kind == "metric"},
        dimensions={d.name: d.spec for d in definitions if isinstance(d.spec, DimensionSpec)},
    )
    extended = extend_library(library, extra, origin="custom")
    custom = {**dict(library.custom), **{d.name: d.info for d in definitions}}
    return dataclasses.replace(extended, custom=custom)
