"""Read a database's catalog: tables, columns, declared primary and foreign keys.

One query each, through any DB-API connection (duckdb, or psycopg's: the caller opens it). DuckDB
is read through information_schema and duckdb_constraints(); PostgreSQL through pg_catalog, because
its information_schema hides the tables the user may not read (they would look missing, where the
truth is "permission denied", which the first data check then says). The schema name reaches the
SQL only as a literal quoted by sqlglot.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlglot import exp

NUMERIC = ("DECIMAL", "NUMERIC", "INT", "BIGINT", "SMALLINT", "TINYINT", "HUGEINT", "DOUBLE", "REAL", "FLOAT")
NUMERIC += ("UBIGINT", "UINTEGER", "USMALLINT", "UTINYINT", "UHUGEINT", "INTEGER")
DATES = ("DATE", "TIMESTAMP")


@dataclass(frozen=True)
class Column:
    name: str
    type: str

    @property
    def numeric(self) -> bool:
        return self.type.upper().split("(")[0].strip() in NUMERIC or self.type.lower() == "double precision"

    @property
    def is_date(self) -> bool:
        return self.type.upper().startswith(DATES)


def rows(connection, sql: str) -> list[tuple]:
    cursor = connection.cursor()
    try:
        cursor.execute(sql)
        return list(cursor.fetchall())
    finally:
        cursor.close()


PG_FOREIGN = """
    SELECT c.relname, a.attname, r.relname, ra.attname
    FROM pg_catalog.pg_constraint AS k
    JOIN pg_catalog.pg_class AS c ON c.oid = k.conrelid
    JOIN pg_catalog.pg_namespace AS n ON n.oid = c.relnamespace
    JOIN pg_catalog.pg_class AS r ON r.oid = k.confrelid AND r.relnamespace = c.relnamespace
    JOIN pg_catalog.pg_attribute AS a ON a.attrelid = k.conrelid AND a.attnum = k.conkey[1]
    JOIN pg_catalog.pg_attribute AS ra ON ra.attrelid = k.confrelid AND ra.attnum = k.confkey[1]
    WHERE k.contype = 'f' AND n.nspname = {schema} AND cardinality(k.conkey) = 1
"""
FOREIGN = """
    SELECT table_name, constraint_column_names[1], referenced_table, referenced_column_names[1]
    FROM duckdb_constraints()
    WHERE constraint_type = 'FOREIGN KEY' AND schema_name = {schema} AND len(constraint_column_names) = 1
"""
PG_COLUMNS = """
    SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod)
    FROM pg_catalog.pg_class AS c
    JOIN pg_catalog.pg_namespace AS n ON n.oid = c.relnamespace
    JOIN pg_catalog.pg_attribute AS a ON a.attrelid = c.oid
    WHERE n.nspname = {schema} AND c.relkind IN ('r', 'v', 'm', 'p', 'f') AND NOT c.relispartition
      AND a.attnum > 0 AND NOT a.attisdropped
    ORDER BY c.relname, a.attnum
"""
PG_KEYS = """
    SELECT c.relname, a.attname
    FROM pg_catalog.pg_constraint AS k
    JOIN pg_catalog.pg_class AS c ON c.oid = k.conrelid
    JOIN pg_catalog.pg_namespace AS n ON n.oid = c.relnamespace
    CROSS JOIN LATERAL unnest(k.conkey) WITH ORDINALITY AS u(attnum, position)
    JOIN pg_catalog.pg_attribute AS a ON a.attrelid = c.oid AND a.attnum = u.attnum
    WHERE k.contype = 'p' AND n.nspname = {schema}
    ORDER BY c.relname, u.position
"""
COLUMNS = """
    SELECT table_name, column_name, data_type FROM information_schema.columns
    WHERE table_schema = {schema} ORDER BY table_name, ordinal_position
"""
KEYS = """
    SELECT tc.table_name, kcu.column_name
    FROM information_schema.table_constraints AS tc
    JOIN information_schema.key_column_usage AS kcu
      ON kcu.constraint_name = tc.constraint_name AND kcu.table_schema = tc.table_schema
     AND kcu.table_name = tc.table_name
    WHERE tc.constraint_type = 'PRIMARY KEY' AND tc.table_schema = {schema}
    ORDER BY tc.table_name, kcu.ordinal_position
"""


def _grouped(connection, dialect: str, schema: str, template: str) -> dict[str, list[tuple]]:
    found: dict[str, list[tuple]] = {}
    for table, *rest in rows(connection, template.format(schema=exp.Literal.string(schema).sql(dialect))):
        found.setdefault(table, []).append(tuple(rest))
    return found


def catalog(connection, dialect: str, schema: str) -> dict[str, tuple[Column, ...]]:
    """Every table and view in `schema` with its columns in order. PostgreSQL's from pg_catalog:
    its information_schema hides the tables the user may not read, which would look like missing."""
    template = PG_COLUMNS if dialect == "postgres" else COLUMNS
    found = _grouped(connection, dialect, schema, template)
    return {t: tuple(Column(name, str(kind)) for name, kind in cs) for t, cs in found.items()}


def declared_keys(connection, dialect: str, schema: str) -> dict[str, tuple[str, ...]]:
    template = PG_KEYS if dialect == "postgres" else KEYS
    return {t: tuple(c for (c,) in cs) for t, cs in _grouped(connection, dialect, schema, template).items()}


def declared_joins(connection, dialect: str, schema: str) -> dict[tuple[str, str], tuple[str, str]]:
    """(table, column) -> (referenced table, referenced column) for single-column foreign keys."""
    template = PG_FOREIGN if dialect == "postgres" else FOREIGN
    found = _grouped(connection, dialect, schema, template)
    return {(table, column): (target, ref) for table, fks in found.items() for column, target, ref in fks}
