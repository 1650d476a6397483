"""Rollups: declared pre-aggregations, built into the warehouse, chosen by the
compiler only when they answer a query exactly (see rollups.yml)."""
