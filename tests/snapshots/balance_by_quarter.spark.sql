WITH f_invoices AS (
  SELECT
    CAST(TRUNC(invoices.invoice_date, 'QUARTER') AS DATE) AS metric_time__quarter,
    SUM(invoices.amount) AS invoiced
  FROM invoices
  WHERE
    invoices.invoice_date >= CAST('2025-01-01' AS DATE)
    AND invoices.invoice_date <= CAST('2025-12-31' AS DATE)
  GROUP BY
    CAST(TRUNC(invoices.invoice_date, 'QUARTER') AS DATE)
), b_ar_balance_flows AS (
  SELECT
    CAST(TRUNC(invoices.invoice_date, 'QUARTER') AS DATE) AS metric_time__quarter,
    SUM(invoices.amount) AS flow
  FROM invoices
  WHERE
    invoices.invoice_date <= CAST('2025-12-31' AS DATE)
  GROUP BY
    CAST(TRUNC(invoices.invoice_date, 'QUARTER') AS DATE)
  UNION ALL
  SELECT
    CAST(TRUNC(receipts.receipt_date, 'QUARTER') AS DATE) AS metric_time__quarter,
    -SUM(receipts.amount) AS flow
  FROM receipts
  WHERE
    receipts.receipt_date <= CAST('2025-12-31' AS DATE)
  GROUP BY
    CAST(TRUNC(receipts.receipt_date, 'QUARTER') AS DATE)
), b_ar_balance_periods AS (
  SELECT
    EXPLODE(SEQUENCE(CAST(low AS DATE), CAST(high AS DATE), INTERVAL '3' MONTH)) AS metric_time__quarter
  FROM (
    SELECT
      MIN(metric_time__quarter) AS low,
      CAST(TRUNC(CAST('2025-12-31' AS DATE), 'QUARTER') AS DATE) AS high
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
      SUM(COALESCE(m.flow, 0)) OVER (
        ORDER BY p.metric_time__quarter NULLS LAST
        ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
      ) AS ar_balance
    FROM b_ar_balance_periods AS p
    LEFT JOIN b_ar_balance_totals AS m
      ON m.metric_time__quarter = p.metric_time__quarter
  ) AS balance
  WHERE
    metric_time__quarter >= CAST(TRUNC(CAST('2025-01-01' AS DATE), 'QUARTER') AS DATE)
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
  CAST(b_ar_balance.ar_balance AS DOUBLE) / NULLIF(COALESCE(f_invoices.invoiced, 0), 0) * (
    DATEDIFF(
      DAY,
      GREATEST(group_keys.metric_time__quarter, CAST('2025-01-01' AS DATE)),
      LEAST(
        CAST(CAST(group_keys.metric_time__quarter + INTERVAL '3' MONTH AS DATE) - INTERVAL '1' DAY AS DATE),
        CAST('2025-12-31' AS DATE)
      )
    ) + 1
  ) AS dso
FROM group_keys
LEFT JOIN f_invoices
  ON group_keys.metric_time__quarter IS NOT DISTINCT FROM f_invoices.metric_time__quarter
LEFT JOIN b_ar_balance
  ON group_keys.metric_time__quarter IS NOT DISTINCT FROM b_ar_balance.metric_time__quarter
ORDER BY
  metric_time__quarter ASC NULLS LAST
