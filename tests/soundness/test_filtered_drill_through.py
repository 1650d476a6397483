"""Drill-through of a filtered custom metric (found 2026-11-26 while adding issue 15's metric kinds).

The rows behind a metric are read from its first measure's fact table; a filtered
metric (online revenue = revenue where channel = 'Online') is built on revenue's
measure, so the rows must also carry the metric's own filter.
"""

from __future__ import annotations

import datetime as dt

from semantic import Query
from semantic.detail import drill_through
from semantic.model.loader import MODELS_DIR, extend_library, load_library
from semantic.model.schema import LibraryFile
from tests.conftest import ALL_ENGINES

ENGINES = ALL_ENGINES  # every test here runs on DuckDB, PostgreSQL and Spark (tests/conftest.py)

SPAN = (dt.date(2025, 3, 1), dt.date(2025, 3, 31))


def _metric(type_: str, **fields) -> dict:
    text = {"en": "X", "zh": "X"}
    base = {"label": text, "description": text, "owner": "Sales", "format": "currency", "tags": ["sales"], "good": "up"}
    return {**base, "type": type_, **fields}


def test_drill_through_of_a_filtered_metric_lists_only_its_rows(warehouse, raw):
    """Bug: drill-through of online_revenue listed the order lines of every channel (all of
    revenue's rows), so its rows did not add up to the number they were behind."""
    lib = extend_library(
        load_library(MODELS_DIR),
        LibraryFile.model_validate(
            {
                "metrics": {
                    "online_revenue": _metric("filtered", base="revenue", where="channel = 'Online'"),
                    "online_net": _metric("derived", expr="online_revenue * 0.97"),
                }
            }
        ),
    )
    want = raw.execute(
        "SELECT count(*) FROM order_lines l JOIN orders o ON o.order_id = l.order_id "
        "JOIN customers c ON c.customer_id = o.customer_id WHERE o.status <> 'cancelled' AND c.channel = 'Online' "
        f"AND o.order_date BETWEEN DATE '{SPAN[0]}' AND DATE '{SPAN[1]}'"
    ).fetchone()[0]
    assert want > 0
    for metric in ("online_revenue", "online_net"):  # a derived metric drills into its leaf: online revenue
        query = Query(metrics=(metric,), time_from=SPAN[0], time_to=SPAN[1])
        page = drill_through(query, warehouse=warehouse, library=lib, page_size=1000)
        assert page.total_rows == want, metric
        assert set(page.frame["channel"]) == {"Online"}, metric
