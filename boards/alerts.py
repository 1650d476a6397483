"""Threshold alerts: each breach of a tile's rule is recorded once (until it
clears), with the principal its value was computed under, and its webhook gets
one JSON POST in a background thread.

Recording happens only in the scheduled evaluation (boards.evaluate), under the
board owner's principal, never as a side effect of someone viewing a board:
rendering calls only `level_of`, which colours a tile by the viewer's own
numbers. The Alert log (`history`) shows a breach only to users who may see
that number (semantic.authorize, action see_result).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable

from boards import webhooks
from boards.store import Board, BoardError, Rule, Tile, get_unchecked
from data import metastore
from semantic.authorize import Evaluated, allowed
from semantic.custom.overlay import current_library
from semantic.errors import SemanticError
from semantic.model.library import Library
from semantic.principal import Principal
from semantic.query import Query, make_query

BACK_WITHIN = "value back within the rule"
RULE_REMOVED = "rule removed"
WHY_UNCHECKED = "the alert log asks see_result for each breach"


def _stamp(now: dt.datetime | None = None) -> str:
    return (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC).isoformat(timespec="seconds")


UPWARD = (">", ">=")  # a rule that fires when its number is high


def news(rule: Rule, library: Library | None = None) -> str:
    """What a breach of `rule` means by its metric's declared `good` direction (the YAML library):
    'bad' (cash_out > X, revenue < X), 'good' (revenue > X, cash_out < X) or 'neutral' (a gap, or a
    metric the library does not know). Pages colour and word a breach by this, never by metric name."""
    spec = (library or current_library()).metrics.get(rule.metric)
    if spec is None or spec.good == "neutral":
        return "neutral"
    return "good" if (rule.op in UPWARD) == (spec.good == "up") else "bad"


def rule_of(text: str, level: str = "warning") -> Rule | None:
    """A stored rule text ('dso > 45') back as a Rule; None when it does not read as one."""
    parts = (text or "").split()
    if len(parts) != 3 or parts[1] not in (">", ">=", "<", "<="):
        return None
    try:
        return Rule(parts[0], parts[1], float(parts[2]), level)
    except ValueError:
        return None


def level_of(tile: Tile, values: dict) -> tuple[str | None, list[tuple[Rule, float]]]:
    """The worst breached level of a tile ('critical' > 'warning' > None) and the breaches."""
    breaches = [(r, values.get(r.metric)) for r in tile.rules if r.breached(values.get(r.metric))]
    levels = {r.level for r, _ in breaches}
    return ("critical" if "critical" in levels else "warning" if levels else None), breaches


def record(
    board: Board,
    tile: Tile,
    values: dict,
    principal: Principal,
    *,
    query: Query | None = None,
    now: dt.datetime | None = None,
    post: Callable | None = None,
) -> list[int]:
    """Record new breaches of `tile`'s rules once, as evaluated under `principal` by `query`
    (default: the tile's own); clear those that ended. Returns the new alert ids."""
    if tile.id is None or board.id is None:
        return []
    at, query = _stamp(now), query or tile.query
    new_ids, outbox = [], []
    with metastore.session() as con, metastore.transaction(con):
        for rule in tile.rules:
            value = values.get(rule.metric)
            open_row = con.execute(
                "SELECT id FROM alert_log WHERE tile_id = ? AND rule = ? AND cleared_at IS NULL", (tile.id, rule.text())
            ).fetchone()
            if rule.breached(value) and open_row is None:
                cur = con.execute(
                    "INSERT INTO alert_log (board_id, tile_id, rule, level, value, breached_at, evaluated_as, "
                    "evaluated_roles, evaluated_attributes, board_owner, board_title, tile_title, query_json) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                    (
                        board.id,
                        tile.id,
                        rule.text(),
                        rule.level,
                        float(value),
                        at,
                        principal.username,
                        ",".join(principal.roles),
                        json.dumps(dict(principal.attributes), sort_keys=True),
                        board.owner,
                        board.title,
                        tile.title,
                        query.model_dump_json(),
                    ),
                )
                alert_id = cur.fetchall()[0][0]
                new_ids.append(alert_id)
                if rule.webhook:  # only what the rule's principal saw: this rule's value, and where it comes from
                    payload = {
                        "board": board.title,
                        "board_id": board.id,
                        "tile": tile.title,
                        "rule": rule.text(),
                        "metric": rule.metric,
                        "level": rule.level,
                        "value": float(value),
                        "at": at,
                    }
                    outbox.append((alert_id, rule.webhook, payload))
            elif not rule.breached(value) and open_row is not None:
                con.execute(
                    "UPDATE alert_log SET cleared_at = ?, cleared_reason = ? WHERE id = ?",
                    (at, BACK_WITHIN, open_row[0]),
                )
    may_post = allowed(principal, "set_webhook") if outbox else False
    for alert_id, url, payload in outbox:  # after the commit: delivery never holds the store
        if may_post:
            (post or webhooks.deliver_in_background)(alert_id, url, payload)
        else:
            webhooks.refuse(alert_id, url, f"{principal.username} may not set webhooks (set_webhooks is not granted)")
    return new_ids


def close_removed(board_ids: tuple[int, ...] | None = None, now: dt.datetime | None = None) -> int:
    """Close open breaches whose rule no longer exists (its text removed from the tile, the tile or
    the board deleted), with the reason 'rule removed'. Only `board_ids`' breaches when given."""
    with metastore.session() as con, metastore.transaction(con):
        rows = con.execute("SELECT id, board_id, tile_id, rule FROM alert_log WHERE cleared_at IS NULL").fetchall()
        rows = [r for r in rows if board_ids is None or r["board_id"] in board_ids]
        live: dict[int, set[tuple[int, str]]] = {}
        for board_id in {r["board_id"] for r in rows}:
            try:
                board = get_unchecked(board_id, "closing breaches of removed rules reads no numbers")
                live[board_id] = {(t.id, rule.text()) for t in board.tiles for rule in t.rules}
            except BoardError:
                live[board_id] = set()
        gone = [r["id"] for r in rows if (r["tile_id"], r["rule"]) not in live[r["board_id"]]]
        con.executemany(
            "UPDATE alert_log SET cleared_at = ?, cleared_reason = ? WHERE id = ?",
            [(_stamp(now), RULE_REMOVED, i) for i in gone],
        )
    return len(gone)


def history(who: Principal, limit: int = 500) -> list[dict]:
    """The latest breaches `who` may see, newest first: those whose number `who` would be allowed to see
    (see_result: the board is shared with them, they are granted the metric, their rows are no narrower
    than those of the principal it was computed under). A breach of a deleted board is shown only to
    its owner, when it was evaluated as them and they may still run its query."""
    boards: dict[int, Board | None] = {}
    decided: dict[tuple, bool] = {}
    out: list[dict] = []
    with metastore.session() as con:
        for row in con.execute("SELECT * FROM alert_log ORDER BY id DESC"):
            row = dict(row)
            if row["board_id"] not in boards:
                try:
                    boards[row["board_id"]] = get_unchecked(row["board_id"], WHY_UNCHECKED)
                except BoardError:
                    boards[row["board_id"]] = None
            board = boards[row["board_id"]]
            key = (
                row["board_id"],
                board is None,
                row["tile_id"],
                row["query_json"],
                row["evaluated_as"],
                row["evaluated_roles"],
                row["evaluated_attributes"],
                row["board_owner"],
            )
            if key not in decided:
                decided[key] = _may_see(who, row, board)
            if decided[key]:
                out.append(_shown(row, board))
                if len(out) >= limit:
                    break
    return out


def _may_see(who: Principal, row: dict, board: Board | None) -> bool:
    query = _query_of(row, board)
    if query is None:
        return False
    if board is None:
        return row["board_owner"] == who.username == row["evaluated_as"] and allowed(who, "query", query)
    return allowed(who, "see_result", Evaluated(query, _principal_of(row), board))


def _query_of(row: dict, board: Board | None) -> Query | None:
    try:
        if row["query_json"]:
            return make_query(**json.loads(row["query_json"]))
    except (SemanticError, ValueError, TypeError):
        return None
    tile = next((t for t in (board.tiles if board else ()) if t.id == row["tile_id"]), None)
    return tile.query if tile else None


def _principal_of(row: dict) -> Principal:
    """Who the value was computed under. A breach recorded before that was kept (migration 006) counts
    as computed over all rows, so only users who see all rows of its metric may see it."""
    if not row["evaluated_as"]:
        return Principal.operator()
    roles = tuple(r for r in (row["evaluated_roles"] or "").split(",") if r)
    return Principal(row["evaluated_as"], roles, json.loads(row["evaluated_attributes"] or "{}"))


def _shown(row: dict, board: Board | None) -> dict:
    metric = row["rule"].split(" ", 1)[0]
    rule = rule_of(row["rule"], row["level"])
    return {
        "id": row["id"],
        "breached_at": row["breached_at"],
        "board_id": row["board_id"],
        "board": board.title if board else (row["board_title"] or f"#{row['board_id']}"),
        "tile": row["tile_title"] or "",
        "rule": row["rule"],
        "metric": metric,
        "level": row["level"],
        "news": news(rule) if rule else "neutral",
        "value": row["value"],
        "cleared_at": row["cleared_at"],
        "cleared_reason": row["cleared_reason"] or "",
    }
