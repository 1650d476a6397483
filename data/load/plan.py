"""preview(): read a file, map it, type every cell, and say what loading it would do. Writes nothing."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import duckdb
import pyarrow as pa

from data.load import read as reading
from data.load import shape, values
from data.load.errors import LoadError
from data.load.mapping import Choice, choose
from semantic.execute import Warehouse, warehouse_path
from semantic.model.library import Library
from semantic.model.loader import default_library

# Tables replaced by whole years of a month/date column (a budget file is the budget of its year);
# every other table is replaced row by row on its primary key.
REPLACE_BY_YEAR = {"budgets": "month"}
SHOWN = 20  # first rows shown


@dataclass
class Effect:
    written: int  # rows the file puts in the table
    replaced: int  # rows now in the table that it removes
    added: int  # written rows whose key was not there before
    years: tuple[int, ...] = ()  # replaced whole (year scope)
    written_total: float | None = None  # sum of the amount column, file and replaced rows
    replaced_total: float | None = None


@dataclass
class Preview:
    table: str
    filename: str
    sha256: str
    sheet: str | None
    sheets: tuple[str, ...]
    encoding: str | None
    header_line: int
    choices: list[Choice]
    columns: tuple[str, ...]
    rows: pa.Table  # exactly what would be inserted
    errors: list[tuple[int, str]]  # (line or sheet row, reason), in file order
    effect: Effect | None
    notes: list[str] = field(default_factory=list)
    scope: tuple = ()  # ("year", column, years) or ("key", key columns)
    constants: dict[str, str] = field(default_factory=dict)
    facts: dict = field(default_factory=dict)  # the notes as data, for a page in another language:
    # unit (Decimal), merged ([cell from cell]), months (count, month column, value column)

    @property
    def ok(self) -> bool:
        return not self.errors and self.rows.num_rows > 0

    def first_rows(self, n: int = SHOWN) -> list[dict]:
        return self.rows.slice(0, n).to_pylist()

    def mapping(self) -> dict[str, str]:
        """header -> column (or '-' for left out), as saved for next time."""
        return {c.header: (c.column or "-") for c in self.choices if c.how not in ("month", "total")}


def _types(con: duckdb.DuckDBPyConnection, table: str) -> dict[str, str]:
    return {r[0]: r[1] for r in con.execute(f'DESCRIBE "{table}"').fetchall()}


def _arrow_type(sql_type: str) -> pa.DataType:
    t = sql_type.upper()
    if t.startswith("DECIMAL"):
        p, s = (int(x) for x in t[t.index("(") + 1 : -1].split(","))
        return pa.decimal128(p, s)
    return {
        "DATE": pa.date32(),
        "TIMESTAMP": pa.timestamp("us"),
        "BIGINT": pa.int64(),
        "INTEGER": pa.int32(),
        "SMALLINT": pa.int16(),
        "DOUBLE": pa.float64(),
        "FLOAT": pa.float32(),
        "BOOLEAN": pa.bool_(),
    }.get(t, pa.string())


def _members(library: Library, table: str, column: str) -> dict[str, str]:
    """zh/en member labels -> the stored value (财务部 -> Finance)."""
    out: dict[str, str] = {}
    for dim in library.dimensions.values():
        if f"{table}.{column}" in dim.sources:
            for key, label in dim.members.items():
                for word in (key, label.en, label.zh):
                    out.setdefault(word.strip().lower(), key)
    return out


def _converter(sql_type: str, column: str, members: dict[str, str], scale: Decimal, year, today):
    t = sql_type.upper()
    if t.startswith("DECIMAL"):
        places = Decimal(1).scaleb(-int(t[t.index(",") + 1 : -1]))
        return lambda raw: None if (v := values.amount(raw, scale)) is None else v.quantize(places, ROUND_HALF_UP)
    if t in ("DOUBLE", "FLOAT"):
        return lambda raw: None if (v := values.amount(raw, scale)) is None else float(v)
    if t in ("BIGINT", "INTEGER", "SMALLINT", "HUGEINT"):
        return values.whole
    if t == "DATE" and "month" in column.lower():
        return lambda raw: values.month(raw, year)
    if t == "DATE":
        return lambda raw: values.date(raw, today)
    if t.startswith("TIMESTAMP"):
        return lambda raw: None if (d := values.date(raw, today)) is None else dt.datetime.combine(d, dt.time())
    if members:
        return lambda raw: None if (s := values.text(raw)) is None else members.get(s.lower(), s)
    return values.text


def preview(
    data: bytes,
    filename: str,
    table: str,
    mapping: dict[str, str] | None = None,
    sheet: str | None = None,
    *,
    constants: dict[str, str] | None = None,
    saved: dict[str, str] | None = None,
    warehouse: Warehouse | Path | str | None = None,
    library: Library | None = None,
    today: dt.date | None = None,
) -> Preview:
    """What loading `data` into `table` would do; raises LoadError for a file that cannot be read at all."""
    library = library or default_library()
    today = today or dt.date.today()
    if table not in library.warehouse_tables:
        raise LoadError(
            f"'{table}' is not a warehouse table of the library; tables: {', '.join(sorted(library.warehouse_tables))}."
        )
    spec = library.tables[table]
    if saved is None:
        from data.load.store import saved_mapping

        saved = saved_mapping(table)
    grid = reading.read(data, filename, sheet)
    wh = warehouse if isinstance(warehouse, Warehouse) else Warehouse(Path(warehouse or warehouse_path()))
    con, _ = wh.cursor()
    try:
        try:
            types = _types(con, table)
        except duckdb.CatalogException:
            raise LoadError(f"the warehouse has no table '{table}'; build it first (python -m data.demo).") from None
        return _plan(
            con, grid, data, filename, table, spec, types, mapping, saved, dict(constants or {}), library, today
        )
    finally:
        con.close()
        if wh is not warehouse:
            wh.close()


def _plan(con, grid, data, filename, table, spec, types, mapping, saved, constants, library, today) -> Preview:
    notes: list[str] = []
    facts: dict = {}
    year = values.year_in(filename, grid.sheet or "", *grid.titles)
    scale = values.unit_in(*grid.titles, *(str(h) for h in grid.header if h is not None))
    if scale != 1:
        notes.append(f"unit: {scale:,} (from the title row or a header); amounts are multiplied by it")
        facts["unit"] = scale
    if grid.filled:
        notes.append("merged header cells: " + ", ".join(grid.filled))
        facts["merged"] = list(grid.filled)
    choices = choose(grid.header, library, table, mapping, saved)
    mapped = {c.column for c in choices if c.column}
    months = shape.month_columns(grid, year)
    month_column = value_column = None
    if months:
        month_column = next((c for c in spec.columns if c not in mapped and "DATE" in types.get(c, "")), None)
        value_column = next(
            (c for c in spec.columns if c not in mapped and c not in spec.key_columns and _numeric(types.get(c, ""))),
            None,
        )
        if month_column and value_column:
            month_headers = {str(grid.header[j]).strip() for j in months}
            choices = [
                Choice(c.header, f"{month_column} + {value_column}", "month") if c.header in month_headers else c
                for c in choices
            ]
            notes.append(
                f"months across: {len(months)} month columns, each cell one row ({month_column}, {value_column})"
            )
            facts["months"] = (len(months), month_column, value_column)
        else:
            months = {}
    for column in constants:
        if column not in spec.columns:
            raise LoadError(f"'{column}' is not a column of {table}; its columns are: {', '.join(spec.columns)}.")
    filled = {c.column for c in choices if c.column and c.how != "month"} | set(constants)
    if months:
        filled |= {month_column, value_column}
    missing = [c for c in spec.columns if c not in filled]  # every column: `--set column=` leaves one empty
    if missing:
        label = _label(library, table, missing[0])
        raise LoadError(
            f"no header of the file fills '{missing[0]}'{label}, which {table} has for every row; map a header to "
            f"it (--map 'Header={missing[0]}'), or give one value for the whole file (--set {missing[0]}=VALUE)."
        )
    records, errors = shape.records(grid, choices, months, month_column, value_column, scale)
    convert = {
        c: _converter(types[c], c, _members(library, table, c), scale, year, today) for c in spec.columns if c in types
    }
    for column, raw in constants.items():
        try:
            constants[column] = convert[column](raw)
        except ValueError as err:
            raise LoadError(f"--set {column}={raw}: {err}.") from None
    columns = {c: [] for c in spec.columns}
    seen: dict[tuple, int] = {}
    for record in records:
        row, problem = {}, None
        for c in spec.columns:
            if c in constants:
                row[c] = constants[c]
                continue
            try:
                row[c] = convert[c](record.cells.get(c))
            except ValueError as err:
                problem = f"{record.cell.get(c, c)}: {err}"
                break
            if row[c] is None and c in spec.key_columns:
                problem = f"{record.cell.get(c, c)}: {c} is empty"
                break
        if problem is None:
            key = tuple(row[c] for c in spec.key_columns)
            if key in seen:
                problem = f"the same {', '.join(spec.key_columns)} as line {seen[key]}"
            else:
                seen[key] = record.line
        if problem:
            errors.append((record.line, problem))
            continue
        for c in spec.columns:
            columns[c].append(row[c])
    errors.sort(key=lambda e: e[0])
    rows = pa.table({c: pa.array(v, type=_arrow_type(types.get(c, "VARCHAR"))) for c, v in columns.items()})
    if table in REPLACE_BY_YEAR:
        column = REPLACE_BY_YEAR[table]
        scope = ("year", column, tuple(sorted({d.year for d in columns[column] if d is not None})))
    else:
        scope = ("key", spec.key_columns)
    effect = effect_of(con, table, rows, scope, types) if rows.num_rows and not errors else None
    return Preview(
        table, filename, hashlib.sha256(data).hexdigest(), grid.sheet, grid.sheets, grid.encoding,
        grid.header_line, choices, tuple(spec.columns), rows, errors, effect, notes, scope, dict(constants), facts,
    )  # fmt: skip


def _numeric(sql_type: str) -> bool:
    t = sql_type.upper()
    return t.startswith("DECIMAL") or t in ("DOUBLE", "FLOAT", "BIGINT", "INTEGER")


def _label(library: Library, table: str, column: str) -> str:
    for dim in library.dimensions.values():
        if f"{table}.{column}" in dim.sources:
            return f" ({dim.label.zh} / {dim.label.en})"
    return ""


def amount_column(table_types: dict[str, str], keys) -> str | None:
    return next((c for c, t in table_types.items() if c not in keys and _numeric(t) and "amount" in c), None)


def effect_of(con, table: str, rows: pa.Table, scope: tuple, types: dict[str, str]) -> Effect:
    """Rows written, replaced and added, counted on `con` (the warehouse now, or the copy being changed)."""
    con.register("incoming_rows", rows)
    try:
        where = scope_where(table, scope, "incoming_rows")
        money = amount_column(types, scope[1] if scope[0] == "key" else ())
        replaced, replaced_total = con.execute(
            f'SELECT count(*), {f"sum({money})" if money else "NULL"} FROM "{table}" WHERE {where}'
        ).fetchall()[0]
        written_total = con.execute(f"SELECT sum({money}) FROM incoming_rows").fetchall()[0][0] if money else None
        added = rows.num_rows - replaced if scope[0] == "key" else rows.num_rows
    finally:
        con.unregister("incoming_rows")
    return Effect(
        rows.num_rows, int(replaced), int(added), scope[2] if scope[0] == "year" else (),
        None if written_total is None else float(written_total),
        None if replaced_total is None else float(replaced_total),
    )  # fmt: skip


def scope_where(table: str, scope: tuple, source: str) -> str:
    """The rows of `table` a load replaces: its years, or the keys found in `source`."""
    if scope[0] == "year":
        years = ", ".join(str(int(y)) for y in scope[2]) or "NULL"
        return f'year("{scope[1]}") IN ({years})'
    keys = ", ".join(f'"{k}"' for k in scope[1])
    return f"({keys}) IN (SELECT ({keys}) FROM {source})"
