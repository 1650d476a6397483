"""What an extractor hands the merge: one warehouse table's rows from a source, and its errors."""

from __future__ import annotations

from dataclasses import dataclass, field

import pyarrow as pa

from semantic.errors import SemanticError


class SyncFailed(SemanticError):
    """A sync of one source failed; the warehouse is unchanged. The message is one line (no password)."""


@dataclass
class Batch:
    table: str  # the warehouse table
    rows: pa.Table  # the rows read (source columns, with the cursor and deleted columns if any)
    whole: bool  # True: these are all the live rows (the warehouse table is replaced); False: changes only
    where: str  # how the source is named in messages: "public.orders", "the query", "expenses_*.csv"
    mark: str | None = None  # the cursor's new high-water mark (or file hashes), stored after the swap
    deleted: str | None = None  # the column marking deleted rows
    types: dict[str, str] = field(default_factory=dict)  # column -> DuckDB type, for a table new to the warehouse


def reconcile(source: dict, warehouse: dict) -> bool:
    """The source's count and sums equal the warehouse's (exactly for decimals and integers)."""
    if source.keys() != warehouse.keys():
        return False
    for key, value in source.items():
        other = warehouse[key]
        if isinstance(value, float) or isinstance(other, float):
            if value is None or other is None:
                if (value or 0) != (other or 0):
                    return False
            elif abs(float(value) - float(other)) > 1e-6 * max(1.0, abs(float(value))):
                return False
        elif (value or 0) != (other or 0):
            return False
    return True
