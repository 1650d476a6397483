"""Hostile where expressions are refused or safely quoted, and nothing can read a file.

The filter text is user input from the CLI, URLs and pages; it must never widen
into anything but the compiled SELECT over the warehouse's own tables.
"""

from __future__ import annotations

import pytest
from sqlglot import exp

from semantic import Principal, Query, QueryError, WarehouseError, make_query, plan, run
from semantic.compile.where import MAX_DEPTH, parse_text, parse_where, rebuild
from semantic.query import member_filter

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
    assert value in literals or any(value.startswith(lit) for lit in literals)
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


@pytest.mark.parametrize(
    "where",
    [
        "region = 'East' OR region <> 'East'",
        "(region = 'East') OR (region <> 'East')",
        "region BETWEEN 'A' AND 'Z'",
        "region IS NULL OR region IS NOT NULL",
        "region LIKE '%'",
        "NOT (region = 'nowhere')",
        "segment IN ('SMB', 'Retail') AND (channel = 'Online' OR channel = 'Direct')",
    ],
)
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


# Finding 13: deep nesting raised RecursionError (a traceback in the CLI, a broken page)
# instead of the one-line message; every parse or recursion failure is now a QueryError.
REP = Principal("where_rep", ("sales_rep",), {"region": "East"})
DEEP = {
    "parens_45": "(" * 45 + "region = 'East'" + ")" * 45,
    "parens_200": "(" * 200 + "region = 'East'" + ")" * 200,
    "nots_100": "NOT " * 100 + "region = 'East'",
    "nots_1000": "NOT " * 1000 + "region = 'East'",
    "not_parens_40": "NOT (" * 40 + "region = 'East'" + ")" * 40,
    "in_list_inside_parens": "(" * 60 + "region IN ('East')" + ")" * 60,
}


@pytest.mark.parametrize("name", list(DEEP))
@pytest.mark.parametrize("principal", [None, REP], ids=["operator", "rep"])  # the rep's policy check parses first
def test_deep_nesting_is_one_line_not_a_recursion_error(name, principal):
    with pytest.raises(QueryError) as caught:
        plan(make_query(metrics=("revenue",), where=DEEP[name]), principal)
    message = str(caught.value)
    assert message.startswith("where: the filter is ") and "\n" not in message
    assert ("longer than 4000" if name == "nots_1000" else f"nested more than {MAX_DEPTH} levels") in message


@pytest.mark.parametrize("name", list(DEEP))
def test_every_parser_of_user_text_refuses_deep_nesting(name):
    for parse in (
        parse_text,
        lambda text: parse_where(text, DIMS),
        lambda text: member_filter({"region": ["East"]}, text),
    ):
        with pytest.raises(QueryError, match="^where: the filter is"):
            parse(DEEP[name])


def test_a_recursion_error_inside_the_parser_is_still_one_line(monkeypatch):
    """Whatever bound is passed, a RecursionError (or any sqlglot error) while parsing is a QueryError."""
    import sqlglot
    from sqlglot.errors import OptimizeError

    for failure in (RecursionError("maximum recursion depth exceeded"), OptimizeError("odd")):

        def broken(*_args, failure=failure, **_kwargs):
            raise failure

        monkeypatch.setattr(sqlglot, "parse", broken)
        with pytest.raises(QueryError, match="^where: "):
            parse_text("region = 'East'")


@pytest.mark.parametrize(
    "where",
    [
        "(" * MAX_DEPTH + "region = 'East'" + ")" * MAX_DEPTH,
        "NOT " * (MAX_DEPTH - 1) + "NOT region = 'East'",
        " OR ".join(f"region = 'R{i}'" for i in range(150)),  # long, but flat
        "NOT region = 'East' AND NOT channel = 'Online' AND city IS NOT NULL AND segment NOT IN ('x')",
        "customer = '((((((((((((((((((((((((((((((((((((((((((('",  # parentheses inside a value do not nest
    ],
)
def test_filters_within_the_bounds_still_compile(where):
    assert "revenue" in plan(make_query(metrics=("revenue",), where=where)).sql()
