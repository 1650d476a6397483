"""python -m bench.screens.seed REFRESH: the benchmark's board, through the project's own boards/ APIs.

Run with CONCORD_METASTORE (and CONCORD_WAREHOUSE) pointing at the temporary copies: saves a board of
8 tiles (6 numbers, 2 charts) owned by the CFO, creates a finance display token for it, and prints
{"board": ID, "token": "..."} as one JSON line."""

from __future__ import annotations

import datetime as dt
import json
import sys

from boards import store, tokens
from boards.store import Board, Tile
from semantic import Principal, Query, default_library

CFO = Principal("cfo", ("finance",))


def board(refresh: int) -> Board:
    numbers = ("revenue", "gross_margin_pct", "orders", "cash_in", "ar_balance", "dso")
    library = default_library()
    year = {"time_from": dt.date(2025, 1, 1), "time_to": dt.date(2025, 12, 31)}  # the demo's last full year
    tiles = [Tile(Query(metrics=(m,), **year), title=library.metrics[m].label.en, chart="big_number") for m in numbers]
    tiles.append(
        Tile(Query(metrics=("revenue",), group_by=("metric_time__month",)), title="Revenue by month", chart="line")
    )
    tiles.append(Tile(Query(metrics=("revenue",), group_by=("region",)), title="Revenue by region", chart="bar"))
    return Board(
        title="Office screen (bench)",
        owner="cfo",
        sharing="roles",
        shared_roles=("finance", "exec"),
        refresh_seconds=refresh,
        tiles=tuple(tiles),
    )


def main() -> None:
    refresh = int(sys.argv[1]) if len(sys.argv) > 1 else 10
    saved = store.save(board(refresh), CFO)
    print(json.dumps({"board": saved.id, "token": tokens.create(saved.id, "finance", CFO)}))


if __name__ == "__main__":
    main()
