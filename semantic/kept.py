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


_following: list = [None]  # the budget Plan token the kept compiles were made with


def follow(token: str) -> None:
    """Drop every kept compile when the budget Plan moves on to `token` (a saved cell, a new version).
    Compiles keyed on an older Plan are never asked for again, yet each holds its versions' lines as SQL
    text (a 3,600-line version is ~420 KB): kept until evicted, a day of saves could hold hundreds of MB.
    Saves are rare next to queries, so recompiling after one costs little."""
    if _following[0] != token:
        if _following[0] is not None:
            forget()
        _following[0] = token
