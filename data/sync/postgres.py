"""Read tables (or queries) of a PostgreSQL source into Arrow: COPY ... TO STDOUT, parsed by pyarrow.

One read-only REPEATABLE READ transaction per sync: every table and the reconciliation totals are
read from one snapshot of the source, so a row committed while the sync runs is either in all of
them or in none. Incremental: rows whose cursor is >= the last high-water mark (the mark's own rows
are read again, so rows committed later with the same timestamp are not missed; re-reading an
unchanged row changes nothing). The URL is shown without a password; the password comes from
Source.password() and is never printed.
"""

from __future__ import annotations

import io

import psycopg
import pyarrow as pa
import pyarrow.csv as pacsv
from psycopg import sql

from data.config_sources import Source, SourceTable
from data.demo.to_postgres import without_password
from data.sync.batch import Batch, SyncFailed

# PostgreSQL type oid -> (Arrow type to parse the COPY text into, DuckDB type)
TYPES = {
    16: (pa.bool_(), "BOOLEAN"),
    20: (pa.int64(), "BIGINT"),
    21: (pa.int16(), "SMALLINT"),
    23: (pa.int32(), "INTEGER"),
    700: (pa.float64(), "DOUBLE"),
    701: (pa.float64(), "DOUBLE"),
    1082: (pa.date32(), "DATE"),
    1114: (pa.timestamp("us"), "TIMESTAMP"),
    1184: (pa.timestamp("us", tz="UTC"), "TIMESTAMPTZ"),
}


def _types(column) -> tuple[pa.DataType, str]:
    if column.type_code == 1700:  # numeric(p, s): exact; without a precision, read as text and cast
        p, s = column.precision, column.scale
        if p and p <= 38:
            return pa.decimal128(p, s or 0), f"DECIMAL({p},{s or 0})"
        return pa.string(), "DECIMAL(38,10)"
    return TYPES.get(column.type_code, (pa.string(), "VARCHAR"))


def _first_line(err: Exception) -> str:
    text = str(err).strip()
    return text.splitlines()[0] if text else type(err).__name__


class PostgresReader:
    def __init__(self, name: str, source: Source):
        self.name = name
        self.source = source
        self.shown = without_password(source.url or "")
        password = source.password()
        try:
            self.con = psycopg.connect(source.url, password=password, connect_timeout=10)
        except psycopg.OperationalError as err:
            reason = _first_line(err)
            if "password" in reason and ("fail" in reason or "supplied" in reason):
                hint = f"check {source.password_env or source.password_file or 'password_env'}"
                raise SyncFailed(f"source {name}: {self.shown} refused the login ({reason}); {hint}.") from None
            raise SyncFailed(
                f"source {name}: cannot reach {self.shown} ({reason}); check that the server is up and the url is right."
            ) from None
        self.con.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        self.con.read_only = True
        self.con.execute("SET TIME ZONE 'UTC'")

    def close(self) -> None:
        self.con.close()

    def _relation(self, spec: SourceTable) -> sql.Composable:
        if spec.query:
            return sql.SQL("({}) AS src").format(sql.SQL(spec.query.strip().rstrip(";")))
        return sql.Identifier(*spec.table.split("."))

    def _where(self, spec: SourceTable) -> str:
        return f"tables.{spec.table}" if spec.table else "the query"

    def _columns(self, table: str, spec: SourceTable) -> list:
        try:
            cur = self.con.execute(sql.SQL("SELECT * FROM {} LIMIT 0").format(self._relation(spec)))
        except psycopg.errors.UndefinedTable:
            raise SyncFailed(
                f"source {self.name}: table {spec.table} does not exist at {self.shown} "
                f"(sources.{self.name}.tables.{table}); check the name in concord.toml."
            ) from None
        except psycopg.Error as err:
            raise SyncFailed(
                f"source {self.name}: the query for tables.{table} failed at the source ({_first_line(err)})."
            ) from None
        return list(cur.description)

    def _dead(self, spec: SourceTable, columns: dict) -> sql.Composable:
        """The condition for a live row (not marked deleted)."""
        if not spec.deleted:
            return sql.SQL("TRUE")
        column = sql.Identifier(spec.deleted)
        if columns[spec.deleted].type_code == 16:
            return sql.SQL("NOT coalesce({}, false)").format(column)
        return sql.SQL("{} IS NULL").format(column)

    def read(self, table: str, spec: SourceTable, mark: str | None, whole: bool) -> Batch:
        described = self._columns(table, spec)
        columns = {c.name: c for c in described}
        for needed in (spec.cursor, spec.deleted, *spec.primary_key, *spec.amounts):
            if needed and needed not in columns:
                raise SyncFailed(
                    f"source {self.name}: {spec.table or 'the query'} has no column '{needed}' "
                    f"(named in sources.{self.name}.tables.{table}); was it renamed at the source?"
                )
        incremental = bool(spec.cursor) and mark is not None and not whole
        relation = self._relation(spec)
        if incremental:
            cursor_type = sql.SQL(columns[spec.cursor].type_display)
            where = sql.SQL("{} >= CAST({} AS {})").format(sql.Identifier(spec.cursor), sql.Literal(mark), cursor_type)
        else:
            where = self._dead(spec, columns)
        select = sql.SQL("SELECT {} FROM {} WHERE {}").format(
            sql.SQL(", ").join(sql.Identifier(c.name) for c in described), relation, where
        )
        buffer = io.BytesIO()
        try:
            with self.con.cursor().copy(sql.SQL("COPY ({}) TO STDOUT (FORMAT csv)").format(select)) as copy:
                for chunk in copy:
                    buffer.write(chunk)
            new_mark = None
            if spec.cursor:
                found = self.con.execute(
                    sql.SQL("SELECT max({})::text FROM {} WHERE {}").format(
                        sql.Identifier(spec.cursor), relation, where
                    )
                ).fetchone()[0]
                new_mark = found if found is not None else mark
        except psycopg.Error as err:
            raise SyncFailed(f"source {self.name}: reading tables.{table} failed ({_first_line(err)}).") from None
        types = {c.name: _types(c) for c in described}
        rows = _parse(buffer, types, self.name, table)
        return Batch(
            table=table,
            rows=rows,
            whole=not incremental,
            where=spec.table or "the query",
            mark=new_mark,
            deleted=spec.deleted,
            types={name: duck for name, (_, duck) in types.items()},
        )

    def totals(self, table: str, spec: SourceTable) -> dict:
        """count(*) and the sum of each amount column over the live rows, in the sync's snapshot."""
        columns = {c.name: c for c in self._columns(table, spec)}
        parts = [sql.SQL("count(*)")] + [sql.SQL("sum({})").format(sql.Identifier(a)) for a in spec.amounts]
        query = sql.SQL("SELECT {} FROM {} WHERE {}").format(
            sql.SQL(", ").join(parts), self._relation(spec), self._dead(spec, columns)
        )
        try:
            values = self.con.execute(query).fetchone()
        except psycopg.Error as err:
            raise SyncFailed(f"source {self.name}: counting tables.{table} failed ({_first_line(err)}).") from None
        return dict(zip(["count", *spec.amounts], values, strict=True))


def _parse(buffer: io.BytesIO, types: dict, source: str, table: str) -> pa.Table:
    names = list(types)
    if buffer.getbuffer().nbytes == 0:
        return pa.table({n: pa.array([], type=t) for n, (t, _) in types.items()})
    buffer.seek(0)
    try:
        return pacsv.read_csv(
            buffer,
            read_options=pacsv.ReadOptions(column_names=names, block_size=16 << 20),
            parse_options=pacsv.ParseOptions(newlines_in_values=True),
            convert_options=pacsv.ConvertOptions(
                column_types={n: t for n, (t, _) in types.items()},
                null_values=[""],
                strings_can_be_null=True,
                quoted_strings_can_be_null=False,
                true_values=["t"],
                false_values=["f"],
            ),
        )
    except pa.ArrowInvalid as err:
        raise SyncFailed(f"source {source}: a row of tables.{table} cannot be read ({_first_line(err)}).") from None
