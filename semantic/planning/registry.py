"""Where the layer gets the current Plan from.

The layer cannot read the metadata store (a plain package below the app); the app, the screen
server and the CLI register the store's reader once at start with `provide`, as for custom
definitions (semantic.custom.registry). Without one (tests, a bare import) there are no versions
in the store and budget metrics read the warehouse's own budget table.
"""

from __future__ import annotations

from collections.abc import Callable

from semantic.planning.model import EMPTY, Plan

_provider: list[Callable[[], Plan]] = []


def provide(reader: Callable[[], Plan] | None) -> None:
    """Use `reader` (cheap to call: it caches, and checks the store's generation) for the current Plan."""
    _provider.clear()
    if reader is not None:
        _provider.append(reader)


def current() -> Plan:
    return _provider[0]() if _provider else EMPTY
