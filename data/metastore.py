"""The app's metadata store, apart from the warehouse, holding what people make and do:
boards, display tokens, alerts, preferences, login attempts and the audit log.

Two backends, one API (`with session() as con`, `transaction(con)`, `?` placeholders,
rows read as `row["col"]` or `row[0]`):
- SQLite (the default): a file (WAL), `data/metastore.sqlite` or CONCORD_METASTORE;
- PostgreSQL, for several machines sharing one store: CONCORD_METASTORE_URL, or
  `[metastore] url = "postgresql://..."` in concord.toml (see data/metastore_pg.py).
Which one: CONCORD_METASTORE_URL, else CONCORD_METASTORE, else concord.toml, else the file.

Schema changes are numbered SQL files in data/migrations/, applied in order once each
and recorded in schema_version, under a lock (SQLite: an immediate transaction;
PostgreSQL: an advisory lock), so starting several processes at once is safe. A file
that cannot be written for both has a `NNN_name.postgres.sql` beside it for PostgreSQL.
Each process checks the migrations once per store (SQLite: once per new connection, a
cheap read) and keeps a few idle connections per store, so a session costs next to nothing.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from collections import OrderedDict
from contextlib import contextmanager
from pathlib import Path
from typing import NamedTuple

ROOT = Path(__file__).resolve().parent
DEFAULT_PATH = ROOT / "metastore.sqlite"
MIGRATIONS = ROOT / "migrations"


class Target(NamedTuple):
    kind: str  # sqlite, postgres
    where: str  # a file path, or a postgresql:// URL


def path() -> Path:
    """The SQLite file (when the store is SQLite)."""
    return Path(os.environ.get("CONCORD_METASTORE", DEFAULT_PATH))


_config_cache: dict = {}


def _configured_url() -> str | None:
    """[metastore] url from concord.toml (read again when the file changes)."""
    from data import config

    file = config.path()
    try:
        stamp = file.stat().st_mtime_ns
    except OSError:
        return None
    if _config_cache.get("key") != (str(file), stamp):
        _config_cache.update(key=(str(file), stamp), url=config.metastore_url(file))
    return _config_cache["url"]


def target(where: Target | Path | str | None = None) -> Target:
    """Which store `where` names (a file path or a URL); None: the configured one."""
    if isinstance(where, Target):
        return where
    if where is None:
        where = os.environ.get("CONCORD_METASTORE_URL") or (
            os.environ.get("CONCORD_METASTORE") or _configured_url() or str(DEFAULT_PATH)
        )
    text = str(where)
    if text.startswith(("postgresql://", "postgres://")):
        return Target("postgres", text)
    if text.startswith("sqlite:///"):
        text = text.removeprefix("sqlite://")
    elif "://" in text:
        from data.config import ConfigError

        raise ConfigError(
            f"metadata store '{text.split('://')[0]}://...': not a store Concord knows; "
            "use postgresql://user@host/db or a SQLite file path."
        )
    return Target("sqlite", text)


def describe(where: Path | str | None = None) -> str:
    """The store for a log line, without a password."""
    found = target(where)
    if found.kind == "sqlite":
        return found.where
    from data import metastore_pg

    return metastore_pg.redact(found.where)


# ---- connections ----------------------------------------------------------------------
_local = threading.local()
_migrated: set[Target] = set()
_migrate_lock = threading.Lock()
_pools: OrderedDict = OrderedDict()
_pools_lock = threading.Lock()
POOLS_KEPT = 4  # stores this process keeps connections to (tests switch stores; the app has one)
POSTGRES_MOST = 16  # connections one process may have open to a PostgreSQL store (and keeps idle)
WAIT = 30.0  # seconds a session waits for one of them


def _sqlite_open(file: str) -> sqlite3.Connection:
    Path(file).parent.mkdir(parents=True, exist_ok=True)
    con = sqlite3.connect(file, timeout=10, isolation_level=None, check_same_thread=False)
    con.row_factory = sqlite3.Row
    con.execute("PRAGMA busy_timeout = 10000")
    for attempt in range(100):  # switching to WAL needs a moment alone with the file
        try:
            con.execute("PRAGMA journal_mode = WAL")
            break
        except sqlite3.OperationalError:
            if attempt == 99:
                raise
            time.sleep(0.05)
    con.execute("PRAGMA foreign_keys = ON")
    return con


def _open(found: Target):
    if found.kind == "postgres":
        metastore_pg = _postgres()
        con = metastore_pg.open_connection(found.where)
    else:
        con = _sqlite_open(found.where)
        _migrate_sqlite(con)  # cheap when done; also notices a file replaced under a running process
    if found not in _migrated:
        with _migrate_lock:
            if found not in _migrated:
                if found.kind == "postgres":
                    _postgres().migrate(con, migrations())
                _migrated.add(found)
    return con


def _postgres():
    try:
        from data import metastore_pg
    except ImportError as err:
        from data.config import ConfigError

        raise ConfigError(
            f"the metadata store is PostgreSQL but {err.name or 'psycopg'} is not installed; "
            "run `make setup` (pip install -r requirements.txt)."
        ) from None
    return metastore_pg


def connect(where: Path | str | None = None):
    """A new connection of its own to the (migrated) store; the caller closes it.
    Most code wants `session()`, which reuses connections."""
    return _open(target(where))


class Pool:
    """Idle connections to one store, reused last-in first-out; any thread may take one
    (Streamlit runs every rerun in a new thread, so per-thread connections would not be reused).
    At most `most` connections are open at once (PostgreSQL: the server's max_connections is
    shared by every process); a session waits for one up to WAIT seconds, then fails in one line."""

    def __init__(self, found: Target, keep: int = 8, most: int | None = None):
        self.found, self.keep, self.idle, self.lock, self.closed = found, keep, [], threading.Lock(), False
        self.slots = threading.BoundedSemaphore(most) if most else None

    def get(self):
        if self.slots is not None and not self.slots.acquire(timeout=WAIT):
            raise TimeoutError(
                f"the metadata store's {POSTGRES_MOST} connections of this process stayed busy for {WAIT} s; "
                "try again, or look for a long transaction."
            )
        try:
            while True:
                with self.lock:
                    con = self.idle.pop() if self.idle else None
                if con is None:
                    return _open(self.found)
                if _usable(con):
                    return con
                _close_quietly(con)
        except BaseException:
            if self.slots is not None:
                self.slots.release()
            raise

    def put(self, con) -> None:
        try:
            if con.in_transaction:
                con.execute("ROLLBACK")
        except Exception:  # noqa: BLE001 - a broken connection is dropped below
            pass
        try:
            with self.lock:
                if not self.closed and len(self.idle) < self.keep and _usable(con):
                    self.idle.append(con)
                    return
            _close_quietly(con)
        finally:
            if self.slots is not None:
                self.slots.release()

    def close(self) -> None:
        with self.lock:
            self.closed, idle, self.idle = True, self.idle, []
        for con in idle:
            _close_quietly(con)


def _usable(con) -> bool:
    return not getattr(con, "broken", False)


def _close_quietly(con) -> None:
    try:
        con.close()
    except Exception:  # noqa: BLE001 - closing a broken connection may fail; it is gone either way
        pass


def pool(found: Target) -> Pool:
    with _pools_lock:
        kept = _pools.get(found)
        if kept is None:
            kept = _pools[found] = (
                Pool(found, POSTGRES_MOST, POSTGRES_MOST) if found.kind == "postgres" else Pool(found)
            )
            while len(_pools) > POOLS_KEPT:
                _pools.popitem(last=False)[1].close()
        else:
            _pools.move_to_end(found)
        return kept


def writing_here(where: Target | Path | str | None = None) -> bool:
    """True when this thread holds a session on that store inside a transaction."""
    entry = _held().get(target(where))
    return entry is not None and entry[0].in_transaction


_inherited: list = []  # a forked child's copies of the parent's pools: kept, never used or closed


def _after_fork() -> None:
    """A forked child opens its own connections (a PostgreSQL socket or SQLite handle is not shared)."""
    global _local, _pools_lock, _migrate_lock
    _inherited.append(list(_pools.values()))
    _pools.clear()
    _local, _pools_lock, _migrate_lock = threading.local(), threading.Lock(), threading.Lock()


os.register_at_fork(after_in_child=_after_fork)


def _held() -> dict:
    held = getattr(_local, "held", None)
    if held is None:
        held = _local.held = {}
    return held


@contextmanager
def session(where: Path | str | None = None):
    """`with session() as con:` a connection to the store, this thread's own until the block ends.
    A session inside another session of the same thread uses the same connection."""
    found = target(where)
    held = _held()
    if found in held:
        entry = held[found]
        entry[1] += 1
        try:
            yield entry[0]
        finally:
            entry[1] -= 1
        return
    source = pool(found)
    con = source.get()
    held[found] = [con, 1]
    try:
        yield con
    finally:
        del held[found]
        source.put(con)


@contextmanager
def transaction(con):
    """One writer at a time (SQLite: BEGIN IMMEDIATE; PostgreSQL: BEGIN and a transaction-level
    advisory lock); committed at the end, rolled back on any error. Inside another
    transaction of the same connection it is a savepoint."""
    if con.in_transaction:
        name = f"nested_{id(con)}_{time.monotonic_ns()}"
        con.execute(f"SAVEPOINT {name}")
        try:
            yield con
        except BaseException:
            con.execute(f"ROLLBACK TO SAVEPOINT {name}")
            con.execute(f"RELEASE SAVEPOINT {name}")
            raise
        con.execute(f"RELEASE SAVEPOINT {name}")
        return
    if isinstance(con, sqlite3.Connection):
        con.execute("BEGIN IMMEDIATE")
    else:
        con.begin_exclusive()
    try:
        yield con
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")


def errors() -> tuple[type[Exception], ...]:
    """What a failing store raises (for `except metastore.errors():`)."""
    import sys

    found: tuple[type[Exception], ...] = (sqlite3.Error,)
    if "psycopg" in sys.modules:
        found += (sys.modules["psycopg"].Error,)
    return found


def close_all() -> None:
    """Close every kept connection (tests, shutdown); the next session opens new ones."""
    with _pools_lock:
        pools = list(_pools.values())
        _pools.clear()
    for kept in pools:
        kept.close()


def forget_migrated() -> None:
    """Check the migrations again at the next session (tests that rebuild a store in place)."""
    _migrated.clear()


# ---- migrations -------------------------------------------------------------------------
def migrations() -> list[tuple[int, str, Path]]:
    """(number, name, file) of the portable migration files, in order."""
    out = []
    for file in sorted(MIGRATIONS.glob("*.sql")):
        if file.name.endswith(".postgres.sql"):
            continue
        number, _, name = file.stem.partition("_")
        if number.isdigit():
            out.append((int(number), name, file))
    return out


def _migrate_sqlite(con: sqlite3.Connection) -> None:
    known = con.execute("SELECT count(*) FROM sqlite_master WHERE name = 'schema_version'").fetchone()[0]
    if known:
        done = {row[0] for row in con.execute("SELECT version FROM schema_version")}
        if not [m for m in migrations() if m[0] not in done]:
            return
    with transaction(con):  # one process at a time from here; re-read what another may have done
        con.execute(
            "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, name TEXT NOT NULL, "
            "applied_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')))"
        )
        done = {row[0] for row in con.execute("SELECT version FROM schema_version")}
        for number, name, file in migrations():
            if number in done:
                continue
            for statement in statements(file.read_text(encoding="utf-8")):
                con.execute(statement)
            con.execute("INSERT INTO schema_version (version, name) VALUES (?, ?)", (number, name))


def statements(script: str) -> list[str]:
    out, buffer = [], ""
    for line in script.splitlines(keepends=True):
        buffer += line
        if sqlite3.complete_statement(buffer):
            if buffer.strip():
                out.append(buffer.strip())
            buffer = ""
    if buffer.strip():
        out.append(buffer.strip())
    return out


_statements = statements  # the name older callers used
