"""How recent the warehouse's business data is: the latest day its freshness columns reach.

A sync or an upload sets the warehouse's data date (warehouse_info.as_of) from this, capped at the
day it ran: the date every page and screen shows is then the last day the numbers cover, never a day
after the sync, and never a due date in the future.
"""

from __future__ import annotations

from sqlglot import exp

from semantic.model.library import Library


def time_columns(library: Library) -> list[tuple[str, str]]:
    """The columns that say how recent the data is: each table's declared `freshness` column; for a
    library that declares none, every measure's time that is a plain column (a time such as
    `due_date + 31`, an ageing bucket, is a day in the future by design and says nothing of freshness)."""
    declared = sorted((name, t.freshness) for name, t in library.tables.items() if t.freshness)
    if declared:
        return declared
    out = set()
    for measure in library.measures.values():
        table, _, column = measure.time.rpartition(".")
        table = table or measure.table
        if table in library.tables and column in library.tables[table].columns:
            out.add((table, column))
    return sorted(out)


def latest_day_select(library: Library, tables: set[str] | frozenset[str]) -> exp.Select | None:
    """SELECT the latest day over the measures' time columns on `tables` (those present); None if none."""
    parts = [
        exp.select(exp.cast(exp.Max(this=exp.column(column, table=table)), "DATE").as_("day")).from_(
            exp.to_table(table)
        )
        for table, column in time_columns(library)
        if table in tables
    ]
    if not parts:
        return None
    union = parts[0]
    for part in parts[1:]:
        union = exp.union(union, part, distinct=False)
    return exp.select(exp.Max(this=exp.column("day")).as_("day")).from_(union.subquery("days"))
