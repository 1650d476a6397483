"""The layer's own entry points ask the one authorisation (semantic.authorize),
not a parallel check: plan/run, drill-through and the finance work lists."""

from __future__ import annotations

import pytest

from semantic import PolicyError, Principal, Query, plan
from semantic.authorize import on_check
from semantic.detail import page_sql
from semantic.finance.scoped import checked_filters
from semantic.service import forget_plans

REP = Principal("layer_rep", ("sales_rep",), {"region": "East"})


@pytest.fixture
def decisions():
    seen = []
    forget_plans()  # a kept plan is not compiled, so not asked again
    stop = on_check(seen.append)
    yield seen
    stop()
    forget_plans()


def test_plan_asks_authorize_query(decisions, library):
    plan(Query(metrics=("revenue",), group_by=("region",)), REP, library)
    assert [(d.principal, d.action, d.allowed) for d in decisions] == [(REP, "query", True)]


def test_a_refused_plan_is_refused_by_authorize(decisions, library):
    with pytest.raises(PolicyError, match="cash_in"):
        plan(Query(metrics=("cash_in",)), REP, library)
    assert [(d.action, d.allowed) for d in decisions] == [("query", False)]
    assert "cash_in" in decisions[0].reason


def test_drill_through_and_work_lists_ask_authorize(decisions, library):
    page_sql(Query(metrics=("revenue",)), REP, library)
    with pytest.raises(PolicyError):
        checked_filters(Query(metrics=("ar_balance",)), REP, library)
    assert [(d.action, d.allowed) for d in decisions] == [("query", True), ("query", False)]
