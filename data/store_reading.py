"""A value read from the metadata store and kept in this process (the custom definitions, the budget Plan).

Every query asks for such a value, so it is read again only when the store's generation counter (counted up
by every write) has moved, and that counter is read at most once every `check_every` seconds. `or_last` is what
the semantic layer's registries are given: while the store cannot be read (locked, restarting), it keeps the
last value read and retries after `retry_after` seconds, so no page or screen goes blank meanwhile.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Generic, TypeVar

from data import metastore

T = TypeVar("T")
log = logging.getLogger(__name__)


class StoreReading(Generic[T]):
    def __init__(
        self,
        what: str,
        generation: Callable[[object], int],
        read: Callable[[object, int, metastore.Target], T],
        empty: T,
        check_every: float = 1.0,
        retry_after: float = 10.0,
    ):
        self.what, self.generation, self.read = what, generation, read
        self.check_every, self.retry_after = check_every, retry_after
        self._kept: dict = {}  # store target -> [checked at (monotonic), generation, value]
        self._lock = threading.Lock()
        self._last: list = [empty, -1e9]  # the last value read, and when a read last failed

    def current(self) -> T:
        """The value of the configured store (a store failure raises)."""
        found = metastore.target()
        now = time.monotonic()
        with self._lock:
            entry = self._kept.get(found)
            if entry is not None and now - entry[0] < self.check_every:
                return entry[2]
        with metastore.session() as con:
            counted = self.generation(con)
            if entry is not None and entry[1] == counted:
                with self._lock:
                    entry[0] = now
                return entry[2]
            value = self.read(con, counted, found)
        with self._lock:
            self._kept[found] = [now, counted, value]
        return value

    def or_last(self) -> T:
        """`current()`, or the last value read while the store cannot be read."""
        if time.monotonic() - self._last[1] < self.retry_after:
            return self._last[0]
        try:
            self._last[0] = self.current()
        except Exception as err:  # noqa: BLE001 - any store failure: keep serving with what was read before
            self._last[1] = time.monotonic()
            log.warning("%s not re-read (%s); using the last ones read", self.what, err)
        return self._last[0]

    def forget(self) -> None:
        """Read the store again at the next call (tests; every write of this process does it too)."""
        with self._lock:
            self._kept.clear()
