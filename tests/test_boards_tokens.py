"""Screen links never outlive their creator's account or grants; token managers list and revoke any."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from auth import accounts
from boards import store, tokens
from boards.__main__ import main
from boards.store import Board, BoardError, Tile
from data import metastore
from semantic import Principal, Query
from semantic.authorize import on_check

METASTORE_BACKENDS = ("sqlite", "postgres")  # every test using metastore_file runs on both

CFO = Principal("cfo", ("finance",))
ADMIN = Principal("admin", ("admin",))
LEAD = Principal("sales_lead", ("sales_manager",))
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def cash(metastore_file, users_file):
    board = store.save(Board(title="Cash", owner="cfo", tiles=(Tile(Query(metrics=("cash_in",)), title="Cash"),)), CFO)
    return board, tokens.create(board.id, "finance", CFO)


def refusals() -> list[str]:
    with metastore.session() as con:
        return [r[0] for r in con.execute("SELECT message FROM audit_log WHERE kind = 'token_refused' ORDER BY id")]


def test_a_disabled_creator_suspends_the_link_until_enabled(cash):
    board, token = cash
    assert tokens.resolve(token, board.id).principal.roles == ("finance",)
    accounts.update_user("cfo", disabled=True)
    with pytest.raises(BoardError, match="suspended: its creator cfo is disabled"):
        tokens.resolve(token, board.id)
    assert "suspended: its creator cfo is disabled" in refusals()[-1]
    accounts.update_user("cfo", disabled=False)
    assert tokens.resolve(token, board.id).board_id == board.id
    tokens.revoke(tokens.listed(board.id)[0]["id"], CFO)
    with pytest.raises(BoardError, match="revoked"):
        tokens.resolve(token, board.id)


def test_a_removed_creator_or_narrowed_grants_suspend_the_link(cash):
    board, token = cash
    accounts.update_user("cfo", roles=("sales_manager",))  # no longer sees cash: the link may not either
    with pytest.raises(BoardError, match="may no longer show it as finance"):
        tokens.resolve(token, board.id)
    accounts.update_user("cfo", roles=("finance",))
    assert tokens.resolve(token, board.id)
    users = accounts.load_users()
    del users["cfo"]
    accounts.save_users(users)
    with pytest.raises(BoardError, match="its creator cfo no longer has an account"):
        tokens.resolve(token, board.id)
    assert len(refusals()) == 2


def test_creating_a_link_asks_the_one_authorisation(cash):
    board, _ = cash
    seen = []
    stop = on_check(lambda d: seen.append((d.action, d.allowed)))
    try:
        with pytest.raises(BoardError, match="only cfo can create screen links"):
            tokens.create(board.id, "finance", LEAD)
    finally:
        stop()
    assert ("create_token", False) in seen


def test_token_managers_list_and_revoke_every_link(cash):
    board, token = cash
    other = store.save(Board(title="Sales", owner="sales_lead", tiles=(Tile(Query(metrics=("revenue",))),)), LEAD)
    tokens.create(other.id, "sales_manager", LEAD)
    with pytest.raises(BoardError, match="manage tokens is not granted"):
        tokens.all_tokens(CFO)
    accounts.update_user("cfo", disabled=True)
    rows = tokens.all_tokens(ADMIN)
    assert [(r["board_title"], r["created_by"], r["display_role"], r["status"]) for r in rows] == [
        ("Cash", "cfo", "finance", "suspended"),
        ("Sales", "sales_lead", "sales_manager", "active"),
    ]
    assert rows[0]["suspended"] == "its creator cfo is disabled" and rows[0]["expires_at"] > rows[0]["created_at"]
    with pytest.raises(BoardError, match="only sales_lead or a token manager"):
        tokens.revoke(rows[1]["id"], CFO)
    tokens.revoke(rows[0]["id"], ADMIN)
    accounts.update_user("cfo", disabled=False)
    with pytest.raises(BoardError, match="revoked"):
        tokens.resolve(token, board.id)
    first = tokens.all_tokens(ADMIN)[0]
    assert (first["status"], first["revoked_by"]) == ("revoked", "admin")
    with pytest.raises(BoardError, match="already revoked"):
        tokens.revoke(rows[0]["id"], ADMIN)


def test_the_tokens_cli_lists_and_revokes_as_the_local_operator(cash, capsys):
    board, _ = cash
    assert main(["tokens", "list"]) == 0
    out = capsys.readouterr().out
    assert "Cash" in out and "cfo" in out and "active" in out
    link = tokens.listed(board.id)[0]["id"]
    assert main(["tokens", "revoke", str(link)]) == 0
    assert main(["tokens", "revoke", str(link)]) == 2
    revoked_at = tokens.listed(board.id)[0]["revoked_at"]
    assert capsys.readouterr().err.strip().splitlines() == [
        f"error: screen link {link} was already revoked at {revoked_at}."
    ]
    assert tokens.listed(board.id)[0]["revoked_by"] == "local-operator"


def test_the_tokens_cli_prints_one_line_and_exits_2(cash):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-m", "boards", "tokens", "revoke", "999"],
        cwd=ROOT,
        env=env,
        check=False,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2 and done.stderr.strip() == "error: there is no screen link 999."
