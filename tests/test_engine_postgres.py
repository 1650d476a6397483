"""PostgreSQL as Concord's engine, on the tests' own server (tests/pgserver.py): the reader cannot write, every
query is a read-only transaction with a statement timeout, each failure is one line naming PostgreSQL (and
never a password), results have DuckDB's dtypes, weeks start on Monday, a reload is noticed, and
`python -m data.demo --engine postgres` loads what DuckDB answers from."""

from __future__ import annotations

import datetime as dt
import threading
import time
from pathlib import Path

import pandas as pd
import psycopg
import pytest
import sqlglot
from sqlglot import exp

from data.engines.postgres import load
from semantic import Query, Warehouse, default_library, run
from semantic.compile import timegrain
from semantic.compile.dialects import render
from semantic.errors import WarehouseError
from semantic.execute.postgres import PostgresWarehouse

pytestmark = pytest.mark.postgres
ROOT = Path(__file__).resolve().parent.parent
SECRET = "pa55-w0rd-never-shown"


def quiet(_message: str) -> None:
    pass


@pytest.fixture(scope="module")
def loaded(pg_server, warehouse_path):
    """The test warehouse in schema `engine_t` (no rollups): the reader URL."""
    return load(warehouse_path, pg_server.url, "engine_t", log=quiet, rollups=False)


@pytest.fixture()
def pg(loaded):
    wh = PostgresWarehouse(loaded, schema="engine_t")
    yield wh
    wh.close()


def one_line(err: pytest.ExceptionInfo) -> str:
    text = str(err.value)
    assert "\n" not in text and "Traceback" not in text
    assert "PostgreSQL" in text
    return text


def owner(pg_server) -> psycopg.Connection:
    return psycopg.connect(pg_server.url, autocommit=True)


# -- the reader only reads ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "sql",
    [
        "INSERT INTO orders SELECT * FROM orders LIMIT 1",
        "CREATE TABLE engine_t.stolen AS SELECT * FROM customers",
        "SELECT 1; DROP TABLE orders",
        "COMMIT; CREATE TABLE engine_t.stolen (a int)",
        "DELETE FROM orders",
    ],
)
@pytest.mark.parametrize("first", [None, "SET default_transaction_read_only = off", "COMMIT", "ROLLBACK"])
def test_crafted_sql_through_run_changes_nothing(pg, pg_server, sql, first):
    if first:  # a statement that ends or loosens the transaction changes nothing for the next one
        pg.run(first)
    with pytest.raises(WarehouseError) as refused:
        pg.run(sql)
    one_line(refused)
    with owner(pg_server) as con:
        assert con.execute("SELECT to_regclass('engine_t.stolen')").fetchone()[0] is None
        before = pg.run("SELECT count(*) AS n FROM orders")[0]["n"][0]
        assert con.execute("SELECT count(*) FROM engine_t.orders").fetchone()[0] == before


def test_the_reader_role_may_not_write_even_outside_a_read_only_transaction(loaded, pg_server):
    with psycopg.connect(loaded, autocommit=True) as con:
        con.execute("SET default_transaction_read_only = off")  # what a crafted session could try
        for sql in (
            "INSERT INTO engine_t.orders SELECT * FROM engine_t.orders LIMIT 1",
            "DELETE FROM engine_t.orders",
            "CREATE TABLE engine_t.stolen (a int)",
            "DROP TABLE engine_t.orders",
        ):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                con.execute(sql)
        assert con.execute("SELECT count(*) FROM engine_t.orders").fetchone()[0] > 0


def test_every_query_is_a_read_only_transaction_with_the_time_limit(pg, monkeypatch):
    monkeypatch.setenv("CONCORD_QUERY_SECONDS", "7")
    frame = pg.run(
        "SELECT current_setting('transaction_read_only') AS ro, current_setting('statement_timeout') AS limit_, "
        "current_schema() AS schema_, current_user AS who"
    )[0]
    assert frame.iloc[0].tolist() == ["on", "7s", "engine_t", "concord_reader"]


def test_a_statement_timeout_is_one_line(pg, monkeypatch):
    monkeypatch.setenv("CONCORD_QUERY_SECONDS", "0.5")
    started = time.perf_counter()
    with pytest.raises(WarehouseError) as stopped:
        pg.run("SELECT pg_sleep(5)")
    assert time.perf_counter() - started < 4
    text = one_line(stopped)
    assert "longer than 0.5 s" in text and "narrow" in text
    monkeypatch.setenv("CONCORD_QUERY_SECONDS", "60")
    assert pg.run("SELECT 1 AS one")[0]["one"][0] == 1  # the connection is still good


# -- one line for every failure, never a password --------------------------------------------------


def test_an_unreachable_server_is_one_line_without_the_password():
    from bench.screens.server import free_port

    port = free_port()  # nothing listens there
    wh = PostgresWarehouse(f"postgresql://concord_reader:{SECRET}@127.0.0.1:{port}/postgres")
    with pytest.raises(WarehouseError) as down:
        wh.run("SELECT 1")
    text = one_line(down)
    assert f"PostgreSQL at 127.0.0.1:{port} is not answering" in text and "[warehouse] url" in text
    assert SECRET not in text and SECRET not in wh.describe()


def test_wrong_credentials_are_one_line_without_the_password(pg_server, monkeypatch):
    monkeypatch.setenv("CONCORD_ENGINE_PASSWORD", SECRET)
    wh = PostgresWarehouse(f"postgresql://nobody_here:{SECRET}@127.0.0.1:{pg_server.port}/postgres")
    with pytest.raises(WarehouseError) as refused:
        wh.version()
    text = one_line(refused)
    assert "refused the login" in text and "nobody_here" in text and "CONCORD_ENGINE_PASSWORD" in text
    assert SECRET not in text


def test_a_missing_table_names_it_and_says_how_to_load(pg_server, warehouse_path):
    reader = load(warehouse_path, pg_server.url, "engine_gap", log=quiet, rollups=False)
    with owner(pg_server) as con:
        con.execute("DROP TABLE engine_gap.order_lines")
    wh = PostgresWarehouse(reader, schema="engine_gap")
    with pytest.raises(WarehouseError) as missing:
        run(Query(metrics=("revenue",)), warehouse=wh, cache=None)
    text = one_line(missing)
    assert "table order_lines is missing in PostgreSQL postgres/engine_gap" in text
    assert "python -m data.demo --engine postgres" in text
    wh.close()


def test_a_missing_schema_is_one_line(loaded):
    wh = PostgresWarehouse(loaded, schema="never_loaded")
    with pytest.raises(WarehouseError) as missing:
        wh.version()
    assert "missing in PostgreSQL" in one_line(missing)


# -- the same answers, the same frames --------------------------------------------------------------


def test_results_have_duckdbs_dtypes(pg, warehouse_path):
    duck = Warehouse(warehouse_path)
    sql = (
        "SELECT o.order_date AS day, c.region, count(*) AS n, count(DISTINCT o.customer_id) AS buyers, "
        "sum(l.net_amount) AS revenue, avg(l.quantity) AS mean_qty, max(l.quantity) AS most, "
        "sum(l.quantity) > 3 AS many, CAST(NULL AS BIGINT) AS nothing "
        "FROM orders o JOIN order_lines l ON l.order_id = o.order_id JOIN customers c ON c.customer_id = o.customer_id "
        "GROUP BY 1, 2 ORDER BY 1, 2 LIMIT 50"
    )
    ours, theirs = pg.run(sql)[0], duck.run(sql)[0]
    assert ours.dtypes.to_dict() == theirs.dtypes.to_dict()
    pd.testing.assert_frame_equal(ours, theirs, check_exact=False, rtol=1e-9)
    query = Query(metrics=("revenue", "orders", "gross_margin_pct"), group_by=("metric_time__month", "region"))
    ours, theirs = (run(query, warehouse=w, cache=None).frame for w in (pg, duck))
    assert ours.dtypes.to_dict() == theirs.dtypes.to_dict()
    pd.testing.assert_frame_equal(ours, theirs, check_exact=False, rtol=1e-9)
    duck.close()


def test_integer_division_divides_as_duckdb_does(pg, warehouse_path):
    """DuckDB's `/` on integers gives a fraction; PostgreSQL's would truncate unless spelled for it."""
    tree = sqlglot.parse_one(
        "SELECT count(*) / count(DISTINCT customer_id) AS per, 7 / 2 AS half, sum(line_no) / count(*) AS mean "
        "FROM orders JOIN order_lines USING (order_id)",
        read="duckdb",
    )
    duck = Warehouse(warehouse_path)
    ours, theirs = (w.run(render(tree, w.dialect))[0] for w in (pg, duck))
    assert ours["half"][0] == 3.5 and ours.dtypes.to_dict() == theirs.dtypes.to_dict()
    pd.testing.assert_frame_equal(ours, theirs, check_exact=False, rtol=1e-12)
    duck.close()


def test_weeks_start_on_monday(pg, warehouse_path):
    sunday = dt.date(2024, 3, 10)
    tree = exp.select(
        exp.alias_(timegrain.truncate(exp.cast(exp.Literal.string(sunday.isoformat()), "date"), "week"), "week")
    )
    for wh in (pg, Warehouse(warehouse_path)):
        assert wh.run(render(tree, wh.dialect))[0]["week"][0] == pd.Timestamp("2024-03-04")  # ISO: Monday


def test_ordering_and_nulls_match_duckdb(pg, pg_server, warehouse_path):
    """Text sorts by code point (the loader declares it COLLATE "C", whatever the database's locale) and NULLs
    sort last both ways, as on DuckDB (PostgreSQL's own default puts them first when descending)."""
    duck = Warehouse(warehouse_path)
    for order, limit in ((("-revenue",), 3), (("region",), None), (("-region",), 2), (("-orders", "customer"), 7)):
        query = Query(metrics=("revenue", "orders"), group_by=("region", "customer"), order_by=order, limit=limit)
        ours, theirs = (run(query, warehouse=w, cache=None).frame for w in (pg, duck))
        pd.testing.assert_frame_equal(ours, theirs, check_exact=False, rtol=1e-9)
    values = sqlglot.parse_one("SELECT x FROM (VALUES ('b'), (NULL), ('a'), (NULL), ('c')) AS v(x)", read="duckdb")
    for desc in (False, True):
        names = (
            exp.select("customer_name")
            .from_("customers")
            .order_by(exp.Ordered(this=exp.column("customer_name"), desc=desc))
        )
        ordered = values.copy().order_by(exp.Ordered(this=exp.column("x"), desc=desc, nulls_first=False))
        for tree, column in ((names, "customer_name"), (ordered, "x")):
            ours, theirs = (w.run(render(tree, w.dialect))[0][column] for w in (pg, duck))
            assert ours.tolist() == theirs.tolist()
        assert ours.isna().tolist() == [False, False, False, True, True]
    with owner(pg_server) as con:
        collations = con.execute(
            "SELECT DISTINCT collation_name FROM information_schema.columns "
            "WHERE table_schema = 'engine_t' AND data_type = 'text'"
        ).fetchall()
    assert collations == [("C",)]
    duck.close()


# -- a reload is noticed; the pool is shared and heals -------------------------------------------


def test_threads_share_the_pool_and_a_dropped_connection_is_replaced(pg, pg_server):
    answers, errors = [], []

    def ask(i: int) -> None:
        try:
            answers.append(pg.run(f"SELECT {i} AS i, count(*) AS n FROM order_lines")[0].iloc[0].tolist())
        except Exception as err:  # noqa: BLE001 - any failure is the test's failure
            errors.append(err)

    threads = [threading.Thread(target=ask, args=(i,)) for i in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and sorted(a[0] for a in answers) == list(range(12)) and len({a[1] for a in answers}) == 1
    with owner(pg_server) as con:  # the server ends every reader session (a restart, a failover)
        con.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = 'concord_reader'")
    assert pg.run("SELECT 2 AS two")[0]["two"][0] == 2


# -- null-safe join keys: exact, and hashable ----------------------------------------------------


def test_null_safe_keys_meet_null_to_null_and_nothing_else(pg, warehouse_path):
    """The lowering adds a hashable text equality to each IS NOT DISTINCT FROM key; the answer stays the
    null-safe join: NULL meets NULL, '' never meets NULL, a date meets only its own day."""
    left = (
        "SELECT * FROM (VALUES (NULL, DATE '2024-01-01', 1), ('', NULL, 2), ('a', DATE '2024-01-02', 3)) AS l(k, d, n)"
    )
    right = (
        "SELECT * FROM (VALUES (NULL, DATE '2024-01-01', 10), (NULL, NULL, 20), ('a', DATE '2024-01-02', 30)) "
        "AS r(k, d, m)"
    )
    tree = (
        exp.select("l.n", "r.m")
        .from_(sqlglot.parse_one(left, read="duckdb").subquery("l"))
        .join(
            sqlglot.parse_one(right, read="duckdb").subquery("r"),
            on=exp.and_(
                exp.NullSafeEQ(this=exp.column("k", "l"), expression=exp.column("k", "r")),
                exp.NullSafeEQ(this=exp.column("d", "l"), expression=exp.column("d", "r")),
            ),
            join_type="left",
        )
        .order_by("l.n")
    )
    assert "COALESCE(CAST(" in render(tree, "postgres")
    duck = Warehouse(warehouse_path)
    ours, theirs = (w.run(render(tree, w.dialect))[0] for w in (pg, duck))
    assert ours["m"].tolist()[0] == 10 and pd.isna(ours["m"].tolist()[1]) and ours["m"].tolist()[2] == 30
    assert ours.astype(object).where(ours.notna(), None).values.tolist() == (
        theirs.astype(object).where(theirs.notna(), None).values.tolist()
    )
    duck.close()


def test_compared_and_multi_fact_joins_are_hashable(pg_server, loaded):
    """With nested loops priced out, PostgreSQL still finds a hash or merge join for the compiler's
    null-safe joins (a prior-year comparison, several facts by customer): no rows x rows comparisons."""
    from semantic import plan

    queries = (
        Query(
            metrics=("revenue",),
            group_by=("customer",),
            compare="prior_year",
            time_from="2025-01-01",
            time_to="2025-06-30",
        ),
        Query(metrics=("revenue", "invoiced", "cash_in"), group_by=("metric_time__month", "customer")),
    )
    with owner(pg_server) as con:
        con.execute("SET search_path = engine_t")
        con.execute("SET enable_nestloop = off")
        for query in queries:
            sql = plan(query, None, default_library(), None).sql("postgres")
            shown = "\n".join(r[0] for r in con.execute("EXPLAIN " + sql).fetchall())
            assert "Nested Loop" not in shown, shown


def test_a_query_over_the_servers_resource_limits_is_one_line(pg_server, loaded):
    """A server that caps what one query may spill (temp_file_limit, as an administrator sets it) stops a big
    sort: one line naming PostgreSQL and saying to narrow the query."""
    with owner(pg_server) as con:
        con.execute("CREATE ROLE concord_small LOGIN IN ROLE pg_read_all_data")
        con.execute("ALTER ROLE concord_small SET temp_file_limit = '1MB'")
        con.execute("ALTER ROLE concord_small SET work_mem = '64kB'")
    wh = PostgresWarehouse(loaded.replace("concord_reader@", "concord_small@"), schema="engine_t")
    with pytest.raises(WarehouseError) as stopped:
        wh.run("SELECT g, md5(g::text) FROM generate_series(1, 2000000) g ORDER BY 2 LIMIT 1")
    text = one_line(stopped)
    assert "ran out of resources" in text and "narrow" in text
    assert wh.run("SELECT 1 AS one")[0]["one"][0] == 1
    wh.close()
