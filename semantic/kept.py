"""Kept compiles: aggregate plans and drill-through SQL are pure functions of
their arguments (library, query, whole principal, rollups built, page), so each
is computed once and kept in a bounded LRU cache registered here; `forget`
drops every one of them (the benchmark times cold compiles with it). Refusals
raise, so they are never kept.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

_caches: list = []


def kept(maxsize: int) -> Callable:
    """functools.lru_cache(maxsize), registered so that `forget` clears it."""

    def wrap(function: Callable) -> Callable:
        cached = functools.lru_cache(maxsize=maxsize)(function)
        _caches.append(cached)
        return cached

    return wrap


def forget() -> None:
    for cached in _caches:
        cached.cache_clear()
