"""Drill-through rows: the same rows as the aggregate, under the same row policy."""

from __future__ import annotations

import datetime as dt

import pytest

from semantic import Principal, Query, QueryError
from semantic.detail import drill_through, members
from tests.conftest import ALL_ENGINES

ENGINES = ALL_ENGINES  # every test here runs on DuckDB, PostgreSQL and Spark (tests/conftest.py)

EAST = Principal("sales_east", ("sales_rep",), {"region": "East"})
MARCH = dict(time_from=dt.date(2025, 3, 1), time_to=dt.date(2025, 3, 31))


def test_order_lines_behind_revenue_of_a_city_and_month(warehouse, raw):
    page = drill_through(
        Query(metrics=("revenue",), where="city = 'Hangzhou'", **MARCH), warehouse=warehouse, page_size=1000
    )
    expected = raw.execute("""
        SELECT count(*), coalesce(sum(l.net_amount), 0) FROM order_lines l JOIN orders o USING (order_id)
        JOIN customers c USING (customer_id)
        WHERE c.city = 'Hangzhou' AND o.status <> 'cancelled' AND o.order_date BETWEEN '2025-03-01' AND '2025-03-31'
    """).fetchall()[0]
    assert page.table == "order_lines"
    assert page.total_rows == expected[0]
    assert float(page.frame["net_amount"].sum()) == pytest.approx(float(expected[1]), abs=0.01)
    assert set(page.frame["city"]) <= {"Hangzhou"}


def test_pages_do_not_overlap_and_cover_everything(warehouse):
    q = Query(metrics=("cash_in",), where="region = 'South'", **MARCH)
    first = drill_through(q, warehouse=warehouse, page=1, page_size=7)
    second = drill_through(q, warehouse=warehouse, page=2, page_size=7)
    ids = list(first.frame["receipt_id"]) + list(second.frame["receipt_id"])
    assert len(ids) == len(set(ids)) == min(14, first.total_rows)


def test_a_rep_sees_only_their_region_and_cannot_widen_it(warehouse, raw):
    page = drill_through(
        Query(metrics=("revenue",), where="region = 'South' OR region = 'East'", **MARCH),
        EAST,
        warehouse=warehouse,
        page_size=1000,
    )
    assert set(page.frame["region"]) == {"East"}
    east = raw.execute("""SELECT count(*) FROM order_lines l JOIN orders o USING (order_id) JOIN customers c USING (customer_id)
        WHERE c.region = 'East' AND o.status <> 'cancelled' AND o.order_date BETWEEN '2025-03-01' AND '2025-03-31'""").fetchall()[
        0
    ][0]
    assert page.total_rows == east


def test_a_rep_cannot_drill_into_finance_rows(warehouse):
    with pytest.raises(Exception, match="cash_in is not available to your roles: sales_rep"):
        drill_through(Query(metrics=("cash_in",)), EAST, warehouse=warehouse)


def test_bad_page_size_is_a_clear_error(warehouse):
    with pytest.raises(QueryError, match="page size"):
        drill_through(Query(metrics=("revenue",)), warehouse=warehouse, page_size=0)


def test_members_respect_the_row_policy(warehouse, raw):
    east_cities = {r[0] for r in raw.execute("SELECT DISTINCT city FROM customers WHERE region = 'East'").fetchall()}
    assert set(members("city", EAST, warehouse=warehouse)) <= east_cities
    assert set(members("region", warehouse=warehouse)) == {"East", "South", "North", "Central", "Southwest"}


def test_drill_through_is_audited_answered_or_refused(warehouse):
    """Row-level detail is the most sensitive read there is: every page, and every
    refusal, reaches the audit listeners like an aggregate query does."""
    from semantic import events

    seen = []
    events.add_listener(seen.append)
    try:
        page = drill_through(
            Query(metrics=("revenue",), where="city = 'Hangzhou'", **MARCH), EAST, warehouse=warehouse, page_size=5
        )
        with pytest.raises(Exception, match="not available"):
            drill_through(Query(metrics=("cash_in",)), EAST, warehouse=warehouse)
    finally:
        events.remove_listener(seen.append)
    answered, refused = seen
    assert (answered.username, answered.source, answered.outcome, answered.rows) == (
        "sales_east",
        "drill_through",
        "ok",
        len(page.frame),
    )
    assert answered.where == "city = 'Hangzhou'" and answered.metrics == ("revenue",)
    assert (refused.source, refused.outcome, refused.metrics) == ("drill_through", "refused", ("cash_in",))


def test_a_repeated_page_reuses_its_compiled_sql_but_not_across_users(warehouse):
    from semantic.detail import page_sql

    south = Principal("sales_south", ("sales_rep",), {"region": "South"})
    query = Query(metrics=("revenue",), **MARCH)
    assert page_sql(query, EAST) is page_sql(query, Principal("sales_east", ("sales_rep",), {"region": "East"}))
    east_sql, south_sql = page_sql(query, EAST)[1], page_sql(query, south)[1]
    assert "'East'" in east_sql and "'South'" not in east_sql and "'South'" in south_sql
