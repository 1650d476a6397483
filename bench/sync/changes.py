"""What a business system does between two syncs, on the demo's PostgreSQL tables (data.demo --to-postgres).

`change(con, n)` touches n orders the way an order system does, in one transaction, bumping
`updated_at` to now() on every row it writes: 60% are amended (every line +10%, the invoice follows
its lines, a new receipt of 1.00), 20% are cancelled outright (the order, its lines, invoices and
their receipts get `deleted_at`), 20% are new (two lines, an invoice equal to them, a receipt of
half). The invoice always equals its order's lines (a blocking data-quality check). Returns what
changed per table, so a test can check that the sync read only those rows.
"""

from __future__ import annotations


def change(con, n: int, order_date: str = "2025-12-15") -> dict[str, int]:
    amend, drop = int(n * 0.6), int(n * 0.2)
    add = n - amend - drop
    live = con.execute("SELECT order_id FROM orders WHERE deleted_at IS NULL ORDER BY order_id").fetchall()
    step = max(1, len(live) // (amend + drop + 1))
    picked = [r[0] for r in live[::step]][: amend + drop]
    amended, dropped = picked[:amend], picked[amend:]
    touched = {"orders": 0, "order_lines": 0, "invoices": 0, "receipts": 0}

    def run(sql: str, params=()) -> int:
        return con.execute(sql, params).rowcount

    touched["order_lines"] += run(
        "UPDATE order_lines SET net_amount = round(net_amount * 1.1, 2), updated_at = now() WHERE order_id = ANY(%s)",
        (amended,),
    )
    touched["invoices"] += run(
        "UPDATE invoices i SET amount = (SELECT sum(net_amount) FROM order_lines l WHERE l.order_id = i.order_id "
        "AND l.deleted_at IS NULL), updated_at = now() WHERE order_id = ANY(%s)",
        (amended,),
    )
    touched["orders"] += run("UPDATE orders SET updated_at = now() WHERE order_id = ANY(%s)", (amended,))
    touched["receipts"] += run(
        "INSERT INTO receipts (receipt_id, invoice_id, receipt_date, amount, updated_at) "
        "SELECT (SELECT max(receipt_id) FROM receipts) + row_number() OVER (ORDER BY invoice_id), invoice_id, "
        "invoice_date + 20, 1.00, now() FROM invoices WHERE order_id = ANY(%s)",
        (amended,),
    )
    touched["receipts"] += run(
        "UPDATE receipts SET deleted_at = now(), updated_at = now() WHERE invoice_id IN "
        "(SELECT invoice_id FROM invoices WHERE order_id = ANY(%s))",
        (dropped,),
    )
    for table in ("invoices", "order_lines", "orders"):
        touched[table] += run(
            f"UPDATE {table} SET deleted_at = now(), updated_at = now() WHERE order_id = ANY(%s)", (dropped,)
        )
    first = con.execute("SELECT max(order_id) FROM orders").fetchone()[0] + 1
    customer, rep = con.execute("SELECT customer_id, rep_id FROM orders ORDER BY order_id LIMIT 1").fetchone()
    product, price = con.execute("SELECT product_id, list_price FROM products ORDER BY product_id LIMIT 1").fetchone()
    new = list(range(first, first + add))
    touched["orders"] += run(
        "INSERT INTO orders (order_id, order_date, customer_id, rep_id, status, updated_at) "
        "SELECT id, %s::date, %s, %s, 'completed', now() FROM unnest(%s::bigint[]) id",
        (order_date, customer, rep, new),
    )
    touched["order_lines"] += run(
        "INSERT INTO order_lines (order_id, line_no, product_id, quantity, unit_price, discount, net_amount, "
        "cost_amount, updated_at) SELECT id, n, %s, n, %s, 0, %s * n, %s * n / 2, now() "
        "FROM unnest(%s::bigint[]) id, generate_series(1, 2) n",
        (product, price, price, price, new),
    )
    invoice = con.execute("SELECT coalesce(max(invoice_id), 0) FROM invoices").fetchone()[0]
    touched["invoices"] += run(
        "INSERT INTO invoices (invoice_id, order_id, invoice_date, due_date, amount, updated_at) "
        "SELECT %s + id - %s + 1, id, %s::date, %s::date + 30, %s * 3, now() FROM unnest(%s::bigint[]) id",
        (invoice, first, order_date, order_date, price, new),
    )
    touched["receipts"] += run(
        "INSERT INTO receipts (receipt_id, invoice_id, receipt_date, amount, updated_at) "
        "SELECT (SELECT max(receipt_id) FROM receipts) + row_number() OVER (ORDER BY invoice_id), invoice_id, "
        "invoice_date + 10, round(amount / 2, 2), now() FROM invoices WHERE order_id = ANY(%s)",
        (new,),
    )
    con.commit()
    return touched
