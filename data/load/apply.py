"""apply() a preview and restore() what a load replaced: both only through data.publish.changing, so
the warehouse changes whole (rollups, data date, blocking checks) or not at all.

The rows a load removed and the rows it wrote are kept in the warehouse, in `load_rows_<table>` (the
table's columns plus load_id and role 'replaced'/'written'). Keeping them in the same file, rather than
in a parquet file beside it, means they are written in the same atomic swap as the change itself: a
failed load leaves no orphan history, and a copied or backed-up warehouse carries its own undo."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

from data import publish
from data.load import store
from data.load.errors import LoadError
from data.load.plan import Preview, effect_of, scope_where
from data.load.store import LoadRecord
from semantic.errors import SemanticError

SHOW_ERRORS = 3


def history_table(table: str) -> str:
    return f"load_rows_{table}"


def refusal(preview: Preview) -> str | None:
    """Why this preview cannot be loaded (None when it can)."""
    if preview.errors:
        n = len(preview.errors)
        first = "; ".join(f"line {line}: {reason}" for line, reason in preview.errors[:SHOW_ERRORS])
        return (
            f"{n:,} row{'s' if n != 1 else ''} of {preview.filename} cannot be read, so nothing was loaded "
            f"(a file is loaded whole or not at all); fix {'them' if n != 1 else 'it'} and load again. First: {first}."
        )
    if preview.rows.num_rows == 0:
        return f"{preview.filename} has no rows to load."
    return None


def _scope_json(scope: tuple) -> dict:
    return {"years": list(scope[2]), "column": scope[1]} if scope[0] == "year" else {"keys": list(scope[1])}


def _scope_of(record: LoadRecord) -> tuple:
    s = record.scope
    return ("year", s["column"], tuple(s["years"])) if "years" in s else ("key", tuple(s["keys"]))


def _ensure_history(con, table: str) -> None:
    con.execute(
        f'CREATE TABLE IF NOT EXISTS "{history_table(table)}" AS '
        f"SELECT CAST(0 AS BIGINT) AS load_id, CAST('' AS VARCHAR) AS role, * FROM \"{table}\" LIMIT 0"
    )


def _swap(con, table: str, columns: tuple[str, ...], load_id: int, source: str, scope: tuple, scope_source: str):
    """Keep the rows in scope as 'replaced', delete them, insert `source`, keep it as 'written'."""
    _ensure_history(con, table)
    cols = ", ".join(f'"{c}"' for c in columns)
    where = scope_where(table, scope, scope_source)
    keep = history_table(table)
    con.execute(
        f'INSERT INTO "{keep}" (load_id, role, {cols}) SELECT ?, \'replaced\', {cols} FROM "{table}" WHERE {where}',
        [load_id],
    )
    con.execute(f'DELETE FROM "{table}" WHERE {where}')
    con.execute(f'INSERT INTO "{table}" ({cols}) SELECT {cols} FROM {source}')
    con.execute(f"INSERT INTO \"{keep}\" (load_id, role, {cols}) SELECT ?, 'written', {cols} FROM {source}", [load_id])


def apply(
    preview: Preview,
    who: str,
    *,
    warehouse: Path | str | None = None,
    today: dt.date | None = None,
    save_mapping: bool = True,
) -> LoadRecord:
    """Load the previewed rows, replacing their years or keys; refused whole if any row could not be read."""
    why = refusal(preview)
    if why:
        raise LoadError(why)
    table = preview.table
    load_id = store.begin("upload", table, preview.filename, preview.sha256, who, _scope_json(preview.scope))
    started = time.perf_counter()
    try:
        with publish.changing(warehouse, source=f"upload:{table}", today=today) as change:
            con = change.con
            con.register("load_incoming", preview.rows)
            types = {r[0]: r[1] for r in con.execute(f'DESCRIBE "{table}"').fetchall()}
            effect = effect_of(con, table, preview.rows, preview.scope, types)
            _swap(con, table, preview.columns, load_id, "load_incoming", preview.scope, "load_incoming")
            con.unregister("load_incoming")
            change.touch(table)
    except (SemanticError, LoadError) as err:
        store.finish(load_id, "failed", seconds=time.perf_counter() - started, message=str(err))
        raise LoadError(str(err)) from None
    except Exception as err:  # noqa: BLE001 - recorded, then one line for the user
        store.finish(load_id, "failed", seconds=time.perf_counter() - started, message=str(err).splitlines()[0])
        raise LoadError(f"loading {preview.filename} failed, nothing was changed: {str(err).splitlines()[0]}") from None
    store.finish(
        load_id, "applied", seconds=time.perf_counter() - started,
        written=effect.written, replaced=effect.replaced, added=effect.added,
    )  # fmt: skip
    if save_mapping:
        store.save_mapping(table, preview.mapping(), who)
    return store.get(load_id)


def restore(load_id: int, who: str, *, warehouse: Path | str | None = None, today: dt.date | None = None) -> LoadRecord:
    """Put back the rows load `load_id` replaced (and take out what it wrote); recorded as a load of its own."""
    record = store.get(load_id)
    if record is None:
        raise LoadError(f"there is no load {load_id}; `python -m data.load --history` lists them.")
    if record.status != "applied":
        raise LoadError(f"load {load_id} is {record.status}: only an applied load can be restored.")
    latest = store.latest_applied(record.table)
    if latest is not None and latest.id != load_id:
        raise LoadError(
            f"load {latest.id} changed {record.table} after load {load_id}; restore load {latest.id} first "
            "(restoring an older load would also undo the newer one)."
        )
    table, scope = record.table, _scope_of(record)
    keep = history_table(table)
    restore_id = store.begin("restore", table, record.file_name, record.sha256, who, record.scope, restores=load_id)
    started = time.perf_counter()
    try:
        with publish.changing(warehouse, source=f"restore:{table}", today=today) as change:
            con = change.con
            columns = tuple(r[0] for r in con.execute(f'DESCRIBE "{table}"').fetchall())
            cols = ", ".join(f'"{c}"' for c in columns)
            con.execute(
                f"CREATE TEMP TABLE load_putback AS SELECT {cols} FROM \"{keep}\" WHERE load_id = ? AND role = 'replaced'",
                [load_id],
            )
            con.execute(f'CREATE TEMP TABLE load_scope AS SELECT {cols} FROM "{keep}" WHERE load_id = ?', [load_id])
            before = con.execute(
                f'SELECT count(*) FROM "{table}" WHERE {scope_where(table, scope, "load_scope")}'
            ).fetchall()[0][0]
            put = con.execute("SELECT count(*) FROM load_putback").fetchall()[0][0]
            _swap(con, table, columns, restore_id, "load_putback", scope, "load_scope")
            con.execute("DROP TABLE load_putback")
            con.execute("DROP TABLE load_scope")
            change.touch(table)
    except (SemanticError, LoadError) as err:
        store.finish(restore_id, "failed", seconds=time.perf_counter() - started, message=str(err))
        raise LoadError(str(err)) from None
    except Exception as err:  # noqa: BLE001
        store.finish(restore_id, "failed", seconds=time.perf_counter() - started, message=str(err).splitlines()[0])
        raise LoadError(f"restoring load {load_id} failed, nothing was changed: {str(err).splitlines()[0]}") from None
    store.finish(restore_id, "applied", seconds=time.perf_counter() - started, written=put, replaced=before, added=put)
    store.mark(load_id, "restored")
    return store.get(restore_id)
