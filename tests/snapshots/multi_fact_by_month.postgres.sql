WITH f_order_lines AS (
  SELECT
    CAST(DATE_TRUNC('MONTH', orders.order_date) AS DATE) AS metric_time__month,
    customers.region AS region,
    SUM(order_lines.net_amount) AS revenue
  FROM order_lines
  INNER JOIN orders
    ON order_lines.order_id = orders.order_id
  INNER JOIN customers
    ON orders.customer_id = customers.customer_id
  WHERE
    orders.order_date >= CAST('2025-01-01' AS DATE)
    AND orders.order_date <= CAST('2025-12-31' AS DATE)
    AND (
      orders.status <> 'cancelled'
    )
  GROUP BY
    CAST(DATE_TRUNC('MONTH', orders.order_date) AS DATE),
    customers.region
), f_receipts AS (
  SELECT
    CAST(DATE_TRUNC('MONTH', receipts.receipt_date) AS DATE) AS metric_time__month,
    customers.region AS region,
    SUM(receipts.amount) AS cash_in
  FROM receipts
  INNER JOIN invoices
    ON receipts.invoice_id = invoices.invoice_id
  INNER JOIN orders
    ON invoices.order_id = orders.order_id
  INNER JOIN customers
    ON orders.customer_id = customers.customer_id
  WHERE
    receipts.receipt_date >= CAST('2025-01-01' AS DATE)
    AND receipts.receipt_date <= CAST('2025-12-31' AS DATE)
  GROUP BY
    CAST(DATE_TRUNC('MONTH', receipts.receipt_date) AS DATE),
    customers.region
), f_expenses AS (
  SELECT
    CAST(DATE_TRUNC('MONTH', expenses.expense_date) AS DATE) AS metric_time__month,
    expenses.region AS region,
    SUM(expenses.amount) AS expense
  FROM expenses
  WHERE
    expenses.expense_date >= CAST('2025-01-01' AS DATE)
    AND expenses.expense_date <= CAST('2025-12-31' AS DATE)
  GROUP BY
    CAST(DATE_TRUNC('MONTH', expenses.expense_date) AS DATE),
    expenses.region
), group_keys AS (
  SELECT
    metric_time__month,
    region
  FROM f_order_lines
  UNION
  SELECT
    metric_time__month,
    region
  FROM f_receipts
  UNION
  SELECT
    metric_time__month,
    region
  FROM f_expenses
)
SELECT
  group_keys.metric_time__month,
  group_keys.region,
  COALESCE(f_order_lines.revenue, 0) AS revenue,
  COALESCE(f_receipts.cash_in, 0) AS cash_in,
  COALESCE(f_expenses.expense, 0) AS expense
FROM group_keys
LEFT JOIN f_order_lines
  ON (
    COALESCE(CAST(group_keys.metric_time__month AS TEXT), '') = COALESCE(CAST(f_order_lines.metric_time__month AS TEXT), '')
    AND group_keys.metric_time__month IS NOT DISTINCT FROM f_order_lines.metric_time__month
  )
  AND (
    COALESCE(CAST(group_keys.region AS TEXT), '') = COALESCE(CAST(f_order_lines.region AS TEXT), '')
    AND group_keys.region IS NOT DISTINCT FROM f_order_lines.region
  )
LEFT JOIN f_receipts
  ON (
    COALESCE(CAST(group_keys.metric_time__month AS TEXT), '') = COALESCE(CAST(f_receipts.metric_time__month AS TEXT), '')
    AND group_keys.metric_time__month IS NOT DISTINCT FROM f_receipts.metric_time__month
  )
  AND (
    COALESCE(CAST(group_keys.region AS TEXT), '') = COALESCE(CAST(f_receipts.region AS TEXT), '')
    AND group_keys.region IS NOT DISTINCT FROM f_receipts.region
  )
LEFT JOIN f_expenses
  ON (
    COALESCE(CAST(group_keys.metric_time__month AS TEXT), '') = COALESCE(CAST(f_expenses.metric_time__month AS TEXT), '')
    AND group_keys.metric_time__month IS NOT DISTINCT FROM f_expenses.metric_time__month
  )
  AND (
    COALESCE(CAST(group_keys.region AS TEXT), '') = COALESCE(CAST(f_expenses.region AS TEXT), '')
    AND group_keys.region IS NOT DISTINCT FROM f_expenses.region
  )
ORDER BY
  metric_time__month ASC,
  region ASC
