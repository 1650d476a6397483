"""Office screens on a TV: a board fills 1920x1080 (and 1280x720) without scrolling, its text is
large enough to read from across the room, its axes and alerts speak the screen's language."""

from __future__ import annotations

import datetime as dt
import os
import re

import pytest

from boards import store, tokens
from boards.store import Board, Rule, Tile
from semantic import Principal, Query
from tests.e2e.conftest import shot
from tests.e2e.helpers import settle

pytestmark = pytest.mark.browser
CFO = Principal("cfo", ("finance",))
YEAR = {"time_from": dt.date(2025, 1, 1), "time_to": dt.date(2025, 12, 31)}
DECEMBER = {"time_from": dt.date(2025, 12, 1), "time_to": dt.date(2025, 12, 31)}


def _tiles() -> tuple[Tile, ...]:
    return (
        Tile(
            Query(metrics=("cash_in", "dso"), **DECEMBER),
            title="December cash",
            rules=(Rule("dso", ">", 1, "critical"),),
        ),
        Tile(Query(metrics=("revenue",), group_by=("region",), **YEAR), title="Revenue by region"),
        Tile(Query(metrics=("revenue",), group_by=("metric_time__month",), **YEAR), title="Revenue by month"),
        Tile(Query(metrics=("revenue",), **YEAR), title="Revenue 2025", rules=(Rule("revenue", ">", 5e6, "warning"),)),
        Tile(Query(metrics=("gross_margin_pct", "revenue"), group_by=("region",), **YEAR), title="Margin by region"),
        Tile(Query(metrics=("cash_in", "cash_out"), group_by=("metric_time__month",), **YEAR), title="Cash in and out"),
    )


@pytest.fixture(scope="module")
def screens(app_env):
    old = os.environ.get("CONCORD_METASTORE")
    os.environ["CONCORD_METASTORE"] = app_env["CONCORD_METASTORE"]
    wall = store.save(
        Board(title="CFO wall", owner="cfo", columns=3, refresh_seconds=300, tiles=_tiles()),
        CFO,
    )
    many = store.save(
        Board(title="Every number", owner="cfo", columns=4, refresh_seconds=300, tiles=_tiles() + _tiles()[:4]),
        CFO,
    )
    yield {
        "wall": (wall.id, tokens.create(wall.id, "finance", CFO)),
        "many": (many.id, tokens.create(many.id, "finance", CFO)),
    }
    if old is None:
        os.environ.pop("CONCORD_METASTORE", None)
    else:
        os.environ["CONCORD_METASTORE"] = old


def open_screen(browser, app, screen, width, height, lang="en", theme=""):
    board_id, token = screen
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    page.goto(f"{app.url}/?board={board_id}&kiosk=1&token={token}&lang={lang}" + (f"&theme={theme}" if theme else ""))
    page.locator(".js-plotly-plot .xtick").first.wait_for()
    settle(page, 600)
    return context, page


MEASURE = """() => {
  const box = el => el.getBoundingClientRect();
  const size = el => parseFloat(getComputedStyle(el).fontSize);
  const tile = t => t.parentElement.closest("[data-testid='stVerticalBlock']");  // the bordered box around a title
  const tiles = [...document.querySelectorAll("[class*='st-key-tile_title_']")].map(tile).map(box);
  const main = document.querySelector("[data-testid='stMain']");
  const charts = [...document.querySelectorAll(".js-plotly-plot")];
  return {
    tiles: tiles.map(r => [r.top, r.bottom, r.left, r.right]),
    charts: charts.map(c => { const r = box(c), t = box(c.closest("[data-testid='stColumn'] [data-testid='stVerticalBlock']"));
      return [r.height, r.bottom, t.bottom]; }),
    scroll: Math.max(document.scrollingElement.scrollHeight, main.scrollHeight),
    ticks: [...document.querySelectorAll(".xtick text, .ytick text, .y2tick text")].map(size),
    tick_text: [...document.querySelectorAll(".xtick text, .ytick text, .y2tick text")].map(t => t.textContent),
    legend: [...document.querySelectorAll(".legendtext")].map(size),
    titles: [...document.querySelectorAll("[class*='st-key-tile_title_'] [data-testid='stText']")].map(size),
    labels: [...document.querySelectorAll("[data-testid='stMetricLabel'] p")].map(size),
    svg_text: [...document.querySelectorAll(".js-plotly-plot text")].map(t => t.textContent).join(" | "),
  };
}"""
BANNERS = {
    "en": ("Days sales outstanding above 1 day", "Revenue above ¥5M", "data as of 31 Dec 2025"),
    "zh": ("应收账款周转天数高于1天", "营业收入高于¥500万", "数据截至 2025年12月31日"),
}
ENGLISH_MEMBERS = re.compile(r"\b(East|North|South|Central|Southwest|Jan|Feb|Mar|Apr|Dec)\b")


@pytest.mark.parametrize(
    "lang,theme,width,height",
    [
        ("en", "", 1920, 1080),
        ("zh", "dark", 1920, 1080),
        ("en", "dark", 1280, 720),
        ("zh", "", 1280, 720),
        ("en", "dark", 1920, 1080),
        ("zh", "", 1920, 1080),
        ("en", "", 1280, 720),
        ("zh", "dark", 1280, 720),
    ],
)
def test_a_board_fills_the_screen_and_reads_from_across_the_room(browser, app, screens, lang, theme, width, height):
    context, page = open_screen(browser, app, screens["wall"], width, height, lang=lang, theme=theme)
    seen = page.evaluate(MEASURE)
    text = page.locator("[data-testid='stMain']").inner_text()
    shot(page, f"screen-{lang}-{theme or 'light'}-{width}")
    context.close()
    # six tiles in two rows share the screen: they cover most of its height, and nothing scrolls
    assert len(seen["tiles"]) == 6
    top, bottom = min(t[0] for t in seen["tiles"]), max(t[1] for t in seen["tiles"])
    assert (bottom - top) / height >= 0.85, seen["tiles"]
    assert bottom <= height and max(t[3] for t in seen["tiles"]) <= width
    assert bottom >= 0.95 * height  # down to the bottom edge, not a board in the top half
    heights = [t[1] - t[0] for t in seen["tiles"]]
    assert max(heights) - min(heights) <= 2, heights  # the rows share the height equally, tiles in a row alike
    assert seen["scroll"] <= height + 1
    # each chart takes its tile's height and stays inside it
    assert len(seen["charts"]) == 4
    for chart_height, chart_bottom, tile_bottom in seen["charts"]:
        assert chart_height >= 0.25 * height and chart_bottom <= tile_bottom + 1
    # readable from 5 m: axis ticks, legends, tile titles and card labels
    assert seen["ticks"] and min(seen["ticks"]) >= 18, seen["ticks"]
    assert seen["legend"] and min(seen["legend"]) >= 18
    assert len(seen["titles"]) == 6 and min(seen["titles"]) >= 20, seen["titles"]
    assert seen["labels"] and min(seen["labels"]) >= 20
    # axes formatted like the rest of the app, members and months in the screen's language
    assert not [t for t in seen["tick_text"] if re.search(r"\d{1,3}(,\d{3}){2,}", t)], seen["tick_text"]
    assert any(("万" if lang == "zh" else "M") in t and t.startswith("¥") for t in seen["tick_text"])
    assert "00:00:00" not in text + seen["svg_text"]
    if lang == "zh":
        assert not ENGLISH_MEMBERS.search(seen["svg_text"] + text), seen["svg_text"]
        assert not re.search(r"\b(days|Revenue >|updated|data as of)\b", text), text  # the owner's titles aside
        assert "华东" in seen["svg_text"] and "2025年1月" in seen["svg_text"]
    else:
        assert "East" in seen["svg_text"] and "Jan 2025" in seen["svg_text"]


def test_alerts_and_the_header_speak_the_screens_language(browser, app, screens):
    for lang in ("en", "zh"):
        context, page = open_screen(browser, app, screens["wall"], 1920, 1080, lang=lang)
        bad, good, as_of = BANNERS[lang]
        text = page.locator("[data-testid='stMain']").inner_text()
        assert "dso > 1" not in text and "revenue > 5000000" not in text
        assert "00:00:00" not in text
        assert bad in page.locator("[data-testid='stAlertContentError']").inner_text()
        assert good in page.locator("[data-testid='stAlertContentSuccess']").inner_text()  # revenue up is good news
        header = page.locator(".st-key-kiosk_updated").inner_text()
        assert as_of in header and ("更新于" in header) == (lang == "zh")
        context.close()


def test_a_board_of_more_than_eight_tiles_shows_pages_in_turn(browser, app, screens):
    board_id, token = screens["many"]
    context = browser.new_context(viewport={"width": 1920, "height": 1080})
    page = context.new_page()
    page.goto(f"{app.url}/?board={board_id}&kiosk=1&token={token}&rotate=12")
    page.locator("[class*='st-key-tile_title_']").first.wait_for()
    settle(page, 600)
    header = page.locator(".st-key-kiosk_updated").inner_text()
    first = re.search(r"page (\d) of 2", header)
    assert first, header
    seen = page.evaluate(MEASURE)
    assert len(seen["tiles"]) == (8 if first.group(1) == "1" else 2)
    assert seen["scroll"] <= 1080 + 1
    shot(page, f"screen-pages-{first.group(1)}")
    other = "2" if first.group(1) == "1" else "1"
    page.get_by_text(f"page {other} of 2").wait_for(timeout=30_000)
    page.wait_for_function(  # the new page's tiles drawn, the last page's gone (a fragment run is not instant)
        "n => document.querySelectorAll(\"[class*='st-key-tile_title_']\").length === n",
        arg=8 if other == "1" else 2,
    )
    page.wait_for_timeout(800)  # its charts drawn
    assert len(page.evaluate(MEASURE)["tiles"]) == (8 if other == "1" else 2)
    shot(page, f"screen-pages-{other}")
    context.close()


def test_a_screen_link_without_a_language_speaks_its_browsers(browser, app, screens):
    board_id, token = screens["wall"]
    for locale, said in (("zh-CN", "更新于"), ("en-GB", "updated")):
        context = browser.new_context(viewport={"width": 1920, "height": 1080}, locale=locale)
        page = context.new_page()
        page.goto(f"{app.url}/?board={board_id}&kiosk=1&token={token}")
        page.locator(".js-plotly-plot .xtick").first.wait_for()
        assert said in page.locator(".st-key-kiosk_updated").inner_text()
        context.close()
