"""Result cache: compiled SQL text + warehouse version -> result frame.

The key is the SQL itself, so two principals share an entry only when their
compiled SQL is identical, which includes their row filters: different
policies can never share an entry, by construction. The warehouse version
(file identity, size and modification time) is in the key too, and entries of
an older version of the same file are dropped as soon as a newer one is seen.
Memory is bounded by the frames' own size (least recently used go first).
"""

from __future__ import annotations

import threading
from collections import OrderedDict

import pandas as pd

from semantic.execute import WarehouseVersion

DEFAULT_BYTES = 256 * 1024 * 1024


class ResultCache:
    def __init__(self, max_bytes: int = DEFAULT_BYTES):
        self.max_bytes = max_bytes
        self._entries: OrderedDict[tuple[str, WarehouseVersion], tuple[pd.DataFrame, int]] = OrderedDict()
        self._bytes = 0
        self._latest: dict[str, WarehouseVersion] = {}  # newest version seen per file
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, sql: str, version: WarehouseVersion) -> pd.DataFrame | None:
        with self._lock:
            self._forget_older(version)
            entry = self._entries.get((sql, version))
            if entry is None:
                self.misses += 1
                return None
            self._entries.move_to_end((sql, version))
            self.hits += 1
            return entry[0].copy(deep=True)

    def put(self, sql: str, version: WarehouseVersion, frame: pd.DataFrame) -> None:
        size = int(frame.memory_usage(deep=True, index=True).sum()) + len(sql)
        if size > self.max_bytes:
            return
        with self._lock:
            self._forget_older(version)
            key = (sql, version)
            if key in self._entries:
                self._bytes -= self._entries.pop(key)[1]
            self._entries[key] = (frame.copy(deep=True), size)
            self._bytes += size
            while self._bytes > self.max_bytes:
                _, (_, dropped) = self._entries.popitem(last=False)
                self._bytes -= dropped

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._latest.clear()
            self._bytes = 0

    @property
    def size_bytes(self) -> int:
        return self._bytes

    def __len__(self) -> int:
        return len(self._entries)

    def _forget_older(self, version: WarehouseVersion) -> None:
        if self._latest.get(version.path) == version:
            return
        self._latest[version.path] = version
        stale = [key for key in self._entries if key[1].path == version.path and key[1] != version]
        for key in stale:
            self._bytes -= self._entries.pop(key)[1]
