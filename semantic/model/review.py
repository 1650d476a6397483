"""What is left to decide in a library: the items `python -m semantic validate` lists.

- every `# review` marker still in a model file (file:line and its text);
- tables without a primary key;
- with a warehouse connection: tables and columns the library names that the warehouse lacks
  (with a did-you-mean), primary keys that are not unique or have empty values in the data, and
  joins that would fan out (the target's key repeats a value).

Each item is one line. The connection is any DB-API connection (duckdb or psycopg); every
identifier in the checks is quoted by sqlglot (semantic/model/draft.py).
"""

from __future__ import annotations

import re
from pathlib import Path

from semantic.errors import did_you_mean
from semantic.model.draft import Checks
from semantic.model.introspect import catalog
from semantic.model.library import Library

MARKER = re.compile(r"#\s*review\b:?\s*(.*)$", re.IGNORECASE)


def markers(folder: Path | str) -> list[str]:
    """'file:line: review: text' for each remaining marker, in file order."""
    folder = Path(folder)
    found = []
    for path in sorted(folder.glob("*.yml")) + sorted(folder.glob("*.yaml")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            match = MARKER.search(line)
            if match:
                text = match.group(1).strip() or "(no text)"
                found.append(f"{_shown(path)}:{number}: review: {text}")
    return found


def keyless(library: Library) -> list[str]:
    return [
        f"tables.{name}: no primary key; write the column(s) that identify one row under primary_key"
        for name, table in library.tables.items()
        if not table.key_columns
    ]


def against_warehouse(library: Library, connection, dialect: str, schema: str, where: str) -> list[str]:
    """Items found by comparing the library with the warehouse's schema and data."""
    have = {t: [c.name for c in cols] for t, cols in catalog(connection, dialect, schema).items()}
    items: list[str] = []
    present: set[str] = set()
    for name, table in library.warehouse_tables.items():  # a planning table is built from budget versions
        if name not in have:
            items.append(f"tables.{name}: no such table in {where}.{did_you_mean(name, have)}")
            continue
        missing = [c for c in table.columns if c not in have[name]]
        for column in missing:
            items.append(
                f"tables.{name}.columns: '{column}' is not a column of {name} in {where}."
                f"{did_you_mean(column, have[name])}"
            )
        if not missing:
            present.add(name)
    checks = Checks(connection, dialect, schema)
    unique: dict[str, bool] = {}
    for name in sorted(present):
        key = library.tables[name].key_columns
        if not key:
            continue
        nulls, repeats = checks.repeats(name, key)
        unique[name] = not nulls and not repeats
        if repeats:
            items.append(
                f"tables.{name}.primary_key: ({', '.join(key)}) is not unique in {where}: "
                f"{repeats:,} rows repeat a value; choose columns that identify one row."
            )
        if nulls:
            items.append(
                f"tables.{name}.primary_key: ({', '.join(key)}) is empty in {nulls:,} rows in {where}; "
                "a key must always have a value."
            )
    for name, table in library.tables.items():
        for target, fk in table.joins.items():
            if name in present and target in present and unique.get(target) is False:
                key = library.tables[target].key_columns[0]
                items.append(
                    f"tables.{name}.joins.{target}: fans out: {target}.{key} repeats values in {where}, "
                    f"so joining {name}.{fk} to it would multiply {name}'s rows; fix {target}'s key or drop the join."
                )
    return items


def _shown(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)
