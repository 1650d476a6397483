"""Board imports: checked in full before anything is stored; every problem one line naming the tile and field."""

from __future__ import annotations

import json

import pytest

from boards import store
from boards.store import Board, BoardError, Rule, Tile
from data import metastore
from semantic import Principal, Query

CEO = Principal("ceo", ("exec",))
EAST = Principal("sales_east", ("sales_rep",), {"region": "East"})


def export(*tiles: dict, **board) -> str:
    return json.dumps({"title": "Imported", "tiles": list(tiles), **board})


def tile(title: str = "Cash", **query) -> dict:
    return {"title": title, "query": {"metrics": ["cash_in"], **query}}


def stored_boards() -> int:
    with metastore.session() as con:
        return (
            con.execute("SELECT count(*) FROM boards").fetchone()[0]
            + con.execute("SELECT count(*) FROM tiles").fetchone()[0]
        )


def refused(text: str, who: Principal = CEO) -> str:
    """The one-line message an import is refused with; nothing may be stored."""
    with pytest.raises(BoardError) as err:
        store.import_json(text, who)
    message = str(err.value)
    assert "\n" not in message and "Traceback" not in message and len(message) < 400, message
    assert stored_boards() == 0
    return message


@pytest.mark.parametrize(
    "text,needle",
    [
        (
            export(tile("Revenue"), tile("Margin"), tile("Cash", time_from="next tuesday")),
            "tile 3 (Cash): time_from 'next tuesday' is not a date (YYYY-MM-DD).",
        ),
        (export(tile(), filters={"region": 5}), "board filters: region must be a list of member names"),
        (
            export(tile(), filters={"time_from": "next tuesday"}),
            "board filters: time_from 'next tuesday' is not a date",
        ),
        (export(tile(), filters={"planet": ["Mars"]}), "'planet' is not a dimension"),
        (export(tile(where="(" * 60 + "region = 'East'" + ")" * 60)), "tile 1 (Cash): "),
        (export(tile(where="NOT " * 100 + "region = 'East'")), "tile 1 (Cash): "),
        ("[" * 1000 + "]" * 1000, "nests more than"),
        ('{"title": "x", "tiles": [' + "{" * 1000, "nests more than"),
        ("not json", "not JSON"),
        (export(tile(), theme="neon"), "theme 'neon' is not one of 'light' or 'dark'"),
        (export({"title": "Pie", "chart": "pie", "query": {"metrics": ["revenue"]}}), "tile 1 (Pie): chart 'pie'"),
        (
            export({"title": "W", "width": "2", "query": {"metrics": ["revenue"]}}),
            "tile 1 (W): width must be a whole number",
        ),
        (export({"title": "W", "width": 9, "query": {"metrics": ["revenue"]}}), "tile 1 (W): width 9 is out of range"),
        (
            export({"query": {"metrics": ["revenue"]}, "rules": [{"metric": "revenue", "op": "=>", "value": 1}]}),
            "tile 1 (revenue), rule 1: op '=>' is not one of",
        ),
        (
            export({"query": {"metrics": ["revenue"]}, "rules": [{"metric": "revenue", "op": ">", "value": "1e18"}]}),
            "rule 1: value must be a number",
        ),
        (
            (
                '{"title": "x", "tiles": [{"query": {"metrics": ["revenue"]}, "rules": '
                '[{"metric": "revenue", "op": ">", "value": NaN}]}]}'
            ),
            "not JSON (NaN is not a number)",
        ),
        (
            export({"query": {"metrics": ["revenue"]}, "rules": [{"metric": "cash_in", "op": ">", "value": 1}]}),
            "rule on cash_in: the tile shows revenue",
        ),
        (export({"query": {"metrics": ["revenue"], "sql": "SELECT 1"}}), "tile 1 (revenue): unknown field 'sql'"),
        (
            export({"query": {"metrics": ["revenue"], "time_from": "2025-03-01", "time_to": "2025-01-01"}}),
            "tile 1 (revenue): the range starts (2025-03-01) after it ends (2025-01-01).",
        ),
        (export({"query": {"metrics": ["no_such_metric"]}}), "tile 1 (no_such_metric): unknown metric"),
        (json.dumps({"title": "x"}), "needs a title and tiles"),
    ],
)
def test_malformed_imports_are_refused_in_one_line_before_anything_is_stored(metastore_file, text, needle):
    assert needle in refused(text)


def test_an_import_is_checked_against_the_importers_grants(metastore_file):
    """Finding 2: a sales rep cannot smuggle finance metrics in through an import."""
    text = export(tile("Revenue", metrics=["revenue"]), tile("Cash", metrics=["cash_in", "net_cash_flow"]))
    message = refused(text, EAST)
    assert message.startswith("tile 2 (Cash): metric cash_in is not available to your roles: sales_rep")
    assert store.import_json(text, CEO).tiles[1].query.metrics == ("cash_in", "net_cash_flow")


def test_import_limits(metastore_file):
    """Finding 10: tiles per board, rules per tile, text lengths and the file's size are capped."""
    revenue = {"query": {"metrics": ["revenue"]}}
    assert "a board has at most 48 tiles; this one has 49" in refused(export(*[revenue] * 49))
    huge = export(*[revenue] * 20_000)
    assert "a board import is at most 256 KiB" in refused(huge)
    rules = [{"metric": "revenue", "op": ">", "value": i} for i in range(11)]
    assert "at most 10 alert rules" in refused(export({**revenue, "rules": rules}))
    assert "title has more than 200 characters" in refused(export(revenue, title="x" * 201))
    assert "description has more than 2000 characters" in refused(export(revenue, description="x" * 2001))
    assert store.import_json(export(*[revenue] * 48), CEO).tiles[47].query.metrics == ("revenue",)


def test_an_import_that_fails_leaves_other_boards_and_viewers_untouched(metastore_file):
    mine = store.save(
        Board(
            title="Mine", owner="ceo", sharing="everyone", tiles=(Tile(Query(metrics=("revenue",)), title="Revenue"),)
        ),
        CEO,
    )
    with pytest.raises(BoardError):
        store.import_json(export(tile(time_from="next tuesday")), CEO)
    assert [b.id for b in store.visible(EAST)] == [mine.id] and store.get(mine.id, EAST).problems == ()


def test_exported_boards_import_unchanged(metastore_file):
    board = store.save(
        Board(
            title="Round trip",
            owner="ceo",
            description="d",
            columns=3,
            theme="dark",
            filters={"region": ["East"], "time_from": "2025-01-01", "time_to": "2025-03-31"},
            tiles=(
                Tile(
                    Query(metrics=("revenue",), where="channel = 'Online'"),  # a rule reads one number
                    title="Revenue",
                    width=2,
                    chart="bar",
                    rules=(Rule("revenue", ">", 534949901.95, "critical"),),
                ),
            ),
        ),
        CEO,
    )
    copy = store.import_json(store.export_json(board), CEO)
    assert copy.id != board.id and copy.problems == ()
    assert copy.title == "Round trip (2)"  # the importer already has a board of that title
    assert store.export_json(copy) == store.export_json(board).replace('"Round trip"', '"Round trip (2)"')


def test_the_import_chart_list_is_the_pages_chart_list():
    from boards.schema import CHARTS
    from ui.charts import KINDS

    assert CHARTS == KINDS
