"""Finding 10 (semantic side): every query is bounded in memory, time and rows.

- memory: the warehouse connection carries DuckDB's memory_limit (2GB, or
  CONCORD_QUERY_MEMORY, or Warehouse(memory_limit=...));
- time: a query still running after 60 s (CONCORD_QUERY_SECONDS, Warehouse(seconds=...))
  is interrupted and ends as a one-line WarehouseError;
- rows: run(..., max_rows=N) returns at most N rows and says whether there were more.

A warehouse with another memory limit is a copy of the test file: DuckDB allows one
configuration per file and process.
"""

from __future__ import annotations

import shutil
import time

import duckdb
import pytest

from semantic import Query, WarehouseError, run
from semantic.cache import ResultCache
from semantic.execute import MEMORY_ENV, SECONDS_ENV, Warehouse
from semantic.service import DEFAULT_PAGE_ROWS
from tests.handsql import expected

# a cross join that takes far longer than any limit below (about 10^10 pairs)
SLOW = "SELECT count(*) AS n FROM generate_series(1, 100000) a(x), generate_series(1, 100000) b(y) WHERE x + y = 7"


def shown(size: str) -> str:
    """How DuckDB reports a memory_limit set to `size` (e.g. '1.8 GiB' for 2GB)."""
    con = duckdb.connect(config={"memory_limit": size})
    try:
        return con.execute("SELECT current_setting('memory_limit')").fetchall()[0][0]
    finally:
        con.close()


def setting(warehouse: Warehouse) -> str:
    return warehouse.run("SELECT current_setting('memory_limit') AS m")[0]["m"].iloc[0]


@pytest.fixture
def copy_path(warehouse_path, tmp_path):
    path = tmp_path / "copy.duckdb"
    shutil.copyfile(warehouse_path, path)
    return path


def test_the_warehouse_connection_has_a_memory_limit_of_2gb_by_default(warehouse):
    assert setting(warehouse) == shown("2GB")


def test_the_memory_limit_is_set_by_env_or_parameter(copy_path, monkeypatch):
    monkeypatch.setenv(MEMORY_ENV, "300MB")
    by_env = Warehouse(copy_path)
    try:
        assert setting(by_env) == shown("300MB")
    finally:
        by_env.close()
    by_parameter = Warehouse(copy_path, memory_limit="100MB")
    try:
        assert setting(by_parameter) == shown("100MB")
        with pytest.raises(duckdb.Error):  # sealed: a query cannot raise its own limit
            cursor = by_parameter.cursor()[0]
            cursor.execute("SET memory_limit = '64GB'")
    finally:
        by_parameter.close()


def test_a_query_over_the_memory_limit_is_one_line(copy_path):
    small = Warehouse(copy_path, memory_limit="20MB")
    try:
        with pytest.raises(WarehouseError) as caught:
            small.run("SELECT list(a) AS l FROM range(50000000) t(a)")
        assert str(caught.value) == (
            "this query needed more than 20MB of memory and was stopped; "
            "narrow the period or group by fewer dimensions."
        )
    finally:
        small.close()


def test_a_bad_limit_setting_is_one_line(copy_path, monkeypatch):
    monkeypatch.setenv(MEMORY_ENV, "lots")
    with pytest.raises(WarehouseError, match=f"'lots' is not a size; set {MEMORY_ENV} like 2GB"):
        Warehouse(copy_path).run("SELECT 1")
    monkeypatch.delenv(MEMORY_ENV)
    monkeypatch.setenv(SECONDS_ENV, "0")
    with pytest.raises(WarehouseError, match=f"set {SECONDS_ENV} like 60"):
        Warehouse(copy_path).run("SELECT 1")


@pytest.mark.parametrize("how", ["parameter", "env"])
def test_a_slow_query_is_stopped_at_the_time_limit(warehouse_path, monkeypatch, how):
    if how == "env":
        monkeypatch.setenv(SECONDS_ENV, "0.5")
        slow = Warehouse(warehouse_path)
    else:
        slow = Warehouse(warehouse_path, seconds=0.5)
    try:
        started = time.perf_counter()
        with pytest.raises(WarehouseError) as caught:
            slow.run(SLOW)
        assert time.perf_counter() - started < 10
        assert str(caught.value) == (
            "this query ran longer than 0.5 s and was stopped; narrow the period or group by fewer dimensions."
        )
        assert slow.run("SELECT 42 AS answer")[0]["answer"].iloc[0] == 42  # the connection still answers
    finally:
        slow.close()


def test_a_fast_query_is_not_stopped(warehouse_path):
    quick = Warehouse(warehouse_path, seconds=30)
    try:
        frame = run(Query(metrics=("revenue",), group_by=("region",)), warehouse=quick, cache=None).frame
        assert len(frame) > 1
    finally:
        quick.close()


CUSTOMERS = Query(metrics=("revenue",), group_by=("customer",))


def test_max_rows_truncates_against_hand_sql_counts(warehouse, raw):
    total = len(expected(raw, "revenue", ("customer",)))
    assert total > 20
    whole = run(CUSTOMERS, warehouse=warehouse, cache=None)
    assert whole.rows == total and not whole.truncated
    capped = run(CUSTOMERS, warehouse=warehouse, cache=None, max_rows=20)
    assert capped.rows == 20 and capped.truncated
    assert capped.frame.equals(whole.frame.iloc[:20])  # the first rows in the query's order
    exact = run(CUSTOMERS, warehouse=warehouse, cache=None, max_rows=total)
    assert exact.rows == total and not exact.truncated
    roomy = run(CUSTOMERS, warehouse=warehouse, cache=None, max_rows=total + 5)
    assert roomy.rows == total and not roomy.truncated


def test_a_query_limit_within_the_cap_runs_unchanged(warehouse):
    limited = CUSTOMERS.with_(limit=10)
    plain = run(limited, warehouse=warehouse, cache=None)
    capped = run(limited, warehouse=warehouse, cache=None, max_rows=DEFAULT_PAGE_ROWS)
    assert capped.sql == plain.sql and capped.rows == 10 and not capped.truncated


def test_the_cache_keeps_capped_and_whole_results_apart(warehouse, raw):
    total = len(expected(raw, "revenue", ("customer",)))
    cache = ResultCache()
    assert run(CUSTOMERS, warehouse=warehouse, cache=cache).rows == total
    first = run(CUSTOMERS, warehouse=warehouse, cache=cache, max_rows=5)
    again = run(CUSTOMERS, warehouse=warehouse, cache=cache, max_rows=5)
    assert not first.cached and again.cached
    assert (first.rows, first.truncated, again.rows, again.truncated) == (5, True, 5, True)
    whole = run(CUSTOMERS, warehouse=warehouse, cache=cache)
    assert whole.cached and whole.rows == total and not whole.truncated


def test_a_page_cap_is_exported():
    assert DEFAULT_PAGE_ROWS == 50_000
