"""Drill-through with a user's grouping: the rows under 'Tier 1' are exactly the Tier 1 cities' rows, with
the grouping shown beside them; rows not drilled from a grouping do not carry someone's grouping column."""

from __future__ import annotations

import datetime as dt

from bench.custom import DEFINITIONS, TIER_1
from semantic import Query, default_library
from semantic.custom.overlay import extend
from semantic.detail import drill_through

LIB = extend(default_library(), DEFINITIONS)
SPAN = {"time_from": dt.date(2025, 3, 1), "time_to": dt.date(2025, 3, 31)}


def test_rows_drilled_from_a_grouping_are_its_members_rows_and_show_it(warehouse, raw):
    query = Query(metrics=("revenue",), where="city_tier = 'Tier 1'", **SPAN)
    page = drill_through(query, warehouse=warehouse, library=LIB, page_size=1000)
    assert set(page.frame["city"]) <= set(TIER_1) and set(page.frame["city_tier"]) == {"Tier 1"}
    hand = raw.execute(
        """SELECT count(*) FROM order_lines l JOIN orders o USING (order_id) JOIN customers c USING (customer_id)
           WHERE o.status <> 'cancelled' AND c.city IN ('Shanghai', 'Beijing', 'Guangzhou', 'Shenzhen')
             AND o.order_date BETWEEN DATE '2025-03-01' AND DATE '2025-03-31'"""
    ).fetchone()[0]
    assert page.total_rows == hand > 0


def test_rows_not_drilled_from_a_grouping_do_not_show_it(warehouse):
    page = drill_through(Query(metrics=("online_revenue",), **SPAN), warehouse=warehouse, library=LIB, page_size=50)
    assert "city_tier" not in page.frame.columns
    assert set(page.frame["channel"]) == {"Online"}
