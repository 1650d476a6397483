"""Read a folder of files (kind = "folder": the files matching `files`) or one file (kind = "file").

A warehouse table is the union of its matching files: CSV (UTF-8, UTF-8 with BOM or GBK/GB18030,
decoded as uploads are: data.load.read.decode; a header row), Parquet, or .xlsx (the `sheet`, else the
first; a header row). Each file's SHA-256 is remembered as the table's cursor:
when no file was added, removed or changed, the table is not read at all; otherwise it is read
whole and replaces the table. Values must already be plain (1234.56, 2025-03-01): spreadsheets the
way finance teams really keep them (万 units, (1,234.56), merged headers, months across) go through
`python -m data.load` or the Upload page.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from data.config_sources import Source, SourceTable
from data.load.errors import LoadError
from data.load.read import decode
from data.sync.batch import Batch, SyncFailed


def _hash(file: Path) -> str:
    digest = hashlib.sha256()
    with open(file, "rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _xlsx(file: Path, sheet: str | None) -> pa.Table:
    import openpyxl

    book = openpyxl.load_workbook(file, read_only=True, data_only=True)
    try:
        page = book[sheet] if sheet else book.worksheets[0]
        rows = page.iter_rows(values_only=True)
        header = [str(h).strip() if h is not None else "" for h in next(rows, ())]
        data = [r for r in rows if any(v is not None for v in r)]
    except KeyError:
        raise SyncFailed(f"{file.name}: there is no sheet '{sheet}'; name one of {book.sheetnames}.") from None
    finally:
        book.close()
    return pa.table({h: [_cell(r[i]) if i < len(r) else None for r in data] for i, h in enumerate(header) if h})


def _cell(value):
    """A date cell comes back as a datetime at midnight: a date."""
    if isinstance(value, dt.datetime) and value.time() == dt.time(0):
        return value.date()
    return value


def read_file(file: Path, sheet: str | None = None) -> pa.Table:
    suffix = file.suffix.lower()
    try:
        if suffix == ".parquet":
            return pq.read_table(file)
        if suffix == ".xlsx":
            return _xlsx(file, sheet)
        if suffix == ".csv":
            text, _ = decode(file.read_bytes(), file.name)  # UTF-8, BOM or GBK; else one line
            table = pacsv.read_csv(io.BytesIO(text.encode("utf-8")))
            return table.rename_columns([c.strip() for c in table.column_names])
    except LoadError as err:
        raise SyncFailed(f"{file.name}: cannot be read ({str(err).removeprefix(file.name + ' ')}).") from None
    except (pa.ArrowInvalid, OSError, ValueError) as err:
        reason = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        if "UTF8" in reason or "utf-8" in reason.lower():
            reason = "not UTF-8 text; save it as UTF-8, or load it with python -m data.load (GBK and Excel too)"
        raise SyncFailed(f"{file.name}: cannot be read ({reason}).") from None
    raise SyncFailed(f"{file.name}: not a .csv, .parquet or .xlsx file; convert it or narrow the files pattern.")


def _union(parts: list[pa.Table], source: str, table: str) -> pa.Table:
    """The files' rows together; columns typed differently in two files (a date in CSV, a datetime in
    Excel) are kept as text, and the merge casts them to the warehouse table's types."""
    try:
        return pa.concat_tables(parts, promote_options="permissive")
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        pass
    try:
        as_text = [p.cast(pa.schema([(n, pa.string()) for n in p.column_names])) for p in parts]
        return pa.concat_tables(as_text, promote_options="permissive")
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError) as err:
        raise SyncFailed(
            f"source {source}: the files for {table} do not have the same columns ({str(err).splitlines()[0]})."
        ) from None


class FolderReader:
    def __init__(self, name: str, source: Source):
        self.name = name
        path = Path(source.path).expanduser()
        self.folder, self.single = (path.parent, path.name) if source.kind == "file" else (path, None)
        if not self.folder.is_dir():
            raise SyncFailed(f"source {name}: the folder {self.folder} does not exist; check path in concord.toml.")
        self.read_rows: dict[str, pa.Table] = {}

    def close(self) -> None:
        self.read_rows.clear()

    def read(self, table: str, spec: SourceTable, mark: str | None, whole: bool) -> Batch | None:
        pattern = self.single or spec.files
        files = sorted(f for f in self.folder.glob(pattern) if f.is_file())
        if not files:
            raise SyncFailed(f"source {self.name}: no file in {self.folder} matches '{pattern}' (tables.{table}).")
        new_mark = json.dumps({f.name: _hash(f) for f in files}, sort_keys=True)
        if new_mark == mark and not whole:
            return None  # no file changed: nothing to read
        parts = []
        for file in files:
            try:
                parts.append(read_file(file, spec.sheet))
            except SyncFailed as err:
                raise SyncFailed(f"source {self.name}: {err}") from None
        rows = _union(parts, self.name, table)
        self.read_rows[table] = rows
        return Batch(table=table, rows=rows, whole=True, where=pattern, mark=new_mark, deleted=spec.deleted)

    def totals(self, table: str, spec: SourceTable) -> dict | None:
        rows = self.read_rows.get(table)
        if rows is None:
            return None
        if spec.deleted:
            rows = rows.filter(pc.is_null(rows[spec.deleted]))
        out: dict = {"count": rows.num_rows}
        for amount in spec.amounts:
            if amount not in rows.column_names:
                raise SyncFailed(f"source {self.name}: the files for {table} have no amount column '{amount}'.")
            out[amount] = pc.sum(rows[amount]).as_py()
        return out
