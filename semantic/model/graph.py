"""Join paths: how a measure's table reaches the tables its dimensions live in.

Joins are declared many-to-one (a foreign key onto a primary key), so following
them from a fact never multiplies its rows. From each table the reachable tables
must form a tree: one path per table, or a dimension would be ambiguous.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass

from semantic.errors import ModelError
from semantic.model.schema import TableSpec


@dataclass(frozen=True)
class Hop:
    """One many-to-one join: from_table.fk = to_table.<its primary key>."""

    from_table: str
    fk: str
    to_table: str
    pk: str


@dataclass(frozen=True)
class ColumnRef:
    """A column and the joins needed to reach it from a fact table."""

    table: str
    column: str
    hops: tuple[Hop, ...] = ()


def reachable(tables: Mapping[str, TableSpec], start: str) -> dict[str, tuple[Hop, ...]]:
    """Every table reachable from `start`, with the one path to it (breadth first)."""
    paths: dict[str, tuple[Hop, ...]] = {start: ()}
    queue = deque([start])
    while queue:
        current = queue.popleft()
        for target, fk in tables[current].joins.items():
            hop = Hop(current, fk, target, tables[target].key_columns[0])
            path = paths[current] + (hop,)
            if target in paths:
                if paths[target] != path:
                    raise ModelError(
                        f"table '{start}' reaches '{target}' by two join paths "
                        f"({_describe(paths[target])} and {_describe(path)}); "
                        "remove one of the joins so every dimension has one meaning."
                    )
                continue
            paths[target] = path
            queue.append(target)
    return paths


def resolve_sources(tables: Mapping[str, TableSpec], fact: str, sources: tuple[str, ...]) -> ColumnRef | None:
    """The nearest of a dimension's `table.column` sources reachable from `fact`."""
    paths = reachable(tables, fact)
    found = []
    for source in sources:
        table, column = source.split(".", 1)
        if table in paths:
            found.append(ColumnRef(table, column, paths[table]))
    if not found:
        return None
    found.sort(key=lambda ref: len(ref.hops))
    if len(found) > 1 and len(found[0].hops) == len(found[1].hops):
        raise ModelError(
            f"table '{fact}' reaches both {found[0].table}.{found[0].column} and "
            f"{found[1].table}.{found[1].column} equally near; list only one of them as a source."
        )
    return found[0]


def check_acyclic(tables: Mapping[str, TableSpec]) -> None:
    """Joins must not loop back (orders -> customers -> orders)."""
    state: dict[str, str] = {}

    def visit(name: str, trail: tuple[str, ...]) -> None:
        if state.get(name) == "done":
            return
        if state.get(name) == "open":
            loop = " -> ".join(trail[trail.index(name) :] + (name,))
            raise ModelError(f"tables: joins form a cycle ({loop}); joins must point from facts to dimensions only.")
        state[name] = "open"
        for target in tables[name].joins:
            visit(target, trail + (name,))
        state[name] = "done"

    for name in tables:
        visit(name, ())


def _describe(path: tuple[Hop, ...]) -> str:
    return " -> ".join([path[0].from_table] + [hop.to_table for hop in path]) if path else "itself"
