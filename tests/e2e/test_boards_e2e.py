"""Boards in the real browser: office-screen mode with display tokens, refusals,
a sales screen that never shows finance numbers, a board that survives a restart."""

from __future__ import annotations

import datetime as dt
import os
import re

import pytest

from boards import store, tokens
from boards.store import Board, Rule, Tile
from data import metastore
from semantic import Principal, Query
from tests.e2e.conftest import shot
from tests.e2e.helpers import login, settle

pytestmark = pytest.mark.browser
CFO = Principal("cfo", ("finance",))
CEO = Principal("ceo", ("exec",))


@pytest.fixture(scope="module")
def boards(app_env):
    old = os.environ.get("CONCORD_METASTORE")
    os.environ["CONCORD_METASTORE"] = app_env["CONCORD_METASTORE"]
    cash = store.save(
        Board(
            title="CFO cash wall",
            owner="cfo",
            sharing="roles",
            shared_roles=("finance", "exec"),
            refresh_seconds=5,
            theme="dark",
            tiles=(
                Tile(
                    Query(metrics=("cash_in", "dso"), time_from=dt.date(2025, 12, 1), time_to=dt.date(2025, 12, 31)),
                    title="December cash",
                    rules=(Rule("dso", ">", 1, "critical"),),
                ),
                Tile(Query(metrics=("revenue",), group_by=("region",)), title="Revenue by region"),
            ),
        ),
        CFO,
    )
    mixed = store.save(
        Board(
            title="Meeting room",
            owner="ceo",
            sharing="everyone",
            tiles=(
                Tile(Query(metrics=("cash_in",)), title="Cash in total"),
                Tile(Query(metrics=("revenue",)), title="Revenue total"),
            ),
        ),
        CEO,
    )
    yield {"cash": cash, "mixed": mixed}
    if old is None:
        os.environ.pop("CONCORD_METASTORE", None)
    else:
        os.environ["CONCORD_METASTORE"] = old


def open_screen(browser, app, board_id, token):
    context = browser.new_context(viewport={"width": 1600, "height": 900})
    page = context.new_page()
    page.goto(f"{app.url}/?board={board_id}&kiosk=1&token={token}")
    return context, page


def test_a_screen_opens_with_a_token_and_no_login_and_refreshes_by_itself(browser, app, boards):
    token = tokens.create(boards["cash"].id, "finance", CFO)
    context, page = open_screen(browser, app, boards["cash"].id, token)
    page.get_by_text("CFO cash wall").wait_for()
    page.get_by_text("December cash").wait_for()
    page.get_by_text("Days sales outstanding above 1 day").wait_for()  # the breached rule turns the tile red
    assert page.get_by_role("button", name="Sign in").count() == 0
    assert not page.locator("[data-testid='stSidebar']").is_visible()
    first = page.locator(".st-key-kiosk_updated").inner_text()
    page.wait_for_function(
        "t => !document.querySelector('.st-key-kiosk_updated') || "
        "document.querySelector('.st-key-kiosk_updated').innerText !== t",
        arg=first,
        timeout=30_000,
    )
    settle(page)
    assert page.locator(".st-key-kiosk_updated").inner_text() != first
    shot(page, "kiosk-cash-dark")
    context.close()


def test_bad_tokens_and_other_boards_are_refused(browser, app, boards):
    token = tokens.create(boards["cash"].id, "finance", CFO)
    cases = [(boards["cash"].id, token[:-2] + "xy", "not valid"), (boards["mixed"].id, token, "another board")]
    expired = tokens.create(boards["cash"].id, "finance", CFO)
    with metastore.session() as con:
        con.execute(
            "UPDATE display_tokens SET expires_at = '2020-01-01T00:00:00+00:00' WHERE id = "
            "(SELECT max(id) FROM display_tokens)"
        )
    cases.append((boards["cash"].id, expired, "expired"))
    revoked = tokens.create(boards["cash"].id, "finance", CFO)
    tokens.revoke(tokens.listed(boards["cash"].id)[-1]["id"], CFO)
    cases.append((boards["cash"].id, revoked, "revoked"))
    for board_id, bad, reason in cases:
        context, page = open_screen(browser, app, board_id, bad)
        page.get_by_text(re.compile(reason)).wait_for()
        assert page.get_by_text("December cash").count() == 0
        context.close()
    # the token opens no other page: without kiosk it is just the login
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{app.url}/explore?token={token}")
    page.get_by_role("button", name="Sign in").first.wait_for()
    context.close()


def test_a_sales_screen_never_shows_finance_numbers(browser, app, boards):
    token = tokens.create(boards["mixed"].id, "sales_manager", CEO)
    context, page = open_screen(browser, app, boards["mixed"].id, token)
    page.get_by_text("Revenue total").wait_for()
    settle(page)
    text = page.locator("[data-testid='stMain']").inner_text()
    assert "You may not see this tile's metric" in text
    assert "Cash in" not in text.replace("Cash in total", "")  # the title shows, never the metric or its number
    shot(page, "kiosk-sales-locked")
    context.close()


def test_a_board_survives_an_app_restart(browser, app, boards):
    app.stop()
    app.start()
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    login(page, app, "cfo", f"boards?id={boards['cash'].id}")
    page.get_by_text("Revenue by region").first.wait_for()
    settle(page)
    shot(page, "boards-cfo-en")
    context.close()


SCALE = {"K": 1e3, "M": 1e6, "B": 1e9, "万": 1e4, "亿": 1e8}


def tick_value(text: str) -> float:
    """An axis label as a number: '¥5M' -> 5e6, '¥200万' -> 2e6, '12,000' -> 12000."""
    text = text.replace("¥", "").replace(",", "").replace("\u2212", "-").strip()
    factor = SCALE.get(text[-1:], 1.0)
    return float(text[:-1] if text[-1:] in SCALE else text) * factor


def y_ticks(page) -> list[str]:
    """The value-axis labels of the second tile's chart, once drawn."""
    ticks = page.locator("[data-testid='stPlotlyChart']").nth(1).locator(".ytick text")
    ticks.first.wait_for()
    page.wait_for_timeout(500)
    return ticks.evaluate_all("els => els.map(e => e.textContent)")


def test_drag_select_on_one_tile_cross_filters_the_others(browser, app, boards):
    board = store.save(
        Board(
            title="Sales wall",
            owner="ceo",
            sharing="everyone",
            columns=2,
            tiles=(
                Tile(Query(metrics=("revenue",), group_by=("region",)), title="By region"),
                Tile(Query(metrics=("revenue",), group_by=("channel",)), title="By channel"),
            ),
        ),
        CEO,
    )
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    login(page, app, "ceo", f"boards?id={board.id}")
    page.get_by_text("By channel").first.wait_for()
    settle(page)
    before = y_ticks(page)
    plot = page.locator("[data-testid='stPlotlyChart']").first.locator(".nsewdrag").first.bounding_box()
    page.mouse.move(plot["x"] + 3, plot["y"] + 5)
    page.mouse.down()
    page.mouse.move(plot["x"] + plot["width"] * 0.19, plot["y"] + plot["height"] - 3, steps=10)
    page.mouse.up()
    page.get_by_role("button", name=re.compile("Selection: Region")).wait_for(timeout=30_000)
    settle(page)
    after = y_ticks(page)
    top = lambda ticks: max(tick_value(t) for t in ticks)  # noqa: E731
    assert top(after) < top(before)  # the channel tile now adds up one region only: a lower axis
    shot(page, "board-cross-filter")
    context.close()
    # (continued in the test above) clearing the selection brings every tile back
