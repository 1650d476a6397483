WITH f_order_lines AS (
  SELECT
    customers.region AS region,
    SUM(order_lines.net_amount) AS revenue,
    SUM(order_lines.cost_amount) AS cogs,
    COUNT(DISTINCT order_lines.order_id) AS orders
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
    customers.region
)
SELECT
  f_order_lines.region,
  CAST((
    f_order_lines.revenue - f_order_lines.cogs
  ) AS DOUBLE) / NULLIF(f_order_lines.revenue, 0) AS gross_margin_pct,
  CAST(f_order_lines.revenue AS DOUBLE) / NULLIF(f_order_lines.orders, 0) AS avg_order_value
FROM f_order_lines
ORDER BY
  region ASC NULLS LAST
