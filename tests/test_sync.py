"""data.sync from a real PostgreSQL (the tests' own server): the test demo is written into it with
data.demo --to-postgres, synced into an EMPTY warehouse, changed at the source the way an order system
changes it, and synced again. Revenue, ar_balance and the revenue reconciliation gap are checked
through the semantic layer against hand SQL run on PostgreSQL itself, each time."""

from __future__ import annotations

import psycopg
import pytest

from bench.sync.changes import change
from data import sync
from data.sync import engine, runs
from tests import syncsetup as s

METASTORE_BACKENDS = ("sqlite", "postgres")  # the runs and cursors on both stores (the heavy tests on SQLite only)


@pytest.fixture
def erp(pg_server, warehouse_path):
    return s.fresh_erp(pg_server, s.template(pg_server, warehouse_path))


def counts_at(url: str, tables) -> dict[str, int]:
    with psycopg.connect(url) as con:
        return {
            t: con.execute(f"SELECT count(*) FROM {t} WHERE deleted_at IS NULL").fetchone()[0]
            if t in ("orders", "order_lines", "invoices", "receipts")
            else con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
            for t in tables
        }


@pytest.mark.sqlite_only
def test_full_then_incremental_sync_matches_postgres(erp, metastore_file, tmp_path, monkeypatch):
    warehouse = s.write_config(tmp_path, monkeypatch, erp)
    assert not warehouse.exists()
    [first] = sync.sync()
    assert first.ok, first.error
    assert first.full is False and first.status == "ok" and first.as_of
    at_source = counts_at(erp, first.tables)
    assert {t: c["inserted"] for t, c in first.tables.items()} == at_source
    assert all(r["ok"] for r in first.reconciliation.values())
    assert first.reconciliation["order_lines"]["source"]["count"] == at_source["order_lines"]
    before = s.assert_same_numbers(warehouse, erp)

    marks = runs.cursors("erp")
    with psycopg.connect(erp) as con:
        touched = change(con, 50)
        at_mark = {
            t: con.execute(f"SELECT count(*) FROM {t} WHERE updated_at = %s::timestamptz", (marks[t],)).fetchone()[0]
            for t in touched
        }
    [second] = sync.sync()
    assert second.ok, second.error
    for table, rows in touched.items():  # only the changed rows (and the rows at the last mark) were read
        assert second.tables[table]["read"] == rows + at_mark[table], table
    assert second.tables["customers"]["inserted"] == second.tables["customers"]["updated"] == 0
    assert second.tables["orders"]["inserted"] == 10 and second.tables["orders"]["deleted"] == 10
    assert second.tables["invoices"]["updated"] > 0 and second.tables["receipts"]["inserted"] > 0
    assert second.tables["journal_entries"]["read"] < 10  # the ledger did not move: not read again
    assert all(r["ok"] for r in second.reconciliation.values())
    after = s.assert_same_numbers(warehouse, erp)
    assert after["revenue"] != pytest.approx(before["revenue"], abs=1)  # the change is visible
    assert counts_at(erp, ["orders", "receipts"]) == {
        "orders": second.reconciliation["orders"]["warehouse"]["count"],
        "receipts": second.reconciliation["receipts"]["warehouse"]["count"],
    }
    assert runs.cursors("erp")["orders"] > marks["orders"]  # advanced after the swap

    latest = runs.latest()["erp"]
    assert latest.id == second.id and latest.rows_read == second.rows_read and latest.tables == second.tables
    assert [r.id for r in runs.history("erp", 5)] == [second.id, first.id]


@pytest.mark.sqlite_only
def test_a_sync_with_nothing_new_leaves_the_file_alone(erp, metastore_file, tmp_path, monkeypatch):
    warehouse = s.write_config(tmp_path, monkeypatch, erp)
    assert sync.sync()[0].ok
    before = s.digest(warehouse)
    [again] = sync.sync()
    assert again.ok and again.inserted == again.updated == again.deleted == 0 and again.as_of
    assert s.digest(warehouse) == before


@pytest.mark.sqlite_only
def test_full_rereads_everything_and_repairs_a_row_the_cursor_missed(erp, metastore_file, tmp_path, monkeypatch):
    warehouse = s.write_config(tmp_path, monkeypatch, erp)
    assert sync.sync()[0].ok
    before, marks = s.digest(warehouse), runs.cursors("erp")
    # a receipt corrected at the source without its updated_at moving: the incremental read misses it
    s.pg(erp, "UPDATE receipts SET amount = amount + 7 WHERE receipt_id = (SELECT min(receipt_id) FROM receipts)")
    [failed] = sync.sync()
    assert failed.status == "failed"
    assert "receipts does not reconcile" in failed.error and "--full" in failed.error
    assert failed.reconciliation["receipts"]["ok"] is False
    assert s.digest(warehouse) == before  # byte-identical
    assert runs.cursors("erp") == marks  # nothing advanced
    assert runs.latest()["erp"].status == "failed" and runs.latest(ok_only=True)["erp"].status == "ok"
    [repaired] = sync.sync(full=True)
    assert repaired.ok, repaired.error
    assert repaired.tables["receipts"]["updated"] == 1
    s.assert_same_numbers(warehouse, erp)


@pytest.mark.sqlite_only
def test_a_row_deleted_outright_fails_the_incremental_sync(erp, metastore_file, tmp_path, monkeypatch):
    warehouse = s.write_config(tmp_path, monkeypatch, erp)
    assert sync.sync()[0].ok
    before = s.digest(warehouse)
    s.pg(erp, "DELETE FROM receipts WHERE receipt_id = (SELECT max(receipt_id) FROM receipts)")
    [failed] = sync.sync()
    assert not failed.ok and "receipts does not reconcile" in failed.error
    assert s.digest(warehouse) == before
    [repaired] = sync.sync(full=True)
    assert repaired.ok and repaired.tables["receipts"]["deleted"] == 1


def test_running_is_visible_while_a_sync_runs(erp, metastore_file, tmp_path, monkeypatch):
    s.write_config(tmp_path, monkeypatch, erp)
    seen = []
    real = engine.open_reader

    def watching(name, source):
        seen.append(runs.latest()[name].status)
        return real(name, source)

    monkeypatch.setattr(engine, "open_reader", watching)
    [done] = sync.sync(who="alice")
    assert seen == ["running"] and done.ok
    assert runs.latest()["erp"].who == "alice" and runs.latest()["erp"].status == "ok"


@pytest.mark.sqlite_only
def test_the_demo_writer_and_its_printed_config(pg_server, capsys, tmp_path, monkeypatch, metastore_file):
    from data import config
    from data.demo.__main__ import main as demo

    url = s.create_database(pg_server, f"erp_cli_{tmp_path.name[-20:]}")
    assert demo(["--to-postgres", url, "--scale", "0.002", "--seed", "3", "--print-config"]) == 0
    printed = capsys.readouterr().out
    path = tmp_path / "concord.toml"
    path.write_text(printed, encoding="utf-8")
    declared = config.load(path).sources["demo_erp"]
    assert declared.url == url and declared.password_env == "DEMO_ERP_PASSWORD"
    assert declared.tables["order_lines"].primary_key == ("order_id", "line_no")
    assert declared.tables["invoices"].cursor == "updated_at" and declared.tables["customers"].cursor is None
    with psycopg.connect(url) as con:
        keys = con.execute(
            "SELECT count(*) FROM information_schema.table_constraints WHERE constraint_type = 'PRIMARY KEY' "
            "AND table_schema = 'public'"
        ).fetchone()[0]
        stamped = con.execute("SELECT count(*), count(DISTINCT updated_at) FROM orders").fetchone()
    assert keys == len(declared.tables) == 13
    assert stamped[0] > 0 and stamped[1] > stamped[0] * 0.9  # the cursor is spread, not one timestamp


def test_a_run_left_running_by_a_dead_process_is_closed(metastore_file, monkeypatch):
    old = runs.start(runs.SyncRun("erp"))
    monkeypatch.setattr(runs, "STALE_SECONDS", -5)
    runs.start(runs.SyncRun("erp"))
    assert [r.status for r in runs.history("erp")] == ["running", "failed"]
    assert "stopped before it finished" in runs.history("erp")[1].error and runs.history("erp")[1].id == old.id
