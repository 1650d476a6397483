"""Merge a batch into a warehouse table, on publish.changing's connection (a copy of the warehouse).

The batch is staged as DuckDB tables: the live rows cast to the warehouse table's column types, and
the keys of the rows the source marks deleted. Rows whose key is new are inserted; rows whose key
exists and whose values differ replace it (delete + insert); an identical row is left alone (so a
re-read row is not counted as updated); marked keys are deleted; a whole batch (a full read) also
deletes the warehouse rows it does not hold. The column set is checked first (a column missing at
the source is one line naming it) and a key must be unique and present in the batch.
"""

from __future__ import annotations

import duckdb

from data.sync.batch import Batch, SyncFailed


def q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def warehouse_columns(con: duckdb.DuckDBPyConnection, table: str) -> dict[str, str]:
    rows = con.execute(
        "SELECT column_name, data_type FROM information_schema.columns "
        "WHERE table_schema = 'main' AND table_name = ? ORDER BY ordinal_position",
        [table],
    ).fetchall()
    return dict(rows)


def _columns(con, source: str, batch: Batch, key: tuple[str, ...], declared: list[str] | None) -> dict[str, str]:
    """The warehouse table's columns and types (created if new); a column the source lacks is an error."""
    have = set(batch.rows.column_names)
    existing = warehouse_columns(con, batch.table)
    wanted = list(existing) or declared or [c for c in batch.rows.column_names if c != batch.deleted]
    for column in [*key, *wanted]:
        if column not in have:
            raise SyncFailed(
                f"source {source}: {batch.where} has no column '{column}', which warehouse table {batch.table} needs; "
                "was it renamed at the source? Rename it back, or select it under that name with a query."
            )
    if existing:
        return existing
    types = {c: batch.types.get(c) or "VARCHAR" for c in wanted}
    con.execute(f"CREATE TABLE {q(batch.table)} ({', '.join(f'{q(c)} {t}' for c, t in types.items())})")
    return types


def _live(batch: Batch) -> str:
    if not batch.deleted:
        return "TRUE"
    field = batch.rows.schema.field(batch.deleted)
    if str(field.type) == "bool":
        return f"NOT coalesce({q(batch.deleted)}, false)"
    return f"{q(batch.deleted)} IS NULL"


def merge(
    con: duckdb.DuckDBPyConnection, source: str, batch: Batch, key: tuple[str, ...], declared: list[str] | None = None
) -> dict[str, int]:
    """Apply the batch; {read, inserted, updated, deleted}."""
    columns = _columns(con, source, batch, key, declared)
    table = q(batch.table)
    con.register("_sync_rows", batch.rows)
    try:
        cast = ", ".join(f"CAST({q(c)} AS {t}) AS {q(c)}" for c, t in columns.items())
        keys = ", ".join(q(k) for k in key)
        try:
            con.execute(
                f"CREATE OR REPLACE TEMP TABLE _sync_live AS SELECT {cast} FROM _sync_rows WHERE {_live(batch)}"
            )
            con.execute(
                f"CREATE OR REPLACE TEMP TABLE _sync_gone AS SELECT DISTINCT "
                f"{', '.join(f'CAST({q(k)} AS {columns[k]}) AS {q(k)}' for k in key)} "
                f"FROM _sync_rows WHERE NOT ({_live(batch)})"
            )
        except duckdb.ConversionException as err:
            first = str(err).strip().splitlines()[0]
            raise SyncFailed(
                f"source {source}: a value in {batch.where} does not fit {batch.table} ({first})."
            ) from None
        null_keys = con.execute(
            f"SELECT count(*) FROM _sync_live WHERE {' OR '.join(f'{q(k)} IS NULL' for k in key)}"
        ).fetchall()[0][0]
        if null_keys:
            raise SyncFailed(
                f"source {source}: {null_keys:,} rows of {batch.where} have no value in the key ({', '.join(key)}); "
                f"the warehouse table {batch.table} needs every key."
            )
        twice = con.execute(
            f"SELECT {keys}, count(*) FROM _sync_live GROUP BY ALL HAVING count(*) > 1 LIMIT 1"
        ).fetchall()
        if twice:
            twice = twice[0]
            shown = ", ".join(str(v) for v in twice[:-1])
            raise SyncFailed(
                f"source {source}: the key ({', '.join(key)}) = ({shown}) appears {twice[-1]} times in {batch.where}; "
                f"the warehouse table {batch.table} needs it unique (fix the source or declare the right primary_key)."
            )
        on = " AND ".join(f"l.{q(k)} = t.{q(k)}" for k in key)
        same = " AND ".join(f"l.{q(c)} IS NOT DISTINCT FROM t.{q(c)}" for c in columns)
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE _sync_changed AS SELECT l.*, t._present IS NULL AS _new "
            f"FROM _sync_live l LEFT JOIN (SELECT *, true AS _present FROM {table}) t ON {on} "
            f"WHERE t._present IS NULL OR NOT ({same})"
        )
        inserted, updated = con.execute(
            "SELECT count(*) FILTER (WHERE _new), count(*) FILTER (WHERE NOT _new) FROM _sync_changed"
        ).fetchall()[0]
        match = " AND ".join(f"{table}.{q(k)} = c.{q(k)}" for k in key)
        if updated:
            con.execute(f"DELETE FROM {table} USING _sync_changed c WHERE {match} AND NOT c._new")
        names = ", ".join(q(c) for c in columns)
        con.execute(f"INSERT INTO {table} ({names}) SELECT {names} FROM _sync_changed")
        deleted = con.execute(f"DELETE FROM {table} USING _sync_gone c WHERE {match}").fetchall()[0][0]
        if batch.whole:
            absent = " AND ".join(f"l.{q(k)} = {table}.{q(k)}" for k in key)
            deleted += con.execute(
                f"DELETE FROM {table} WHERE NOT EXISTS (SELECT 1 FROM _sync_live l WHERE {absent})"
            ).fetchall()[0][0]
        for temp in ("_sync_live", "_sync_gone", "_sync_changed"):
            con.execute(f"DROP TABLE IF EXISTS {temp}")
    finally:
        try:
            con.unregister("_sync_rows")
        except duckdb.Error:
            pass  # the change failed (its transaction is aborted): the copy is thrown away anyway
    return {"read": batch.rows.num_rows, "inserted": inserted, "updated": updated, "deleted": deleted}


def totals(con: duckdb.DuckDBPyConnection, table: str, amounts: tuple[str, ...]) -> dict:
    """count(*) and the sum of each amount column of the warehouse table."""
    parts = ["count(*)"] + [f"sum({q(a)})" for a in amounts]
    try:
        values = con.execute(f"SELECT {', '.join(parts)} FROM {q(table)}").fetchall()[0]
    except duckdb.BinderException:
        missing = [a for a in amounts if a not in warehouse_columns(con, table)]
        raise SyncFailed(f"amounts of {table}: the warehouse table has no column {missing[0]!r}.") from None
    return dict(zip(["count", *amounts], values, strict=True))
