"""Boards page UX in the real browser (issue 11): the screen-link dialog offers a sales lead
only the display roles that work, a sales-rep link for East shows East's numbers only on a
fresh screen (checked against hand SQL and the CLI as sales_east), and delete asks first."""

from __future__ import annotations

import datetime as dt
import os
import re

import pytest

from boards import store
from boards.store import Board, Tile
from semantic import Principal, Query
from tests.e2e.conftest import shot
from tests.e2e.helpers import cli_json, login, settle
from ui.fmt import format_value

pytestmark = pytest.mark.browser
LEAD = Principal("sales_lead", ("sales_manager",))
DEC = {"time_from": dt.date(2025, 12, 1), "time_to": dt.date(2025, 12, 31)}


@pytest.fixture(scope="module")
def boards(app_env):
    old = os.environ.get("CONCORD_METASTORE")
    os.environ["CONCORD_METASTORE"] = app_env["CONCORD_METASTORE"]
    wall = store.save(
        Board(
            title="Sales wall",
            owner="sales_lead",
            tiles=(
                Tile(Query(metrics=("revenue",), **DEC), title="December revenue"),
                Tile(Query(metrics=("revenue",), group_by=("region",), **DEC), title="Revenue by region"),
            ),
        ),
        LEAD,
    )
    doomed = store.save(
        Board(title="Old draft", owner="sales_lead", tiles=(Tile(Query(metrics=("orders",)), title="Orders"),)), LEAD
    )
    shared = store.save(
        Board(
            title="Team board",
            owner="sales_lead",
            sharing="roles",
            shared_roles=("sales_rep",),
            tiles=(Tile(Query(metrics=("orders",)), title="Orders"),),
        ),
        LEAD,
    )
    yield {"wall": wall, "doomed": doomed, "shared": shared}
    if old is None:
        os.environ.pop("CONCORD_METASTORE", None)
    else:
        os.environ["CONCORD_METASTORE"] = old


def lead_page(browser, app, board_id, lang="en"):
    from ui import prefs

    prefs.set_language("sales_lead", lang)
    context = browser.new_context(viewport={"width": 1400, "height": 1400})
    page = context.new_page()
    login(page, app, "sales_lead", f"boards?id={board_id}", lang=lang)
    page.locator("[data-testid='stMetricValue']").first.wait_for()
    settle(page)
    return context, page


def options_of(page, label: str) -> list[str]:
    page.get_by_label(label).first.click()
    page.get_by_role("option").first.wait_for()
    found = page.get_by_role("option").all_inner_texts()
    return [o.strip() for o in found]


def test_a_sales_rep_screen_link_for_east_shows_east_only(browser, app, app_env, boards, raw):
    board = boards["wall"]
    context, page = lead_page(browser, app, board.id)
    page.get_by_text("Office screens").click()
    settle(page)
    offered = options_of(page, "Display role")
    assert sorted(offered) == ["Sales manager", "Sales rep"], offered  # exec, finance, admin would be refused
    page.get_by_role("option", name="Sales rep", exact=True).click()
    settle(page)
    page.get_by_label("Region shown to Sales rep").first.click()
    page.get_by_role("option", name="East", exact=True).click()
    settle(page)
    page.get_by_role("button", name="Create screen link").click()
    page.locator("[data-testid='stCode']").first.wait_for()
    settle(page)
    link = page.locator("[data-testid='stCode']").first.inner_text().strip()
    assert re.fullmatch(rf"http://127\.0\.0\.1:{app.port}/\?board={board.id}&kiosk=1&token=[\w-]+", link), link
    assert page.locator("[data-testid='stImage'] img").count() == 1  # the QR code
    page.get_by_text(re.compile(r"#\d+ · Sales rep · Region: East · valid until")).first.wait_for()
    shot(page, "boards-screen-link-lead-en")
    context.close()

    screen = browser.new_context(viewport={"width": 1920, "height": 1080})
    tv = screen.new_page()
    tv.goto(link)
    tv.get_by_text("December revenue").wait_for()
    tv.locator("[data-testid='stMetricValue']").first.wait_for()
    settle(tv)
    shown = tv.locator("[data-testid='stMetricValue']").all_inner_texts()
    east = raw.execute("""SELECT sum(l.net_amount) FROM order_lines l JOIN orders o USING (order_id)
        JOIN customers c USING (customer_id) WHERE o.status <> 'cancelled' AND c.region = 'East'
        AND o.order_date BETWEEN DATE '2025-12-01' AND DATE '2025-12-31'""").fetchall()[0][0]
    every = raw.execute("""SELECT sum(l.net_amount) FROM order_lines l JOIN orders o USING (order_id)
        WHERE o.status <> 'cancelled' AND o.order_date BETWEEN DATE '2025-12-01' AND DATE '2025-12-31'""").fetchall()[
        0
    ][0]
    cli = cli_json(app_env, "--metrics", "revenue", "--from", "2025-12-01", "--to", "2025-12-31", "--as", "sales_east")
    assert float(cli[0]["revenue"]) == pytest.approx(float(east), rel=1e-9)
    assert format_value(float(east), "currency", "en") in shown, shown
    assert format_value(float(every), "currency", "en") not in shown
    shot(tv, "boards-screen-sales-rep-east")
    screen.close()


def test_the_chinese_screen_dialog(browser, app, boards):
    board = boards["wall"]
    context, page = lead_page(browser, app, board.id, "zh")
    page.get_by_text("大屏链接", exact=True).click()
    settle(page)
    assert sorted(options_of(page, "大屏角色")) == sorted(["销售经理", "销售代表"])
    page.keyboard.press("Escape")
    settle(page)
    shot(page, "boards-screen-link-lead-zh")
    context.close()


def test_delete_asks_for_confirmation(browser, app, boards):
    board = boards["doomed"]
    context, page = lead_page(browser, app, board.id)
    page.get_by_text("Edit", exact=True).first.click()
    settle(page)
    delete = page.get_by_role("button", name="Delete board")
    assert delete.is_disabled()
    delete.scroll_into_view_if_needed()
    shot(page, "boards-delete-confirm-en")
    page.get_by_text("I understand: this deletes the board").click()
    settle(page)
    page.get_by_role("button", name="Delete board").scroll_into_view_if_needed()
    shot(page, "boards-delete-confirmed-en")
    page.get_by_role("button", name="Delete board").click()
    page.get_by_text("Board “Old draft” deleted.").wait_for()
    settle(page)
    assert all(b.title != "Old draft" for b in store.visible(LEAD))
    shot(page, "boards-deleted-en")
    context.close()


def test_pinning_in_chinese_has_a_placeholder_and_says_where(browser, app, boards):
    context, page = lead_page(browser, app, boards["shared"].id, "zh")
    page.get_by_text("编辑", exact=True).first.click()
    settle(page)
    picker = page.get_by_label("固定到角色首页").first
    picker.scroll_into_view_if_needed()
    assert page.get_by_text("选择角色", exact=True).or_(page.get_by_placeholder("选择角色")).first.is_visible()
    assert "None" not in options_of(page, "固定到角色首页")
    page.get_by_role("option", name="销售代表", exact=True).click()
    settle(page)
    page.get_by_role("button", name="固定", exact=True).click()
    page.get_by_text("已固定到销售代表的首页。").wait_for()
    settle(page)
    page.get_by_text("已固定到销售代表的首页。").scroll_into_view_if_needed()
    shot(page, "boards-pinned-zh")
    context.close()
