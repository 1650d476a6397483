"""Which cards Home shows: the rows a role's `home:` grants (policies.yml), each with the metrics of it
the user may see. Plain functions, so tests never import a page (a page runs when it is imported)."""

from __future__ import annotations

ROWS = {
    "sales": ("revenue", "gross_profit", "gross_margin_pct", "orders", "avg_order_value"),
    "finance": ("cash_in", "cash_out", "net_cash_flow", "ar_balance", "dso", "budget_variance"),
    "budget": ("expense", "budget", "budget_variance", "budget_variance_pct"),
}


CARDS_PER_ROW = 6


def row_metrics(row: str, library) -> tuple[str, ...]:
    """A row's cards: the demo library's chosen metrics; for a company's own library (none of those
    metrics exist), its metrics tagged with the row's name (sales, finance), in the library's order."""
    chosen = tuple(m for m in ROWS[row] if m in library.metrics)
    if chosen:
        return chosen
    return tuple(name for name, spec in library.metrics.items() if row in spec.tags)[:CARDS_PER_ROW]


def rows_for(home: tuple[str, ...], visible, library) -> list[tuple[str, tuple[str, ...]]]:
    """The rows of cards granted by the user's roles (`home:` in policies.yml, as
    policy.Access.home), each with the metrics of it the user may see."""
    out = []
    for row in dict.fromkeys(home):
        if row not in ROWS:
            continue
        metrics = tuple(m for m in row_metrics(row, library) if m in visible)
        if metrics:
            out.append((row, metrics))
    return out
