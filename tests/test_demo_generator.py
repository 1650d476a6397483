"""The demo company: deterministic, atomic, and true to the contract in issue 2."""

from __future__ import annotations

import os
import subprocess
import sys

import duckdb
import pytest

from data.demo import build_warehouse, table_checksums
from data.demo.params import Params

CONTRACT_COLUMNS = {
    "customers": ["customer_id", "customer_name", "region", "city", "channel", "segment"],
    "products": ["product_id", "product_name", "category", "unit_cost", "list_price"],
    "sales_reps": ["rep_id", "rep_name", "region"],
    "orders": ["order_id", "order_date", "customer_id", "rep_id", "status"],
    "order_lines": [
        "order_id",
        "line_no",
        "product_id",
        "quantity",
        "unit_price",
        "discount",
        "net_amount",
        "cost_amount",
    ],
    "invoices": ["invoice_id", "order_id", "invoice_date", "due_date", "amount"],
    "receipts": ["receipt_id", "invoice_id", "receipt_date", "amount"],
    "bills": ["bill_id", "supplier_name", "category", "region", "bill_date", "due_date", "amount"],
    "payments": ["payment_id", "bill_id", "payment_date", "amount"],
    "expenses": ["expense_id", "expense_date", "department", "account", "region", "amount"],
    "budgets": ["month", "department", "account", "region", "amount"],
    "journal_entries": [
        "entry_id",
        "entry_date",
        "account_code",
        "account_name",
        "debit",
        "credit",
        "source_type",
        "source_id",
        "region",
    ],
    "inventory_snapshots": ["snapshot_date", "product_id", "quantity", "value"],
}


def one(raw, sql):
    return raw.execute(sql).fetchall()[0][0]


def test_same_seed_same_tables_whatever_the_thread_count(tmp_path):
    a = build_warehouse(tmp_path / "a.duckdb", scale=0.01, seed=3, threads=1)
    b = build_warehouse(tmp_path / "b.duckdb", scale=0.01, seed=3, threads=2)
    c = build_warehouse(tmp_path / "c.duckdb", scale=0.01, seed=4, threads=2)
    assert table_checksums(a) == table_checksums(b)
    assert table_checksums(a)["order_lines"] != table_checksums(c)["order_lines"]


def test_contract_columns_exist(raw):
    for table, columns in CONTRACT_COLUMNS.items():
        have = [r[0] for r in raw.execute(f"DESCRIBE {table}").fetchall()]
        assert set(columns) <= set(have), (table, set(columns) - set(have))


def test_members_and_date_range(raw):
    assert {r[0] for r in raw.execute("SELECT DISTINCT region FROM customers").fetchall()} == {
        "East",
        "South",
        "North",
        "Central",
        "Southwest",
    }
    assert {r[0] for r in raw.execute("SELECT DISTINCT channel FROM customers").fetchall()} == {
        "Direct",
        "Distributor",
        "Online",
    }
    assert {r[0] for r in raw.execute("SELECT DISTINCT segment FROM customers").fetchall()} == {
        "Enterprise",
        "SMB",
        "Retail",
    }
    assert {r[0] for r in raw.execute("SELECT DISTINCT status FROM orders").fetchall()} == {"completed", "cancelled"}
    lo, hi = raw.execute("SELECT min(order_date), max(order_date) FROM orders").fetchall()[0]
    assert str(lo) >= "2023-01-01" and str(hi) <= "2025-12-31"
    share = one(raw, "SELECT avg((status = 'cancelled')::INT) FROM orders")
    assert 0.01 < share < 0.06
    assert one(raw, "SELECT count(*) FROM budgets WHERE day(month) <> 1") == 0


def test_line_amounts_follow_the_rules(raw):
    assert (
        one(
            raw,
            """SELECT count(*) FROM order_lines
                       WHERE net_amount <> round(quantity * unit_price * (1 - discount), 2)""",
        )
        == 0
    )
    # cost at the time: 2025's unit cost with 3% a year less before
    assert (
        one(
            raw,
            """SELECT count(*) FROM order_lines l JOIN orders o USING (order_id) JOIN products p USING (product_id)
                       WHERE l.cost_amount <> l.quantity * round(p.unit_cost * (0.94 + 0.03 * (year(o.order_date) - 2023)), 2)""",
        )
        == 0
    )


def test_one_invoice_per_completed_order_for_its_total(raw):
    assert one(raw, "SELECT count(*) FROM invoices i JOIN orders o USING (order_id) WHERE o.status <> 'completed'") == 0
    assert one(raw, "SELECT count(*) - count(DISTINCT order_id) FROM invoices") == 0
    assert (
        one(
            raw,
            """SELECT count(*) FROM invoices i
                       JOIN (SELECT order_id, sum(net_amount) t FROM order_lines GROUP BY 1) s USING (order_id)
                       WHERE i.amount <> s.t""",
        )
        == 0
    )
    # the last days' orders are not all invoiced yet, earlier ones are
    assert (
        one(
            raw,
            """SELECT count(*) FROM orders o LEFT JOIN invoices i USING (order_id)
                       WHERE o.status = 'completed' AND i.invoice_id IS NULL AND o.order_date < DATE '2025-12-28'""",
        )
        == 0
    )


def test_receipts_never_exceed_invoices_and_some_stay_open(raw):
    assert (
        one(
            raw,
            """SELECT count(*) FROM (SELECT invoice_id, sum(amount) paid FROM receipts GROUP BY 1) r
                       JOIN invoices i USING (invoice_id) WHERE r.paid > i.amount""",
        )
        == 0
    )
    open_ = one(raw, "SELECT count(*) FROM invoices WHERE invoice_id NOT IN (SELECT invoice_id FROM receipts)")
    partial = one(raw, "SELECT count(*) FROM (SELECT invoice_id FROM receipts GROUP BY 1 HAVING count(*) > 1)")
    assert open_ > 0 and partial > 0
    assert (
        one(
            raw,
            "SELECT count(*) FROM receipts r JOIN invoices i USING (invoice_id) WHERE r.receipt_date < i.invoice_date",
        )
        == 0
    )


def test_ledger_is_balanced_and_follows_the_posting_rules(raw):
    assert (
        one(
            raw,
            "SELECT count(*) FROM (SELECT entry_id FROM journal_entries GROUP BY 1 HAVING sum(debit) <> sum(credit))",
        )
        == 0
    )
    # revenue in the ledger differs from the orders exactly by the listed exceptions
    gap = one(
        raw,
        """SELECT (SELECT sum(l.net_amount) FROM order_lines l JOIN orders o USING (order_id) WHERE o.status <> 'cancelled')
                           - (SELECT sum(credit - debit) FROM journal_entries WHERE account_code = '6001')""",
    )
    explained = one(
        raw,
        "SELECT sum(expected_amount - coalesce(posted_amount, 0)) FROM gl_posting_exceptions WHERE kind <> 'timing'",
    )
    assert gap == explained
    kinds = dict(raw.execute("SELECT kind, count(*) FROM gl_posting_exceptions GROUP BY 1").fetchall())
    assert set(kinds) <= {"timing", "not_posted", "amount"} and kinds.get("timing", 0) > 0
    assert (
        one(
            raw,
            """SELECT count(*) FROM gl_posting_exceptions x JOIN journal_entries j
                       ON j.source_type = 'order' AND j.source_id = x.order_id
                       WHERE x.kind = 'timing' AND date_trunc('month', j.entry_date) <= (SELECT date_trunc('month', order_date) FROM orders o WHERE o.order_id = x.order_id)""",
        )
        == 0
    )


def test_inventory_one_row_per_product_per_month_end(raw):
    products = one(raw, "SELECT count(*) FROM products")
    assert one(raw, "SELECT count(*) FROM inventory_snapshots") == products * 36
    assert one(raw, "SELECT count(*) FROM inventory_snapshots WHERE snapshot_date <> last_day(snapshot_date)") == 0


def test_the_file_appears_atomically_and_a_failed_build_leaves_the_old_one(tmp_path, monkeypatch):
    out = build_warehouse(tmp_path / "w.duckdb", scale=0.005, seed=1)
    before = table_checksums(out)
    import data.demo as demo

    def broken(params):
        return ["SELECT * FROM no_such_table"]

    monkeypatch.setattr(demo.ledger, "statements", broken)
    with pytest.raises(duckdb.Error):
        build_warehouse(out, scale=0.005, seed=2)
    assert table_checksums(out) == before
    assert sorted(os.listdir(tmp_path)) == ["w.duckdb"]


@pytest.mark.parametrize(
    "args, needle",
    [
        (["--scale", "0"], "scale must be above 0"),
        (["--scale", "abc"], "invalid float value"),
        (["--seed", "-1"], "seed must be"),
    ],
)
def test_cli_rejects_bad_arguments_in_one_line(args, needle, tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "data.demo", *args, "--out", str(tmp_path / "x.duckdb")], capture_output=True, text=True
    )
    assert done.returncode == 2
    assert needle in done.stderr and "Traceback" not in done.stderr


def test_scale_sizes():
    assert abs(Params(1, 42).orders * 3 - 1_000_000) < 10_000
