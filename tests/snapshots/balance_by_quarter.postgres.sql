WITH f_invoices AS (
  SELECT
    CAST(DATE_TRUNC('QUARTER', invoices.invoice_date) AS DATE) AS metric_time__quarter,
    SUM(invoices.amount) AS invoiced
  FROM invoices
  WHERE
    invoices.invoice_date >= CAST('2025-01-01' AS DATE)
    AND invoices.invoice_date <= CAST('2025-12-31' AS DATE)
  GROUP BY
    CAST(DATE_TRUNC('QUARTER', invoices.invoice_date) AS DATE)
), b_ar_balance_flows AS (
  SELECT
    CAST(DATE_TRUNC('QUARTER', invoices.invoice_date) AS DATE) AS metric_time__quarter,
    SUM(invoices.amount) AS flow
  FROM invoices
  WHERE
    invoices.invoice_date <= CAST('2025-12-31' AS DATE)
  GROUP BY
    CAST(DATE_TRUNC('QUARTER', invoices.invoice_date) AS DATE)
  UNION ALL
  SELECT
    CAST(DATE_TRUNC('QUARTER', receipts.receipt_date) AS DATE) AS metric_time__quarter,
    -SUM(receipts.amount) AS flow
  FROM receipts
  WHERE
    receipts.receipt_date <= CAST('2025-12-31' AS DATE)
  GROUP BY
    CAST(DATE_TRUNC('QUARTER', receipts.receipt_date) AS DATE)
), b_ar_balance_periods AS (
  SELECT
    CAST(GENERATE_SERIES(CAST(low AS TIMESTAMP), CAST(high AS TIMESTAMP), INTERVAL '3 MONTH') AS DATE) AS metric_time__quarter
  FROM (
    SELECT
      MIN(metric_time__quarter) AS low,
      CAST(DATE_TRUNC('QUARTER', CAST('2025-12-31' AS DATE)) AS DATE) AS high
    FROM b_ar_balance_flows
  ) AS bounds
), b_ar_balance_totals AS (
  SELECT
    metric_time__quarter,
    SUM(flow) AS flow
  FROM b_ar_balance_flows
  GROUP BY
    metric_time__quarter
), b_ar_balance AS (
  SELECT
    *
  FROM (
    SELECT
      p.metric_time__quarter,
      SUM(COALESCE(m.flow, 0)) OVER (ORDER BY p.metric_time__quarter ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS ar_balance
    FROM b_ar_balance_periods AS p
    LEFT JOIN b_ar_balance_totals AS m
      ON m.metric_time__quarter = p.metric_time__quarter
  ) AS balance
  WHERE
    metric_time__quarter >= CAST(DATE_TRUNC('QUARTER', CAST('2025-01-01' AS DATE)) AS DATE)
), group_keys AS (
  SELECT
    metric_time__quarter
  FROM f_invoices
  UNION
  SELECT
    metric_time__quarter
  FROM b_ar_balance
)
SELECT
  group_keys.metric_time__quarter,
  b_ar_balance.ar_balance AS ar_balance,
  CAST(b_ar_balance.ar_balance AS DOUBLE PRECISION) / NULLIF(COALESCE(f_invoices.invoiced, 0), 0) * (
    CAST(EXTRACT(epoch FROM CAST(LEAST(
      CAST(CAST(group_keys.metric_time__quarter + INTERVAL '3 MONTH' AS DATE) - INTERVAL '1 DAY' AS DATE),
      CAST('2025-12-31' AS DATE)
    ) AS TIMESTAMP) - CAST(GREATEST(group_keys.metric_time__quarter, CAST('2025-01-01' AS DATE)) AS TIMESTAMP)) / 86400 AS BIGINT) + 1
  ) AS dso
FROM group_keys
LEFT JOIN f_invoices
  ON COALESCE(CAST(group_keys.metric_time__quarter AS TEXT), '') = COALESCE(CAST(f_invoices.metric_time__quarter AS TEXT), '')
  AND group_keys.metric_time__quarter IS NOT DISTINCT FROM f_invoices.metric_time__quarter
LEFT JOIN b_ar_balance
  ON COALESCE(CAST(group_keys.metric_time__quarter AS TEXT), '') = COALESCE(CAST(b_ar_balance.metric_time__quarter AS TEXT), '')
  AND group_keys.metric_time__quarter IS NOT DISTINCT FROM b_ar_balance.metric_time__quarter
ORDER BY
  metric_time__quarter ASC
