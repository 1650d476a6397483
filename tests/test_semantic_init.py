"""`python -m semantic init` drafts tables.yml from a database; `validate` lists what is left.

The same hand-written schema is built in a DuckDB file and in the tests' own PostgreSQL server:
customers (declared key), orders (key order_id guessed; 3 of its 4 rows find a customer),
order_lines (key order_id + line_no guessed), regions (region_id repeats: no key), 门店 (a
Chinese name, key `id`, a region_id whose join to regions would fan out, a column with a space)
and event_log (no key at all). The drafts must be exactly the right keys and joins, load as a
library, and validate must list the review items, then say ready once they are resolved.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
import yaml

from bench.screens.server import free_port
from cli.semantic_cli import main
from semantic.model.loader import MODELS_DIR, load_library

ROOT = Path(__file__).resolve().parent.parent

DDL = [
    "CREATE TABLE customers (customer_id INTEGER PRIMARY KEY, customer_name VARCHAR(40), region VARCHAR(20))",
    'CREATE TABLE orders (order_id INTEGER NOT NULL, customer_id INTEGER, order_date DATE, amount DECIMAL(12,2), "备注" VARCHAR(40))',
    "CREATE TABLE order_lines (order_id INTEGER, line_no INTEGER, product_code VARCHAR(10), net_amount DECIMAL(12,2))",
    "CREATE TABLE regions (region_id INTEGER, region_name VARCHAR(20))",
    'CREATE TABLE "门店" (id INTEGER, region_id INTEGER, "销售 金额" DECIMAL(12,2), "开店日期" DATE)',
    "CREATE TABLE event_log (happened_at TIMESTAMP, message VARCHAR(40))",
    "CREATE TABLE invoices (invoice_no INTEGER PRIMARY KEY, billed_to INTEGER REFERENCES customers (customer_id),"
    " amount DECIMAL(12,2))",
    "INSERT INTO customers VALUES (1, 'Acme', 'North'), (2, 'Bolt', 'South'), (3, 'Core', 'North')",
    "INSERT INTO orders VALUES (10, 1, '2025-01-05', 100.00, '加急'), (11, 2, '2025-01-06', 250.50, NULL),"
    " (12, 1, '2025-02-01', 75.25, NULL), (13, 99, '2025-02-03', 10.00, NULL)",
    "INSERT INTO order_lines VALUES (10, 1, 'A', 60), (10, 2, 'B', 40), (11, 1, 'A', 250.5), (12, 1, 'C', 75.25),"
    " (13, 1, 'A', 10)",
    "INSERT INTO regions VALUES (1, 'North'), (1, 'North'), (2, 'South')",
    "INSERT INTO \"门店\" VALUES (1, 1, 500, '2024-01-01'), (2, 2, 300, '2024-06-01')",
    "INSERT INTO event_log VALUES ('2025-01-01 10:00', 'start'), ('2025-01-01 10:00', 'start')",
    "INSERT INTO invoices VALUES (500, 1, 100.00), (501, NULL, 20.00)",
]
KEYS = {
    "customers": "customer_id",
    "orders": "order_id",
    "order_lines": ["order_id", "line_no"],
    "regions": [],
    "门店": "id",
    "event_log": [],
    "invoices": "invoice_no",
}
JOINS = {
    "invoices": {"customers": "billed_to"},  # declared: a name would never say so
    "order_lines": {"orders": "order_id"},
    "orders": {"customers": "customer_id"},
}


@pytest.fixture(scope="module")
def duck(tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("init") / "shop.duckdb"
    with duckdb.connect(str(path)) as con:
        for statement in DDL:
            con.execute(statement)
    return str(path)


@pytest.fixture(scope="module")
def pg_url(pg_server) -> str:
    import psycopg

    name = f"init13_{os.getpid()}"
    with psycopg.connect(pg_server.url, autocommit=True) as con:
        con.execute(f"DROP DATABASE IF EXISTS {name}")
        con.execute(f"CREATE DATABASE {name}")
    url = pg_server.url.rsplit("/", 1)[0] + "/" + name
    with psycopg.connect(url, autocommit=True) as con:
        for statement in DDL:
            con.execute(statement)
    return url


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def one_line_error(capsys, *argv: str) -> str:
    code, out, err = run(capsys, *argv)
    assert code == 2, (out, err)
    assert err.startswith("error: ") and err.count("\n") == 1, err
    return err


def drafted(folder: Path) -> dict:
    return yaml.safe_load((folder / "tables.yml").read_text(encoding="utf-8"))["tables"]


def body(text: str) -> str:
    """The YAML without its header comment (which names the source)."""
    return text.split("\n\n", 1)[1]


def test_duckdb_draft_has_exactly_the_right_keys_and_joins(duck, tmp_path, capsys):
    out = tmp_path / "mymodels"
    code, printed, err = run(capsys, "init", "--db", duck, "--out", str(out))
    assert code == 0, err
    tables = drafted(out)
    assert list(tables) == ["customers", "event_log", "invoices", "order_lines", "orders", "regions", "门店"]
    assert {name: spec["primary_key"] for name, spec in tables.items()} == KEYS
    assert {name: spec["joins"] for name, spec in tables.items() if "joins" in spec} == JOINS
    assert tables["门店"]["columns"] == ["id", "region_id", "销售 金额", "开店日期"]
    assert tables["orders"]["columns"][-1] == "备注"
    text = (out / "tables.yml").read_text(encoding="utf-8")
    # the join is checked against the data: 3 of the 4 orders find a customer (order 13 names customer 99)
    assert "customers: customer_id  # review: join guessed from the name customer_id; 75.0% of 4 rows match" in text
    assert "orders: order_id  # review: join guessed from the name order_id; 100.0% of 5 rows match" in text
    # the fan-out join is not proposed, but shown to the reviewer as a problem
    assert "# review: not joined to regions by region_id: regions.region_id is not unique (1 rows repeat" in text
    assert "primary_key: customer_id\n" in text  # declared: nothing to review
    assert "customers: billed_to  # declared foreign key; 50.0% of 2 rows match; 1 rows have no billed_to\n" in text
    assert text.count("# review: add a zh label") == 6 and text.count("# review: add an en label") == 1
    assert "wrote" in printed and "2 declared and 3 guessed keys, 3 joins" in printed
    assert "warning: regions: no key found: region_id repeats a value" in err
    assert "warning: event_log: no key found: no column named id or event_log_id or log_id" in err
    metrics = yaml.safe_load((out / "metrics.yml").read_text(encoding="utf-8"))
    assert metrics["measures"] == {
        "orders_amount": {"table": "orders", "expr": "amount", "agg": "sum", "time": "order_date"}
    }
    assert list(metrics["metrics"]) == ["orders_amount"]
    library = load_library(out)
    assert set(library.tables) == set(KEYS) and set(library.metrics) == {"orders_amount"}


def test_validate_lists_review_items_then_says_ready(duck, tmp_path, capsys):
    out = tmp_path / "mymodels"
    assert run(capsys, "init", "--db", duck, "--out", str(out))[0] == 0
    markers = sum(p.read_text(encoding="utf-8").count("# review") for p in out.glob("*.yml"))
    code, printed, _ = run(capsys, "validate", "--models", str(out), "--db", duck)
    assert code == 1
    lines = printed.splitlines()
    assert lines[0].startswith("ok: 1 metrics") and lines[-1] == f"{markers + 2} item(s) left to decide"
    review = [line for line in lines if ": review: " in line]
    assert len(review) == markers
    assert any(line.endswith("tables.yml:8: review: add a zh label") for line in review), review
    assert "tables.regions: no primary key; write the column(s) that identify one row under primary_key" in lines
    assert "tables.event_log: no primary key; write the column(s) that identify one row under primary_key" in lines

    # The reviewer decides: zh labels written, the keyless tables left out, markers deleted.
    tables = drafted(out)
    for name, spec in tables.items():
        spec["label"]["zh"] = {"customers": "客户", "orders": "订单", "order_lines": "订单明细"}.get(name, "其他")
    del tables["regions"], tables["event_log"]
    write(out / "tables.yml", {"tables": tables})
    text = (out / "metrics.yml").read_text(encoding="utf-8")  # edited as text: the header comment stays
    text = re.sub(r"  # review:.*", "", text).replace("zh: Orders amount}", "zh: 订单金额}")
    (out / "metrics.yml").write_text(text, encoding="utf-8")
    (out / "policies.yml").unlink()  # the starter policy's decisions: tests/test_own_data.py
    code, printed, _ = run(capsys, "validate", "--models", str(out), "--db", duck)
    assert (code, printed.splitlines()[-1]) == (0, "ready: nothing left to decide")

    # A wrong column, a key that repeats and a join that fans out are each one item.
    tables["customers"]["columns"][1] = "customer_nam"
    tables["regions"] = {"label": {"en": "Regions", "zh": "地区"}, "primary_key": "region_id"}
    tables["regions"]["columns"] = ["region_id", "region_name"]
    tables["门店"]["joins"] = {"regions": "region_id"}
    write(out / "tables.yml", {"tables": tables})
    code, printed, _ = run(capsys, "validate", "--models", str(out), "--db", duck)
    assert code == 1
    assert printed.splitlines()[1:] == [
        f"tables.customers.columns: 'customer_nam' is not a column of customers in {duck}. "
        "Did you mean 'customer_name'?",
        f"tables.regions.primary_key: (region_id) is not unique in {duck}: 1 rows repeat a value; "
        "choose columns that identify one row.",
        f"tables.门店.joins.regions: fans out: regions.region_id repeats values in {duck}, so joining "
        "门店.region_id to it would multiply 门店's rows; fix regions's key or drop the join.",
        "3 item(s) left to decide",
    ]


def write(path: Path, data: dict) -> None:
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def test_postgresql_draft_is_the_same_and_validates(duck, pg_url, tmp_path, capsys):
    from_duck, from_pg = tmp_path / "duck", tmp_path / "pg"
    assert run(capsys, "init", "--db", duck, "--out", str(from_duck))[0] == 0
    code, printed, err = run(capsys, "init", "--db", pg_url, "--out", str(from_pg))
    assert code == 0, err
    for name in ("tables.yml", "metrics.yml"):
        assert body((from_pg / name).read_text(encoding="utf-8")) == body((from_duck / name).read_text("utf-8"))
    assert drafted(from_pg)["orders"]["joins"] == {"customers": "customer_id"}
    code, printed, _ = run(capsys, "validate", "--models", str(from_pg), "--db", pg_url)
    assert code == 1 and "tables.regions: no primary key" in printed
    tables = drafted(from_pg)
    tables["customers"]["columns"][2] = "regoin"
    del tables["regions"], tables["event_log"]
    write(from_pg / "tables.yml", {"tables": tables})
    write(from_pg / "metrics.yml", yaml.safe_load((from_pg / "metrics.yml").read_text(encoding="utf-8")))
    (from_pg / "policies.yml").unlink()  # the starter policy's decisions: tests/test_own_data.py
    code, printed, _ = run(capsys, "validate", "--models", str(from_pg), "--db", pg_url)
    assert printed.splitlines()[1:] == [
        f"tables.customers.columns: 'regoin' is not a column of customers in {pg_url}. Did you mean 'region'?",
        "1 item(s) left to decide",
    ]
    tables["customers"]["columns"][2] = "region"
    write(from_pg / "tables.yml", {"tables": tables})
    code, printed, _ = run(capsys, "validate", "--models", str(from_pg), "--db", pg_url)
    assert (code, printed.splitlines()[-1]) == (0, "ready: nothing left to decide")


def test_demo_warehouse_draft_matches_the_hand_written_library(rolled_warehouse_path, tmp_path):
    out = tmp_path / "demo"
    done = subprocess.run(
        [sys.executable, "-m", "semantic", "init", "--db", str(rolled_warehouse_path), "--out", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    mine = drafted(out)
    theirs = yaml.safe_load((MODELS_DIR / "tables.yml").read_text(encoding="utf-8"))["tables"]
    theirs = {t: spec for t, spec in theirs.items() if "planning" not in spec}  # budget_lines: built from versions
    both = sorted(set(mine) & set(theirs))
    assert both == sorted(theirs)  # every hand-written warehouse table is in the warehouse
    own = [t for t in mine if t.startswith(("rollup_", "load_rows_")) or t == "warehouse_info"]
    assert own == []  # nothing Concord keeps in the warehouse itself is drafted as the company's data
    assert {t: mine[t].get("joins", {}) for t in both} == {t: theirs[t].get("joins", {}) for t in both}
    assert {t: mine[t]["columns"] for t in both} == {t: theirs[t]["columns"] for t in both}
    guessed = {t for t in both if mine[t]["primary_key"]}
    assert guessed == set(both) - {"budgets"}  # four columns make a budget row: no name says so
    assert {t: mine[t]["primary_key"] for t in guessed} == {t: theirs[t]["primary_key"] for t in guessed}


def test_a_second_join_path_and_uncomparable_columns_are_not_joined(tmp_path):
    from semantic.model.draft import describe
    from semantic.model.draft_yaml import tables_yaml

    con = duckdb.connect()
    for statement in (
        "CREATE TABLE a (a_id INTEGER)",
        "CREATE TABLE b (b_id INTEGER, a_id INTEGER)",
        "CREATE TABLE c (c_id INTEGER, b_id INTEGER, a_id INTEGER)",  # c -> b -> a, so not c -> a as well
        "CREATE TABLE d (d_id INTEGER)",
        "CREATE TABLE e (e_id INTEGER, d_id VARCHAR)",  # 'x' is no d_id
        "INSERT INTO a VALUES (1), (2)",
        "INSERT INTO b VALUES (1, 1)",
        "INSERT INTO c VALUES (1, 1, 2)",
        "INSERT INTO d VALUES (1)",
        "INSERT INTO e VALUES (1, 'x')",
    ):
        con.execute(statement)
    text = tables_yaml(describe(con, "duckdb", "main", "memory"))
    (tmp_path / "tables.yml").write_text(text, encoding="utf-8")
    tables = load_library(tmp_path).tables
    assert {name: dict(spec.joins) for name, spec in tables.items()} == {
        "a": {},
        "b": {"a": "a_id"},
        "c": {"b": "b_id"},
        "d": {},
        "e": {},
    }
    assert "# review: not joined to a by a_id: c would reach a by a second join path" in text
    assert "# review: not joined to d by d_id: d_id cannot be compared with d_id (Conversion Error" in text


def test_bad_input_is_one_line_and_exit_2(duck, tmp_path, capsys):
    assert "no such file" in one_line_error(capsys, "init", "--db", str(tmp_path / "nope.duckdb"))
    text = tmp_path / "notes.duckdb"
    text.write_text("not a database\n", encoding="utf-8")
    assert "cannot be opened as a DuckDB database" in one_line_error(capsys, "init", "--db", str(text))
    empty = tmp_path / "empty.duckdb"
    duckdb.connect(str(empty)).close()
    assert "has no tables in schema 'main'" in one_line_error(capsys, "init", "--db", str(empty), "--out", "x")
    assert not (tmp_path / "x").exists()
    out = tmp_path / "m"
    assert run(capsys, "init", "--db", duck, "--out", str(out))[0] == 0
    before = (out / "tables.yml").read_text(encoding="utf-8")
    assert "already exists; add --force" in one_line_error(capsys, "init", "--db", duck, "--out", str(out))
    assert (out / "tables.yml").read_text(encoding="utf-8") == before
    assert run(capsys, "init", "--db", duck, "--out", str(out), "--force", "--tables", "customers")[0] == 0
    assert list(drafted(out)) == ["customers"]
    assert "no table nope" in one_line_error(
        capsys, "init", "--db", duck, "--out", str(out), "--force", "--tables", "nope"
    )
    assert "no such file" in one_line_error(capsys, "validate", "--db", str(tmp_path / "x.db"))


def test_postgresql_bad_input_names_the_host_never_the_password(pg_server, tmp_path, capsys):
    port = free_port()
    err = one_line_error(capsys, "init", "--db", f"postgresql://me:s3cret@127.0.0.1:{port}/shop")
    assert f"PostgreSQL at 127.0.0.1:{port} (database shop): cannot reach the server" in err
    assert "s3cret" not in err
    missing = pg_server.url.rsplit("/", 1)[0] + "/no_such_db"
    err = one_line_error(capsys, "init", "--db", missing)
    assert 'database "no_such_db" does not exist' in err
    assert "the PostgreSQL URL cannot be read" in one_line_error(capsys, "init", "--db", "postgresql://[bad")


def test_postgresql_wrong_password_is_one_line_without_the_password(pg_server, pg_url, tmp_path, capsys):
    """A role that must give a password (scram) on the tests' server: the first hba line, for it alone."""
    import psycopg

    with psycopg.connect(pg_server.url, autocommit=True) as con:
        hba = con.execute("SHOW hba_file").fetchone()[0]
        con.execute("DROP ROLE IF EXISTS init13_reader")
        con.execute("CREATE ROLE init13_reader LOGIN PASSWORD 'right-one'")
        lines = Path(hba).read_text(encoding="utf-8")
        if "init13_reader" not in lines:
            Path(hba).write_text("host all init13_reader 127.0.0.1/32 scram-sha-256\n" + lines, encoding="utf-8")
        con.execute("SELECT pg_reload_conf()")
    host = pg_url.split("@", 1)[1]
    err = one_line_error(capsys, "init", "--db", f"postgresql://init13_reader:wrong-one@{host}")
    assert "wrong or missing password for user init13_reader; set PGPASSWORD or add the host to ~/.pgpass" in err
    assert "wrong-one" not in err and "127.0.0.1" in err
    reader = f"postgresql://init13_reader:right-one@{host}"
    err = one_line_error(capsys, "init", "--db", reader, "--out", str(tmp_path / "m"))
    assert "reading the database failed (permission denied for table customers)" in err
    assert "right-one" not in err and not (tmp_path / "m").exists()
    with psycopg.connect(pg_url, autocommit=True) as con:
        con.execute("GRANT SELECT ON ALL TABLES IN SCHEMA public TO init13_reader")
    code, printed, err = run(capsys, "init", "--db", reader, "--out", str(tmp_path / "m"))
    assert code == 0 and "2 declared and 3 guessed keys, 3 joins" in printed and "right-one" not in printed + err


def test_default_out_folder_and_no_traceback_from_the_shell(duck, tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "semantic", "init", "--db", duck]
    done = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "models" / "tables.yml").exists()
    again = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, env=env)
    assert again.returncode == 2 and again.stderr.count("\n") == 1 and "Traceback" not in again.stderr
