"""PostgreSQL loads and logins: `python -m data.demo --engine postgres` loads what DuckDB answers from, a reload
is noticed through version(), a failed load leaves the served schema as it was, and the reader's password
comes from CONCORD_ENGINE_PASSWORD or ~/.pgpass and is never shown (tests/test_engine_postgres.py: the rest)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import psycopg
import pytest

from data.engines.postgres import load, load_command
from semantic import Query, Warehouse, default_library, run
from semantic.errors import WarehouseError
from semantic.execute.postgres import PostgresWarehouse
from semantic.rollup.build import build_rollups
from semantic.rollup.spec import load_rollups
from tests.test_engine_postgres import ROOT, SECRET, one_line, owner, quiet

pytestmark = pytest.mark.postgres


def test_a_failed_load_prints_one_line_without_the_password(capsys, warehouse_path):
    from bench.screens.server import free_port

    code = load_command(warehouse_path, f"postgresql://owner:{SECRET}@127.0.0.1:{free_port()}/db", "x", print)
    out = capsys.readouterr()
    assert code == 1
    lines = [line for line in (out.out + out.err).splitlines() if line.startswith("error")]
    assert len(lines) == 1 and "PostgreSQL" in lines[0] and SECRET not in out.out + out.err


def test_version_changes_after_a_reload(pg_server, warehouse_path):
    reader = load(warehouse_path, pg_server.url, "engine_reload", log=quiet, rollups=False)
    wh = PostgresWarehouse(reader, schema="engine_reload", poll=0)
    first = wh.version()
    assert first.path == f"postgresql://127.0.0.1:{pg_server.port}/postgres/engine_reload"
    assert "@" not in first.path and wh.version() == first  # nothing changed: the same version
    load(warehouse_path, pg_server.url, "engine_reload", log=quiet, rollups=True)
    second = wh.version()
    assert second != first and second.path == first.path
    assert set(wh.rollups()) and "rollup_orders_by_day" in wh.columns()
    wh.close()


# -- python -m data.demo --engine postgres ----------------------------------------------------------


def test_the_demo_command_loads_what_duckdb_answers(pg_server, tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "data.demo", "--engine", "postgres", "--url", pg_server.url, "--scale", "0.01"]
        + ["--seed", "5", "--schema", "demo_cli"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert 'engine = "postgres"' in done.stdout and "concord_reader@" in done.stdout
    print(f"demo load at scale 0.01: {time.perf_counter() - started:.1f} s")  # -s shows it
    from data.demo import build_warehouse

    path = build_warehouse(tmp_path / "same.duckdb", scale=0.01, seed=5, log=quiet)
    build_rollups(path, log=quiet)  # both engines answer from their rollups
    url = next(line.split('"')[1] for line in done.stdout.splitlines() if line.startswith("url"))
    ours_wh, duck = PostgresWarehouse(url, schema="demo_cli"), Warehouse(path)
    query = Query(metrics=("revenue", "orders", "ar_balance"), group_by=("metric_time__quarter", "region"))
    ours, theirs = (run(query, warehouse=w, cache=None) for w in (ours_wh, duck))
    assert ours.sql != theirs.sql  # each engine ran its own dialect
    pd.testing.assert_frame_equal(ours.frame, theirs.frame, check_exact=False, rtol=1e-9)
    assert set(ours_wh.rollups()) == set(load_rollups(default_library()))
    ours_wh.close()
    duck.close()


# -- a password from CONCORD_ENGINE_PASSWORD or ~/.pgpass, never shown ------------------------------


@pytest.fixture(scope="module")
def password_role(pg_server, warehouse_path):
    """A reader that must log in with a password (scram on 127.0.0.1 for it alone, in front of trust)."""
    load(warehouse_path, pg_server.url, "engine_pw", log=quiet, rollups=False)
    with owner(pg_server) as con:
        con.execute(f"CREATE ROLE concord_pw LOGIN PASSWORD '{SECRET}' IN ROLE pg_read_all_data")
        con.execute("ALTER ROLE concord_pw SET default_transaction_read_only = on")
        hba = Path(pg_server.folder) / "data" / "pg_hba.conf"
        hba.write_text("host all concord_pw 127.0.0.1/32 scram-sha-256\n" + hba.read_text())
        con.execute("SELECT pg_reload_conf()")
    return f"postgresql://concord_pw@127.0.0.1:{pg_server.port}/postgres"


def test_the_password_comes_from_the_environment_and_is_never_shown(password_role, monkeypatch, tmp_path):
    monkeypatch.setenv("PGPASSFILE", str(tmp_path / "none"))
    monkeypatch.setenv("CONCORD_ENGINE_PASSWORD", SECRET)
    wh = PostgresWarehouse(password_role, schema="engine_pw")
    assert wh.run("SELECT count(*) AS n FROM customers")[0]["n"][0] > 0
    wh.close()
    monkeypatch.setenv("CONCORD_ENGINE_PASSWORD", "not-" + SECRET)
    wh = PostgresWarehouse(password_role, schema="engine_pw")
    with pytest.raises(WarehouseError) as refused:
        wh.run("SELECT 1")
    text = one_line(refused)
    assert "refused the login" in text and "concord_pw" in text and SECRET not in text


def test_the_password_comes_from_pgpass_without_the_variable(password_role, pg_server, monkeypatch, tmp_path):
    pgpass = tmp_path / "pgpass"
    pgpass.write_text(f"127.0.0.1:{pg_server.port}:postgres:concord_pw:{SECRET}\n")
    pgpass.chmod(0o600)
    monkeypatch.setenv("PGPASSFILE", str(pgpass))
    monkeypatch.delenv("CONCORD_ENGINE_PASSWORD", raising=False)
    wh = PostgresWarehouse(password_role, schema="engine_pw")
    assert wh.run("SELECT current_user AS who")[0]["who"][0] == "concord_pw"
    wh.close()
    pgpass.write_text("")
    with pytest.raises(WarehouseError) as refused:
        PostgresWarehouse(password_role, schema="engine_pw").run("SELECT 1")
    assert "refused the login" in one_line(refused)


# -- a failed load leaves the served schema as it was ----------------------------------------------


def test_a_failed_load_changes_nothing_readers_see(pg_server, warehouse_path, tmp_path):
    import duckdb

    reader = load(warehouse_path, pg_server.url, "engine_atomic", log=quiet, rollups=False)
    wh = PostgresWarehouse(reader, schema="engine_atomic", poll=0)
    before, answer = wh.version(), run(Query(metrics=("revenue",)), warehouse=wh, cache=None).frame
    broken = tmp_path / "broken.duckdb"
    broken.write_bytes(Path(warehouse_path).read_bytes())
    with duckdb.connect(str(broken)) as con:  # a duplicate key: COPY fails late, after most tables are in
        con.execute("INSERT INTO sales_reps SELECT * FROM sales_reps LIMIT 1")
    with pytest.raises(psycopg.errors.UniqueViolation):
        load(broken, pg_server.url, "engine_atomic", log=quiet)
    assert wh.version() == before
    pd.testing.assert_frame_equal(run(Query(metrics=("revenue",)), warehouse=wh, cache=None).frame, answer)
    with owner(pg_server) as con:
        assert con.execute("SELECT count(*) FROM pg_namespace WHERE nspname LIKE '%loading%'").fetchone()[0] == 0
    assert load_command(broken, pg_server.url, "engine_atomic", quiet) == 1
    wh.close()


def test_an_owner_without_role_rights_loads_for_a_reader_created_by_the_administrator(pg_server, warehouse_path):
    """Production: the loading role owns its schema but may not create roles; the administrator created
    concord_reader once. The load still grants the reader SELECT, and the reader answers."""
    with owner(pg_server) as con:
        if not con.execute("SELECT 1 FROM pg_roles WHERE rolname = 'concord_reader'").fetchone():
            con.execute("CREATE ROLE concord_reader LOGIN")
        con.execute("CREATE ROLE concord_owner LOGIN NOCREATEROLE NOSUPERUSER")
        con.execute("GRANT CREATE ON DATABASE postgres TO concord_owner")
    url = f"postgresql://concord_owner@127.0.0.1:{pg_server.port}/postgres"
    reader = load(warehouse_path, url, "engine_owned", log=quiet)
    assert reader == f"postgresql://concord_reader@127.0.0.1:{pg_server.port}/postgres"
    wh = PostgresWarehouse(reader, schema="engine_owned")
    assert wh.run("SELECT count(*) AS n FROM orders")[0]["n"][0] > 0 and wh.rollups()
    with pytest.raises(WarehouseError):
        wh.run("DELETE FROM orders")
    wh.close()
