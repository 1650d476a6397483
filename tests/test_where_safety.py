"""Hostile where expressions are refused or safely quoted, and nothing can read a file.

The filter text is user input from the CLI, URLs and pages; it must never widen
into anything but the compiled SELECT over the warehouse's own tables.
"""
from __future__ import annotations

import pytest
from sqlglot import exp

from semantic import Query, QueryError, WarehouseError, plan, run
from semantic.compile.where import parse_text, parse_where, rebuild

DIMS = ("region", "city", "channel", "segment", "customer", "product", "category")

REFUSED = [
    "region = 'East'; DROP TABLE orders",
    "region = 'East'; SELECT * FROM read_csv('/etc/passwd')",
    "region = 'East' -- and the rest",
    "region = 'East' /* hidden */",
    "read_csv('/etc/passwd') IS NOT NULL",
    "region IN (SELECT region FROM customers)",
    "region = (SELECT max(region) FROM customers)",
    "EXISTS (SELECT 1 FROM orders)",
    "customers.region = 'East'",
    "main.customers.region = 'East'",
    "lower(region) = 'east'",
    "region = 'East' OR getenv('HOME') = 'x'",
    "region = current_setting('threads')",
    "region || 'x' = 'Eastx'",
    "1 = 1",
    "region = 'East' OR 1 = 1",
    "'a' IN ('a', 'b')",
    "region",
    "'East'",
    "region = 'East' AND",
    "region = 'East",
    "region = $1",
    "region = ?",
    "region = 'x' UNION SELECT 1",
    "CAST(region AS INT) = 1",
    "region LIKE 'E%' ESCAPE '!'",
    "password = 'x'",
    "region = region_x",
    "metric_time >= '2025-01-01'",
    "x" * 5000,
]


@pytest.mark.parametrize("where", REFUSED)
def test_hostile_filters_are_refused_with_a_message(where):
    with pytest.raises(QueryError) as caught:
        plan(Query(metrics=("revenue",), where=where))
    message = str(caught.value)
    assert message.startswith("where:")
    assert "\n" not in message


SAFE = [
    ("customer = 'O''Brien; DROP TABLE orders; --'", "O'Brien; DROP TABLE orders; --"),
    ("region = '华东'", "华东"),
    ("city = '上海'' OR ''1''=''1'", "上海' OR '1'='1"),
]


def test_a_backslash_does_not_escape_a_quote():
    # In DuckDB SQL a backslash is plain text, so the quote closes the string and
    # the rest is an OR 1=1 with a trailing comment: refused as a whole.
    with pytest.raises(QueryError):
        parse_where("region = 'East\\' OR 1=1 --'", DIMS)


@pytest.mark.parametrize("where,value", SAFE)
def test_quotes_and_unicode_inside_values_stay_values(where, value, warehouse):
    tree = parse_where(where, DIMS)
    literals = [node.this for node in tree.find_all(exp.Literal)]
    assert value in literals or any(value.startswith(l) for l in literals)
    result = run(Query(metrics=("revenue",), where=where), warehouse=warehouse)
    # one ungrouped row: no customer/region/city has such a name, so no revenue
    assert len(result.frame) == 1
    assert result.frame["revenue"].isna().all() or (result.frame["revenue"] == 0).all()


def test_filters_are_rebuilt_from_fresh_nodes():
    text = "region IN ('East', 'South') AND NOT channel = 'Online'"
    parsed = parse_text(text)
    rebuilt = rebuild(parsed, DIMS)
    originals = {id(node) for node in parsed.walk()}
    assert not any(id(node) in originals for node in rebuilt.walk())
    assert rebuilt.sql() == text


@pytest.mark.parametrize("where", [
    "region = 'East' OR region <> 'East'",
    "(region = 'East') OR (region <> 'East')",
    "region BETWEEN 'A' AND 'Z'",
    "region IS NULL OR region IS NOT NULL",
    "region LIKE '%'",
    "NOT (region = 'nowhere')",
    "segment IN ('SMB', 'Retail') AND (channel = 'Online' OR channel = 'Direct')",
])
def test_allowed_shapes_compile_and_run(where, warehouse):
    result = run(Query(metrics=("revenue", "orders"), group_by=("region",), where=where), warehouse=warehouse)
    assert list(result.frame.columns) == ["region", "revenue", "orders"]


def test_the_warehouse_connection_cannot_read_files(warehouse, tmp_path):
    secret = tmp_path / "secret.csv"
    secret.write_text("a\n1\n")
    for sql in (
        f"SELECT * FROM read_csv('{secret}')",
        f"SELECT * FROM '{secret}'",
        f"COPY (SELECT 1) TO '{tmp_path / 'out.csv'}'",
        f"ATTACH '{tmp_path / 'other.duckdb'}'",
        "SET enable_external_access = true",
        "INSTALL httpfs",
        "CREATE TABLE t AS SELECT 1",
    ):
        with pytest.raises(WarehouseError):
            warehouse.run(sql)
    assert not (tmp_path / "out.csv").exists()
    assert not (tmp_path / "other.duckdb").exists()
