"""Saving boards: grants per tile, stable tile ids, exact thresholds, limits, pins, unreadable rows."""

from __future__ import annotations

import dataclasses
import json

import pytest

from boards import alerts, pins, store
from boards.store import Board, BoardError, Rule, Tile
from data import metastore
from semantic import Principal, Query
from semantic.authorize import on_check

METASTORE_BACKENDS = ("sqlite", "postgres")  # every test using metastore_file runs on both

CEO = Principal("ceo", ("exec",))
CFO = Principal("cfo", ("finance",))
EAST = Principal("sales_east", ("sales_rep",), {"region": "East"})
LEAD = Principal("sales_lead", ("sales_manager",))
ADMIN = Principal("admin", ("admin",))


def revenue_tile(title="Revenue", **rules) -> Tile:
    return Tile(Query(metrics=("revenue",)), title=title, **rules)


def audit_kinds() -> list[tuple[str, str, str]]:
    with metastore.session() as con:
        return [tuple(r) for r in con.execute("SELECT kind, username, message FROM audit_log ORDER BY id")]


# ---- finding 2: only tiles over what the saver may see ------------------------------
def test_a_user_cannot_save_a_tile_over_metrics_they_may_not_see(metastore_file):
    cash = Tile(Query(metrics=("cash_in", "net_cash_flow")), title="Cash")
    with pytest.raises(BoardError, match=r"^tile 2 \(Cash\): metric cash_in is not available to your roles: sales_rep"):
        store.save(Board(title="Mine", owner="sales_east", tiles=(revenue_tile(), cash)), EAST)
    board = store.save(Board(title="Mine", owner="sales_east", tiles=(revenue_tile(),)), EAST)
    with pytest.raises(BoardError, match=r"tile 2 \(Cash\): metric cash_in"):  # an update is checked too
        store.save(dataclasses.replace(board, tiles=board.tiles + (cash,)), EAST)
    where = Tile(Query(metrics=("revenue",), where="channel = 'Online'"), title="Seg")
    assert store.save(dataclasses.replace(board, tiles=board.tiles + (where,)), EAST).version == 2


def test_every_tile_asks_the_one_authorisation(metastore_file):
    seen = []
    stop = on_check(lambda d: seen.append((d.principal.username, d.action)))
    try:
        store.save(Board(title="Two", owner="ceo", tiles=(revenue_tile("A"), revenue_tile("B"))), CEO)
    finally:
        stop()
    # each tile is checked by the store; compiling it (semantic.plan) asks again on a plan-cache miss
    assert seen.count(("ceo", "query")) >= 2


def test_a_new_webhook_needs_the_set_webhooks_permission(metastore_file, tmp_path, monkeypatch):
    (tmp_path / "concord.toml").write_text('[webhooks]\nallowed_hosts = ["hooks.example"]\n', encoding="utf-8")
    monkeypatch.setenv("CONCORD_CONFIG", str(tmp_path / "concord.toml"))
    hook = Rule("revenue", ">", 1, "warning", "https://hooks.example/x")
    with pytest.raises(BoardError, match=r"tile 1 \(Revenue\): rule revenue > 1: set webhook is not granted"):
        store.save(Board(title="Hooked", owner="sales_lead", tiles=(revenue_tile(rules=(hook,)),)), LEAD)
    board = store.save(Board(title="Hooked", owner="cfo", tiles=(revenue_tile(rules=(hook,)),)), CFO)
    assert board.tiles[0].rules[0].webhook == hook.webhook


@pytest.mark.parametrize("url", ["https://attacker.example/x", "file:///etc/passwd", "http://127.0.0.1:8501/"])
def test_a_new_webhook_must_go_to_an_allowed_http_host(metastore_file, tmp_path, monkeypatch, url):
    (tmp_path / "concord.toml").write_text('[webhooks]\nallowed_hosts = ["hooks.example"]\n', encoding="utf-8")
    monkeypatch.setenv("CONCORD_CONFIG", str(tmp_path / "concord.toml"))
    hook = Rule("revenue", ">", 1, "warning", url)
    with pytest.raises(BoardError, match=r"tile 1 \(Revenue\): rule revenue > 1: "):
        store.save(Board(title="Hooked", owner="cfo", tiles=(revenue_tile(rules=(hook,)),)), CFO)


# ---- finding 4: tile ids survive a save --------------------------------------------
def test_tile_ids_survive_reordering_edits_additions_and_removals(metastore_file):
    a, b, c = revenue_tile("A"), Tile(Query(metrics=("orders",)), title="B"), Tile(Query(metrics=("units",)), title="C")
    board = store.save(Board(title="Ids", owner="ceo", tiles=(a, b, c)), CEO)
    ids = {t.title: t.id for t in board.tiles}
    a2, b2, _ = board.tiles
    edited = dataclasses.replace(
        b2,
        title="B renamed",
        width=2,
        chart="bar",
        query=Query(metrics=("orders", "units")),
        rules=(Rule("orders", ">", 10),),
    )
    saved = store.save(dataclasses.replace(board, tiles=(edited, a2, revenue_tile("D"))), CEO)
    assert [(t.title, t.id) for t in saved.tiles][:2] == [("B renamed", ids["B"]), ("A", ids["A"])]
    assert saved.tiles[0].query.metrics == ("orders", "units") and saved.tiles[0].rules == (Rule("orders", ">", 10),)
    assert saved.tiles[0].width == 2 and saved.tiles[0].chart == "bar"
    assert saved.tiles[2].id not in ids.values()
    with metastore.session() as con:
        assert con.execute("SELECT count(*) FROM tiles WHERE id = ?", (ids["C"],)).fetchone()[0] == 0
    assert [t.id for t in store.get(board.id, CEO).tiles] == [t.id for t in saved.tiles]


def test_a_tile_id_of_another_board_is_refused(metastore_file):
    first = store.save(Board(title="First", owner="ceo", tiles=(revenue_tile(),)), CEO)
    second = store.save(Board(title="Second", owner="ceo", tiles=(revenue_tile("Other"),)), CEO)
    with pytest.raises(BoardError, match=r"tile 2 \(Revenue\): tile id \d+ is not a tile of this board"):
        store.save(dataclasses.replace(second, tiles=second.tiles + first.tiles), CEO)
    with pytest.raises(BoardError, match="is not a tile of this board"):
        store.save(Board(title="New", owner="ceo", tiles=first.tiles), CEO)
    with pytest.raises(BoardError, match="on the board twice"):
        store.save(dataclasses.replace(first, tiles=first.tiles * 2), CEO)
    assert store.get(first.id, CEO).tiles == first.tiles and store.get(second.id, CEO).version == 1


def test_an_open_breach_stays_attached_to_its_tile_across_saves(metastore_file):
    """The re-firing in finding 4: a save used to give every tile a new id."""
    rule = Rule("revenue", ">", 100, "critical")
    board = store.save(
        Board(title="Watch", owner="ceo", tiles=(revenue_tile("Other"), revenue_tile(rules=(rule,)))), CEO
    )
    assert len(alerts.record(board, board.tiles[1], {"revenue": 500.0}, CEO, post=lambda *a: None)) == 1
    saved = store.save(dataclasses.replace(board, title="Watch (renamed)", tiles=board.tiles[::-1]), CEO)
    assert alerts.record(saved, saved.tiles[0], {"revenue": 500.0}, CEO, post=lambda *a: None) == []


# ---- finding 9: thresholds kept exactly --------------------------------------------
@pytest.mark.parametrize(
    "value,text",
    [
        (534949901.95, "534949901.95"),
        (0.1 + 0.2, "0.30000000000000004"),
        (60, "60"),
        (60.0, "60"),
        (-0.5, "-0.5"),
        (1e18, "1e+18"),
        (-1e-7, "-1e-07"),
        (123456789012.34, "123456789012.34"),
    ],
)
def test_thresholds_are_kept_and_shown_exactly(metastore_file, value, text):
    board = store.save(
        Board(title="Exact", owner="ceo", tiles=(revenue_tile(rules=(Rule("revenue", ">=", value),)),)), CEO
    )
    rule = store.get(board.id, CEO).tiles[0].rules[0]
    assert rule.value == value and rule.value_text == text and rule.text() == f"revenue >= {text}"
    written = rule.text().split()[2]
    assert float(written) == value  # what the editor shows reads back as the same number
    with metastore.session() as con:
        assert json.loads(con.execute("SELECT rules_json FROM tiles").fetchone()[0])[0]["value"] == value


# ---- finding 10: limits on a save ---------------------------------------------------
@pytest.mark.parametrize(
    "change,needle",
    [
        ({"tiles": (revenue_tile(),) * 49}, "a board has at most 48 tiles; this one has 49"),
        ({"title": "x" * 201}, "title has more than 200 characters"),
        ({"description": "x" * 2001}, "description has more than 2000 characters"),
        (
            {"tiles": (revenue_tile(rules=(Rule("revenue", ">", 1),) * 11),)},
            r"tile 1 \(Revenue\): a tile has at most 10",
        ),
        ({"tiles": (revenue_tile(rules=(Rule("revenue", ">", float("inf")),)),)}, "value must be a finite number"),
        ({"tiles": (revenue_tile(rules=(Rule("revenue", "=", 1),)),)}, "op '=' is not one of"),
        ({"tiles": (dataclasses.replace(revenue_tile(), title="x" * 201),)}, "title has more than 200 characters"),
        ({"filters": {"region": "East"}}, "board filters: region must be a list of member names"),
    ],
)
def test_board_limits_on_save(metastore_file, change, needle):
    with pytest.raises(BoardError, match=needle):
        store.save(dataclasses.replace(Board(title="Big", owner="ceo"), **change), CEO)
    assert store.visible(CEO) == []


# ---- finding 2: pins ----------------------------------------------------------------
def shared(owner: Principal, *roles: str) -> Board:
    sharing = {"sharing": "roles", "shared_roles": roles} if roles else {"sharing": "everyone"}
    return store.save(
        Board(title=f"{owner.username}'s", owner=owner.username, tiles=(revenue_tile(),), **sharing), owner
    )


def test_only_roles_granted_pins_for_a_role_may_pin_there(metastore_file):
    mine = shared(EAST)
    with pytest.raises(BoardError, match="may not pin boards for role exec"):
        pins.pin("exec", mine.id, EAST)  # the owner of a board shared with everyone: not enough
    with pytest.raises(BoardError, match="may not pin boards for role exec"):
        pins.pin("exec", shared(CFO).id, CFO)  # finance pins for finance only
    pins.pin("finance", shared(CFO, "finance").id, CFO)
    pins.pin("sales_rep", mine.id, LEAD)  # a sales manager pins for reps, on a board they did not make
    pins.pin("exec", mine.id, ADMIN)
    assert pins.pinned_for(CEO).id == mine.id and pins.pinned_for(EAST).id == mine.id
    kinds = audit_kinds()
    assert [k for k, *_ in kinds].count("pin_refused") == 2 and [k for k, *_ in kinds].count("board_pinned") == 3
    assert ("board_pinned", "admin", f"board {mine.id} for role exec") in kinds


def test_unpinning_needs_pins_for_that_role_too(metastore_file):
    board = shared(CEO)
    pins.pin("exec", board.id, CEO)
    with pytest.raises(BoardError, match="may not pin boards for role exec"):
        pins.pin("exec", None, EAST)
    assert pins.pinned_for(CEO).id == board.id
    pins.pin("exec", None, ADMIN)
    assert pins.pinned_for(CEO) is None
    assert ("board_unpinned", "admin", f"role exec (replacing board {board.id})") in audit_kinds()


def test_a_pin_names_a_board_the_pinner_can_see_and_shows_only_to_viewers(metastore_file):
    private = store.save(Board(title="Private", owner="cfo", tiles=(revenue_tile(),)), CFO)
    with pytest.raises(BoardError, match="not shared with you"):
        pins.pin("exec", private.id, CEO)
    finance_only = shared(CFO, "finance", "admin")
    with pytest.raises(BoardError, match="share the board with role exec"):
        pins.pin("exec", finance_only.id, ADMIN)
    with pytest.raises(BoardError, match="not shared with you"):
        pins.pin("finance", finance_only.id, CEO)
    pins.pin("finance", finance_only.id, CFO)
    assert pins.pinned_for(Principal("other", ("finance", "sales_rep"), {"region": "East"})).id == finance_only.id
    assert pins.pinned_for(EAST) is None


# ---- finding 13: a row that cannot be read never breaks the board -------------------
def test_unreadable_rows_are_left_out_and_named(metastore_file):
    board = store.save(
        Board(
            title="Old",
            owner="ceo",
            sharing="everyone",
            filters={"region": ["East"]},
            tiles=(revenue_tile("Good"), revenue_tile("Bad date"), revenue_tile("Bad rule")),
        ),
        CEO,
    )
    bad_query = json.dumps({"metrics": ["revenue"], "time_from": "next tuesday"})
    with metastore.session() as con:  # rows an import stored before imports were checked
        con.execute("UPDATE tiles SET query_json = ? WHERE id = ?", (bad_query, board.tiles[1].id))
        con.execute(
            "UPDATE tiles SET rules_json = ? WHERE id = ?",
            ('[{"metric": "revenue", "op": ">", "value": "lots"}]', board.tiles[2].id),
        )
        con.execute("UPDATE boards SET filters_json = ? WHERE id = ?", ('{"region": 5}', board.id))
    seen = store.get(board.id, EAST)
    assert [t.title for t in seen.tiles] == ["Good"] and seen.filters == {}
    assert len(seen.problems) == 3 and "tile 2 (Bad date): time_from 'next tuesday' is not a date" in seen.problems[1]
    assert "tile 3 (Bad rule), rule 1: value must be a number" in seen.problems[2]
    assert [b.id for b in store.visible(EAST)] == [board.id]
    fixed = store.save(dataclasses.replace(seen, filters={"region": ["East"]}), CEO)  # the owner's save drops them
    assert fixed.problems == () and [t.title for t in fixed.tiles] == ["Good"]


def test_an_older_rule_on_another_metric_still_loads_and_the_next_save_names_it(metastore_file):
    board = store.save(Board(title="Old rule", owner="ceo", tiles=(revenue_tile(),)), CEO)
    with metastore.session() as con:
        con.execute("UPDATE tiles SET rules_json = ?", ('[{"metric": "dso", "op": ">", "value": 60}]',))
    loaded = store.get(board.id, CEO)
    assert loaded.problems == () and loaded.tiles[0].rules == (Rule("dso", ">", 60),)
    with pytest.raises(BoardError, match=r"tile 1 \(Revenue\): rule on dso: the tile shows revenue"):
        store.save(loaded, CEO)


def test_someone_else_saving_a_board_is_told_who_may_edit_it_first(metastore_file):
    board = store.save(
        Board(title="Cash", owner="cfo", sharing="everyone", tiles=(Tile(Query(metrics=("cash_in",)), title="Cash"),)),
        CFO,
    )
    with pytest.raises(BoardError, match="^only cfo can edit board 'Cash'"):
        store.save(dataclasses.replace(board, title="Mine"), EAST)
