"""Bad input to `python -m data.sync`: each is one line on stderr (which source, why), exit 1 for a failed
sync and 2 for bad config, no password printed, and the warehouse byte-identical afterwards."""

from __future__ import annotations

import shutil

import pytest

from bench.screens.server import free_port
from data.sync.__main__ import main
from tests import syncsetup as s

SECRET = "s3cret-Pa55"


@pytest.fixture
def erp(pg_server, warehouse_path):
    return s.fresh_erp(pg_server, s.template(pg_server, warehouse_path))


@pytest.fixture
def warehouse(tmp_path, warehouse_path):
    """The test warehouse, copied where the config points."""
    path = tmp_path / "warehouse.duckdb"
    shutil.copyfile(warehouse_path, path)
    return path


def fragment(url: str, tables: str, extra_source: str = "") -> str:
    return f'[sources.erp]\nkind = "postgres"\nurl = "{url}"\n{extra_source}\n{tables}'


CUSTOMERS = '[sources.erp.tables.customers]\ntable = "public.customers"\nprimary_key = ["customer_id"]\n'
ORDERS = (
    '[sources.erp.tables.orders]\ntable = "public.orders"\nprimary_key = ["order_id"]\n'
    'cursor = "updated_at"\ndeleted = "deleted_at"\n'
)


def sync_fails(capsys, warehouse, code: int, *phrases: str, argv=("--source", "erp")) -> str:
    before = s.digest(warehouse)
    assert main(list(argv)) == code
    out = capsys.readouterr()
    lines = out.err.strip().splitlines()
    assert len(lines) == 1, out.err  # one line, no traceback
    for phrase in phrases:
        assert phrase in lines[0], lines[0]
    assert SECRET not in out.err + out.out
    assert s.digest(warehouse) == before
    return lines[0]


def test_an_unreachable_source(capsys, metastore_file, tmp_path, monkeypatch, warehouse, pg_server):
    url = f"postgresql://postgres@127.0.0.1:{free_port()}/erp"
    s.write_config(tmp_path, monkeypatch, url, fragment=fragment(url, CUSTOMERS))
    sync_fails(capsys, warehouse, 1, "source erp: cannot reach", url, "The warehouse is unchanged.")
    from data.sync import runs

    assert runs.latest()["erp"].status == "failed"


def test_a_wrong_password_and_then_the_right_one(
    capsys, metastore_file, tmp_path, monkeypatch, warehouse, pg_server, erp
):
    hba = f"{pg_server.folder}/data/pg_hba.conf"
    text = open(hba, encoding="utf-8").read()
    if "sync_guard" not in text:  # this user (only) must give a password
        with open(hba, "w", encoding="utf-8") as handle:
            handle.write("host all sync_guard 127.0.0.1/32 scram-sha-256\n" + text)
        s.pg(
            pg_server.url,
            f"CREATE ROLE sync_guard LOGIN PASSWORD '{SECRET}'",
            "SELECT pg_reload_conf()",
        )
    s.pg(erp, "GRANT SELECT ON ALL TABLES IN SCHEMA public TO sync_guard")
    url = erp.replace("postgresql://postgres@", "postgresql://sync_guard@")
    s.write_config(tmp_path, monkeypatch, url, fragment=fragment(url, CUSTOMERS, 'password_env = "ERP_TEST_PW"'))
    monkeypatch.setenv("ERP_TEST_PW", "not-" + SECRET)
    sync_fails(capsys, warehouse, 1, "source erp:", "refused the login", "ERP_TEST_PW")
    monkeypatch.setenv("ERP_TEST_PW", SECRET)
    assert main(["--source", "erp"]) == 0
    out = capsys.readouterr()
    assert "erp.customers: read" in out.out and SECRET not in out.out + out.err


def test_a_password_variable_that_is_not_set(capsys, metastore_file, tmp_path, monkeypatch, warehouse, erp):
    s.write_config(tmp_path, monkeypatch, erp, fragment=fragment(erp, CUSTOMERS, 'password_env = "ERP_UNSET_PW"'))
    monkeypatch.delenv("ERP_UNSET_PW", raising=False)
    sync_fails(capsys, warehouse, 2, "ERP_UNSET_PW is not set")


def test_a_password_in_the_url_is_refused(capsys, metastore_file, tmp_path, monkeypatch, warehouse, erp):
    url = erp.replace("postgres@", f"postgres:{SECRET}@")
    s.write_config(tmp_path, monkeypatch, url, fragment=fragment(url, CUSTOMERS))
    sync_fails(capsys, warehouse, 2, "holds a password")


def test_a_table_missing_at_the_source(capsys, metastore_file, tmp_path, monkeypatch, warehouse, erp):
    tables = CUSTOMERS.replace("public.customers", "public.clients")
    s.write_config(tmp_path, monkeypatch, erp, fragment=fragment(erp, tables))
    sync_fails(capsys, warehouse, 1, "table public.clients does not exist", "The warehouse is unchanged.")


def test_a_column_renamed_at_the_source(capsys, metastore_file, tmp_path, monkeypatch, warehouse, erp):
    s.pg(erp, "ALTER TABLE orders RENAME COLUMN status TO order_status")
    s.write_config(tmp_path, monkeypatch, erp, fragment=fragment(erp, ORDERS))
    sync_fails(capsys, warehouse, 1, "public.orders has no column 'status'", "warehouse table orders")


def test_a_key_that_is_not_unique(capsys, metastore_file, tmp_path, monkeypatch, warehouse, erp):
    s.pg(
        erp,
        "ALTER TABLE customers DROP CONSTRAINT customers_pkey",
        "INSERT INTO customers SELECT * FROM customers WHERE customer_id = (SELECT min(customer_id) FROM customers)",
    )
    s.write_config(tmp_path, monkeypatch, erp, fragment=fragment(erp, CUSTOMERS))
    sync_fails(capsys, warehouse, 1, "the key (customer_id) = (", "appears 2 times in public.customers")


def test_a_value_that_does_not_fit_the_warehouse_column(capsys, metastore_file, tmp_path, monkeypatch, warehouse, erp):
    s.pg(
        erp,
        "ALTER TABLE customers ALTER COLUMN customer_id TYPE text",
        "UPDATE customers SET customer_id = 'C-' || customer_id WHERE customer_id = '1'",
    )
    s.write_config(tmp_path, monkeypatch, erp, fragment=fragment(erp, CUSTOMERS))
    sync_fails(capsys, warehouse, 1, "a value in public.customers does not fit customers")


def test_a_row_that_fails_a_blocking_check(capsys, metastore_file, tmp_path, monkeypatch, warehouse, erp):
    s.pg(
        erp, "UPDATE orders SET status = 'lost', updated_at = now() WHERE order_id = (SELECT min(order_id) FROM orders)"
    )
    s.write_config(tmp_path, monkeypatch, erp, fragment=fragment(erp, ORDERS))
    sync_fails(capsys, warehouse, 1, "data-quality check 'status_values' failed")


def test_an_unknown_source_and_the_list(capsys, metastore_file, tmp_path, monkeypatch, warehouse, erp):
    s.write_config(tmp_path, monkeypatch, erp, fragment=fragment(erp, CUSTOMERS))
    sync_fails(capsys, warehouse, 2, "there is no source 'crm'", "(sources: erp)", argv=("--source", "crm"))
    assert main(["--list"]) == 0
    assert capsys.readouterr().out.startswith(f"erp: postgres {erp}, tables customers; never synced")


def test_a_planning_table_is_never_synced(capsys, metastore_file, tmp_path, monkeypatch, warehouse, erp):
    """budget_lines is built from the budget versions in the metadata store: a source naming it is refused
    in one line pointing at the warehouse's own budget table, and the warehouse is unchanged."""
    planning = '[sources.erp.tables.budget_lines]\ntable = "public.budgets"\nprimary_key = ["month"]\n'
    s.write_config(tmp_path, monkeypatch, erp, fragment=fragment(erp, planning))
    sync_fails(capsys, warehouse, 1, "budget_lines is a planning table", "sync the warehouse's budget table")


def test_no_sources_declared(capsys, metastore_file, tmp_path, monkeypatch, warehouse):
    s.write_config(tmp_path, monkeypatch, "", fragment="")
    sync_fails(capsys, warehouse, 2, "declares no sources", argv=())


def test_the_demo_writer_says_what_is_wrong_in_one_line(capsys, pg_server):
    from data.demo.__main__ import main as demo

    url = f"postgresql://postgres:{SECRET}@127.0.0.1:{free_port()}/nowhere"
    assert demo(["--to-postgres", url, "--scale", "0.001"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: could not write the demo into postgresql://postgres@127.0.0.1")
    assert SECRET not in err[0]


def test_a_query_selecting_the_renamed_column_under_its_old_name_is_the_fix(
    capsys, metastore_file, tmp_path, monkeypatch, warehouse, erp
):
    s.pg(erp, "ALTER TABLE orders RENAME COLUMN status TO order_status")
    query = (
        '[sources.erp.tables.orders]\nquery = "SELECT order_id, order_date, customer_id, rep_id, '
        'order_status AS status, updated_at, deleted_at FROM orders"\nprimary_key = ["order_id"]\n'
        'cursor = "updated_at"\ndeleted = "deleted_at"\n'
    )
    s.write_config(tmp_path, monkeypatch, erp, fragment=fragment(erp, query))
    assert main(["--source", "erp"]) == 0
    assert "erp.orders: read 6,660, inserted 0, updated 0, deleted 0" in capsys.readouterr().out
    s.pg(erp, "UPDATE orders SET order_status = 'cancelled', updated_at = now() WHERE order_id = 1")
    assert main(["--source", "erp"]) == 0
    assert "erp.orders: read 2, inserted 0, updated 1, deleted 0" in capsys.readouterr().out  # + the row at the mark


def test_a_key_with_no_value(capsys, metastore_file, tmp_path, monkeypatch, warehouse, erp):
    s.pg(
        erp,
        "ALTER TABLE customers DROP CONSTRAINT customers_pkey",
        "ALTER TABLE customers ALTER COLUMN customer_id DROP NOT NULL",
        "UPDATE customers SET customer_id = NULL WHERE customer_id = (SELECT min(customer_id) FROM customers)",
    )
    s.write_config(tmp_path, monkeypatch, erp, fragment=fragment(erp, CUSTOMERS))
    sync_fails(capsys, warehouse, 1, "1 rows of public.customers have no value in the key (customer_id)")
