"""Boards, screen tokens and alerts against a real metadata store."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json

import pytest

from boards import pins, store, tokens
from boards.store import Board, BoardError, Rule, Tile
from data import metastore
from semantic import Principal, Query

CFO = Principal("cfo", ("finance",))
CEO = Principal("ceo", ("exec",))
EAST = Principal("sales_east", ("sales_rep",), {"region": "East"})
LEAD = Principal("sales_lead", ("sales_manager",))


def cash_board(**changes) -> Board:
    tiles = (
        Tile(Query(metrics=("cash_in", "dso")), title="Cash", rules=(Rule("dso", ">", 60, "critical"),)),
        Tile(Query(metrics=("revenue",), group_by=("region",)), title="Revenue"),
    )
    return dataclasses.replace(Board(title="Cash board", owner="cfo", tiles=tiles), **changes)


def test_save_share_view_edit_delete_as_different_users(metastore_file):
    board = store.save(cash_board(), CFO)
    assert board.version == 1 and [t.title for t in board.tiles] == ["Cash", "Revenue"]
    assert store.visible(CEO) == [] and store.visible(CFO) == [board]
    with pytest.raises(BoardError, match="not shared with you"):
        store.get(board.id, CEO)
    shared = store.save(dataclasses.replace(board, sharing="roles", shared_roles=("exec",)), CFO)
    assert [b.id for b in store.visible(CEO)] == [board.id] and store.visible(EAST) == []
    with pytest.raises(BoardError, match="only cfo can edit"):
        store.save(dataclasses.replace(shared, title="Mine now"), CEO)
    with pytest.raises(BoardError, match="only cfo can delete"):
        store.delete(board.id, CEO)
    store.delete(board.id, CFO)
    assert store.visible(CFO) == []


def test_the_later_of_two_concurrent_edits_is_refused(metastore_file):
    board = store.save(cash_board(), CFO)
    mine, theirs = store.get(board.id, CFO), store.get(board.id, CFO)  # two browser tabs
    store.save(dataclasses.replace(mine, title="Cash (renamed)"), CFO)
    with pytest.raises(BoardError, match="changed by someone else"):
        store.save(dataclasses.replace(theirs, columns=3), CFO)
    assert store.get(board.id, CFO).title == "Cash (renamed)" and store.get(board.id, CFO).columns == 2


def test_tiles_store_the_query_never_data_or_sql(metastore_file):
    board = store.save(cash_board(), CFO)
    with metastore.session() as con:
        stored = [json.loads(r[0]) for r in con.execute("SELECT query_json FROM tiles WHERE board_id = ?", (board.id,))]
    assert stored[0]["metrics"] == ["cash_in", "dso"] and "SELECT" not in json.dumps(stored)


def test_pins_need_sharing_with_the_role(metastore_file):
    board = store.save(cash_board(), CFO)
    with pytest.raises(BoardError, match="share the board"):
        pins.pin("finance", board.id, CFO)
    store.save(dataclasses.replace(store.get(board.id, CFO), sharing="roles", shared_roles=("finance",)), CFO)
    pins.pin("finance", board.id, CFO)
    assert pins.pinned_for(Principal("x", ("finance",))).id == board.id
    assert pins.pinned_for(EAST) is None


def test_export_and_import_between_installs(metastore_file):
    board = store.save(cash_board(), CFO)
    copy = store.import_json(store.export_json(board), CEO)
    assert copy.owner == "ceo" and copy.id != board.id
    assert [t.query for t in copy.tiles] == [t.query for t in board.tiles]
    assert copy.tiles[0].rules == board.tiles[0].rules
    for corrupt in ("not json", '{"title": "x"}', '{"title": "x", "tiles": [{"query": {"metrics": []}}]}'):
        with pytest.raises(BoardError):
            store.import_json(corrupt, CEO)


@pytest.mark.parametrize(
    "bad,needle",
    [
        ({"title": " "}, "needs a title"),
        ({"columns": 5}, "1 to 4 columns"),
        ({"sharing": "public"}, "sharing must be"),
        ({"refresh_seconds": 1}, "refresh every"),
    ],
)
def test_bad_boards_are_refused_with_a_message(metastore_file, bad, needle):
    with pytest.raises(BoardError, match=needle):
        store.save(cash_board(**bad), CFO)


# ---- display tokens -------------------------------------------------------------
def test_tokens_are_random_hashed_bound_expiring_and_revocable(metastore_file):
    board = store.save(cash_board(), CFO)
    other = store.save(cash_board(title="Other"), CFO)
    token = tokens.create(board.id, "finance", CFO)
    assert len(token) >= 43  # 32 random bytes
    with metastore.session() as con:
        assert token not in json.dumps([dict(r) for r in con.execute("SELECT * FROM display_tokens")])
    screen = tokens.resolve(token, board.id)
    assert screen.principal.roles == ("finance",) and screen.board_id == board.id
    with pytest.raises(BoardError, match="another board"):
        tokens.resolve(token, other.id)
    with pytest.raises(BoardError, match="not valid"):
        tokens.resolve(token[:-1] + ("A" if token[-1] != "A" else "B"), board.id)
    with pytest.raises(BoardError, match="expired"):
        tokens.resolve(token, board.id, now=dt.datetime.now(dt.UTC) + dt.timedelta(days=91))
    tokens.revoke(screen.token_id, CFO)
    with pytest.raises(BoardError, match="revoked"):
        tokens.resolve(token, board.id)
    kinds = [r[0] for r in metastore.connect().execute("SELECT kind FROM audit_log ORDER BY id")]
    assert kinds.count("token_use") == 1 and kinds.count("token_refused") == 4


def test_a_display_role_never_exceeds_the_owners_grants(metastore_file):
    board = store.save(dataclasses.replace(cash_board(), owner="sales_lead", tiles=()), LEAD)
    with pytest.raises(BoardError, match="sees more than you do"):
        tokens.create(board.id, "finance", LEAD)
    assert tokens.create(board.id, "sales_manager", LEAD)
    with pytest.raises(BoardError, match="only sales_lead"):
        tokens.create(board.id, "sales_manager", CFO)


def test_board_filters_set_the_period_and_regions_of_every_tile(metastore_file, warehouse_path, monkeypatch, raw):
    """Board-level filters: a period for all tiles, and regions where the dimension applies."""
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("CONCORD_WAREHOUSE", str(warehouse_path))
    board = store.save(
        Board(
            title="Q1 East",
            owner="ceo",
            filters={"region": ["East"], "time_from": "2025-01-01", "time_to": "2025-03-31"},
            tiles=(
                Tile(Query(metrics=("revenue",)), title="Revenue"),
                Tile(Query(metrics=("inventory_value",)), title="Stock"),
            ),
        ),
        CEO,
    )
    at = AppTest.from_file(
        str(__import__("pathlib").Path(__file__).parent.parent / "views" / "boards_page.py"), default_timeout=60
    )
    at.session_state["principal"] = CEO
    at.query_params["id"] = str(board.id)
    at.run()
    assert not at.exception and not at.error
    want = raw.execute("""SELECT sum(l.net_amount) FROM order_lines l JOIN orders o USING (order_id)
        JOIN customers c USING (customer_id) WHERE o.status <> 'cancelled' AND c.region = 'East'
        AND o.order_date BETWEEN DATE '2025-01-01' AND DATE '2025-03-31'""").fetchall()[0][0]
    from ui.fmt import format_value

    assert format_value(float(want), "currency", "en") in [m.value for m in at.metric]
    assert len(at.metric) == 2  # the stock tile ignores the region (it has none) but still shows
