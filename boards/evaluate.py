"""Scheduled alert evaluation: the one place alert rules are evaluated.

Each board's rules run under its owner's current principal
(auth.accounts.principal_for), never under whoever views the board; a board
whose owner is disabled or missing is not evaluated (reported), and a tile the
owner may no longer see is skipped (reported). Breaches of rules that no longer
exist are closed at every evaluation.

In the app, `start(warehouse_factory)` runs a daemon thread per process; only
the process holding the lease (a row in the metadata store, taken in a BEGIN
IMMEDIATE transaction) evaluates, and each board at most every
max(refresh_seconds, 60) seconds. For cron:

    python -m boards.evaluate [--once] [--db METASTORE] [--warehouse PATH]
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import os
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from auth.accounts import principal_for
from boards import alerts
from boards.schema import with_board_filters
from boards.store import Board, BoardError, Tile, get_unchecked
from data import leases, metastore
from semantic import run
from semantic.authorize import allowed
from semantic.custom.overlay import current_library
from semantic.errors import SemanticError
from semantic.execute import EngineSettings, Warehouse, open_engine, warehouse_path
from semantic.model.library import Library
from semantic.query import Query

MIN_INTERVAL = 60
LEASE = "alerts"
SWITCH = "CONCORD_ALERTS_SCHEDULER"  # "off": start() starts nothing
HOLDER = leases.HOLDER
WHY = "the alert evaluator runs each rule as the board's owner"
log = logging.getLogger("concord.alerts")


@dataclass(frozen=True)
class Outcome:
    """What one evaluation of one board did."""

    board_id: int
    evaluated: tuple[int, ...] = ()  # tile ids whose rules were evaluated
    new_alerts: tuple[int, ...] = ()
    skipped: tuple[str, ...] = ()  # one line each: what was not evaluated, and why
    closed: int = 0  # breaches of removed rules closed


def board_query(tile: Tile, board: Board, library: Library) -> Query:
    """The tile's query with the board's filters, as a viewer sees it before any cross-filter selection."""
    return with_board_filters(tile.query, board.filters or {}, library)


def evaluate_board(
    board: Board,
    warehouse: Warehouse,
    now: dt.datetime | None = None,
    *,
    post: Callable | None = None,
    library: Library | None = None,
) -> Outcome:
    """Evaluate `board`'s rules under its owner's current principal; record and clear breaches."""
    library = library or current_library()
    closed = alerts.close_removed((board.id,), now)
    name = f"board {board.id} '{board.title}'"
    try:
        owner = principal_for(board.owner)
    except SemanticError as err:  # disabled or unknown owner: nobody to evaluate the rules as
        return _report(Outcome(board.id, skipped=(f"{name}: rules not evaluated: {err}",), closed=closed))
    evaluated, new, skipped = [], [], []
    for tile in board.tiles:
        if not tile.rules:
            continue
        where = f"{name}, tile '{tile.title or tile.id}'"
        try:
            query = board_query(tile, board, library)
            if not allowed(owner, "query", query, library):
                skipped.append(f"{where}: skipped, its owner {owner.username} may no longer see it.")
                continue
            frame = run(query, owner, warehouse=warehouse, library=library, source=f"alert:{board.id}").frame
        except (SemanticError, ValueError) as err:
            skipped.append(f"{where}: skipped: {err}")
            continue
        if len(frame) != 1:
            skipped.append(f"{where}: skipped, rules read a one-row tile and this one has {len(frame)} rows.")
            continue
        new += alerts.record(board, tile, frame.iloc[0].to_dict(), owner, query=query, now=now, post=post)
        evaluated.append(tile.id)
    return _report(Outcome(board.id, tuple(evaluated), tuple(new), tuple(skipped), closed))


def _report(outcome: Outcome) -> Outcome:
    for line in outcome.skipped:
        log.warning(line)
    return outcome


def evaluate_all(
    warehouse: Warehouse, now: dt.datetime | None = None, *, post: Callable | None = None, due_only: bool = False
) -> list[Outcome]:
    """Evaluate every board with rules (only those due when `due_only`); close breaches of removed
    rules everywhere, deleted boards included. One board's failure never stops the others."""
    alerts.close_removed(None, now)
    at = (now or dt.datetime.now(dt.UTC)).timestamp()
    with metastore.session() as con:
        ids = [r[0] for r in con.execute("SELECT id FROM boards ORDER BY id")]
        last = dict(con.execute("SELECT board_id, evaluated_at FROM alert_schedule").fetchall())
    outcomes = []
    for board_id in ids:
        try:
            board = get_unchecked(board_id, WHY)
        except BoardError:
            continue  # deleted meanwhile
        if not any(t.rules for t in board.tiles):
            continue
        if due_only and at - last.get(board_id, float("-inf")) < max(board.refresh_seconds, MIN_INTERVAL):
            continue
        try:
            outcomes.append(evaluate_board(board, warehouse, now, post=post))
        except Exception as err:  # noqa: BLE001 - one broken board must not stop the others
            line = f"board {board_id}: not evaluated: {type(err).__name__}: {err}"
            outcomes.append(_report(Outcome(board_id, skipped=(line,))))
        with metastore.session() as con:
            con.execute(
                "INSERT INTO alert_schedule (board_id, evaluated_at) VALUES (?, ?) ON CONFLICT (board_id) "
                "DO UPDATE SET evaluated_at = excluded.evaluated_at",
                (board_id, at),
            )
    return outcomes


# ---- one evaluating process at a time ------------------------------------------------
def take_lease(holder: str = HOLDER, seconds: float = 3 * MIN_INTERVAL, now: float | None = None) -> bool:
    """Hold the evaluation lease for `seconds` (renewing our own); False while another holder's is valid."""
    return leases.take(LEASE, holder, seconds, now)


def release_lease(holder: str = HOLDER) -> None:
    leases.release(LEASE, holder)


def run_once(
    warehouse: Warehouse,
    holder: str = HOLDER,
    lease_seconds: float = 3 * MIN_INTERVAL,
    now: dt.datetime | None = None,
    post: Callable | None = None,
) -> list[Outcome] | None:
    """One scheduled pass: the boards that are due, if this process holds the lease (None otherwise)."""
    if not take_lease(holder, lease_seconds, None if now is None else now.timestamp()):
        return None
    return evaluate_all(warehouse, now, post=post, due_only=True)


_started: threading.Thread | None = None
_start_lock = threading.Lock()
_stop = threading.Event()


def enabled() -> bool:
    """False when CONCORD_ALERTS_SCHEDULER is off (test runs; or cron runs `python -m boards.evaluate` instead)."""
    return os.environ.get(SWITCH, "on").strip().lower() not in ("off", "0", "false", "no")


def start(
    warehouse_factory: Callable[[], Warehouse], interval_seconds: float = MIN_INTERVAL
) -> threading.Thread | None:
    """Start this process's evaluation thread (once: later calls return the same thread); None when switched off."""
    global _started
    if not enabled():
        return None
    with _start_lock:
        if _started is None or not _started.is_alive():
            _stop.clear()
            _started = threading.Thread(
                target=_loop, args=(warehouse_factory, interval_seconds), daemon=True, name="concord-alerts"
            )
            _started.start()
        return _started


def stop(timeout: float = 5.0) -> None:
    """End the evaluation thread (tests; the app's thread simply ends with the process)."""
    _stop.set()
    if _started is not None:
        _started.join(timeout)
    release_lease()


def _loop(warehouse_factory: Callable[[], Warehouse], interval: float) -> None:
    warehouse = None
    while not _stop.is_set():
        try:
            if not enabled():
                break
            warehouse = warehouse or warehouse_factory()
            run_once(warehouse, lease_seconds=max(3 * interval, 3 * MIN_INTERVAL))
        except Exception as err:  # noqa: BLE001 - the thread lives on; the next pass tries again
            log.error("alert evaluation failed: %s: %s", type(err).__name__, err)
        _stop.wait(interval)


# ---- cron ----------------------------------------------------------------------------
def _engine(path: str | None):
    """--warehouse PATH: that DuckDB file; otherwise the configured engine, asked once that it answers."""
    if path or EngineSettings.from_env().engine == "duckdb":
        file = Path(path or warehouse_path())
        if not file.exists():
            raise SemanticError(f"no warehouse at {file}; build it with `make warehouse` or pass --warehouse PATH.")
        return Warehouse(file)
    warehouse = open_engine()
    warehouse.version()  # PostgreSQL or Spark not answering: one line now, not a skipped line per tile
    return warehouse


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m boards.evaluate", description="Evaluate board alert rules under each board owner's principal."
    )
    parser.add_argument("--once", action="store_true", help="one pass over the boards that are due, then exit")
    parser.add_argument(
        "--db",
        help="the metadata store, a SQLite file or a postgresql:// URL "
        "(default: CONCORD_METASTORE_URL, CONCORD_METASTORE or data/metastore.sqlite)",
    )
    parser.add_argument(
        "--warehouse",
        help="a DuckDB warehouse file (default: the engine in concord.toml [warehouse]: the DuckDB file, "
        "PostgreSQL or Spark)",
    )
    parser.add_argument("--interval", type=int, default=MIN_INTERVAL, help="seconds between passes without --once")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    if args.db and args.db.startswith(("postgresql://", "postgres://")):
        os.environ["CONCORD_METASTORE_URL"] = args.db
    elif args.db:
        os.environ["CONCORD_METASTORE"] = args.db
        os.environ.pop("CONCORD_METASTORE_URL", None)
    from data import budget, config, custom_store

    try:
        config.settle()  # concord.toml's engine, library and policy, as the app reads them
        custom_store.register()  # a tile with a user's custom metric is evaluated like any other
        budget.register()  # a budget tile reads the year's approved version
        warehouse = _engine(args.warehouse)
        while True:
            outcomes = run_once(warehouse, lease_seconds=max(3 * args.interval, 3 * MIN_INTERVAL))
            if outcomes is None:
                print("another process holds the alert evaluation lease; nothing done.")
            else:
                new = sum(len(o.new_alerts) for o in outcomes)
                print(
                    f"evaluated {len(outcomes)} board(s): {new} new breach(es), "
                    f"{sum(len(o.skipped) for o in outcomes)} skipped."
                )
            if args.once:
                release_lease()
                return 0
            time.sleep(max(args.interval, 1))
    except KeyboardInterrupt:
        release_lease()
        return 0
    except Exception as err:  # noqa: BLE001 - cron gets one line and exit 2, never a traceback
        print(f"error: {' '.join(str(err).split()) or type(err).__name__}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
