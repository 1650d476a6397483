"""Draft an indicator library's tables from a database: what `python -m semantic init` writes.

`describe(connection, dialect, schema)` reads the catalog (information_schema, the same query
on DuckDB and PostgreSQL) and checks every guess against the data:

- a table's primary key is the declared one; else a column named id, <table>_id or <singular>_id
  (or <last word>_id: sales_reps -> rep_id) that is unique and never null in the data; else the
  first two columns when one ends in _id and together they are unique and never null; else none;
- a declared single-column foreign key onto P's primary key is a join (still counted: the share of
  rows that find a parent is shown);
- otherwise a many-to-one join T.x_id -> P is guessed when P is named after x (x, x's plural, or a plural
  ending in _x) and P's key is x_id or id: it is proposed only when that key is unique in the
  data (no fan-out), with the share of T's rows that find a parent; a join that would fan out,
  or whose columns cannot be compared, is kept as a rejected guess for the reviewer to see.

The connection is any DB-API connection (a duckdb one, or psycopg's: the CLI opens it, this
module never imports a driver). Every identifier in the SQL is built by sqlglot and quoted.
The result is a frozen description; semantic/model/draft_yaml.py turns it into YAML.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlglot import exp

from semantic.errors import SemanticError
from semantic.model.introspect import Column, catalog, declared_joins, declared_keys, rows


@dataclass(frozen=True)
class Key:
    columns: tuple[str, ...]  # () when no key was found
    how: str  # "declared", "guessed" or "none"
    note: str  # why, for the review comment


@dataclass(frozen=True)
class Join:
    column: str  # the child's foreign key
    target: str  # the parent table
    target_key: str
    accepted: bool  # False: a rejected guess, shown to the reviewer
    note: str
    declared: bool = False  # a declared foreign key: no guess to review


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[Column, ...]
    rows: int
    key: Key
    joins: tuple[Join, ...]

    def column(self, name: str) -> Column | None:
        return next((c for c in self.columns if c.name == name), None)


@dataclass(frozen=True)
class Draft:
    source: str  # what was read, for the header (never a password)
    tables: tuple[Table, ...]


def table_ref(name: str, schema: str) -> exp.Table:
    return exp.Table(this=exp.to_identifier(name, quoted=True), db=exp.to_identifier(schema, quoted=True))


def col(name: str, table: str | None = None) -> exp.Column:
    return exp.column(name, table=table, quoted=True)


def singular(name: str) -> str:
    lower = name.lower()
    if lower.endswith("ies") and len(lower) > 3:
        return lower[:-3] + "y"
    if lower.endswith(("sses", "xes", "ches", "shes")):
        return lower[:-2]
    if lower.endswith("s") and not lower.endswith("ss"):
        return lower[:-1]
    return lower


def key_names(table: str) -> list[str]:
    """The column names that would plausibly be `table`'s key, most likely first."""
    one = singular(table)
    names = ["id", f"{table.lower()}_id", f"{one}_id"]
    if "_" in one:
        names.append(f"{one.rsplit('_', 1)[1]}_id")
    return list(dict.fromkeys(names))


class Checks:
    """The data checks, each one aggregate query."""

    def __init__(self, connection, dialect: str, schema: str):
        self.connection, self.dialect, self.schema = connection, dialect, schema

    def _one(self, query: exp.Expression) -> tuple:
        return rows(self.connection, query.sql(self.dialect))[0]

    def count(self, table: str) -> int:
        return int(self._one(exp.select("COUNT(*)").from_(table_ref(table, self.schema)))[0])

    def repeats(self, table: str, columns: Iterable[str]) -> tuple[int, int]:
        """(rows with a null in `columns`, rows beyond the first of each value): (0, 0) is a key."""
        columns = list(columns)
        source = table_ref(table, self.schema)
        nulls = exp.or_(*[col(c).is_(exp.null()) for c in columns])
        null_rows = self._one(exp.select("COUNT(*)").from_(source).where(nulls))[0]
        distinct = exp.select(*[col(c) for c in columns]).from_(source).distinct()
        total = self.count(table)
        unique = self._one(exp.select("COUNT(*)").from_(distinct.subquery("d")))[0]
        return int(null_rows), int(total) - int(unique)

    def matches(self, child: str, fk: str, parent: str, key: str) -> tuple[int, int, int]:
        """(child rows, rows with a value, rows that find a parent); key must be unique in parent."""
        on = col(fk, "c").eq(col(key, "p"))
        query = (
            exp.select("COUNT(*)", exp.Count(this=col(fk, "c")), exp.Count(this=col(key, "p")))
            .from_(table_ref(child, self.schema).as_("c"))
            .join(table_ref(parent, self.schema).as_("p"), on=on, join_type="left")
        )
        total, valued, matched = self._one(query)
        return int(total), int(valued), int(matched)


def _guess_key(checks: Checks, name: str, columns: tuple[Column, ...], rows_: int) -> Key:
    present = {c.name.lower(): c.name for c in columns}
    for candidate in key_names(name):
        if candidate in present:
            column = present[candidate]
            nulls, repeats = checks.repeats(name, [column])
            if not nulls and not repeats:
                return Key((column,), "guessed", f"{column} is unique and never null in {rows_:,} rows")
    if len(columns) >= 2:
        first = tuple(c.name for c in columns[:2])
        if any(c.lower().endswith("_id") for c in first):
            nulls, repeats = checks.repeats(name, first)
            if not nulls and not repeats:
                return Key(
                    first, "guessed", f"({', '.join(first)}) together are unique and never null in {rows_:,} rows"
                )
    tried = [present[c] for c in key_names(name) if c in present]
    if tried:
        return Key((), "none", f"no key found: {', '.join(tried)} repeats a value or is empty in some rows")
    return Key((), "none", f"no key found: no column named {' or '.join(key_names(name))}")


def _targets(child: str, column: str, names: Iterable[str]) -> list[str]:
    if not column.lower().endswith("_id") or len(column) <= 3:
        return []
    stem = column[:-3].lower()
    exact, loose = [], []
    for name in names:
        if name == child:
            continue
        one = singular(name)
        if name.lower() == stem or one == stem:
            exact.append(name)
        elif one.endswith("_" + stem):
            loose.append(name)
    return exact + loose


def _paths_ok(graph: dict[str, set[str]]) -> bool:
    """Every table reaches every other by at most one path, and there is no cycle."""
    for start in graph:
        seen: set[str] = set()
        stack = [(start, (start,))]
        while stack:
            node, trail = stack.pop()
            for target in graph.get(node, ()):
                if target in trail or target in seen:
                    return False
                seen.add(target)
                stack.append((target, trail + (target,)))
    return True


def _join(checks: Checks, child: Table, column: str, parent: Table, ref: str | None = None) -> Join:
    """The join child.column -> parent, checked; `ref`: the column a declared foreign key references."""
    key = parent.key.columns
    if len(key) == 1 and (key[0] == ref if ref else key[0].lower() in (column.lower(), "id")):
        try:
            total, valued, matched = checks.matches(child.name, column, parent.name, key[0])
        except Exception as err:  # noqa: BLE001 - any driver's error: the columns cannot be compared
            reason = str(err).strip().splitlines()[0][:120] if str(err).strip() else type(err).__name__
            return Join(column, parent.name, key[0], False, f"{column} cannot be compared with {key[0]} ({reason})")
        share = f"{100 * matched / total:.1f}% of {total:,} rows match" if total else "the table is empty"
        nulls = f"; {total - valued:,} rows have no {column}" if valued < total else ""
        how = "declared foreign key" if ref else f"join guessed from the name {column}"
        return Join(column, parent.name, key[0], True, f"{how}; {share}{nulls}", declared=bool(ref))
    target = ref or column
    if parent.column(target) is None:
        why = f"{parent.name} has no single-column key named {column} or id"
        return Join(column, parent.name, "", False, why)
    nulls, repeats = checks.repeats(parent.name, [target])
    if repeats:
        why = f"{parent.name}.{target} is not unique ({repeats:,} rows repeat a value): the join would multiply rows"
    elif nulls:
        why = f"{parent.name}.{target} is unique but has {nulls:,} empty values; make it {parent.name}'s key first"
    else:
        why = f"{parent.name}'s key is ({', '.join(key) or 'none'}), not {target}; make {target} its key first"
    return Join(column, parent.name, target, False, why)


# Tables Concord itself keeps in a warehouse (rollups, upload history, the data date): never drafted.
CONCORD_OWN = ("rollup_", "load_rows_", "warehouse_info")


def describe(connection, dialect: str, schema: str, source: str, only: Iterable[str] = ()) -> Draft:
    """Read the schema and check the guesses; SemanticError when there is nothing to draft."""
    found = {t: c for t, c in catalog(connection, dialect, schema).items() if not t.startswith(CONCORD_OWN)}
    only = [t for t in only if t]
    if only:
        missing = [t for t in only if t not in found]
        if missing:
            raise SemanticError(f"{source}: no table {', '.join(missing)} in schema {schema}; check --tables.")
        found = {t: found[t] for t in only}
    if not found:
        raise SemanticError(
            f"{source} has no tables in schema '{schema}'; point --db at the database with your data "
            "or name its schema with --schema."
        )
    declared = declared_keys(connection, dialect, schema)
    foreign = declared_joins(connection, dialect, schema)
    checks = Checks(connection, dialect, schema)
    tables: dict[str, Table] = {}
    for name, columns in found.items():
        count = checks.count(name)
        if declared.get(name):
            key = Key(declared[name], "declared", "declared primary key")
        else:
            key = _guess_key(checks, name, columns, count)
        tables[name] = Table(name, columns, count, key, ())
    graph: dict[str, set[str]] = {name: set() for name in tables}
    for name, table in tables.items():
        joins: list[Join] = []
        for column in table.columns:
            declared = foreign.get((name, column.name))
            if declared and declared[0] in tables and declared[0] != name:
                candidates = [(declared[0], declared[1])]
            else:
                candidates = [(target, None) for target in _targets(name, column.name, tables)]
            for target, ref in candidates:
                if any(j.accepted and j.column == column.name for j in joins):
                    break
                join = _join(checks, table, column.name, tables[target], ref)
                if join.accepted and target in graph[name]:
                    join = Join(column.name, target, join.target_key, False, f"{name} already joins {target}")
                if join.accepted and not _paths_ok({**graph, name: graph[name] | {target}}):
                    why = (
                        f"{name} would reach {target} by a second join path (or a cycle), which a library may not have"
                    )
                    join = Join(column.name, target, join.target_key, False, why)
                if join.accepted:
                    graph[name].add(target)
                joins.append(join)
        tables[name] = Table(name, table.columns, table.rows, table.key, tuple(joins))
    return Draft(source, tuple(tables.values()))
