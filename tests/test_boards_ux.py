"""Issue 11, boards page: rules a grouped tile cannot honour are refused, delete asks first,
an import gets its own title and is the board opened, screen links offer only roles that
work (with the attributes they need, as a full URL and a QR code), pinning says so."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from boards import store, tokens
from boards.store import Board, BoardError, Rule, Tile
from semantic import Principal, Query, run
from semantic.authorize import allowed

PAGE = str(Path(__file__).resolve().parent.parent / "views" / "boards_page.py")
CFO = Principal("cfo", ("finance",))
LEAD = Principal("sales_lead", ("sales_manager",))
EAST = Principal("sales_east", ("sales_rep",), {"region": "East"})
GROUPED = Tile(Query(metrics=("revenue",), group_by=("region",)), title="Revenue by region")


def sales_board(owner: str = "sales_lead") -> Board:
    tiles = (Tile(Query(metrics=("revenue",)), title="Revenue"), GROUPED)
    return Board(title="Sales", owner=owner, tiles=tiles, sharing="everyone")


def page(who: Principal, board_id: int | None = None, lang: str = "en"):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(PAGE, default_timeout=60)
    at.session_state["principal"] = who
    at.session_state["lang"] = lang
    if board_id is not None:
        at.query_params["id"] = str(board_id)
    return at.run()


def shown(elements) -> list[str]:
    """Messages as the user reads them (ui.safe.plain escapes Markdown with backslashes)."""
    return [e.value.replace("\\", "") for e in elements]


# ---- defect 9: a rule on a grouped tile never fired; now it is refused when saved ----------
def test_a_rule_on_a_grouped_tile_is_refused_when_saved(metastore_file):
    rule = Rule("revenue", ">", 1)
    board = sales_board()
    grouped = dataclasses.replace(board, tiles=(board.tiles[0], dataclasses.replace(GROUPED, rules=(rule,))))
    with pytest.raises(BoardError) as err:
        store.save(grouped, LEAD)
    message = str(err.value)
    assert message.startswith("tile 2 (Revenue by region): alert rules need a tile with one number (no group-by)")
    assert "\n" not in message
    assert store.visible(LEAD) == []  # nothing stored
    # the same rule on the one-number tile is fine
    ok = dataclasses.replace(board, tiles=(dataclasses.replace(board.tiles[0], rules=(rule,)), GROUPED))
    assert store.save(ok, LEAD).tiles[0].rules == (rule,)


def test_a_rule_on_a_metric_the_tile_does_not_show_is_refused(metastore_file):
    tile = Tile(Query(metrics=("revenue",)), "Revenue", rules=(Rule("orders", ">", 5),))
    with pytest.raises(BoardError, match=r"tile 1 \(Revenue\), rule|tile 1 \(Revenue\): rule on orders"):
        store.save(Board(title="x", owner="sales_lead", tiles=(tile,)), LEAD)


def test_an_import_carrying_a_rule_on_a_grouped_tile_is_refused(metastore_file):
    data = json.loads(store.export_json(sales_board()))
    data["tiles"][1]["rules"] = [{"metric": "revenue", "op": ">", "value": 1, "level": "warning", "webhook": ""}]
    with pytest.raises(BoardError, match=r"^tile 2 \(Revenue by region\): alert rules need a tile with one number"):
        store.import_json(json.dumps(data), LEAD)
    assert store.visible(LEAD) == []


# ---- defect 10: import titles, the board opened, delete confirmation ------------------------
def test_an_import_of_a_title_the_importer_has_gets_a_numbered_title(metastore_file):
    first = store.save(sales_board(), LEAD)
    text = store.export_json(first)
    second, third = store.import_json(text, LEAD), store.import_json(text, LEAD)
    assert (second.title, third.title) == ("Sales (2)", "Sales (3)")
    assert store.import_json(text, CFO).title == "Sales (2)"  # imports are private: the CFO sees only "Sales"
    private = store.save(Board(title="Mine", owner="cfo"), CFO)
    assert store.import_json(store.export_json(private), LEAD).title == "Mine"  # a title LEAD cannot see stays


def test_the_page_opens_exactly_the_imported_board(metastore_file, warehouse_path, monkeypatch):
    import streamlit

    monkeypatch.setenv("CONCORD_WAREHOUSE", str(warehouse_path))
    first = store.save(sales_board(), LEAD)
    store.save(Board(title="Another", owner="sales_lead", tiles=(GROUPED,)), LEAD)

    class Upload:  # AppTest cannot upload a file: the uploader hands the page this one
        def getvalue(self):
            return store.export_json(first).encode("utf-8")

    real = streamlit.file_uploader
    monkeypatch.setattr(
        streamlit, "file_uploader", lambda *a, **k: Upload() if k.get("key") == "import_board" else real(*a, **k)
    )
    at = page(LEAD, first.id)
    assert at.selectbox(key="board_pick").value.id == first.id
    at.button(key="import_go").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    made = [b for b in store.visible(LEAD) if b.title == "Sales (2)"]
    assert len(made) == 1
    assert at.selectbox(key="board_pick").value.id == made[0].id
    assert at.query_params["id"] == [str(made[0].id)] or at.query_params["id"] == str(made[0].id)
    assert shown(at.success) == ["Board “Sales (2)” imported; it is shown below."]


def test_delete_asks_for_confirmation_then_says_it_was_done(metastore_file, warehouse_path, monkeypatch):
    monkeypatch.setenv("CONCORD_WAREHOUSE", str(warehouse_path))
    board = store.save(sales_board(), LEAD)
    at = page(LEAD, board.id)
    delete = at.button(key=f"del_{board.id}")
    assert delete.disabled  # one click does nothing: the button waits for the confirmation
    at.checkbox(key=f"delok_{board.id}").check().run()
    at.button(key=f"del_{board.id}").click().run()
    assert not at.exception and not at.error
    assert store.visible(LEAD) == []
    assert shown(at.success) == ["Board “Sales” deleted."]


# ---- defect 14 (pins): a placeholder, not "None"; a message in the user's language ---------
@pytest.mark.parametrize(
    "lang,placeholder,said",
    [("en", "Choose a role", "Pinned to the home page of Finance."), ("zh", "选择角色", "已固定到财务的首页。")],
)
def test_pin_has_a_placeholder_and_confirms(metastore_file, warehouse_path, monkeypatch, lang, placeholder, said):
    monkeypatch.setenv("CONCORD_WAREHOUSE", str(warehouse_path))
    board = store.save(Board(title="Cash", owner="cfo", tiles=(GROUPED,), sharing="everyone"), CFO)
    at = page(CFO, board.id, lang)
    picker = at.selectbox(key=f"pin_{board.id}")
    assert None not in picker.options and "None" not in picker.options
    assert picker.value is None and picker.placeholder == placeholder
    assert at.button(key=f"pinb_{board.id}").disabled
    assert {"en": "Finance", "zh": "财务"}[lang] in picker.options
    if lang == "zh":  # AppTest formats other widgets' values in English when it sends them: read-only here
        from ui.i18n import text

        assert text("board.pinned_to", "zh", role="财务") == said
        return
    picker.select_index(picker.options.index("Finance")).run()
    at.button(key=f"pinb_{board.id}").click().run()
    assert not at.exception and not at.error
    assert said in shown(at.success)


# ---- defect 12: screen links ------------------------------------------------------------------
def test_create_token_checks_the_attributes_the_role_needs(metastore_file):
    board = store.save(sales_board(), LEAD)
    assert not allowed(LEAD, "create_token", (board, "sales_rep"))  # no region: the screen could not run
    assert allowed(LEAD, "create_token", (board, "sales_rep", {"region": "East"}))
    assert allowed(LEAD, "create_token", (board, "sales_manager"))  # the old two-part resource still works
    for wider in ("exec", "finance", "admin"):
        assert not allowed(LEAD, "create_token", (board, wider))
    own = store.save(sales_board(owner="sales_east"), EAST)
    assert allowed(EAST, "create_token", (own, "sales_rep", {"region": "East"}))
    assert not allowed(EAST, "create_token", (own, "sales_rep", {"region": "West"}))  # rows EAST may not see


def test_a_sales_rep_link_carries_its_region_to_the_screen(metastore_file, users_file, warehouse, raw):
    board = store.save(sales_board(), LEAD)
    token = tokens.create(board.id, "sales_rep", LEAD, 30, {"region": "East", "ignored": "x"})
    screen = tokens.resolve(token, board.id)
    assert screen.principal.roles == ("sales_rep",) and dict(screen.principal.attributes) == {"region": "East"}
    [row] = [r for r in tokens.listed(board.id)]
    assert row["attributes"] == {"region": "East"} and row["status"] == "active"
    got = run(Query(metrics=("revenue",), group_by=("region",)), screen.principal, warehouse=warehouse).frame
    want = raw.execute("""SELECT sum(l.net_amount) FROM order_lines l JOIN orders o USING (order_id)
        JOIN customers c USING (customer_id) WHERE o.status <> 'cancelled' AND c.region = 'East'""").fetchall()[0][0]
    assert list(got["region"]) == ["East"]
    assert float(got["revenue"].iloc[0]) == pytest.approx(float(want), rel=1e-9)
    with pytest.raises(BoardError, match="chooses its rows"):
        tokens.create(board.id, "sales_rep", LEAD, 30)


def test_the_screen_dialog_offers_only_roles_that_work_and_shows_a_full_link(
    metastore_file, users_file, warehouse_path, monkeypatch
):
    monkeypatch.setenv("CONCORD_WAREHOUSE", str(warehouse_path))
    board = store.save(sales_board(), LEAD)
    at = page(LEAD, board.id)
    roles = at.selectbox(key=f"dr_{board.id}_en")
    assert set(roles.options) == {"Sales manager", "Sales rep"}  # labels; exec, finance, admin are not offered
    roles.select_index(roles.options.index("Sales rep")).run()
    region = at.selectbox(key=f"da_{board.id}_sales_rep_region")
    assert {"East", "Central"} <= set(region.options)
    region.select_index(region.options.index("East")).run()
    at.button(key=f"mk_{board.id}").click().run()
    assert not at.exception and not at.error
    [link] = [c.value for c in at.code]
    assert link.startswith(f"http://localhost:8501/?board={board.id}&kiosk=1&token=")
    token = link.split("token=")[1]
    assert dict(tokens.resolve(token, board.id).principal.attributes) == {"region": "East"}
    assert len(at.get("image")) == 1  # the QR code


def test_the_screen_dialog_of_a_sales_rep_offers_their_own_region_only(
    metastore_file, users_file, warehouse_path, monkeypatch
):
    monkeypatch.setenv("CONCORD_WAREHOUSE", str(warehouse_path))
    board = store.save(sales_board(owner="sales_east"), EAST)
    at = page(EAST, board.id)
    assert at.selectbox(key=f"dr_{board.id}_en").options == ["Sales rep"]
    assert at.selectbox(key=f"da_{board.id}_sales_rep_region").options == ["East"]
