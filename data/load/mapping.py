"""Which file header fills which column of the table: the user's choice, the mapping saved for the
table last time, the column's own name, the library's labels and synonyms (dimension labels whose
source is table.column; metric labels whose measure is a bare column of the table), then a short
list of common finance headers. Every choice says where it came from, so the preview can show it."""

from __future__ import annotations

import re
from dataclasses import dataclass

from semantic.model.library import Library

# common finance headers -> column names (tried when the library's labels did not match)
SYNONYMS = {
    "department": ("部门", "部门名称", "成本中心", "dept", "department", "cost center"),
    "account": ("科目", "科目名称", "会计科目", "费用科目", "费用类型", "account", "account name", "gl account"),
    "region": ("区域", "大区", "地区", "片区", "region", "area"),
    "month": ("月份", "月", "期间", "会计期间", "month", "period"),
    "amount": ("金额", "预算", "预算金额", "预算数", "本期金额", "发生额", "amount", "value", "budget"),
    "expense_date": ("日期", "费用日期", "发生日期", "报销日期", "date"),
    "expense_id": ("单号", "编号", "费用编号", "报销单号", "id"),
}
TOTALS = ("合计", "总计", "小计", "全年", "全年合计", "年度合计", "total", "sum", "year total", "全年预算")
IGNORE = "-"  # a mapping value meaning: leave this header out


def norm(header) -> str:
    """'金额（万元）' -> '金额'; ' Department ' -> 'department'."""
    s = str(header if header is not None else "").strip().lower()
    s = re.sub(r"[（(][^）)]*[)）]\s*$", "", s).strip()
    return re.sub(r"\s+", " ", s)


@dataclass(frozen=True)
class Choice:
    header: str  # as written in the file
    column: str | None  # None: not loaded
    how: str  # given, saved, name, label, synonym, month, total, unknown, ignored


def candidates(library: Library, table: str) -> dict[str, str]:
    """normalised header -> column, from the library's labels and synonyms for this table."""
    spec = library.tables[table]
    out: dict[str, str] = {}
    for dim in library.dimensions.values():
        for source in dim.sources:
            t, _, column = source.partition(".")
            if t != table or column not in spec.columns:
                continue
            words = [dim.label.en, dim.label.zh, *dim.synonyms.en, *dim.synonyms.zh]
            for word in words:
                out.setdefault(norm(word), column)
    for name, measure in library.measures.items():
        if measure.table != table or measure.expr.strip() not in spec.columns:
            continue
        for metric in library.metrics.values():
            if getattr(metric, "measure", None) == name and metric.type == "simple":
                words = [metric.label.en, metric.label.zh, *metric.synonyms.en, *metric.synonyms.zh]
                for word in words:
                    out.setdefault(norm(word), measure.expr.strip())
    return out


def choose(
    headers: list,
    library: Library,
    table: str,
    given: dict[str, str] | None = None,
    saved: dict[str, str] | None = None,
) -> list[Choice]:
    """One Choice per non-empty header, in file order; a column is filled by one header at most."""
    spec = library.tables[table]
    columns = {c.lower(): c for c in spec.columns}
    labels = candidates(library, table)
    given = {norm(k): v for k, v in (given or {}).items()}
    saved = {norm(k): v for k, v in (saved or {}).items()}
    taken: set[str] = set()
    out: list[Choice] = []
    for raw in headers:
        if raw is None or str(raw).strip() == "":
            continue
        header, key = str(raw).strip(), norm(raw)
        column, how = None, "unknown"
        if key in given:
            column, how = (None, "ignored") if given[key] in (IGNORE, "", None) else (given[key], "given")
        elif key in saved and (saved[key] in spec.columns or saved[key] == IGNORE):
            column, how = (None, "ignored") if saved[key] == IGNORE else (saved[key], "saved")
        elif key in columns:
            column, how = columns[key], "name"
        elif key in labels:
            column, how = labels[key], "label"
        else:
            for name, words in SYNONYMS.items():
                if name in spec.columns and key in {norm(w) for w in words}:
                    column, how = name, "synonym"
                    break
        if key in {norm(t) for t in TOTALS} and how not in ("given", "saved"):
            column, how = None, "total"
        if column is not None and column not in spec.columns:
            from data.load.errors import LoadError

            raise LoadError(
                f"'{column}' is not a column of {table} (mapping of '{header}'); its columns are: "
                f"{', '.join(spec.columns)}."
            )
        if column in taken:
            column, how = None, "duplicate"
        if column is not None:
            taken.add(column)
        out.append(Choice(header, column, how))
    return out


def parse_pairs(pairs: list[str]) -> dict[str, str]:
    """['部门=department', '备注='] -> {'部门': 'department', '备注': '-'} (CLI --map)."""
    out = {}
    for pair in pairs:
        header, sep, column = pair.partition("=")
        if not sep or not header.strip():
            from data.load.errors import LoadError

            raise LoadError(f"--map '{pair}': write it as 'Header=column' (or 'Header=' to leave a header out).")
        out[header.strip()] = column.strip() or IGNORE
    return out
