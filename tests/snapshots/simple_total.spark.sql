WITH f_order_lines AS (
  SELECT
    SUM(order_lines.net_amount) AS revenue
  FROM order_lines
  INNER JOIN orders
    ON order_lines.order_id = orders.order_id
  WHERE
    orders.order_date >= CAST('2025-01-01' AS DATE)
    AND orders.order_date <= CAST('2025-12-31' AS DATE)
    AND (
      orders.status <> 'cancelled'
    )
)
SELECT
  f_order_lines.revenue AS revenue
FROM f_order_lines
