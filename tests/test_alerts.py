"""Alerts are evaluated in one place (boards.evaluate) under the board owner's principal, recorded once per
breach with that principal, closed when their rule goes, and shown in the Alert log only to users who may see
the number. Numbers are checked against hand-written SQL over the raw tables."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from auth import accounts
from boards import alerts, evaluate, store
from boards.store import Board, Rule, Tile
from data import metastore
from semantic import Principal, Query

METASTORE_BACKENDS = ("sqlite", "postgres")  # every test using metastore_file runs on both

CFO = Principal("cfo", ("finance",))
CEO = Principal("ceo", ("exec",))
EAST = Principal("sales_east", ("sales_rep",), {"region": "East"})
SOUTH = Principal("sales_south", ("sales_rep",), {"region": "South"})
LEAD = Principal("sales_lead", ("sales_manager",))
ALWAYS = -1e18  # a threshold every value is above


@pytest.fixture
def env(metastore_file, users_file, tmp_path, monkeypatch):
    """Webhooks may be saved for hooks.example.com (store.save checks the allow-list); nothing is delivered
    in these tests (each passes its own `post`)."""
    (tmp_path / "concord.toml").write_text('[webhooks]\nallowed_hosts = ["hooks.example.com"]\n', encoding="utf-8")
    monkeypatch.setenv("CONCORD_CONFIG", str(tmp_path / "concord.toml"))


CASH_RULE = Rule("cash_in", ">", ALWAYS, "critical")


def cash_board(owner="cfo", **changes) -> Board:
    tiles = (Tile(Query(metrics=("cash_in",)), title="Cash in", rules=(CASH_RULE,)),)
    return dataclasses.replace(Board(title="Cash", owner=owner, tiles=tiles), **changes)


def open_rows() -> list[dict]:
    with metastore.session() as con:
        return [dict(r) for r in con.execute("SELECT * FROM alert_log WHERE cleared_at IS NULL ORDER BY id")]


def all_rows() -> list[dict]:
    with metastore.session() as con:
        return [dict(r) for r in con.execute("SELECT * FROM alert_log ORDER BY id")]


def test_rules_are_evaluated_under_the_owner_and_one_unchanged_number_is_one_breach_and_one_post(env, warehouse, raw):
    board = store.save(cash_board(), CFO)
    posts = []
    post = lambda *a: posts.append(a)
    for _ in range(3):
        evaluate.evaluate_board(board, warehouse, post=post)
    rows = all_rows()
    want = raw.execute("SELECT sum(amount) FROM receipts").fetchone()[0]
    assert len(rows) == 1 and rows[0]["cleared_at"] is None
    assert rows[0]["value"] == pytest.approx(float(want))
    assert (rows[0]["evaluated_as"], rows[0]["evaluated_roles"], rows[0]["board_owner"]) == (
        "cfo",
        "finance,budget_approver",
        "cfo",
    )
    assert posts == []  # no webhook on this rule


def test_a_viewer_never_records_nor_clears_a_breach(env, warehouse_path, monkeypatch):
    """The attack of issue 18: a rep's view 'cleared' the CFO's breach. Viewing now records nothing at all."""
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("CONCORD_WAREHOUSE", str(warehouse_path))
    board = store.save(
        Board(
            title="Revenue",
            owner="sales_lead",
            sharing="everyone",
            tiles=(Tile(Query(metrics=("revenue",)), title="Revenue", rules=(Rule("revenue", ">", 0, "warning"),)),),
        ),
        LEAD,
    )
    for viewer in (LEAD, EAST, CEO):
        at = AppTest.from_file(str(Path(__file__).parent.parent / "views" / "boards_page.py"), default_timeout=60)
        at.session_state["principal"] = viewer
        at.query_params["id"] = str(board.id)
        at.run()
        assert not at.exception
    assert all_rows() == []


def test_the_number_comes_from_the_owner_not_from_whoever_views(env, warehouse, raw):
    board = store.save(
        Board(
            title="Revenue",
            owner="sales_east",
            sharing="everyone",
            tiles=(Tile(Query(metrics=("revenue",)), title="Revenue", rules=(Rule("revenue", ">", 0, "warning"),)),),
        ),
        EAST,
    )
    evaluate.evaluate_board(board, warehouse)
    east = raw.execute("""SELECT sum(l.net_amount) FROM order_lines l JOIN orders o USING (order_id)
        JOIN customers c USING (customer_id) WHERE o.status <> 'cancelled' AND c.region = 'East'""").fetchone()[0]
    [row] = all_rows()
    assert row["value"] == pytest.approx(float(east)) and row["evaluated_as"] == "sales_east"
    assert '"region": "East"' in row["evaluated_attributes"]


def test_a_tile_the_owner_may_not_see_is_skipped_and_reported(env, warehouse):
    """A sales rep's imported cash tile (finding 2): evaluated as the rep, so refused; nothing recorded."""
    with metastore.session() as con:  # as if imported before store.save checked the importer's grants
        con.execute(
            "INSERT INTO boards (title, owner, sharing, created_at, updated_at) "
            "VALUES ('Loot', 'sales_east', 'everyone', 'x', 'x')"
        )
        con.execute(
            "INSERT INTO tiles (board_id, position, title, query_json, rules_json) VALUES (1, 0, 'Cash', ?, ?)",
            (
                Query(metrics=("cash_in",)).model_dump_json(),
                '[{"metric": "cash_in", "op": ">", "value": -1e18, "level": "critical", "webhook": ""}]',
            ),
        )
    outcome = evaluate.evaluate_board(store.get_unchecked(1, "test"), warehouse)
    assert outcome.evaluated == () and all_rows() == []
    assert "may no longer see it" in outcome.skipped[0] and "sales_east" in outcome.skipped[0]


def test_a_disabled_or_missing_owner_is_not_evaluated_and_that_is_reported(env, warehouse):
    board = store.save(cash_board(), CFO)
    accounts.update_user("cfo", disabled=True)
    outcome = evaluate.evaluate_board(board, warehouse)
    assert all_rows() == [] and "rules not evaluated" in outcome.skipped[0] and "disabled" in outcome.skipped[0]
    users = accounts.load_users()
    del users["cfo"]
    accounts.save_users(users)
    outcome = evaluate.evaluate_board(board, warehouse)
    assert all_rows() == [] and "unknown user 'cfo'" in outcome.skipped[0]


def test_a_value_back_within_the_rule_clears_the_breach(env, warehouse):
    board = store.save(cash_board(), CFO)
    evaluate.evaluate_board(board, warehouse)
    tile = board.tiles[0]
    assert alerts.record(board, tile, {"cash_in": ALWAYS - 1}, CFO) == []
    [row] = all_rows()
    assert row["cleared_at"] and row["cleared_reason"] == alerts.BACK_WITHIN


def test_breaches_of_removed_rules_tiles_and_boards_are_closed(env, warehouse):
    two = (
        Tile(Query(metrics=("cash_in",)), title="A", rules=(Rule("cash_in", ">", ALWAYS), Rule("cash_in", ">", -5e17))),
        Tile(Query(metrics=("cash_out",)), title="B", rules=(Rule("cash_out", ">", ALWAYS),)),
    )
    board = store.save(Board(title="Cash", owner="cfo", tiles=two), CFO)
    other = store.save(cash_board(title="Other"), CFO)
    evaluate.evaluate_all(warehouse)
    assert len(open_rows()) == 4
    # the second rule of tile A is removed: its breach is closed at the board's next evaluation
    fewer = dataclasses.replace(board.tiles[0], rules=board.tiles[0].rules[:1])
    store.save(dataclasses.replace(board, tiles=(fewer, board.tiles[1])), CFO)
    removed = [r for r in all_rows() if r["rule"] == board.tiles[0].rules[1].text()]
    evaluate.evaluate_board(store.get(board.id, CFO), warehouse)
    assert removed and [r["cleared_reason"] for r in all_rows() if r["id"] == removed[0]["id"]] == [alerts.RULE_REMOVED]
    store.delete(other.id, CFO)  # a deleted board's breach is closed by the next evaluate_all
    evaluate.evaluate_all(warehouse)
    assert {r["board_id"] for r in open_rows()} == {board.id}
    assert all(r["cleared_reason"] == alerts.RULE_REMOVED for r in all_rows() if r["board_id"] == other.id)


def test_the_alert_log_shows_a_breach_only_to_who_may_see_that_number(env, warehouse):
    """The finding-2 leak: the Alert log showed every breach of every board to every user."""
    private = store.save(cash_board(title="CFO private"), CFO)
    shared = store.save(cash_board(title="Cash for execs", sharing="roles", shared_roles=("exec", "sales_rep")), CFO)
    east = store.save(
        Board(
            title="East revenue",
            owner="sales_east",
            sharing="everyone",
            tiles=(Tile(Query(metrics=("revenue",)), title="Revenue", rules=(Rule("revenue", ">", 0),)),),
        ),
        EAST,
    )
    evaluate.evaluate_all(warehouse)

    def seen(who):
        return sorted(r["board"] for r in alerts.history(who))

    assert seen(CFO) == ["CFO private", "Cash for execs", "East revenue"]
    assert seen(CEO) == ["Cash for execs", "East revenue"]  # all rows of every metric; not the private board
    assert seen(EAST) == ["East revenue"]  # shared the cash board, but not granted cash_in
    assert seen(SOUTH) == []  # revenue of East's rows, computed as East: not South's rows
    assert seen(LEAD) == ["East revenue"]
    assert {r["evaluated_as"] for r in all_rows() if r["board_id"] == private.id} == {"cfo"}
    store.delete(east.id, EAST)  # a deleted board's breach: only its owner, who it was evaluated as
    assert seen(EAST) == ["East revenue"] and seen(CEO) == ["Cash for execs"]
    assert shared.id and len(alerts.history(CFO, limit=1)) == 1


def test_breaches_recorded_under_a_viewer_before_006_are_closed_and_shown_only_to_all_row_viewers(tmp_path):
    import sqlite3

    db = tmp_path / "old.sqlite"
    con = sqlite3.connect(db)
    con.execute("CREATE TABLE schema_version (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT)")
    for number, name, file in metastore.migrations():
        if number < 6:
            con.executescript(file.read_text())
            con.execute("INSERT INTO schema_version (version, name) VALUES (?, ?)", (number, name))
    con.execute(
        "INSERT INTO boards (id, title, owner, sharing, created_at, updated_at) VALUES (1, 'B', 'sales_east', "
        "'everyone', 'x', 'x')"
    )
    con.execute(
        "INSERT INTO tiles (id, board_id, position, query_json) VALUES (7, 1, 0, ?)",
        (Query(metrics=("revenue",)).model_dump_json(),),
    )
    con.execute(
        "INSERT INTO alert_log (board_id, tile_id, rule, level, value, breached_at) "
        "VALUES (1, 7, 'revenue > 0', 'warning', 123.0, 'x')"
    )
    con.commit()
    con.close()
    with metastore.session(db) as migrated:
        row = dict(migrated.execute("SELECT * FROM alert_log").fetchone())
    assert row["cleared_at"] and row["board_owner"] == "sales_east" and row["evaluated_as"] is None
    assert alerts._may_see(
        CEO,
        row,
        store.Board("B", "sales_east", sharing="everyone", id=1, tiles=(Tile(Query(metrics=("revenue",)), id=7),)),
    )
    assert not alerts._may_see(
        EAST,
        row,
        store.Board("B", "sales_east", sharing="everyone", id=1, tiles=(Tile(Query(metrics=("revenue",)), id=7),)),
    )


def test_board_filters_apply_to_the_evaluated_query(env, warehouse, raw):
    board = store.save(
        Board(
            title="Q1 East",
            owner="ceo",
            filters={"region": ["East"], "time_from": "2025-01-01", "time_to": "2025-03-31"},
            tiles=(Tile(Query(metrics=("revenue",)), title="Revenue", rules=(Rule("revenue", ">", 0),)),),
        ),
        CEO,
    )
    evaluate.evaluate_board(board, warehouse)
    want = raw.execute("""SELECT sum(l.net_amount) FROM order_lines l JOIN orders o USING (order_id)
        JOIN customers c USING (customer_id) WHERE o.status <> 'cancelled' AND c.region = 'East'
        AND o.order_date BETWEEN DATE '2025-01-01' AND DATE '2025-03-31'""").fetchone()[0]
    assert all_rows()[0]["value"] == pytest.approx(float(want))


def test_a_rule_whose_owner_may_not_set_webhooks_posts_nothing(env, warehouse, monkeypatch):
    """A webhook stored before saves checked it (or before its owner lost the grant) is still never delivered."""
    monkeypatch.setattr(store.webhooks, "check", lambda url, who: url)
    rule = Rule("revenue", ">", 0, "warning", "https://hooks.example.com/x")
    board = store.save(
        Board(title="R", owner="sales_lead", tiles=(Tile(Query(metrics=("revenue",)), rules=(rule,)),)), LEAD
    )
    posts = []
    evaluate.evaluate_board(board, warehouse, post=lambda *a: posts.append(a))
    with metastore.session() as con:
        [log] = [dict(r) for r in con.execute("SELECT * FROM webhook_deliveries")]
    assert posts == [] and log["status"] == "failed" and "may not set webhooks" in log["message"]


def test_record_once_clear_then_a_new_breach_posts_again(env):
    """Moved from test_boards: the breach/clear cycle of one rule, with the principal recorded each time."""
    rule = Rule("dso", ">", 60, "critical", "https://hooks.example.com/x")
    board = store.save(
        Board(title="DSO", owner="cfo", tiles=(Tile(Query(metrics=("dso",)), title="DSO", rules=(rule,)),)), CFO
    )
    tile, posts = board.tiles[0], []
    post = lambda *a: posts.append(a[2]["value"])
    assert len(alerts.record(board, tile, {"dso": 75.0}, CFO, post=post)) == 1
    assert alerts.record(board, tile, {"dso": 80.0}, CFO, post=post) == []  # same breach, not again
    assert alerts.record(board, tile, {"dso": 50.0}, CFO, post=post) == []  # cleared
    assert len(alerts.record(board, tile, {"dso": 61.0}, CFO, post=post)) == 1  # a new breach
    assert posts == [75.0, 61.0]
    assert [r["cleared_at"] is None for r in alerts.history(CFO)] == [True, False]
    assert alerts.level_of(tile, {"dso": 90})[0] == "critical" and alerts.level_of(tile, {"dso": 1})[0] is None


# ---- the schedule: one process at a time, each board at most every max(refresh, 60) s ----------------
def test_only_one_process_holds_the_lease_until_it_expires(env):
    assert evaluate.take_lease("a", 60, now=1000) and evaluate.take_lease("a", 60, now=1010)  # renews its own
    assert not evaluate.take_lease("b", 60, now=1069)
    assert evaluate.take_lease("b", 60, now=1071)  # a's lease ran out
    evaluate.release_lease("b")
    assert evaluate.take_lease("a", 60, now=1072)


def test_run_once_evaluates_each_board_at_most_every_refresh_interval(env, warehouse):
    import datetime as dt

    fast = store.save(cash_board(title="Fast", refresh_seconds=5), CFO)  # at most every 60 s anyway
    slow = store.save(cash_board(title="Slow", refresh_seconds=600), CFO)
    t0 = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)

    def done(seconds, holder="me"):
        outcomes = evaluate.run_once(warehouse, holder=holder, now=t0 + dt.timedelta(seconds=seconds))
        return None if outcomes is None else sorted(o.board_id for o in outcomes)

    assert done(0) == [fast.id, slow.id]
    assert done(30) == [] and done(60) == [fast.id] and done(400) == [fast.id] and done(600) == [fast.id, slow.id]
    assert done(700, holder="another process") is None  # my lease (3 minutes from 600) still holds
    assert done(800, holder="another process") == [fast.id]  # it ran out: the other process takes over


def test_start_runs_one_thread_per_process_that_evaluates(env, warehouse, monkeypatch):
    monkeypatch.setenv(evaluate.SWITCH, "off")
    assert evaluate.start(lambda: warehouse) is None  # test runs and cron-only deployments switch it off
    monkeypatch.delenv(evaluate.SWITCH)
    made = []
    board = store.save(cash_board(), CFO)
    try:
        first = evaluate.start(lambda: made.append(1) or warehouse, interval_seconds=0.05)
        assert evaluate.start(lambda: warehouse) is first and first.daemon
        for _ in range(200):
            if open_rows():
                break
            first.join(0.05)
        assert [r["board_id"] for r in open_rows()] == [board.id] and made == [1]
    finally:
        evaluate.stop()
    assert not first.is_alive()


def test_the_cron_command_runs_one_pass_and_bad_input_is_one_line_exit_2(env, warehouse_path, tmp_path, capsys):
    board = store.save(cash_board(), CFO)
    assert evaluate.main(["--once", "--warehouse", str(warehouse_path)]) == 0
    assert "evaluated 1 board(s): 1 new breach(es)" in capsys.readouterr().out
    assert [r["board_id"] for r in open_rows()] == [board.id]
    assert evaluate.main(["--once", "--warehouse", str(tmp_path / "missing.duckdb")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: no warehouse at") and err.count("\n") == 1 and "Traceback" not in err
    assert evaluate.main(["--once", "--db", str(tmp_path), "--warehouse", str(warehouse_path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1


def test_the_cron_command_as_a_process(env, warehouse_path, tmp_path):
    import subprocess
    import sys

    root = Path(__file__).resolve().parent.parent
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "boards.evaluate",
            "--once",
            "--db",
            str(tmp_path / "m.sqlite"),
            "--warehouse",
            str(tmp_path / "nope.duckdb"),
        ],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2 and done.stderr.count("\n") == 1 and "Traceback" not in done.stderr


# the level says what the breach means by the metric's good direction (cash_in above a line: good news)
@pytest.mark.parametrize(
    "lang, header, level", [("en", "Value", "Critical · good news"), ("zh", "数值", "严重 · 有利")]
)
def test_the_alert_log_page_shows_readable_columns_of_the_viewers_breaches_only(
    env, warehouse, warehouse_path, monkeypatch, lang, header, level
):
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("CONCORD_WAREHOUSE", str(warehouse_path))
    store.save(cash_board(title="<iframe srcdoc='x'>"), CFO)
    evaluate.evaluate_all(warehouse)

    def page(who):
        at = AppTest.from_file(str(Path(__file__).parent.parent / "views" / "alerts.py"), default_timeout=60)
        at.session_state["principal"] = who
        at.session_state["lang"] = lang
        at.run()
        assert not at.exception and not at.error
        return at

    shown = page(CFO).dataframe[0].value
    assert list(shown.columns)[5] == header and shown.iloc[0, 4] == level
    assert shown.iloc[0, 1] == "<iframe srcdoc='x'>" and shown.iloc[0, 5].startswith("¥")  # plain text, formatted
    assert page(EAST).dataframe == [] and "<iframe" not in str(page(EAST).markdown)
