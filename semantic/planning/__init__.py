"""Budget versions as a source of the semantic layer (issue 17).

Versions are prepared in the app and kept in the metadata store, never in the read-only
warehouse. The store hands the layer a `Plan` (every version and its lines) through `registry`;
the compiler reads the library's planning table (`budget_lines`) from it, so `budget` and the
metrics built on it take a version: `Query.budget_version`, the `version` dimension, or by default
each year's approved budget (the warehouse's own `budgets` table, `IMPORTED`, for a year without one).
"""
