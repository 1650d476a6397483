"""The fixed suite: (name, group, Query, hand-written SQL giving the same rows)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from bench import custom
from semantic import Query

D = dt.date
LINES = "order_lines l JOIN orders o USING (order_id)"
LINES_C = LINES + " JOIN customers c USING (customer_id)"
OK = "o.status <> 'cancelled'"
REC_REGION = (
    "receipts r JOIN invoices i USING (invoice_id) JOIN orders o USING (order_id) JOIN customers c USING (customer_id)"
)


@dataclass(frozen=True)
class Case:
    name: str
    group: str
    query: Query | None
    sql: str
    detail: bool = False  # a drill-through page, not an aggregate


CASES = (
    Case(
        "home_sales",
        "home KPI",
        Query(
            metrics=("revenue", "gross_profit", "gross_margin_pct", "orders", "avg_order_value"),
            time_from=D(2025, 12, 1),
            time_to=D(2025, 12, 31),
        ),
        f"""SELECT sum(l.net_amount) AS revenue, sum(l.net_amount) - sum(l.cost_amount) AS gross_profit,
                    (sum(l.net_amount) - sum(l.cost_amount)) / nullif(sum(l.net_amount), 0) AS gross_margin_pct,
                    count(DISTINCT l.order_id) AS orders, sum(l.net_amount) / nullif(count(DISTINCT l.order_id), 0)
             FROM {LINES} WHERE {OK} AND o.order_date BETWEEN DATE '2025-12-01' AND DATE '2025-12-31'""",
    ),
    Case(
        "home_finance",
        "home KPI",
        Query(
            metrics=("cash_in", "cash_out", "net_cash_flow", "ar_balance", "dso", "budget_variance"),
            time_from=D(2025, 12, 1),
            time_to=D(2025, 12, 31),
        ),
        """WITH cin AS (SELECT sum(amount) v FROM receipts WHERE receipt_date BETWEEN DATE '2025-12-01' AND DATE '2025-12-31'),
                 cout AS (SELECT sum(amount) v FROM payments WHERE payment_date BETWEEN DATE '2025-12-01' AND DATE '2025-12-31'),
                 inv AS (SELECT sum(amount) v FROM invoices WHERE invoice_date BETWEEN DATE '2025-12-01' AND DATE '2025-12-31'),
                 ar AS (SELECT (SELECT sum(amount) FROM invoices WHERE invoice_date <= DATE '2025-12-31')
                             - (SELECT sum(amount) FROM receipts WHERE receipt_date <= DATE '2025-12-31') v),
                 ex AS (SELECT sum(amount) v FROM expenses WHERE expense_date BETWEEN DATE '2025-12-01' AND DATE '2025-12-31'),
                 bu AS (SELECT sum(amount) v FROM budgets WHERE month = DATE '2025-12-01')
            SELECT cin.v, cout.v, cin.v - cout.v, ar.v, ar.v / nullif(inv.v, 0) * 31, ex.v - bu.v
            FROM cin, cout, inv, ar, ex, bu""",
    ),
    Case(
        "month_x_region",
        "explore",
        Query(
            metrics=("revenue",),
            group_by=("metric_time__month", "region"),
            time_from=D(2025, 1, 1),
            time_to=D(2025, 12, 31),
        ),
        f"""SELECT date_trunc('month', o.order_date)::DATE, c.region, sum(l.net_amount) FROM {LINES_C}
             WHERE {OK} AND o.order_date BETWEEN DATE '2025-01-01' AND DATE '2025-12-31' GROUP BY ALL ORDER BY 1, 2""",
    ),
    Case(
        "category_product_top20",
        "explore",
        Query(
            metrics=("revenue",),
            group_by=("category", "product"),
            time_from=D(2025, 1, 1),
            time_to=D(2025, 12, 31),
            order_by=("-revenue",),
            limit=20,
        ),
        f"""SELECT p.category, p.product_name, sum(l.net_amount) AS revenue FROM {LINES} JOIN products p USING (product_id)
             WHERE {OK} AND o.order_date BETWEEN DATE '2025-01-01' AND DATE '2025-12-31'
             GROUP BY ALL ORDER BY revenue DESC LIMIT 20""",
    ),
    Case(
        "customer_top50",
        "explore",
        Query(metrics=("revenue", "gross_margin_pct"), group_by=("customer",), order_by=("-revenue",), limit=50),
        f"""SELECT c.customer_name, sum(l.net_amount) AS revenue,
                    (sum(l.net_amount) - sum(l.cost_amount)) / nullif(sum(l.net_amount), 0)
             FROM {LINES_C} WHERE {OK} GROUP BY ALL ORDER BY revenue DESC LIMIT 50""",
    ),
    Case(
        "multi_fact",
        "multi-fact",
        Query(
            metrics=("revenue", "cash_in", "expense"),
            group_by=("metric_time__month", "region"),
            time_from=D(2025, 1, 1),
            time_to=D(2025, 12, 31),
        ),
        f"""WITH r AS (SELECT date_trunc('month', o.order_date)::DATE m, c.region, sum(l.net_amount) v FROM {LINES_C}
                        WHERE {OK} AND o.order_date BETWEEN DATE '2025-01-01' AND DATE '2025-12-31' GROUP BY ALL),
                  k AS (SELECT date_trunc('month', r.receipt_date)::DATE m, c.region, sum(r.amount) v FROM {REC_REGION}
                        WHERE r.receipt_date BETWEEN DATE '2025-01-01' AND DATE '2025-12-31' GROUP BY ALL),
                  e AS (SELECT date_trunc('month', expense_date)::DATE m, region, sum(amount) v FROM expenses
                        WHERE expense_date BETWEEN DATE '2025-01-01' AND DATE '2025-12-31' GROUP BY ALL)
             SELECT m, region, coalesce(r.v, 0), coalesce(k.v, 0), coalesce(e.v, 0)
             FROM r FULL JOIN k USING (m, region) FULL JOIN e USING (m, region) ORDER BY 1, 2""",
    ),
    Case(
        "ar_balance_by_month",
        "balance",
        Query(
            metrics=("ar_balance",), group_by=("metric_time__month",), time_from=D(2025, 1, 1), time_to=D(2025, 12, 31)
        ),
        """WITH months AS (SELECT m::DATE m FROM range(DATE '2025-01-01', DATE '2026-01-01', INTERVAL 1 MONTH) t(m)),
                 flows AS (SELECT invoice_date d, amount v FROM invoices WHERE invoice_date <= DATE '2025-12-31'
                           UNION ALL SELECT receipt_date, -amount FROM receipts WHERE receipt_date <= DATE '2025-12-31')
            SELECT months.m, (SELECT sum(v) FROM flows WHERE d <= last_day(months.m)) FROM months ORDER BY 1""",
    ),
    Case(
        "inventory_by_quarter",
        "balance",
        Query(
            metrics=("inventory_value",),
            group_by=("metric_time__quarter",),
            time_from=D(2025, 1, 1),
            time_to=D(2025, 12, 31),
        ),
        """SELECT date_trunc('quarter', snapshot_date)::DATE q, sum(value) FROM inventory_snapshots
            WHERE snapshot_date IN (SELECT max(snapshot_date) FROM inventory_snapshots
                                    WHERE snapshot_date BETWEEN DATE '2025-01-01' AND DATE '2025-12-31'
                                    GROUP BY date_trunc('quarter', snapshot_date))
            GROUP BY 1 ORDER BY 1""",
    ),
    Case(
        "revenue_prior_year",
        "comparison",
        Query(
            metrics=("revenue",),
            group_by=("metric_time__month",),
            time_from=D(2025, 1, 1),
            time_to=D(2025, 12, 31),
            compare="prior_year",
        ),
        f"""WITH m AS (SELECT date_trunc('month', o.order_date)::DATE m, sum(l.net_amount) v FROM {LINES}
                        WHERE {OK} AND o.order_date BETWEEN DATE '2024-01-01' AND DATE '2025-12-31' GROUP BY 1)
             SELECT c.m, c.v, p.v, (c.v - p.v) / nullif(abs(p.v), 0) FROM m c LEFT JOIN m p ON p.m = c.m - INTERVAL 1 YEAR
             WHERE c.m >= DATE '2025-01-01' ORDER BY 1""",
    ),
    Case(
        "drill_through_city_month",
        "drill-through",
        Query(metrics=("revenue",), where="city = 'Hangzhou'", time_from=D(2025, 3, 1), time_to=D(2025, 3, 31)),
        f"""SELECT o.order_date, l.*, c.region, c.city, c.channel, c.segment, c.customer_name, p.product_name,
                    p.category, p.list_price, s.rep_name, count(*) OVER () AS total
             FROM {LINES_C} JOIN products p USING (product_id) JOIN sales_reps s ON s.rep_id = o.rep_id
             WHERE {OK} AND c.city = 'Hangzhou' AND o.order_date BETWEEN DATE '2025-03-01' AND DATE '2025-03-31'
             ORDER BY o.order_date DESC, l.order_id, l.line_no LIMIT 1000""",
        detail=True,
    ),
)
CASES += custom.cases(Case)  # users' custom metrics and groupings (bench/custom.py)

# A cold board: eight different tiles, run back to back with an empty cache.
BOARD = (
    Query(
        metrics=("revenue", "gross_margin_pct"), time_from=D(2025, 10, 1), time_to=D(2025, 12, 31), compare="prior_year"
    ),
    Query(metrics=("revenue",), group_by=("metric_time__month",), time_from=D(2025, 1, 1), time_to=D(2025, 12, 31)),
    Query(metrics=("revenue",), group_by=("region",), time_from=D(2025, 1, 1), time_to=D(2025, 12, 31)),
    Query(
        metrics=("orders", "avg_order_value"), group_by=("channel",), time_from=D(2025, 1, 1), time_to=D(2025, 12, 31)
    ),
    Query(metrics=("revenue",), group_by=("category",), time_from=D(2025, 1, 1), time_to=D(2025, 12, 31)),
    Query(
        metrics=("cash_in", "cash_out", "net_cash_flow"),
        group_by=("metric_time__month",),
        time_from=D(2025, 1, 1),
        time_to=D(2025, 12, 31),
    ),
    Query(
        metrics=("ar_balance", "dso"),
        group_by=("metric_time__month",),
        time_from=D(2025, 7, 1),
        time_to=D(2025, 12, 31),
    ),
    Query(metrics=("revenue", "cash_in"), group_by=("segment",), time_from=D(2025, 1, 1), time_to=D(2025, 12, 31)),
)
