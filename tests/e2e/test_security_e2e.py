"""Hostile boards in the real browser: a board title built to run script, load
images and phish shows as its literal text on the office screen and on the boards
page (no iframe, image or link made from it, no request to its host), and two
tabs editing one board end with the second refused and nothing it typed lost."""

from __future__ import annotations

import datetime as dt
import os
import re

import pytest

from boards import pins, store, tokens
from boards.store import Board, Rule, Tile
from semantic import Principal, Query
from tests.e2e.conftest import shot
from tests.e2e.helpers import login, settle

pytestmark = pytest.mark.browser
CEO = Principal("ceo", ("exec",))
CFO = Principal("cfo", ("finance",))
TITLE = (
    "<iframe srcdoc=\"<script>parent.document.title='pwned'</script>\"></iframe><img src=x onerror=alert(1)>"
    "**bold** [phish](http://evil.example)"
)
TILE = "![x](http://evil.example/x.png)"
DESCRIPTION = '<meta http-equiv=refresh content="0;url=http://evil.example"> [d](http://evil.example) www.evil.example'
EVIL = "evil.example"


@pytest.fixture(scope="module")
def metastore_env(app_env):
    old = os.environ.get("CONCORD_METASTORE")
    os.environ["CONCORD_METASTORE"] = app_env["CONCORD_METASTORE"]
    yield
    if old is None:
        os.environ.pop("CONCORD_METASTORE", None)
    else:
        os.environ["CONCORD_METASTORE"] = old


@pytest.fixture(scope="module")
def hostile(metastore_env):
    return store.save(
        Board(
            title=TITLE,
            owner="ceo",
            sharing="everyone",
            description=DESCRIPTION,
            tiles=(
                Tile(
                    Query(metrics=("revenue",), time_from=dt.date(2025, 12, 1), time_to=dt.date(2025, 12, 31)),
                    title=TILE,
                    rules=(Rule("revenue", ">", 1, "warning"),),
                ),
                Tile(Query(metrics=("revenue",), group_by=("region",)), title="Revenue by region"),
            ),
        ),
        CEO,
    )


def watch(page) -> list[str]:
    """Every URL the page asks for, from now on."""
    seen: list[str] = []
    page.on("request", lambda request: seen.append(request.url))
    return seen


def assert_inert(page, requests: list[str]) -> None:
    """Nothing of the hostile text became an element, ran, or reached its host."""
    page.wait_for_timeout(1500)  # time for an image, a refresh or a frame to load if one had been made
    assert page.evaluate("document.title") != "pwned"
    made = page.evaluate("""() => ({
        iframes: [...document.querySelectorAll('iframe')].map(e => e.outerHTML).filter(h => /pwned|srcdoc/.test(h)),
        images: [...document.querySelectorAll('img')].map(e => e.getAttribute('src') || '')
                 .filter(s => s === 'x' || s.includes('evil')),
        links: [...document.querySelectorAll('a')].map(e => e.getAttribute('href') || '').filter(h => h.includes('evil')),
        metas: [...document.querySelectorAll('meta[http-equiv]')].length,
        bold: [...document.querySelectorAll('strong, b')].map(e => e.textContent).filter(t => t === 'bold'),
    })""")
    assert made == {"iframes": [], "images": [], "links": [], "metas": 0, "bold": []}, made
    assert not [u for u in requests if EVIL in u], [u for u in requests if EVIL in u]


def open_screen(browser, app, board_id, token, lang="en"):
    context = browser.new_context(viewport={"width": 1600, "height": 900})
    page = context.new_page()
    requests = watch(page)
    page.goto(f"{app.url}/?board={board_id}&kiosk=1&token={token}&lang={lang}")
    return context, page, requests


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_hostile_title_is_text_on_the_office_screen(browser, app, hostile, lang):
    token = tokens.create(hostile.id, "exec", CEO)
    context, page, requests = open_screen(browser, app, hostile.id, token, lang)
    page.get_by_text(TITLE, exact=True).wait_for()  # the title, character for character
    page.get_by_text(TILE, exact=True).first.wait_for()
    page.get_by_text("Revenue by region").wait_for()
    settle(page)
    assert page.locator(".st-key-kiosk_title").inner_text().strip() == TITLE
    assert_inert(page, requests)
    shot(page, f"security-kiosk-hostile-{lang}")
    context.close()


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_hostile_title_is_text_on_the_boards_page(browser, app, hostile, lang):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    requests = watch(page)
    login(page, app, "ceo", f"boards?id={hostile.id}")
    if lang == "zh":
        page.get_by_text("简体中文").click()
        page.get_by_role("heading", name="看板").wait_for()
    page.get_by_text(TILE, exact=True).first.wait_for()
    page.get_by_text(DESCRIPTION, exact=True).first.wait_for()
    settle(page)
    page.get_by_text("Edit" if lang == "en" else "编辑", exact=True).first.click()  # the editor lists tile titles too
    page.get_by_text(f"1. {TILE}", exact=True).first.wait_for()
    settle(page)
    picker = page.locator("[data-testid='stSelectbox']").first
    shown = picker.evaluate("e => e.textContent + ' ' + [...e.querySelectorAll('input')].map(i => i.value).join(' ')")
    assert TITLE in shown, shown  # the board picker shows the title as typed
    assert_inert(page, requests)
    shot(page, f"security-boards-hostile-{lang}")
    context.close()


def test_a_hostile_title_pinned_on_home_is_text(browser, app, hostile):
    """Home's pinned board heading is Markdown: the title goes through ui.safe.plain, which
    also keeps bare addresses from becoming links."""
    pins.pin("exec", hostile.id, CEO)
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    requests = watch(page)
    login(page, app, "ceo")
    heading = page.get_by_role("heading", name=re.compile("pwned"))
    heading.wait_for()
    page.get_by_text(TILE, exact=True).first.wait_for()
    settle(page)
    assert heading.inner_text().replace("\u2060", "").strip() == f"📌 {TITLE}"
    assert_inert(page, requests)
    heading.scroll_into_view_if_needed()
    shot(page, "security-home-pinned-hostile")
    pins.pin("exec", None, CEO)
    context.close()


def editor_page(browser, app, board_id):
    from ui import prefs

    prefs.set_language("cfo", "en")  # an earlier test may have left the CFO's language on 简体中文
    context = browser.new_context(viewport={"width": 1400, "height": 1200})
    page = context.new_page()
    login(page, app, "cfo", f"boards?id={board_id}")
    page.get_by_text("Cash in").first.wait_for()
    settle(page)
    page.get_by_text("Edit", exact=True).first.click()
    title = page.get_by_role("textbox", name="Title").first
    title.wait_for()
    settle(page)
    return context, page, title


def test_two_tabs_renaming_one_board_end_with_the_second_refused_and_nothing_lost(browser, app, metastore_env):
    board = store.save(
        Board(title="Month-end wall", owner="cfo", tiles=(Tile(Query(metrics=("cash_in",)), title="Cash in"),)), CFO
    )
    first_ctx, first, first_title = editor_page(browser, app, board.id)
    second_ctx, second, second_title = editor_page(browser, app, board.id)
    first_title.fill("Renamed in tab one")
    first.get_by_role("button", name="Save board").click()
    settle(first)
    assert store.get(board.id, CFO).title == "Renamed in tab one"
    second_title.fill("Renamed in tab two")
    second.get_by_role("button", name="Save board").click()
    second.get_by_text(re.compile("changed by someone else since you opened it")).wait_for()
    settle(second)
    assert second.get_by_role("textbox", name="Title").first.input_value() == "Renamed in tab two"
    assert store.get(board.id, CFO).title == "Renamed in tab one"
    shot(second, "security-editor-refused")
    first_ctx.close()
    second_ctx.close()
