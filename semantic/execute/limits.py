"""What bounds every query on every engine: a time limit and, where the engine takes one, a memory limit.

CONCORD_QUERY_SECONDS (default 60) and CONCORD_QUERY_MEMORY (default 2GB) apply to DuckDB, PostgreSQL
(statement_timeout) and Spark (a cancelled job group) alike; a bad value is one line, never a crash.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

from semantic.errors import WarehouseError

MEMORY_ENV, SECONDS_ENV = "CONCORD_QUERY_MEMORY", "CONCORD_QUERY_SECONDS"
DEFAULT_MEMORY, DEFAULT_SECONDS = "2GB", 60.0
SIZE = re.compile(r"^\d+(\.\d+)?\s*(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)$", re.IGNORECASE)
NARROW = "narrow the period or group by fewer dimensions"


def query_memory(value: str | None = None) -> str:
    """The per-connection memory limit: `value`, else CONCORD_QUERY_MEMORY, else 2GB."""
    text = (value or os.environ.get(MEMORY_ENV, "") or DEFAULT_MEMORY).strip()
    if not SIZE.match(text):
        raise WarehouseError(f"the query memory limit '{text}' is not a size; set {MEMORY_ENV} like 2GB or 500MB.")
    return text


def query_seconds(value: float | None = None) -> float:
    """The per-query time limit: `value`, else CONCORD_QUERY_SECONDS, else 60."""
    text = value if value is not None else (os.environ.get(SECONDS_ENV, "").strip() or DEFAULT_SECONDS)
    try:
        seconds = float(text)
    except ValueError:
        seconds = -1.0
    if not seconds > 0:
        raise WarehouseError(
            f"the query time limit '{text}' is not a number of seconds above 0; set {SECONDS_ENV} like 60 or 2.5."
        )
    return seconds


@dataclass(frozen=True)
class WarehouseVersion:
    """What a result was read from, for the result cache: `path` names the warehouse (a DuckDB file, or an
    engine and where its tables live, e.g. 'postgresql://db/concord'); the other fields change whenever its
    data does (a file's inode, mtime and size; an engine's load stamp), so a cached frame is never served
    from data that has since changed."""

    path: str
    inode: int
    mtime_ns: int
    size: int


def first_line(err: BaseException) -> str:
    """An engine's error as one line (its first), for a WarehouseError."""
    text = str(err).strip().splitlines()
    return text[0] if text else type(err).__name__
