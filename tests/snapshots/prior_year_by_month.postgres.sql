WITH cur_f_order_lines AS (
  SELECT
    CAST(DATE_TRUNC('MONTH', orders.order_date) AS DATE) AS metric_time__month,
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
  GROUP BY
    CAST(DATE_TRUNC('MONTH', orders.order_date) AS DATE)
), prior_f_order_lines AS (
  SELECT
    CAST(DATE_TRUNC('MONTH', orders.order_date) AS DATE) AS metric_time__month,
    SUM(order_lines.net_amount) AS revenue
  FROM order_lines
  INNER JOIN orders
    ON order_lines.order_id = orders.order_id
  WHERE
    orders.order_date >= CAST('2024-01-01' AS DATE)
    AND orders.order_date <= CAST('2024-12-31' AS DATE)
    AND (
      orders.status <> 'cancelled'
    )
  GROUP BY
    CAST(DATE_TRUNC('MONTH', orders.order_date) AS DATE)
), current_period AS (
  SELECT
    cur_f_order_lines.metric_time__month,
    cur_f_order_lines.revenue AS revenue
  FROM cur_f_order_lines
), prior_period AS (
  SELECT
    CAST(prior_f_order_lines.metric_time__month + INTERVAL '1 YEAR' AS DATE) AS metric_time__month,
    prior_f_order_lines.revenue AS revenue
  FROM prior_f_order_lines
)
SELECT
  c.metric_time__month,
  c.revenue AS revenue,
  p.revenue AS revenue__prior,
  CAST((
    c.revenue - p.revenue
  ) AS DOUBLE PRECISION) / NULLIF(ABS(p.revenue), 0) AS revenue__change_pct
FROM current_period AS c
LEFT JOIN prior_period AS p
  ON COALESCE(CAST(c.metric_time__month AS TEXT), '') = COALESCE(CAST(p.metric_time__month AS TEXT), '')
  AND c.metric_time__month IS NOT DISTINCT FROM p.metric_time__month
ORDER BY
  metric_time__month ASC
