WITH s_inventory_value_daily AS (
  SELECT
    CAST(DATE_TRUNC('MONTH', inventory_snapshots.snapshot_date) AS DATE) AS metric_time__month,
    CAST(inventory_snapshots.snapshot_date AS DATE) AS snapshot_date,
    SUM(inventory_snapshots.value) AS inventory_value
  FROM inventory_snapshots
  WHERE
    inventory_snapshots.snapshot_date >= CAST('2025-01-01' AS DATE)
    AND inventory_snapshots.snapshot_date <= CAST('2025-12-31' AS DATE)
  GROUP BY
    CAST(DATE_TRUNC('MONTH', inventory_snapshots.snapshot_date) AS DATE),
    CAST(inventory_snapshots.snapshot_date AS DATE)
), s_inventory_value_last AS (
  SELECT
    metric_time__month,
    MAX(snapshot_date) AS snapshot_date
  FROM s_inventory_value_daily
  GROUP BY
    metric_time__month
), s_inventory_value AS (
  SELECT
    d.metric_time__month,
    d.inventory_value
  FROM s_inventory_value_daily AS d
  INNER JOIN s_inventory_value_last AS l
    ON d.snapshot_date = l.snapshot_date
    AND (
      COALESCE(CAST(d.metric_time__month AS TEXT), '') = COALESCE(CAST(l.metric_time__month AS TEXT), '')
      AND d.metric_time__month IS NOT DISTINCT FROM l.metric_time__month
    )
)
SELECT
  s_inventory_value.metric_time__month,
  s_inventory_value.inventory_value AS inventory_value
FROM s_inventory_value
ORDER BY
  metric_time__month ASC
