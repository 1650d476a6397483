"""Who uses a custom definition: board tiles whose saved query names it, and other custom definitions
built on it. Names are read from the query's parts (metrics, group_by, order_by, the where filter parsed
as a tree, alert rules, board filters), never found as a substring: revenue is not in revenue_share."""

from __future__ import annotations

import json
import re

from data.custom.records import TileUse
from semantic.compile.where import dimension_names, parse_text
from semantic.custom.model import Definition
from semantic.errors import SemanticError

IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
QUOTED = re.compile(r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"")


def where_names(text: str | None) -> set[str]:
    """The dimension names a where filter reads (parsed; a filter that no longer parses is read word by word
    outside quoted text, so a use is never missed)."""
    if not text:
        return set()
    try:
        return set(dimension_names(parse_text(text)))
    except (SemanticError, RecursionError):
        return set(IDENTIFIER.findall(QUOTED.sub(" ", text)))


def query_names(query: dict) -> set[str]:
    """Every metric and dimension name a stored query (a tile's query_json) refers to."""
    names: set[str] = set()
    for key in ("metrics", "group_by", "order_by"):
        for item in query.get(key) or ():
            if isinstance(item, str):
                item = item.lstrip("-")
                names.add(item)
                names.add(item.split("__")[0])  # metric_time__month, a dimension at a grain
    where = query.get("where")
    names |= where_names(where if isinstance(where, str) else None)
    return names


def tile_label(index: int, title: str, query: dict) -> str:
    metrics = [m for m in (query.get("metrics") or ()) if isinstance(m, str)]
    return (title or "").strip() or ", ".join(metrics) or f"tile {index + 1}"


def tiles_using(con, name: str) -> tuple[TileUse, ...]:
    """Every board tile whose query (or alert rules) names `name`, and every board filtering by it."""
    found: list[TileUse] = []
    boards = con.execute("SELECT id, title, owner, filters_json FROM boards ORDER BY id").fetchall()
    for board in boards:
        try:
            filters = json.loads(board["filters_json"] or "{}")
        except ValueError:
            filters = {}
        if isinstance(filters, dict) and name in filters:
            found.append(TileUse(board["id"], board["title"], board["owner"], "board filters"))
        tiles = con.execute(
            "SELECT title, query_json, rules_json FROM tiles WHERE board_id = ? ORDER BY position, id", (board["id"],)
        ).fetchall()
        for index, tile in enumerate(tiles):
            try:
                query = json.loads(tile["query_json"])
            except ValueError:
                continue
            if not isinstance(query, dict):
                continue
            names = query_names(query)
            try:
                rules = json.loads(tile["rules_json"] or "[]")
            except ValueError:
                rules = []
            names |= {r.get("metric") for r in rules if isinstance(r, dict)}
            if name in names:
                found.append(
                    TileUse(board["id"], board["title"], board["owner"], tile_label(index, tile["title"], query))
                )
    return tuple(found)


def spec_names(spec) -> set[str]:
    """The metric and dimension names a library entry builds on (formula, base, across, where)."""
    names: set[str] = set()
    expr = getattr(spec, "expr", None)
    if isinstance(expr, str) and getattr(spec, "type", None) == "derived":
        names |= set(IDENTIFIER.findall(expr))
    for field in ("base", "across", "measure"):
        value = getattr(spec, field, None)
        if isinstance(value, str):
            names.add(value)
    where = getattr(spec, "where", None)
    names |= where_names(where if isinstance(where, str) else None)
    return names


def definitions_using(definitions: tuple[Definition, ...], name: str) -> tuple[str, ...]:
    """The other custom definitions whose effective spec builds on `name`."""
    return tuple(d.name for d in definitions if d.name != name and name in spec_names(d.spec))


def refusal(name: str, doing: str, tiles: tuple[TileUse, ...], customs: tuple[str, ...]) -> str | None:
    """ "online_revenue is used by 2 tiles: 'Sales board' › 'Online revenue', ...; remove them first." or None."""
    parts = []
    if tiles:
        shown = ", ".join(t.text() for t in tiles[:5]) + (f" and {len(tiles) - 5} more" if len(tiles) > 5 else "")
        parts.append(f"{len(tiles)} tile{'s' if len(tiles) != 1 else ''}: {shown}")
    if customs:
        parts.append(f"custom definition{'s' if len(customs) != 1 else ''} {', '.join(customs)}")
    if not parts:
        return None
    return (
        f"{name} is used by {' and by '.join(parts)}; remove {'them' if len(tiles) + len(customs) > 1 else 'it'} "
        f"first, then {doing} it."
    )
