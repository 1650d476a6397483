"""Office screens, without a browser: a breached rule named by its label with its threshold in the
metric's format and coloured by the metric's good direction; boards of more than eight tiles in
pages; charts styled for a TV while Explore's stay as they were."""

from __future__ import annotations

import pandas as pd
import pytest

from boards.alerts import news
from boards.store import Board, Rule, Tile
from semantic import Query
from ui import charts, screen_charts
from ui.context import rule_text
from ui.fmt import exact as threshold_text
from ui.tiles import pages


@pytest.mark.parametrize(
    "value,fmt,lang,shown",
    [
        (1, "days", "en", "1 day"),
        (1, "days", "zh", "1天"),
        (60, "days", "en", "60 days"),
        (45.5, "days", "zh", "45.5天"),
        (5_000_000, "currency", "en", "¥5M"),
        (5_000_000, "currency", "zh", "¥500万"),
        (250_000_000, "currency", "zh", "¥2.5亿"),
        (1_500, "currency", "en", "¥1.5K"),
        (1_234_567, "currency", "en", "¥1,234,567"),  # exact: never rounded to ¥1.23M
        (-2_000_000, "currency", "en", "-¥2M"),
        (0.3, "percent", "en", "30%"),
        (0.125, "percent", "zh", "12.5%"),
        (12000, "count", "en", "12,000"),
        (0, "currency", "en", "¥0"),
    ],
)
def test_a_threshold_reads_in_its_metrics_format(value, fmt, lang, shown):
    assert threshold_text(value, fmt, lang) == shown


def test_a_rule_names_its_metric_by_label_in_the_screens_language():
    rule = Rule("dso", ">", 1, "critical")
    assert rule_text(rule, "en") == "Days sales outstanding above 1 day"
    assert rule_text(rule, "zh") == "应收账款周转天数高于1天"
    assert rule_text(Rule("revenue", ">=", 5e6), "zh") == "营业收入不低于¥500万"
    assert rule_text(Rule("gross_margin_pct", "<", 0.25), "en") == "Gross margin % below 25%"
    assert rule_text(Rule("gone_metric", "<", 3), "en") == "gone_metric < 3"  # a metric the library no longer has


@pytest.mark.parametrize(
    "rule,meaning",
    [
        (Rule("dso", ">", 60, "critical"), "bad"),  # DSO up is bad news: red
        (Rule("dso", "<", 30, "warning"), "good"),  # DSO below 30 is good news: green
        (Rule("revenue", ">", 1, "warning"), "good"),
        (Rule("revenue", "<=", 1, "warning"), "bad"),
        (Rule("cash_out", ">", 1, "critical"), "bad"),
        (Rule("revenue_recon_gap", ">", 1, "warning"), "neutral"),  # no direction: neither good nor bad
        (Rule("gone_metric", ">", 1, "warning"), "neutral"),
    ],
)
def test_a_banner_is_coloured_by_the_metrics_good_direction(rule, meaning):
    assert news(rule) == meaning


def _board(widths: list[int], columns: int) -> Board:
    tiles = tuple(Tile(Query(metrics=("revenue",)), title=f"t{i}", width=w, id=i) for i, w in enumerate(widths))
    return Board(title="b", owner="cfo", columns=columns, tiles=tiles)


def test_a_board_of_up_to_eight_tiles_is_one_screen():
    assert [sum(len(r) for r in p) for p in pages(_board([1] * 8, 4))] == [8]
    assert [sum(len(r) for r in p) for p in pages(_board([1] * 8, 2))] == [8]
    assert pages(_board([], 2)) == [[]]


def test_a_board_of_more_tiles_is_shown_in_pages_of_whole_rows():
    screens = pages(_board([1] * 10, 4))  # rows of 4, 4, 2
    assert [[len(r) for r in p] for p in screens] == [[4, 4], [2]]
    screens = pages(_board([1] * 9, 3))  # rows of 3, 3, 3: a row is never split over two pages
    assert [[len(r) for r in p] for p in screens] == [[3, 3], [3]]
    assert [t.title for p in screens for r in p for t in r] == [f"t{i}" for i in range(9)]  # every tile, in order


def _line(lang: str = "en"):
    frame = pd.DataFrame(
        {
            "metric_time__month": pd.to_datetime(["2025-01-01", "2025-02-01", "2025-03-01"]),
            "revenue": [40_000_000.0, 20_000_000.0, 30_000_000.0],
        }
    )
    return charts.figure(
        frame,
        "line",
        ["metric_time__month"],
        ["revenue"],
        metric_label=str,
        member_label=lambda d, v: str(v),
        formats={"revenue": "currency"},
        lang=lang,
    )


def test_a_screen_chart_has_large_text_no_clutter_and_takes_its_tiles_height():
    fig = screen_charts.for_screen(_line("zh"), dark=True)
    assert fig.layout.xaxis.tickfont.size >= 20 and fig.layout.yaxis.tickfont.size >= 20
    assert fig.layout.legend.font.size >= 20
    assert fig.layout.height is None and fig.layout.autosize  # the tile decides the height
    assert fig.layout.xaxis.showgrid is False  # no vertical gridlines
    assert fig.layout.dragmode is False
    assert list(fig.layout.yaxis.ticktext) == ["0", "¥1,000万", "¥2,000万", "¥3,000万", "¥4,000万"]
    assert list(fig.layout.xaxis.ticktext) == ["2025年1月", "2月", "3月"]
    first, last = fig.layout.xaxis.range  # room either side so the first month clears the value axis
    assert pd.Timestamp(first) < pd.Timestamp("2025-01-01") and pd.Timestamp(last) > pd.Timestamp("2025-03-01")


def test_explores_figure_is_unchanged():
    fig = _line()
    assert fig.layout.height == 420 and fig.layout.font.size is None and fig.layout.xaxis.range is None
    assert fig.layout.dragmode == "select"


def test_a_category_chart_keeps_its_own_range_on_a_screen():
    frame = pd.DataFrame({"region": ["East", "North"], "revenue": [2.0, 1.0], "gross_margin_pct": [0.3, 0.2]})
    fig = charts.figure(
        frame,
        "combo",
        ["region"],
        ["revenue", "gross_margin_pct"],
        metric_label=str,
        member_label=lambda d, v: str(v),
        formats={"revenue": "currency", "gross_margin_pct": "percent"},
    )
    screen_charts.for_screen(fig, lang="zh")
    assert fig.layout.xaxis.range is None
    # the legend says which series reads on the right axis, instead of axis titles across a narrow tile
    assert [t.name for t in fig.data] == ["revenue", "gross_margin_pct（右轴）"]
    assert not fig.layout.yaxis.title.text and not fig.layout.yaxis2.title.text
    assert fig.layout.yaxis2.tickfont.size >= 20


def test_a_table_tile_shows_labels_and_member_labels_not_raw_names(warehouse_path, metastore_file, monkeypatch):
    """A tile drawn as a table goes through ui.table (it was a raw st.dataframe: 'revenue', 'East')."""
    from boards import store
    from tests.test_pages_apptest import USERS, open_view

    monkeypatch.setenv("CONCORD_WAREHOUSE", str(warehouse_path))
    board = store.save(
        Board(
            title="Table",
            owner="cfo",
            tiles=(Tile(Query(metrics=("revenue",), group_by=("region",)), title="By region", chart="table"),),
        ),
        USERS["cfo"],
    )
    at = open_view("boards_page", "cfo", id=str(board.id), lang="zh")
    at.session_state["lang"] = "zh"
    at.run()
    assert not at.exception
    shown = at.dataframe[0].value
    assert list(shown.columns) == ["region", "revenue"]  # the frame keeps its names; the headers are config
    assert "华东" in set(shown["region"]) and "East" not in set(shown["region"])


def test_a_locked_tile_says_why_in_the_viewers_words(warehouse_path, metastore_file, monkeypatch):
    from boards import store
    from tests.test_pages_apptest import USERS, open_view

    monkeypatch.setenv("CONCORD_WAREHOUSE", str(warehouse_path))
    board = store.save(
        Board(title="Mixed", owner="ceo", sharing="everyone", tiles=(Tile(Query(metrics=("cash_in",)), title="Cash"),)),
        USERS["ceo"],
    )
    at = open_view("boards_page", "sales_lead", id=str(board.id))
    assert not at.exception
    captions = " ".join(c.value for c in at.caption).replace("\\", "")  # Markdown escapes
    assert "Cash in is not available to your roles (Sales manager)" in captions
    assert "cash_in" not in captions and "sales_manager" not in captions
