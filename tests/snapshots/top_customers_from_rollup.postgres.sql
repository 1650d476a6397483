WITH f_order_lines AS (
  SELECT
    rollup_customers_by_month.customer AS customer,
    SUM(rollup_customers_by_month.revenue) AS revenue
  FROM rollup_customers_by_month
  WHERE
    rollup_customers_by_month.metric_time__month >= CAST('2025-01-01' AS DATE)
    AND rollup_customers_by_month.metric_time__month <= CAST('2025-12-31' AS DATE)
  GROUP BY
    rollup_customers_by_month.customer
)
SELECT
  f_order_lines.customer,
  f_order_lines.revenue AS revenue
FROM f_order_lines
ORDER BY
  revenue DESC NULLS LAST,
  customer ASC
LIMIT 50
