"""The cost and cash side of the demo company: supplier bills and payments,
expenses and budgets, month-end inventory.

Bills replenish what was sold: each month, region and category is billed about
its cost of sales. Expenses scatter around a planned monthly amount per
department, account and region; the budget is that plan with its own error, so
budget variance is real and varies.
"""

from __future__ import annotations

from data.demo.business import REGION_CUTS, REGIONS
from data.demo.params import Params

# department, account, account code, relative monthly plan; scaled by PLAN_LEVEL x scale (CNY)
EXPENSE_PLAN = (
    ("Sales", "Salaries", "6601", 900_000),
    ("Sales", "Travel", "6602", 180_000),
    ("Sales", "Commissions", "6603", 350_000),
    ("Sales", "Entertainment", "6604", 90_000),
    ("Marketing", "Salaries", "6601", 400_000),
    ("Marketing", "Advertising", "6605", 500_000),
    ("Marketing", "Events", "6606", 150_000),
    ("Marketing", "Travel", "6602", 60_000),
    ("Operations", "Salaries", "6601", 700_000),
    ("Operations", "Rent", "6607", 300_000),
    ("Operations", "Logistics", "6608", 450_000),
    ("Operations", "Utilities", "6609", 80_000),
    ("Finance", "Salaries", "6601", 250_000),
    ("Finance", "Software", "6610", 60_000),
    ("Finance", "Audit fees", "6611", 40_000),
    ("R&D", "Salaries", "6601", 600_000),
    ("R&D", "Software", "6610", 120_000),
    ("R&D", "Equipment", "6612", 150_000),
    ("R&D", "Travel", "6602", 40_000),
)
# Sized so that operating expenses take about 60% of gross profit, as at a real distributor.
PLAN_LEVEL = 12
SUPPLIERS = (
    "Huawei Components",
    "Midea Supply",
    "Deli Office",
    "Kuka Home",
    "Opple Lighting",
    "Great Wall Tools",
    "Shenzhen Parts",
    "Ningbo Works",
    "Foshan Industries",
)


def _values(rows) -> str:
    return ", ".join("(" + ", ".join(f"'{v}'" if isinstance(v, str) else str(v) for v in row) + ")" for row in rows)


def _region_weights() -> str:
    shares, prev = [], 0.0
    for cut in (*REGION_CUTS, 1.0):
        shares.append(round(cut - prev, 4))
        prev = cut
    return _values(zip(REGIONS, shares))


def statements(p: Params) -> list[str]:
    k_bills, k_exp = p.bills_per_month, p.expenses_per_month
    suppliers = "[" + ", ".join(f"'{s}'" for s in SUPPLIERS) + "]"
    return [
        f"""CREATE TABLE bills AS
        WITH sold AS (
            SELECT date_trunc('month', o.order_date)::DATE AS month, c.region, pr.category, sum(l.cost_amount) AS cost
            FROM order_lines l JOIN orders o USING (order_id) JOIN customers c USING (customer_id)
                 JOIN products pr USING (product_id)
            WHERE o.status = 'completed' GROUP BY ALL
        ), split AS (
            SELECT s.*, b.seq, hash({p.seed}, 'b', s.month, s.region, s.category, b.seq) AS h
            FROM sold s, range(1, {k_bills} + 1) b(seq)
        )
        SELECT row_number() OVER (ORDER BY month, region, category, seq)::BIGINT + 300000 AS bill_id,
               list_element({suppliers}, 1 + (h % {len(SUPPLIERS)})::INT) AS supplier_name, category, region,
               (month + (h % 28)::INT)::DATE AS bill_date, (month + (h % 28)::INT + 45)::DATE AS due_date,
               round(cost / {k_bills} * (0.9 + 0.25 * ((h // 7) % 1000) / 1000.0), 2)::DECIMAL(18,2) AS amount
        FROM split ORDER BY bill_id""",
        # Paid 30-70 days after the bill; 8% in two instalments; none after the end date.
        f"""CREATE TABLE payments AS
        WITH parts AS (
            SELECT bill_id, 1 AS part, (bill_date + 30 + floor(40 * u('pay.delay', bill_id))::INT)::DATE AS payment_date,
                   CASE WHEN u('pay.split', bill_id) < 0.08 THEN round(amount * 0.5, 2) ELSE amount END::DECIMAL(18,2) AS amount
            FROM bills
            UNION ALL
            SELECT bill_id, 2, (bill_date + 75 + floor(30 * u('pay.delay2', bill_id))::INT)::DATE,
                   (amount - round(amount * 0.5, 2))::DECIMAL(18,2)
            FROM bills WHERE u('pay.split', bill_id) < 0.08
        )
        SELECT row_number() OVER (ORDER BY bill_id, part)::BIGINT + 400000 AS payment_id, bill_id, payment_date, amount
        FROM parts WHERE payment_date <= DATE '{p.end}' ORDER BY payment_id""",
        f"""CREATE TEMP TABLE expense_plan AS
        WITH plan(department, account, account_code, monthly) AS (VALUES {_values(EXPENSE_PLAN)}),
             shares(region, share) AS (VALUES {_region_weights()}),
             months AS (SELECT m::DATE AS month, row_number() OVER (ORDER BY m) - 1 AS k
                        FROM range(DATE '{p.start}', DATE '{p.end}' + 1, INTERVAL 1 MONTH) t(m))
        SELECT month, department, account, account_code, region,
               monthly * share * {PLAN_LEVEL * p.scale} * (1 + 0.012 * k) AS planned
        FROM plan, shares, months""",
        """CREATE TABLE budgets AS
        SELECT month, department, account, region,
               round(planned * (0.9 + 0.2 * u('bud', hash(month, department, account, region))), 0)::DECIMAL(18,2) AS amount
        FROM expense_plan ORDER BY month, department, account, region""",
        # Expenses scatter around the plan; 2% of rows are one-off spikes (three times the usual).
        f"""CREATE TABLE expenses AS
        WITH rows_ AS (
            SELECT e.*, s.seq, hash({p.seed}, 'exp', e.month, e.department, e.account, e.region, s.seq) AS h
            FROM expense_plan e, range(1, {k_exp} + 1) s(seq)
        )
        SELECT row_number() OVER (ORDER BY month, department, account, region, seq)::BIGINT + 600000 AS expense_id,
               (month + (h % (last_day(month) - month + 1))::INT)::DATE AS expense_date,
               department, account, region,
               round(planned / {k_exp} * (0.55 + 0.9 * ((h // 11) % 1000) / 1000.0)
                     * CASE WHEN (h // 13) % 100 < 2 THEN 3 ELSE 1 END, 2)::DECIMAL(18,2) AS amount
        FROM rows_ ORDER BY expense_id""",
        f"""CREATE TABLE inventory_snapshots AS
        WITH ends AS (SELECT last_day(m::DATE) AS snapshot_date
                      FROM range(DATE '{p.start}', DATE '{p.end}' + 1, INTERVAL 1 MONTH) t(m))
        SELECT e.snapshot_date, pr.product_id,
               (20 + floor(480 * u2('inv', pr.product_id, hash(e.snapshot_date))))::INTEGER AS quantity,
               (quantity * round(pr.unit_cost * (0.94 + 0.03 * (year(e.snapshot_date) - 2023)), 2))::DECIMAL(18,2) AS value
        FROM ends e, products pr ORDER BY snapshot_date, product_id""",
    ]
