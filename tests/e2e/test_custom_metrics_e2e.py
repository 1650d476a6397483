"""Issue 15's browser test (自助建模): the sales lead makes "online revenue" with Explore's New metric
form (no SQL), previews it, saves the draft, saves a tile with it to a new board and shares the draft
with finance on the Definitions page; the CFO certifies it there with a note; the sales lead's board,
and an office screen of it, then show the tile as certified, never as a draft. The tile's number is
checked against hand SQL over the warehouse the app reads, in both languages.

Screenshots (tests/artifacts): custom-new-metric-{en,zh}, custom-review-{en,zh},
custom-tile-draft-{en,zh}, custom-tile-certified-{en,zh}, custom-tile-screen."""

from __future__ import annotations

import os
import re

import pytest

from tests.e2e.conftest import shot
from tests.e2e.helpers import login, new_page, settle, switch
from tests.e2e.helpers import main_text as main
from ui.fmt import format_value

pytestmark = pytest.mark.browser
PATH = "explore?m=revenue&grain=none&from=2025-01-01&to=2025-12-31"
ONLINE_2025 = """
    SELECT sum(l.net_amount) FROM order_lines l JOIN orders o USING (order_id)
    JOIN customers c ON c.customer_id = o.customer_id
    WHERE o.status <> 'cancelled' AND c.channel = 'Online'
      AND o.order_date BETWEEN DATE '2025-01-01' AND DATE '2025-12-31'"""
TILE = "Online revenue 2025"
# the form's words in each language (ui/i18n/custom.py), and what the test picks and types
FORM = {
    "en": {
        "open": re.compile("New metric$"),  # after its Material icon
        "base": "Metric",
        "revenue": "Revenue",
        "dim": "Only where",
        "channel": "Channel",
        "values": "is one of",
        "online": "Online",
        "name": "Name (for links and the CLI)",
        "label_en": "Label in English",
        "label_zh": "Label in Chinese",
        "preview": "Preview",
        "save": "Save draft",
    },
    "zh": {
        "open": re.compile("新建指标$"),
        "base": "基础指标",
        "revenue": "营业收入",
        "dim": "筛选维度",
        "channel": "渠道",
        "values": "属于",
        "online": "线上",
        "name": "名称（英文标识，用于链接和命令行）",
        "label_en": "英文显示名",
        "label_zh": "中文显示名",
        "preview": "预览",
        "save": "保存草稿",
    },
}


@pytest.fixture(scope="module")
def store_env(app_env):
    """This process reads the app's metadata store (the board the browser made, its screen link)."""
    from data import custom_store

    old = os.environ.get("CONCORD_METASTORE")
    os.environ["CONCORD_METASTORE"] = app_env["CONCORD_METASTORE"]
    custom_store.register()
    custom_store.forget()
    yield
    custom_store.forget()
    if old is None:
        os.environ.pop("CONCORD_METASTORE", None)
    else:
        os.environ["CONCORD_METASTORE"] = old


def pick(page, label: str, option: str, many: bool = False) -> None:
    """Choose `option` in the Streamlit selectbox (or multiselect) labelled `label`."""
    for _attempt in range(3):  # a click while the page reruns can be lost: try again
        page.get_by_label(label, exact=True).first.click()
        try:
            page.get_by_role("option", name=option, exact=True).click(timeout=10_000)
        except Exception:  # noqa: BLE001
            page.keyboard.press("Escape")
            settle(page)
            continue
        if many:
            page.keyboard.press("Escape")
        settle(page)
        return
    raise AssertionError(f"{label}: no option {option}")


def type_in(page, label: str, text: str) -> None:
    box = page.get_by_label(label, exact=True).first
    box.fill(text)
    box.press("Enter")
    settle(page)


def toggle(page, label) -> None:
    page.locator("[data-testid='stMain']").get_by_text(label, exact=True).first.click()
    settle(page, 600)


def fill_new_metric(page, lang: str) -> None:
    """Online revenue through the form: revenue, only where channel is Online, named and labelled, previewed."""
    words = FORM[lang]
    pick(page, words["base"], words["revenue"])
    pick(page, words["dim"], words["channel"])
    pick(page, words["values"], words["online"], many=True)
    type_in(page, words["name"], "online_revenue")
    type_in(page, words["label_en"], "Online revenue")
    type_in(page, words["label_zh"], "线上收入")
    toggle(page, words["preview"])
    page.locator("[data-testid='stMain'] [data-testid='stDataFrame']").first.wait_for()
    settle(page)
    page.set_viewport_size({"width": 1400, "height": 2400})  # the whole form and its preview in the screenshot
    settle(page)


def preview_grid(page) -> str:
    """The preview's table as text: its headers and cells from the grid's accessible table (raw values:
    the formats, ¥1,234.56 and 2025-07, are drawn on the canvas only; the screenshots show them)."""
    grid = page.locator("[data-testid='stMain'] [data-testid='stDataFrame']").first
    grid.locator("[role='gridcell']").first.wait_for(state="attached")
    return " | ".join(grid.locator("[role='columnheader'], [role='gridcell']").all_inner_texts())


def tile_text(page) -> str:
    tile = page.locator("[class*='st-key-board_tile_']").filter(has_text=TILE).first
    tile.locator("[data-testid='stMetricValue']").first.wait_for()
    return tile.inner_text()


def test_a_sales_lead_makes_online_revenue_and_the_cfo_certifies_it(browser, app, raw, store_env):
    from boards import store
    from semantic import Principal

    hand = float(raw.execute(ONLINE_2025).fetchone()[0])
    lead_context, lead = new_page(browser)
    login(lead, app, "sales_lead", PATH)
    settle(lead, 800)
    try:
        # 1. Explore: the New metric form, in English then in Chinese, previewed
        toggle(lead, FORM["en"]["open"])
        fill_new_metric(lead, "en")
        text = main(lead)
        assert "Online revenue" in text and "Show SQL" in text, text
        assert "Revenue where Channel is Online" in text and "IN (" not in text, text  # in words, not SQL
        assert "Traceback" not in text and "Error" not in text
        grid = preview_grid(lead)  # dates, not timestamps; columns by their labels
        assert grid.startswith("Month | Online revenue | Revenue |") and "00:00:00" not in grid, grid
        shot(lead, "custom-new-metric-en")
        switch(lead, "简体中文")
        fill_new_metric(lead, "zh")  # the form's fields are per language: filled again in Chinese
        text = main(lead)
        assert "线上收入" in text and "查看SQL" in text and "营业收入（渠道为线上）" in text, text
        grid = preview_grid(lead)
        assert grid.startswith("月份 | 线上收入 | 营业收入 |") and "00:00:00" not in grid, grid
        shot(lead, "custom-new-metric-zh")
        lead.set_viewport_size({"width": 1400, "height": 1400})
        lead.get_by_role("button", name=FORM["zh"]["save"]).click()
        lead.get_by_text("已保存草稿 online_revenue").wait_for()
        settle(lead, 800)
        assert "online_revenue" in lead.url

        # 2. a tile with it, on a new board: Explore with the draft alone, "Save as tile"
        switch(lead, "English")
        lead.goto(f"{app.url}/explore?m=online_revenue&grain=none&from=2025-01-01&to=2025-12-31")
        lead.locator("[data-testid='stMetricValue']").first.wait_for()
        settle(lead, 800)
        assert lead.locator("[data-testid='stMetricValue']").first.inner_text() == format_value(hand, "currency", "en")
        lead.get_by_text("Save as tile", exact=True).first.click()
        settle(lead)
        lead.get_by_label("Title", exact=True).first.fill(TILE)  # in a form: Enter would submit it
        lead.get_by_role("button", name="Save as tile").click()
        lead.get_by_text(f"Tile saved to {TILE}.").wait_for()
        lead_principal = Principal("sales_lead", ("sales_manager",))
        (board,) = [b for b in store.visible(lead_principal) if b.title == TILE]

        # 3. the board shows the tile as a draft of Zhou Min, with the hand number
        lead.goto(f"{app.url}/boards?id={board.id}")
        text = tile_text(lead)
        assert "Online revenue: draft · Zhou Min" in text and format_value(hand, "currency", "en") in text, text
        shot(lead, "custom-tile-draft-en")
        switch(lead, "简体中文")
        text = tile_text(lead)
        assert (
            "线上收入：草稿 · Zhou Min" in text
            and "线上收入（草稿 · Zhou Min）" in text
            and format_value(hand, "currency", "zh") in text
        ), text
        shot(lead, "custom-tile-draft-zh")
        switch(lead, "English")

        # 4. the Definitions page: the lead shares the draft with finance
        lead.goto(f"{app.url}/definitions")
        lead.get_by_role("tab", name="Mine (1)").wait_for()
        settle(lead)
        lead.get_by_text(re.compile(r"Online revenue · online_revenue · draft · Zhou Min")).first.click()
        settle(lead)
        pick(lead, "Share with roles", "Finance", many=True)
        lead.get_by_role("button", name="Save sharing").click()
        lead.get_by_text("Sharing saved.").wait_for()
        settle(lead)
        lead.get_by_text(re.compile(r"Online revenue · online_revenue · draft · Zhou Min")).first.click()
        settle(lead)
        text = main(lead)
        assert "Shared with: Finance" in text and "Revenue where Channel is Online" in text, text
        shot(lead, "custom-definitions-mine-en")
    finally:
        if lead.get_by_text("当前用户").count():
            switch(lead, "English")
        lead_context.close()

    # 5. the CFO reviews and certifies it, with a note
    cfo_context, cfo = new_page(browser, 1600)
    login(cfo, app, "cfo")  # not straight to /definitions: app.hidden_pages does not list it before login
    cfo.goto(f"{app.url}/definitions")
    try:
        cfo.get_by_role("tab", name="Waiting for review (1)").click()
        settle(cfo, 800)
        text = main(cfo)
        assert "online_revenue" in text and "version 1" in text and "Certify" in text, text
        assert "Revenue where Channel is Online" in text and "IN (" not in text, text
        assert "Shared with: Finance" in text and "Saved by Zhou Min at" in text, text
        assert "Used by 1 board tile:" in text and f"Board “{TILE}” (Zhou Min): tile “{TILE}”" in text, text
        grid = preview_grid(cfo)  # sample numbers by quarter, next to the revenue it filters
        assert grid.startswith("Quarter | Online revenue | Revenue |") and "2025-10-01" in grid, grid
        shot(cfo, "custom-review-en")
        switch(cfo, "简体中文")
        cfo.get_by_role("tab", name="待认证（1）").click()
        settle(cfo, 800)
        text = main(cfo)
        assert "第 1 版" in text and "营业收入（渠道为线上）" in text and "认证说明" in text, text
        assert preview_grid(cfo).startswith("季度 | 线上收入 | 营业收入 |")
        shot(cfo, "custom-review-zh")
        switch(cfo, "English")
        cfo.get_by_role("tab", name="Waiting for review (1)").click()
        settle(cfo)
        type_in(cfo, "Certification note", "Matches the online channel report")
        cfo.get_by_role("button", name="Certify").click()
        cfo.get_by_text("Certified: everyone granted what it reads").wait_for()
        settle(cfo)
        cfo.get_by_role("tab", name="Certified (1)").click()
        cfo.get_by_text(re.compile(r"Online revenue · online_revenue · ✓ certified by Lin Fang")).first.click()
        settle(cfo)
        text = main(cfo)
        assert "Certification note: Matches the online channel report" in text, text
        shot(cfo, "custom-definitions-certified-en")
    finally:
        if cfo.get_by_text("当前用户").count():
            switch(cfo, "English")
        cfo_context.close()

    # 6. the sales lead's board now says certified, never draft; the number is unchanged
    lead_context, lead = new_page(browser)
    login(lead, app, "sales_lead", f"boards?id={board.id}")
    try:
        text = tile_text(lead)
        assert "Online revenue: ✓ certified by Lin Fang" in text and "draft" not in text.casefold(), text
        assert format_value(hand, "currency", "en") in text, text
        shot(lead, "custom-tile-certified-en")
        # 7. an office screen of the board (a sales manager's screen link; made before the language
        # switch below: the Display role box of views/boards_page.py breaks after one)
        lead.get_by_text("Office screens").click()
        settle(lead)
        pick(lead, "Display role", "Sales manager")
        lead.get_by_role("button", name="Create screen link").click()
        lead.locator("[data-testid='stCode']").first.wait_for()
        settle(lead)
        link = lead.locator("[data-testid='stCode']").first.inner_text().strip()
        lead.get_by_text("Office screens").click()  # closed again for the screenshot
        switch(lead, "简体中文")
        text = tile_text(lead)
        assert "线上收入：✓ 已由 Lin Fang 认证" in text and "草稿" not in text, text
        assert format_value(hand, "currency", "zh") in text, text
        shot(lead, "custom-tile-certified-zh")
    finally:
        if lead.get_by_text("当前用户").count():
            switch(lead, "English")
        lead_context.close()
    screen_context = browser.new_context(viewport={"width": 1600, "height": 900})
    screen = screen_context.new_page()
    screen.goto(link)
    tile = screen.locator("[class*='st-key-screen_tile_']").filter(has_text=TILE).first
    tile.locator("[data-testid='stMetricValue']").first.wait_for()
    settle(screen)
    text = tile.inner_text()
    assert "✓ certified by" in text and "draft" not in text.casefold(), text
    assert format_value(hand, "currency", "en") in text, text
    shot(screen, "custom-tile-screen")
    screen_context.close()
