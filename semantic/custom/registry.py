"""Where the layer gets the current custom definitions from.

The layer cannot read the metadata store (it is a plain package below the app); the app,
the screen server and the CLI register the store's reader once at start with `provide`.
Without one (tests, a bare import) there are no custom definitions.
"""

from __future__ import annotations

from collections.abc import Callable

from semantic.custom.model import Definition

_provider: list[Callable[[], tuple[Definition, ...]]] = []


def provide(reader: Callable[[], tuple[Definition, ...]] | None) -> None:
    """Use `reader` (cheap to call: it caches) for the current definitions; None removes it."""
    _provider.clear()
    if reader is not None:
        _provider.append(reader)


def definitions() -> tuple[Definition, ...]:
    return _provider[0]() if _provider else ()
