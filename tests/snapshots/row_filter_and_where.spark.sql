WITH f_order_lines AS (
  SELECT
    customers.channel AS channel,
    SUM(order_lines.net_amount) AS revenue,
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
    AND (
      customers.region = 'East'
    )
    AND (
      customers.segment IN ('SMB', 'Retail') AND customers.city <> 'Hangzhou'
    )
  GROUP BY
    customers.channel
)
SELECT
  f_order_lines.channel,
  f_order_lines.revenue AS revenue,
  f_order_lines.orders AS orders
FROM f_order_lines
ORDER BY
  channel ASC NULLS LAST
