"""Business-finance work lists built on the indicator library: the orders behind
a revenue reconciliation gap, open and overdue invoices, partial receipts.

Each list is checked against the asking principal's grants and row filter
exactly like an aggregate, and built as one sqlglot tree (values as literals)."""
