"""Data-quality checks: all pass on the clean warehouse; each fails on a copy
where the test breaks exactly its rule, with the count hand SQL gives."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from semantic import ModelError, Principal, QueryError, Warehouse
from semantic.quality import load_checks, run_checks

ROOT = Path(__file__).resolve().parent.parent

# check -> (statement that breaks the rule, hand SQL counting the failing rows)
BREAKS = {
    "customers_key": (
        "INSERT INTO customers SELECT * FROM customers WHERE customer_id <= 3",
        "SELECT count(*) FROM (SELECT customer_id FROM customers GROUP BY 1 HAVING count(*) > 1)",
    ),
    "order_lines_key": (
        "INSERT INTO order_lines SELECT * FROM order_lines WHERE order_id = 1",
        "SELECT count(*) FROM (SELECT order_id, line_no FROM order_lines GROUP BY 1, 2 HAVING count(*) > 1)",
    ),
    "orders_not_null": (
        "UPDATE orders SET order_date = NULL WHERE order_id IN (5, 6)",
        "SELECT count(*) FROM orders WHERE order_date IS NULL OR customer_id IS NULL OR status IS NULL",
    ),
    "order_customer_exists": (
        "UPDATE orders SET customer_id = 999999 WHERE order_id = 7",
        "SELECT count(*) FROM orders WHERE customer_id NOT IN (SELECT customer_id FROM customers)",
    ),
    "order_rep_exists": (
        "UPDATE orders SET rep_id = 999999 WHERE order_id IN (8, 9)",
        "SELECT count(*) FROM orders WHERE rep_id NOT IN (SELECT rep_id FROM sales_reps)",
    ),
    "line_order_exists": (
        "UPDATE order_lines SET order_id = 99999999 WHERE order_id = 10",
        "SELECT count(*) FROM order_lines WHERE order_id NOT IN (SELECT order_id FROM orders)",
    ),
    "invoice_order_exists": (
        "UPDATE invoices SET order_id = 99999999 WHERE invoice_id = (SELECT min(invoice_id) FROM invoices)",
        "SELECT count(*) FROM invoices WHERE order_id NOT IN (SELECT order_id FROM orders)",
    ),
    "receipt_invoice_exists": (
        "UPDATE receipts SET invoice_id = 1 WHERE receipt_id = (SELECT min(receipt_id) FROM receipts)",
        "SELECT count(*) FROM receipts WHERE invoice_id NOT IN (SELECT invoice_id FROM invoices)",
    ),
    "region_values": (
        "UPDATE customers SET region = 'Atlantis' WHERE customer_id = 2",
        "SELECT count(*) FROM customers WHERE region NOT IN ('East', 'South', 'North', 'Central', 'Southwest')",
    ),
    "status_values": (
        "UPDATE orders SET status = 'lost' WHERE order_id = 11",
        "SELECT count(*) FROM orders WHERE status NOT IN ('completed', 'cancelled')",
    ),
    "invoice_matches_order": (
        "UPDATE invoices SET amount = amount + 1 WHERE invoice_id = (SELECT min(invoice_id) FROM invoices)",
        """SELECT count(*) FROM (SELECT order_id, sum(amount) a FROM invoices GROUP BY 1) i
                                 LEFT JOIN (SELECT order_id, sum(net_amount) t FROM order_lines GROUP BY 1) l USING (order_id)
                                 WHERE i.a <> coalesce(l.t, 0)""",
    ),
    "receipts_within_invoice": (
        "UPDATE receipts SET amount = amount + 1000000 WHERE receipt_id = (SELECT min(receipt_id) FROM receipts)",
        """SELECT count(*) FROM invoices i LEFT JOIN (SELECT invoice_id, sum(amount) p FROM receipts GROUP BY 1) r
                                   USING (invoice_id) WHERE i.amount < coalesce(r.p, 0)""",
    ),
    "ledger_balanced": (
        "UPDATE journal_entries SET debit = debit + 0.01 WHERE entry_id IN (1, 2) AND debit > 0",
        "SELECT count(*) FROM (SELECT entry_id FROM journal_entries GROUP BY 1 HAVING sum(debit) <> sum(credit))",
    ),
    "receipt_after_invoice": (
        """UPDATE receipts SET receipt_date = DATE '2000-01-01'
                                 WHERE receipt_id = (SELECT min(receipt_id) FROM receipts)""",
        """SELECT count(*) FROM receipts r JOIN invoices i USING (invoice_id)
                                 WHERE r.receipt_date < i.invoice_date""",
    ),
    "payment_bill_exists": (
        "UPDATE payments SET bill_id = 99999999 WHERE payment_id IN (SELECT payment_id FROM payments ORDER BY 1 LIMIT 2)",
        "SELECT count(*) FROM payments WHERE bill_id NOT IN (SELECT bill_id FROM bills)",
    ),
    "snapshot_product_exists": (
        "DELETE FROM products WHERE product_id = (SELECT min(product_id) FROM inventory_snapshots)",
        "SELECT count(*) FROM inventory_snapshots WHERE product_id NOT IN (SELECT product_id FROM products)",
    ),
    "channel_values": (
        "UPDATE customers SET channel = 'Carrier pigeon' WHERE customer_id IN (3, 4)",
        "SELECT count(*) FROM customers WHERE channel NOT IN ('Direct', 'Distributor', 'Online')",
    ),
    "segment_values": (
        "UPDATE customers SET segment = 'smb' WHERE customer_id = 5",
        "SELECT count(*) FROM customers WHERE segment NOT IN ('Enterprise', 'SMB', 'Retail')",
    ),
}


def test_every_declared_check_has_a_breaking_test():
    assert set(load_checks()) == set(BREAKS)


def test_all_checks_pass_on_the_clean_warehouse(warehouse):
    results = run_checks(warehouse)
    assert [(r.name, r.status) for r in results if r.status != "pass"] == []


@pytest.mark.parametrize("name", sorted(BREAKS))
def test_each_check_fails_when_its_rule_is_broken(name, warehouse_path, tmp_path):
    broken = tmp_path / "broken.duckdb"
    shutil.copy(warehouse_path, broken)
    statement, count_sql = BREAKS[name]
    con = duckdb.connect(str(broken))
    con.execute(statement)
    expected = con.execute(count_sql).fetchall()[0][0]
    con.close()
    assert expected > 0
    wh = Warehouse(broken)
    try:
        results = {r.name: r for r in run_checks(wh)}
    finally:
        wh.close()
    assert results[name].status == "fail" and results[name].failing_rows == expected
    assert len(results[name].sample) == min(expected, 20)


def test_cli_exit_codes(warehouse_path, tmp_path, metastore_file):
    env = {**os.environ, "CONCORD_METASTORE": str(metastore_file)}
    run = lambda *a, db=warehouse_path: subprocess.run(
        [sys.executable, "-m", "semantic", "check", "--db", str(db), *a],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
    )
    assert run().returncode == 0
    broken = tmp_path / "broken.duckdb"
    shutil.copy(warehouse_path, broken)
    con = duckdb.connect(str(broken))
    con.execute(BREAKS["ledger_balanced"][0])
    con.execute(BREAKS["order_rep_exists"][0])
    con.close()
    done = run(db=broken)
    assert done.returncode == 1 and "ledger_balanced" in done.stderr and "order_rep_exists" not in done.stderr
    assert run("--only", "order_rep_exists", db=broken).returncode == 0  # a warning, not blocking
    bad = run("--only", "ledger_balance")
    assert bad.returncode == 2 and "Did you mean 'ledger_balanced'" in bad.stderr and "Traceback" not in bad.stderr
    missing = run(db=tmp_path / "nope.duckdb")
    assert missing.returncode == 2 and "not found" in missing.stderr


@pytest.mark.parametrize(
    "text,needle",
    [
        (
            "checks:\n  x:\n    label: {en: a, zh: b}\n    kind: not_null\n    table: orders\n    columns: ['x; DROP TABLE t']\n",
            "should match pattern",
        ),
        (
            "checks:\n  x:\n    label: {en: a, zh: b}\n    kind: unique\n    table: nowhere\n    columns: [a]\n",
            "unknown table",
        ),
        (
            "checks:\n  x:\n    label: {en: a, zh: b}\n    kind: not_null\n    table: orders\n    columns: [colour]\n",
            "no column",
        ),
        ("checks:\n  x:\n    label: {en: a, zh: b}\n    kind: sql\n    table: orders\n", "kinds:"),
    ],
)
def test_a_bad_checks_file_is_refused_in_one_line(tmp_path, text, needle):
    path = tmp_path / "checks.yml"
    path.write_text(text)
    with pytest.raises(ModelError, match=needle):
        load_checks(path)


def test_the_page_shows_each_check_to_finance_and_refuses_a_rep(warehouse_path, metastore_file, monkeypatch):
    monkeypatch.setenv("CONCORD_WAREHOUSE", str(warehouse_path))
    at = AppTest.from_file(str(ROOT / "views" / "data_quality.py"), default_timeout=120)
    at.session_state["principal"] = Principal("cfo", ("finance",))
    at.run()
    assert not at.exception and not at.error
    assert set(at.dataframe[0].value["Last run"]) == {"never"}
    shell = subprocess.run(
        [sys.executable, "-m", "semantic", "check", "--db", str(warehouse_path), "--only", "ledger_balanced"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=dict(os.environ),
    )
    assert shell.returncode == 0
    at.run()  # the shell's run shows on the page
    labels = {name: check.label.en for name, check in load_checks().items()}  # the page names checks by label
    shown = at.dataframe[0].value.set_index("Check")
    assert shown.loc[labels["ledger_balanced"], "Status"] == "Pass"
    assert shown.loc[labels["ledger_balanced"], "Last run"].endswith("UTC")
    assert shown.loc[labels["customers_key"], "Last run"] == "never"
    at.button(key="q_run").click().run()
    assert not at.exception and not at.error
    table = at.dataframe[0].value
    assert len(table) == len(BREAKS) and set(table["Status"]) == {"Pass"} and "never" not in set(table["Last run"])
    admin = AppTest.from_file(str(ROOT / "views" / "data_quality.py"), default_timeout=60)
    admin.session_state["principal"] = Principal("admin", ("admin",))
    admin.run()
    assert not admin.exception and not admin.error and len(admin.dataframe[0].value) == len(BREAKS)
    rep = AppTest.from_file(str(ROOT / "views" / "data_quality.py"), default_timeout=60)
    rep.session_state["principal"] = Principal("sales_east", ("sales_rep",), {"region": "East"})
    rep.run()
    assert "your roles do not grant" in rep.error[0].value
    with pytest.raises(QueryError):
        run_checks(Warehouse(warehouse_path), ["nope"])
