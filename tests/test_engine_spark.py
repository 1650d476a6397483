"""Spark as Concord's engine, beyond the soundness suite's numbers: the session reads only its declared tables,
a long query stops at the time limit, a missing folder or table is one line, results have DuckDB's dtypes,
weeks start on Monday, decimals add up to the cent, a reload is seen, and the loader works as a command."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import duckdb
import pytest

from semantic import Query, WarehouseError, run
from semantic.execute.spark import SparkWarehouse

pytestmark = pytest.mark.spark
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def folder(warehouse_path, tmp_path_factory):
    from data.engines.spark import load

    return load(warehouse_path, tmp_path_factory.mktemp("spark-engine") / "tables", log=lambda m: None)


@pytest.fixture(scope="module")
def spark(folder):
    wh = SparkWarehouse("local[2]", tables=folder)
    yield wh
    wh.close()


def one_line(err: pytest.ExceptionInfo) -> str:
    text = str(err.value)
    assert "\n" not in text and "Traceback" not in text, text
    return text


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT * FROM parquet.`/etc/passwd`",
        "SELECT * FROM csv.`/etc/passwd`",
        "SELECT * FROM text.`/etc/passwd`",
        "SELECT reflect('java.lang.System', 'getenv', 'HOME')",
        "SELECT java_method('java.lang.System', 'getProperty', 'user.home')",
        "CREATE TABLE stolen USING csv LOCATION '/etc'",
        "SET spark.sql.runSQLOnFiles=true",
        "SELECT 1; SELECT 2",
    ],
)
def test_the_session_reads_nothing_but_its_tables(spark, sql):
    with pytest.raises(WarehouseError) as refused:
        spark.run(sql)
    assert "Spark" in one_line(refused)


def test_a_parquet_folder_outside_the_declared_tables_is_refused(spark, folder, tmp_path):
    outside = tmp_path / "outside"
    shutil.copytree(folder / "customers", outside)  # real Parquet, just not declared
    with pytest.raises(WarehouseError) as refused:
        spark.run(f"SELECT count(*) AS n FROM parquet.`{outside}`")
    assert "declared tables" in one_line(refused)
    with pytest.raises(WarehouseError) as refused:
        spark.run("SELECT * FROM default.customers")
    assert "declared tables" in one_line(refused)
    assert spark.run("SELECT count(*) AS n FROM customers")[0]["n"][0] > 0  # the declared one reads


def test_a_long_query_is_stopped_at_the_time_limit_in_one_line(folder, monkeypatch):
    monkeypatch.setenv("CONCORD_QUERY_SECONDS", "1.5")
    wh = SparkWarehouse("local[2]", tables=folder)
    slow = "SELECT sum(a.id * b.id) AS s FROM range(200000) a CROSS JOIN range(200000) b"
    with pytest.raises(WarehouseError) as stopped:
        wh.run(slow)
    assert "ran longer than 1.5 s on Spark and was stopped" in one_line(stopped)
    assert wh.run("SELECT count(*) AS n FROM orders")[0]["n"][0] > 0  # the session is fine afterwards


def test_a_stopped_query_does_not_stop_another_threads_query(spark, folder):
    quick = SparkWarehouse("local[2]", tables=folder, seconds=120)
    slow = SparkWarehouse("local[2]", tables=folder, seconds=1)
    results: dict[str, object] = {}

    def stopped() -> None:
        try:
            slow.run("SELECT sum(a.id * b.id) AS s FROM range(200000) a CROSS JOIN range(200000) b")
        except WarehouseError as err:
            results["slow"] = str(err)

    def counted() -> None:
        results["quick"] = quick.run("SELECT count(*) AS n FROM range(30000000)")[0]["n"][0]

    threads = [threading.Thread(target=stopped), threading.Thread(target=counted)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert "was stopped" in results["slow"]
    assert results["quick"] == 30_000_000


def test_a_missing_folder_is_one_line_saying_how_to_load(tmp_path):
    with pytest.raises(WarehouseError) as missing:
        SparkWarehouse("local[2]", tables=tmp_path / "nowhere").run("SELECT 1 AS x")
    assert "python -m data.demo --engine spark --tables" in one_line(missing)
    assert "Spark" in str(missing.value)


def test_an_unreachable_master_is_one_line(folder):
    with pytest.raises(WarehouseError) as unreachable:
        SparkWarehouse("spark://127.0.0.1:1", tables=folder).run("SELECT count(*) AS n FROM orders")
    text = one_line(unreachable)
    assert "Spark's master spark://127.0.0.1:1 does not answer" in text and "local[2]" in text


def test_no_tables_configured_is_one_line_at_the_first_query():
    wh = SparkWarehouse("local[2]")  # constructing it never fails: the app shows the error where it queries
    with pytest.raises(WarehouseError) as unset:
        wh.run("SELECT 1 AS x")
    assert "set [warehouse] tables" in one_line(unset)


def test_a_missing_table_is_one_line_naming_it(folder, tmp_path):
    partial = tmp_path / "partial"
    shutil.copytree(folder, partial)
    shutil.rmtree(partial / "orders")
    with pytest.raises(WarehouseError) as missing:
        SparkWarehouse("local[2]", tables=partial).run("SELECT count(*) FROM orders")
    text = one_line(missing)
    assert "Spark has no table orders" in text and "python -m data.demo --engine spark" in text


def test_results_have_duckdbs_dtypes(spark, warehouse_path):
    from semantic import Warehouse

    query = Query(metrics=("revenue", "orders", "gross_margin_pct"), group_by=("metric_time__month", "region"))
    got = run(query, warehouse=spark, cache=None).frame
    want = run(query, warehouse=Warehouse(warehouse_path), cache=None).frame
    assert dict(got.dtypes) == dict(want.dtypes)
    assert len(got) == len(want) > 0
    sql = (
        "SELECT invoices.invoice_date, customers.region, count(*) AS n, sum(invoices.amount) AS total, "
        "max(invoices.invoice_id) AS last_id FROM invoices JOIN orders ON orders.order_id = invoices.order_id "
        "JOIN customers ON customers.customer_id = orders.customer_id "
        "GROUP BY 1, 2 ORDER BY 1, 2 LIMIT 50"
    )
    raw = duckdb.connect(str(warehouse_path), read_only=True)
    try:
        frame = spark.run(sql)[0]
        assert dict(frame.dtypes) == dict(raw.execute(sql).df().dtypes)
    finally:
        raw.close()


def test_weeks_start_on_monday_as_on_duckdb(spark, warehouse_path):
    from semantic import Warehouse

    query = Query(metrics=("revenue",), group_by=("metric_time__week",))
    got = run(query, warehouse=spark, cache=None).frame
    want = run(query, warehouse=Warehouse(warehouse_path), cache=None).frame
    assert set(got["metric_time__week"].dt.day_of_week) == {0}
    assert list(got["metric_time__week"]) == list(want["metric_time__week"])


def test_a_sum_of_decimals_is_exact_to_the_cent(spark, warehouse_path):
    # a million 0.10 added in floating point is 100000.00000133288; as DECIMAL it is 100000.00 exactly
    frame = spark.run("SELECT sum(CAST(0.1 AS DECIMAL(18, 2))) AS total FROM range(1000000)")[0]
    assert frame["total"][0] == 100000.0
    raw = duckdb.connect(str(warehouse_path), read_only=True)
    try:
        want = raw.execute("SELECT sum(amount)::VARCHAR FROM invoices").fetchall()[0][0]
    finally:
        raw.close()
    got = spark.run("SELECT CAST(sum(amount) AS STRING) AS total FROM invoices")[0]["total"][0]
    assert got == want


def test_a_reload_changes_the_version_and_is_read(warehouse_path, tmp_path):
    from data.engines.spark import load

    folder = load(warehouse_path, tmp_path / "tables", log=lambda m: None, rollups=False)
    wh = SparkWarehouse("local[2]", tables=folder)
    before = wh.version()
    orders = wh.run("SELECT count(*) AS n FROM orders")[0]["n"][0]
    assert wh.version() == before  # reading changes nothing
    load(warehouse_path, folder, log=lambda m: None, rollups=False)
    assert wh.version() != before
    assert wh.run("SELECT count(*) AS n FROM orders")[0]["n"][0] == orders  # the new files, read


def test_the_load_command_then_a_query_equals_duckdbs(tmp_path):
    from data.demo import build_warehouse
    from semantic import Warehouse
    from semantic.rollup.build import rollups_current

    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    tables = tmp_path / "tables"
    load = [sys.executable, "-m", "data.demo", "--engine", "spark", "--tables", str(tables)]
    done = subprocess.run([*load, "--scale", "0.01", "--seed", "11"], cwd=ROOT, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "Traceback" not in done.stderr and "WARN " not in done.stderr, done.stderr[-2000:]
    assert (tables / "rollup_info").is_dir() and (tables / "warehouse_info").is_dir()
    source = build_warehouse(tmp_path / "demo.duckdb", scale=0.01, seed=11, log=lambda m: None)
    query = Query(metrics=("revenue", "orders"), group_by=("region",))
    spark = SparkWarehouse("local[2]", tables=tables)
    got = run(query, warehouse=spark, cache=None).frame
    want = run(query, warehouse=Warehouse(source), cache=None).frame
    assert got.round(2).to_dict("records") == want.round(2).to_dict("records")
    assert spark.rollups() and rollups_current(spark)  # built by Spark from today's definitions


def test_the_load_command_says_what_is_wrong_in_one_line(tmp_path):
    from data.engines.spark import load_command

    lines: list[str] = []
    assert load_command(tmp_path / "missing.duckdb", tmp_path / "t", log=lines.append) == 2
    assert len(lines) == 1 and "not found" in lines[0] and "python -m data.demo" in lines[0]
    assert not (tmp_path / "t").exists()


OUT_OF_MEMORY = """
import sys
from semantic import WarehouseError
from semantic.execute.spark import SparkWarehouse
wh = SparkWarehouse("local[2]", tables=sys.argv[1], seconds=120)
try:
    wh.run("SELECT size(collect_list(repeat('x', 1000))) AS n FROM range(3000000)")
except WarehouseError as err:
    print("refused:", err)
print("after:", wh.run("SELECT count(*) AS n FROM orders")[0]["n"][0])
"""


def test_spark_out_of_memory_is_one_line_and_the_next_query_answers(folder, tmp_path):
    # its own process: a driver of 512 MB (the least Spark starts with) that a 3 GB list overflows
    env = {**os.environ, "PYTHONPATH": str(ROOT), "CONCORD_QUERY_MEMORY": "300MB"}
    done = subprocess.run(
        [sys.executable, "-c", OUT_OF_MEMORY, str(folder)], cwd=ROOT, env=env, capture_output=True, text=True
    )
    lines = done.stdout.strip().splitlines()
    assert done.returncode == 0 and len(lines) == 2, done.stdout + done.stderr[-2000:]
    assert lines[0].startswith("refused: Spark") and "give the driver more memory" in lines[0], lines[0]
    assert int(lines[1].split()[-1]) > 0
