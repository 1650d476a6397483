WITH budget_lines AS (
  SELECT
    plan_rows.version,
    plan_rows.month,
    plan_rows.department,
    plan_rows.account,
    plan_rows.region,
    plan_rows.amount
  FROM (
    SELECT
      UNNEST(
        FROM_JSON(
          '[{"version":"Forecast 3+9","month":"2025-04-01","department":"Sales","account":"Travel","region":"East","amount":1000.50}]',
          '[{"version":"VARCHAR","month":"DATE","department":"VARCHAR","account":"VARCHAR","region":"VARCHAR","amount":"DECIMAL(18,2)"}]'
        ),
        recursive := TRUE
      )
  ) AS plan_rows
  UNION ALL
  SELECT
    'Forecast 3+9' AS version,
    CAST(actuals.metric_time__month AS DATE) AS month,
    actuals.department AS department,
    actuals.account AS account,
    actuals.region AS region,
    CAST(actuals.expense AS DECIMAL(18, 2)) AS amount
  FROM (
    SELECT
      CAST(DATE_TRUNC('MONTH', expenses.expense_date) AS DATE) AS metric_time__month,
      expenses.department AS department,
      expenses.account AS account,
      expenses.region AS region,
      SUM(expenses.amount) AS expense
    FROM expenses
    WHERE
      expenses.expense_date >= CAST('2025-01-01' AS DATE)
      AND expenses.expense_date <= CAST('2025-03-31' AS DATE)
    GROUP BY
      CAST(DATE_TRUNC('MONTH', expenses.expense_date) AS DATE),
      expenses.department,
      expenses.account,
      expenses.region
  ) AS actuals
), f_budget_lines AS (
  SELECT
    CAST(DATE_TRUNC('MONTH', budget_lines.month) AS DATE) AS metric_time__month,
    budget_lines.department AS department,
    SUM(budget_lines.amount) AS budget
  FROM budget_lines
  WHERE
    budget_lines.month >= CAST('2025-01-01' AS DATE)
    AND budget_lines.month <= CAST('2025-12-31' AS DATE)
  GROUP BY
    CAST(DATE_TRUNC('MONTH', budget_lines.month) AS DATE),
    budget_lines.department
), f_expenses AS (
  SELECT
    CAST(DATE_TRUNC('MONTH', expenses.expense_date) AS DATE) AS metric_time__month,
    expenses.department AS department,
    SUM(expenses.amount) AS expense
  FROM expenses
  WHERE
    expenses.expense_date >= CAST('2025-01-01' AS DATE)
    AND expenses.expense_date <= CAST('2025-12-31' AS DATE)
  GROUP BY
    CAST(DATE_TRUNC('MONTH', expenses.expense_date) AS DATE),
    expenses.department
), group_keys AS (
  SELECT
    metric_time__month,
    department
  FROM f_budget_lines
  UNION
  SELECT
    metric_time__month,
    department
  FROM f_expenses
)
SELECT
  group_keys.metric_time__month,
  group_keys.department,
  COALESCE(f_budget_lines.budget, 0) AS budget,
  COALESCE(f_expenses.expense, 0) - COALESCE(f_budget_lines.budget, 0) AS budget_variance
FROM group_keys
LEFT JOIN f_budget_lines
  ON group_keys.metric_time__month IS NOT DISTINCT FROM f_budget_lines.metric_time__month
  AND group_keys.department IS NOT DISTINCT FROM f_budget_lines.department
LEFT JOIN f_expenses
  ON group_keys.metric_time__month IS NOT DISTINCT FROM f_expenses.metric_time__month
  AND group_keys.department IS NOT DISTINCT FROM f_expenses.department
ORDER BY
  metric_time__month ASC,
  department ASC
