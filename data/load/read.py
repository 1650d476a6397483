"""A file's bytes -> a grid of cells with line numbers: CSV (UTF-8, UTF-8 with BOM, GB18030/GBK),
.xlsx (openpyxl, read-only) and .xls (python-calamine). Every problem is one LoadError line."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from data.load.errors import LoadError

MAX_BYTES = 200 * 1024 * 1024  # a bigger file is refused before it is read
ENCODINGS = ("UTF-8", "UTF-8 with BOM", "GB18030 (GBK)")
HEADER_SCAN = 15  # the header is one of the first rows; the rows above it are titles


@dataclass
class Grid:
    """The cells of one sheet: `header` (its line number and cells) and the data rows after it."""

    sheet: str | None
    sheets: tuple[str, ...]
    header_line: int
    header: list
    rows: list[tuple[int, list]]  # (line number in the file / row number in the sheet, cells)
    titles: list[str] = field(default_factory=list)  # text of the rows above the header
    encoding: str | None = None
    csv: bool = False  # a line with more cells than the header is a row error
    filled: list[str] = field(default_factory=list)  # empty header cells taken from the row above (merged)


def too_big(size: int, name: str) -> None:
    if size > MAX_BYTES:
        raise LoadError(
            f"{name} is {size / 1024 / 1024:,.0f} MB, over the {MAX_BYTES // 1024 // 1024} MB limit; "
            "split it (e.g. one file per year) or load only the columns you need."
        )


def read(data: bytes, filename: str, sheet: str | None = None) -> Grid:
    too_big(len(data), filename)
    if not data.strip():
        raise LoadError(f"{filename} is empty: there is nothing to load.")
    kind = filename.lower().rsplit(".", 1)[-1] if "." in filename else ""
    if kind in ("xlsx", "xlsm"):
        name, names, cells = _xlsx(data, filename, sheet)
        return _grid(cells, filename, name, names)
    if kind == "xls":
        name, names, cells = _xls(data, filename, sheet)
        return _grid(cells, filename, name, names)
    if kind in ("csv", "txt", "tsv", ""):
        if sheet:
            raise LoadError(f"{filename} is a CSV file: it has no sheets; leave the sheet out.")
        text, encoding = decode(data, filename)
        grid = _grid(_csv(text), filename, None, (), csv=True)
        grid.encoding = encoding
        return grid
    raise LoadError(f"{filename}: Concord reads .csv, .xlsx and .xls files; save it as one of those.")


def decode(data: bytes, filename: str) -> tuple[str, str]:
    """The text and the encoding's name; GBK/GB18030 found by charset-normalizer."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="strict"), "UTF-8 with BOM"
    try:
        return data.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(data[:1_000_000], cp_isolation=["gb18030", "gbk", "gb2312"]).best()
    if best is not None:
        try:
            return data.decode("gb18030"), "GB18030 (GBK)"
        except UnicodeDecodeError:
            pass
    raise LoadError(
        f"{filename} is not text in any encoding Concord reads (tried {', '.join(ENCODINGS)}); "
        "save it from Excel as 'CSV UTF-8'."
    )


def _csv(text: str) -> list[tuple[int, list]]:
    sample = text[:8192]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",\t;|")
        delimiter = dialect.delimiter
    except csv.Error:
        delimiter = ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    out, line = [], 1
    for cells in reader:
        out.append((line, cells))
        line = reader.line_num + 1
    return out


def _column(index: int) -> str:
    name = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        name = chr(65 + rest) + name
    return name


def cell_name(column: int, line: int) -> str:
    return f"{_column(column)}{line}"


def _pick(names: list[str], sheet: str | None, filename: str) -> str:
    if sheet is None:
        return names[0]
    if sheet not in names:
        raise LoadError(f"{filename} has no sheet '{sheet}'; its sheets are: {', '.join(names)}.")
    return sheet


def _xlsx(data: bytes, filename: str, sheet: str | None):
    import openpyxl

    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception:  # noqa: BLE001 - any unreadable zip/xml is the same problem for the user
        raise LoadError(f"{filename} is not a readable .xlsx workbook; open it in Excel and save it again.") from None
    try:
        names = list(book.sheetnames)
        name = _pick(names, sheet, filename)
        cells = [(n, list(r)) for n, r in enumerate(book[name].iter_rows(values_only=True), start=1)]
    finally:
        book.close()
    formulas = [(n, j) for n, row in cells for j, v in enumerate(row) if isinstance(v, str) and v.startswith("=")]
    if formulas:  # take the values Excel saved for them
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        try:
            saved = {n: list(r) for n, r in enumerate(book[name].iter_rows(values_only=True), start=1)}
        finally:
            book.close()
        for n, j in formulas:
            value = saved.get(n, [])[j] if j < len(saved.get(n, [])) else None
            if value is None:
                raise LoadError(
                    f"cell {cell_name(j, n)} of sheet '{name}' has a formula with no saved value; "
                    "open and save the file in Excel, then load it again."
                )
            cells[n - 1][1][j] = value
    return name, tuple(names), cells


def _xls(data: bytes, filename: str, sheet: str | None):
    from python_calamine import CalamineWorkbook

    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(data))
        names = list(book.sheet_names)
        name = _pick(names, sheet, filename)
        rows = book.get_sheet_by_name(name).to_python(skip_empty_area=False)
    except LoadError:
        raise
    except Exception:  # noqa: BLE001 - a damaged or foreign file
        raise LoadError(f"{filename} is not a readable .xls workbook; open it in Excel and save it as .xlsx.") from None
    cells = [(n, [None if v == "" else v for v in r]) for n, r in enumerate(rows, start=1)]
    return name, tuple(names), cells


def _filled(row: list) -> int:
    return sum(1 for v in row if v is not None and str(v).strip() != "")


def _grid(cells: list[tuple[int, list]], filename: str, sheet: str | None, sheets: tuple[str, ...], csv=False) -> Grid:
    cells = [(n, row) for n, row in cells if _filled(row)]
    where = f"sheet '{sheet}' of {filename}" if sheet else filename
    if not cells:
        raise LoadError(f"{where} is empty: there is nothing to load.")
    widest = max(_filled(row) for _, row in cells[: HEADER_SCAN * 2])
    at = next(
        (i for i, (_, row) in enumerate(cells[:HEADER_SCAN]) if _filled(row) >= max(2, (widest + 1) // 2)),
        0,
    )
    header_line, header = cells[at]
    titles = [" ".join(str(v) for v in row if v is not None) for _, row in cells[:at]]
    rows = cells[at + 1 :]
    if not rows:
        raise LoadError(f"{where} has a header row but no rows below it: there is nothing to load.")
    if csv:
        return Grid(sheet, sheets, header_line, list(header), rows, titles, csv=True)
    header = list(header)
    above = cells[at - 1] if at > 0 and cells[at - 1][0] == header_line - 1 else None
    filled_from: list[str] = []
    width = max(len(r) for _, r in rows[:1000])
    header += [None] * (width - len(header))
    for j in range(width):
        name = header[j]
        if name is not None and str(name).strip() != "":
            continue
        if not any(j < len(r) and r[j] is not None and str(r[j]).strip() != "" for _, r in rows[:1000]):
            continue
        over = above[1][j] if above is not None and j < len(above[1]) else None
        if over is not None and str(over).strip() != "" and _filled(above[1]) > 1:
            # a header merged over two rows (部门 in A2:A3 above months in row 3): its text is in the row above
            header[j] = over
            filled_from.append(f"{cell_name(j, header_line)} from {cell_name(j, above[0])}")
        else:
            raise LoadError(
                f"header cell {cell_name(j, header_line)} is empty but its column has values (merged header "
                "cells?); give every column its own header in one row, then load the file again."
            )
    grid = Grid(sheet, sheets, header_line, header, rows, titles)
    grid.filled = filled_from
    return grid
