"""The board picker names each board's owner as people know them (issue 11): "Weekly review (Chen Wei · CEO)",
not the account name "Weekly review · ceo" (seen on every user's Boards page in the screenshot matrix)."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from boards import store
from boards.store import Board, Tile
from semantic import Principal, Query

PAGE = str(Path(__file__).resolve().parent.parent / "views" / "boards_page.py")
CEO = Principal("ceo", ("exec",))


def test_the_board_picker_shows_the_owners_display_name(metastore_file, users_file, warehouse_path, monkeypatch):
    monkeypatch.setenv("CONCORD_WAREHOUSE", str(warehouse_path))
    board = store.save(
        Board(title="Weekly review", owner="ceo", sharing="everyone", tiles=(Tile(Query(metrics=("revenue",))),)),
        CEO,
    )
    at = AppTest.from_file(PAGE, default_timeout=60)
    at.session_state["principal"] = Principal("sales_lead", ("sales_manager",))
    at.query_params["id"] = str(board.id)
    at.run()
    assert not at.exception
    assert at.selectbox(key="board_pick").options == ["Weekly review (Chen Wei · CEO)"]
