"""Turning results and the library into text for the shell: table, csv, json, listings."""

from __future__ import annotations

import io
import json
import math

import pandas as pd

from semantic.errors import ModelError
from semantic.execute import Warehouse
from semantic.model.library import GRAINS, TIME, Library


def _metric_of(column: str, library: Library):
    base = column.split("__")[0]
    return library.metrics.get(base), column.endswith("__change_pct")


def _plain(value):
    """A JSON/CSV-ready value: ISO dates, numbers as numbers, missing as None."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NaT:
        return None
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat()
    if hasattr(value, "item"):  # numpy scalar
        value = value.item()
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return value
    return value


def records(frame: pd.DataFrame) -> list[dict]:
    return [{col: _plain(v) for col, v in zip(frame.columns, row)} for row in frame.itertuples(index=False)]


def _cell(value, column: str, library: Library) -> str:
    value = _plain(value)
    if value is None:
        return ""
    metric, is_change = _metric_of(column, library)
    if not isinstance(value, (int, float)) or metric is None:
        return str(value)
    if is_change or metric.format == "percent":
        return f"{value * 100:,.1f}%"
    if metric.format == "currency":
        return f"{value:,.2f}"
    if metric.format == "count":
        return f"{value:,.0f}"
    return f"{value:,.1f}"


def render(frame: pd.DataFrame, library: Library, fmt: str) -> str:
    if fmt == "json":
        return json.dumps(records(frame), ensure_ascii=False, indent=2) + "\n"
    if fmt == "csv":
        buffer = io.StringIO()
        pd.DataFrame(records(frame), columns=frame.columns).to_csv(buffer, index=False)
        return buffer.getvalue()
    cells = [[_cell(v, c, library) for c, v in zip(frame.columns, row)] for row in frame.itertuples(index=False)]
    widths = [max([len(c)] + [len(r[i]) for r in cells]) for i, c in enumerate(frame.columns)]
    numeric = [_metric_of(c, library)[0] is not None for c in frame.columns]

    def line(values):
        return "  ".join(v.rjust(w) if num else v.ljust(w) for v, w, num in zip(values, widths, numeric)).rstrip()

    out = [line(list(frame.columns)), line(["-" * w for w in widths])] + [line(r) for r in cells]
    out.append(f"({len(frame)} row{'s' if len(frame) != 1 else ''})")
    return "\n".join(out) + "\n"


def listing(library: Library, what: str, lang: str) -> str:
    rows = []
    if what == "metrics":
        for name, m in sorted(library.metrics.items()):
            rows.append((name, m.label.get(lang), m.format, status(library, name), m.description.get(lang)))
        header = ("metric", "label", "format", "status", "description")
    else:
        grains = ", ".join(f"{TIME}__{g}" for g in GRAINS)
        rows.append((TIME, "时间" if lang == "zh" else "Time", grains))
        for name, d in sorted(library.dimensions.items()):
            rows.append((name, d.label.get(lang), status(library, name), d.description.get(lang)))
        header = ("dimension", "label", "status", "description")
        rows[0] = (rows[0][0], rows[0][1], "library", rows[0][2])
    widths = [max(len(str(r[i])) for r in rows + [header]) for i in range(len(header) - 1)]
    lines = ["  ".join(str(v).ljust(w) for v, w in zip(r[:-1], widths)) + "  " + str(r[-1]) for r in [header] + rows]
    return "\n".join(lines) + "\n"


def status(library: Library, name: str) -> str:
    """'library', 'certified (by cfo)' or 'draft (by sales_lead)': a custom definition always says which it is."""
    info = library.custom.get(name)
    if info is None:
        return "library"
    return f"certified (by {info.certified_by})" if info.certified else f"draft (by {info.author})"


def check_warehouse(library: Library, warehouse: Warehouse) -> None:
    """Every table and column the library declares must exist in the warehouse."""
    have = warehouse.columns()
    for name, table in library.warehouse_tables.items():  # planning tables are built from budget versions
        if name not in have:
            raise ModelError(
                f"tables.{name}: no such table in {warehouse.describe()}; rebuild the warehouse or fix the name."
            )
        missing = [c for c in table.columns if c not in have[name]]
        if missing:
            raise ModelError(f"tables.{name}.columns: {', '.join(missing)} not found in {warehouse.describe()}.")
