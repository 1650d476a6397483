"""The Audit log page: locked by authorize(principal, "manage_users"); lists the
sign-ins slowed down now, each with an Unlock button that clears and is audited."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from auth import audit, throttle
from semantic import Principal, authorize
from tests.test_auth import failures

ROOT = __import__("pathlib").Path(__file__).resolve().parent.parent
ADMIN = Principal("admin", ("admin",))
CFO = Principal("cfo", ("finance",))


@pytest.fixture(autouse=True)
def _env(monkeypatch, warehouse_path, metastore_file, users_file):
    monkeypatch.setenv("CONCORD_WAREHOUSE", str(warehouse_path))


def open_audit(principal: Principal) -> AppTest:
    at = AppTest.from_file(str(ROOT / "views" / "audit.py"), default_timeout=120)
    at.session_state["principal"] = principal
    return at.run()


def test_the_page_asks_the_one_authorisation_and_refuses_without_manage_users():
    asked = []
    stop = authorize.on_check(asked.append)
    try:
        at = open_audit(CFO)
    finally:
        stop()
    assert [(d.principal.username, d.action, d.allowed) for d in asked] == [("cfo", "manage_users", False)]
    assert at.error and not at.dataframe and not at.button


def test_an_admin_sees_who_is_slowed_and_unlocks_them():
    failures(5, "cfo", "203.0.113.7", throttle.utcnow)
    at = open_audit(ADMIN)
    assert not at.exception and not at.error
    row = " ".join(t.value for t in at.text)
    assert "cfo from 203.0.113.7: 5 failed attempts" in row
    at.button(key="unlock_0_cfo").click()
    at.run()
    assert throttle.waiting("cfo", "203.0.113.7") is None
    unlock = audit.read_events(username="cfo", kind="unlock")
    assert len(unlock) == 1 and "by admin" in unlock[0]["message"]
    assert not [t for t in at.text if "cfo from" in t.value]


def test_an_admin_lists_every_screen_link_and_revokes_one_of_another_users_board():
    """Finding 12: admins (manage_tokens) list and revoke any token, here one the CFO made."""
    from boards import store, tokens
    from boards.store import Board, Tile
    from semantic import Query

    board = store.save(Board(title="Cash wall", owner="cfo", tiles=(Tile(Query(metrics=("cash_in",))),)), CFO)
    token = tokens.create(board.id, "finance", CFO)
    at = open_audit(ADMIN)
    assert any("Cash wall" in t.value and "finance" in t.value and "by cfo" in t.value for t in at.text)
    next(b for b in at.button if b.key.startswith("revoke_token_")).click().run()
    assert [r["status"] for r in tokens.all_tokens(ADMIN)] == ["revoked"]
    with pytest.raises(store.BoardError, match="revoked"):
        tokens.resolve(token, board.id)
