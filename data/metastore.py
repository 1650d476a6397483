"""The app's metadata store: a SQLite file (WAL) apart from the warehouse,
holding what people make and do: boards, display tokens, alerts, preferences,
login attempts and the audit log.

Schema changes are numbered SQL files in data/migrations/, applied in order
once each and recorded in schema_version; starting two processes at once is
safe (the migration runs inside an immediate transaction).
"""

from __future__ import annotations

import os
import sqlite3
import time
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent
DEFAULT_PATH = ROOT / "metastore.sqlite"
MIGRATIONS = ROOT / "migrations"


def path() -> Path:
    return Path(os.environ.get("CONCORD_METASTORE", DEFAULT_PATH))


def connect(where: Path | str | None = None) -> sqlite3.Connection:
    """A connection to the (migrated) metadata store; autocommit, WAL, waits up to 10 s for locks."""
    target = Path(where) if where else path()
    target.parent.mkdir(parents=True, exist_ok=True)
    con = sqlite3.connect(str(target), timeout=10, isolation_level=None, check_same_thread=False)
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
    _migrate(con)
    return con


@contextmanager
def session(where: Path | str | None = None):
    """`with session() as con:` a connection closed afterwards."""
    con = connect(where)
    try:
        yield con
    finally:
        con.close()


@contextmanager
def transaction(con: sqlite3.Connection):
    con.execute("BEGIN IMMEDIATE")
    try:
        yield con
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")


def migrations() -> list[tuple[int, str, Path]]:
    out = []
    for file in sorted(MIGRATIONS.glob("*.sql")):
        number, _, name = file.stem.partition("_")
        if number.isdigit():
            out.append((int(number), name, file))
    return out


def _migrate(con: sqlite3.Connection) -> None:
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
        pending = [m for m in migrations() if m[0] not in done]
        for number, name, file in pending:
            if number in done:
                continue
            for statement in _statements(file.read_text(encoding="utf-8")):
                con.execute(statement)
            con.execute("INSERT INTO schema_version (version, name) VALUES (?, ?)", (number, name))


def _statements(script: str) -> list[str]:
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
