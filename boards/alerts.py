"""Threshold alerts: each breach of a tile's rule is recorded once (until it
clears), and its webhook gets a JSON POST, retried with backoff in a thread
so the page never waits on it."""
from __future__ import annotations

import datetime as dt
import json
import threading
import time
import urllib.request

from boards.store import Board, Rule, Tile
from data import metastore

RETRIES = 3


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


def level_of(tile: Tile, values: dict) -> tuple[str | None, list[tuple[Rule, float]]]:
    """The worst breached level of a tile ('critical' > 'warning' > None) and the breaches."""
    breaches = [(r, values.get(r.metric)) for r in tile.rules if r.breached(values.get(r.metric))]
    levels = {r.level for r, _ in breaches}
    return ("critical" if "critical" in levels else "warning" if levels else None), breaches


def record(board: Board, tile: Tile, values: dict, post=None) -> list[int]:
    """Record new breaches once; clear those that ended. Returns new alert ids."""
    new_ids, outbox = [], []
    with metastore.session() as con, metastore.transaction(con):
        for rule in tile.rules:
            value = values.get(rule.metric)
            open_row = con.execute("SELECT id FROM alert_log WHERE tile_id = ? AND rule = ? AND cleared_at IS NULL",
                                   (tile.id, rule.text())).fetchone()
            if rule.breached(value) and open_row is None:
                cur = con.execute("INSERT INTO alert_log (board_id, tile_id, rule, level, value, breached_at) "
                                  "VALUES (?, ?, ?, ?, ?, ?)", (board.id, tile.id, rule.text(), rule.level,
                                                                 float(value), _now()))
                new_ids.append(cur.lastrowid)
                if rule.webhook:
                    payload = {"board": board.title, "board_id": board.id, "tile": tile.title, "rule": rule.text(),
                               "level": rule.level, "value": float(value), "at": _now()}
                    outbox.append((cur.lastrowid, rule.webhook, payload))
            elif not rule.breached(value) and open_row is not None:
                con.execute("UPDATE alert_log SET cleared_at = ? WHERE id = ?", (_now(), open_row[0]))
    for alert_id, url, payload in outbox:  # after the commit: delivery never holds the store
        (post or deliver_in_background)(alert_id, url, payload)
    return new_ids


def deliver(alert_id: int, url: str, payload: dict, sleep=time.sleep) -> bool:
    body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    message = ""
    for attempt in range(1, RETRIES + 1):
        try:
            request = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"}, method="POST")
            with urllib.request.urlopen(request, timeout=5) as response:
                if 200 <= response.status < 300:
                    _log(alert_id, url, attempt, "delivered", "")
                    return True
                message = f"HTTP {response.status}"
        except OSError as err:
            message = str(err)
        if attempt < RETRIES:
            sleep(0.5 * 2 ** (attempt - 1))
    _log(alert_id, url, RETRIES, "failed", message)
    return False


def deliver_in_background(alert_id: int, url: str, payload: dict) -> threading.Thread:
    thread = threading.Thread(target=deliver, args=(alert_id, url, payload), daemon=True)
    thread.start()
    return thread


def _log(alert_id: int, url: str, attempts: int, status: str, message: str) -> None:
    with metastore.session() as con:
        con.execute("INSERT INTO webhook_deliveries (alert_id, url, attempts, status, message, at) VALUES (?, ?, ?, ?, ?, ?)",
                    (alert_id, url, attempts, status, message[:500], _now()))


def history(limit: int = 500) -> list[dict]:
    with metastore.session() as con:
        rows = con.execute("SELECT a.*, b.title AS board FROM alert_log a LEFT JOIN boards b ON b.id = a.board_id "
                           "ORDER BY a.id DESC LIMIT ?", (limit,)).fetchall()
    return [dict(r) for r in rows]
