"""The general ledger, posted from the business tables by fixed rules.

Posting rules (one journal entry per business document, debits = credits):
  completed order   Dr 1122 Accounts receivable / Cr 6001 Revenue       (net total)
                    Dr 6401 Cost of sales       / Cr 1405 Inventory     (cost total)
  receipt           Dr 1002 Bank                / Cr 1122 Accounts receivable
  supplier bill     Dr 1405 Inventory           / Cr 2202 Accounts payable
  bill payment      Dr 2202 Accounts payable    / Cr 1002 Bank
  expense           Dr 66xx <expense account>   / Cr 1002 Bank
Each entry is dated by its document's date, except the injected exceptions,
chosen per completed order by a hash (so reconciliation has real, explainable
differences, all listed in gl_posting_exceptions):
  timing      about 0.5%: posted on day 1-10 of the following month
  not_posted  about 0.1%: never posted
  amount      about 0.05%: posted with a different amount (1-10% off, at least 1.00)
"""

from __future__ import annotations

from data.demo.params import Params

TIMING, NOT_POSTED, AMOUNT = 0.005, 0.006, 0.0065  # cumulative cut points on u('gl', order_id)

# source_type, line_no, account_code, account_name, side, which amount (1: amount, 2: amount2)
TEMPLATES = (
    ("order", 1, "1122", "Accounts receivable", "D", 1),
    ("order", 2, "6001", "Revenue", "C", 1),
    ("order", 3, "6401", "Cost of sales", "D", 2),
    ("order", 4, "1405", "Inventory", "C", 2),
    ("receipt", 1, "1002", "Bank", "D", 1),
    ("receipt", 2, "1122", "Accounts receivable", "C", 1),
    ("bill", 1, "1405", "Inventory", "D", 1),
    ("bill", 2, "2202", "Accounts payable", "C", 1),
    ("payment", 1, "2202", "Accounts payable", "D", 1),
    ("payment", 2, "1002", "Bank", "C", 1),
    ("expense", 1, None, None, "D", 1),
    ("expense", 2, "1002", "Bank", "C", 1),
)


def _templates() -> str:
    def lit(v):
        return "NULL" if v is None else (f"'{v}'" if isinstance(v, str) else str(v))

    return ", ".join("(" + ", ".join(lit(v) for v in row) + ")" for row in TEMPLATES)


def statements(p: Params) -> list[str]:
    return [
        f"""CREATE TABLE gl_posting_exceptions AS
        WITH picked AS (
            SELECT order_id, order_date, net_total, u('gl', order_id) AS ug, u('gl.by', order_id) AS uby
            FROM order_totals WHERE u('gl', order_id) < {AMOUNT}
        )
        SELECT order_id,
               CASE WHEN ug < {TIMING} THEN 'timing' WHEN ug < {NOT_POSTED} THEN 'not_posted' ELSE 'amount' END AS kind,
               net_total AS expected_amount,
               CASE WHEN ug < {TIMING} THEN net_total WHEN ug < {NOT_POSTED} THEN NULL
                    ELSE (net_total + CASE WHEN uby < 0.5 THEN -1 ELSE 1 END
                          * greatest(1.00, round(net_total * (0.01 + 0.09 * uby), 2)))::DECIMAL(18,2) END AS posted_amount,
               CASE WHEN ug < {TIMING} THEN (last_day(order_date) + 1 + floor(10 * uby)::INT)::DATE
                    WHEN ug < {NOT_POSTED} THEN NULL ELSE order_date END AS posted_date
        FROM picked ORDER BY order_id""",
        """CREATE TEMP TABLE postings AS
        SELECT 1 AS kind_no, 'order' AS source_type, t.order_id AS source_id, coalesce(x.posted_date, t.order_date) AS entry_date,
               t.region, coalesce(x.posted_amount, t.net_total) AS amount, t.cost_total AS amount2,
               NULL::VARCHAR AS account_code, NULL::VARCHAR AS account_name
        FROM order_totals t LEFT JOIN gl_posting_exceptions x USING (order_id)
        WHERE x.kind IS DISTINCT FROM 'not_posted'
        UNION ALL
        SELECT 2, 'receipt', r.receipt_id, r.receipt_date, c.region, r.amount, NULL, NULL, NULL
        FROM receipts r JOIN invoices i USING (invoice_id) JOIN orders o USING (order_id) JOIN customers c USING (customer_id)
        UNION ALL
        SELECT 3, 'bill', bill_id, bill_date, region, amount, NULL, NULL, NULL FROM bills
        UNION ALL
        SELECT 4, 'payment', p.payment_id, p.payment_date, b.region, p.amount, NULL, NULL, NULL
        FROM payments p JOIN bills b USING (bill_id)
        UNION ALL
        SELECT 5, 'expense', e.expense_id, e.expense_date, e.region, e.amount, NULL, plan.account_code, e.account
        FROM expenses e JOIN (SELECT DISTINCT account, account_code FROM expense_plan) plan USING (account)""",
        f"""CREATE TABLE journal_entries AS
        WITH entries AS (
            SELECT row_number() OVER (ORDER BY entry_date, kind_no, source_id)::BIGINT AS entry_id, * FROM postings
        ), templates(source_type, line_no, account_code, account_name, side, which) AS (VALUES {_templates()})
        SELECT e.entry_id, t.line_no::INTEGER AS line_no, e.entry_date,
               coalesce(t.account_code, e.account_code) AS account_code,
               coalesce(t.account_name, e.account_name) AS account_name,
               (CASE WHEN t.side = 'D' THEN CASE t.which WHEN 1 THEN e.amount ELSE e.amount2 END ELSE 0 END)::DECIMAL(18,2) AS debit,
               (CASE WHEN t.side = 'C' THEN CASE t.which WHEN 1 THEN e.amount ELSE e.amount2 END ELSE 0 END)::DECIMAL(18,2) AS credit,
               e.source_type, e.source_id, e.region
        FROM entries e JOIN templates t USING (source_type) ORDER BY entry_id, line_no""",
    ]
