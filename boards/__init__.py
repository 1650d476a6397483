"""Boards (saved tiles shared by owners), display tokens for office screens and
threshold alerts. Tiles store semantic queries, never data or SQL: every view
recompiles each tile under the viewer's own policy."""
