"""Every page asks the one authorisation (datasette's rule: each view calls allowed()).

Each view under views/ is opened under Streamlit's AppTest as a user who may see
it and as one who may not, with a listener on semantic.authorize; the test fails
for a page that shows anything without having asked, so a new page cannot forget."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from semantic import Principal
from semantic.authorize import on_check
from semantic.service import forget_plans

ROOT = Path(__file__).resolve().parent.parent
CEO = Principal("ceo", ("exec",))
EAST = Principal("sales_east", ("sales_rep",), {"region": "East"})
ADMIN = Principal("admin", ("admin",))
CFO = Principal("cfo", ("finance", "budget_approver"))

# the action each page must ask before it shows what it guards
ASKS = {
    "home": "query",
    "explore": "query",
    "ask": "query",
    "catalog": "query",
    "budget": "query",
    "cash": "query",
    "reconciliation": "query",
    "boards_page": "view_board",
    "alerts": "see_result",
    "audit": "manage_users",
    "users": "manage_users",
    "data_quality": "check_data_quality",
    "sources": "manage_sources",
    "upload": "load_files",
    "definitions": "certify_metrics",  # the review tab; every draft it lists is asked as a query too
    "budget_plan": "plan_budget",  # and approve_budget, edit_budget_lines for a department head
}


@pytest.fixture(autouse=True)
def _env(monkeypatch, warehouse_path, metastore_file, users_file):
    monkeypatch.setenv("CONCORD_WAREHOUSE", str(warehouse_path))


@pytest.fixture
def a_board_with_a_breach(warehouse):
    """So the boards page and the Alert log have something to guard."""
    from boards import evaluate, store
    from boards.store import Board, Rule, Tile
    from semantic import Query

    board = store.save(
        Board(
            title="Wall",
            owner="ceo",
            sharing="everyone",
            tiles=(Tile(Query(metrics=("revenue",)), title="Revenue", rules=(Rule("revenue", ">", -1.0),)),),
        ),
        CEO,
    )
    evaluate.evaluate_board(board, warehouse, post=lambda *a: None)
    return board


def asked_on(view: str, who: Principal, **params) -> list[tuple[str, str, bool]]:
    seen = []
    forget_plans()  # a kept plan would answer without compiling, and so without asking
    stop = on_check(lambda d: seen.append((d.principal.username, d.action, d.allowed)))
    try:
        at = AppTest.from_file(str(ROOT / "views" / f"{view}.py"), default_timeout=120)
        at.session_state["principal"] = who
        for key, value in params.items():
            at.query_params[key] = value
        at.run()
    finally:
        stop()
    assert not at.exception, [e.value for e in at.exception]
    return seen


def test_every_view_is_listed_here():
    assert set(ASKS) == {p.stem for p in (ROOT / "views").glob("*.py")}


@pytest.mark.parametrize("view", sorted(ASKS))
def test_each_view_asks_the_one_authorisation(view, a_board_with_a_breach):
    who = ADMIN if view in ("audit", "users", "sources", "upload", "definitions") else CEO
    who = CFO if view == "budget_plan" else who
    params = {"explore": {"m": "revenue"}, "ask": {"q": "revenue last month"}}.get(view, {})
    seen = asked_on(view, who, **params)
    assert (who.username, ASKS[view], True) in seen, seen


@pytest.mark.parametrize(
    "view",
    [
        "audit",
        "users",
        "data_quality",
        "cash",
        "budget",
        "reconciliation",
        "sources",
        "upload",
        "definitions",
        "budget_plan",
    ],
)
def test_a_guarded_view_is_refused_by_the_one_authorisation(view):
    seen = asked_on(view, EAST)
    assert ("sales_east", ASKS[view], False) in seen, seen
