"""Work shared by every session in this process. A hundred office screens on one board ask the
same questions every refresh: has the board changed, does the link still work, what is the data
date, what does this tile's chart look like. Each answer is computed once per key and handed to
every session; keys name everything the answer depends on (the warehouse version, the compiled
SQL with its row policy, the language...), and `ttl` bounds how long a read of the metadata store
may be reused (a revoked link stops within that time).

Values handed out are shared: callers must not change them (st.plotly_chart copies a figure)."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import TypeVar

T = TypeVar("T")
SIZE = 512  # entries kept; the least recently used go first

_lock = threading.Lock()
_entries: OrderedDict[Hashable, tuple[float, object]] = OrderedDict()
_building: dict[Hashable, threading.Lock] = {}  # one build per key at a time: a hundred screens reconnecting
# at once after a restart wait for the first one's figure instead of each building their own


def _fresh(key: Hashable, ttl: float | None, now: float):
    hit = _entries.get(key)
    if hit is not None and (ttl is None or now - hit[0] < ttl):
        _entries.move_to_end(key)
        return hit
    return None


def memo(key: Hashable, build: Callable[[], T], ttl: float | None = None) -> T:
    """`build()` once per `key` (again after `ttl` seconds); concurrent callers of a key being built
    wait for that build. An exception is raised to the caller and not kept, so the next call asks again."""
    with _lock:
        hit = _fresh(key, ttl, time.monotonic())
        if hit is not None:
            return hit[1]  # type: ignore[return-value]
        gate = _building.setdefault(key, threading.Lock())
    with gate:  # outside the store's lock: a slow build holds up only the callers of its own key
        with _lock:
            hit = _fresh(key, ttl, time.monotonic())
        if hit is not None:
            return hit[1]  # type: ignore[return-value]
        try:
            value = build()
            with _lock:
                _entries[key] = (time.monotonic(), value)
                _entries.move_to_end(key)
                while len(_entries) > SIZE:
                    _entries.popitem(last=False)
        finally:
            with _lock:
                _building.pop(key, None)
        return value


def clear() -> None:
    with _lock:
        _entries.clear()
