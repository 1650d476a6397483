"""A screen shows synced numbers at its next refresh after the sync ends (issue 13), in a real
Chromium against `streamlit run serve.py`: the warehouse changes through data.publish (as every
sync and upload does) while the screen is on, and the Orders tile moves to the hand-counted number
within one refresh period, with nobody touching the TV."""

from __future__ import annotations

import datetime as dt
import re
import time
from pathlib import Path

import duckdb
import pytest

from data import publish
from tests.e2e.conftest import shot

pytestmark = pytest.mark.browser
HAND_ORDERS_2025 = (
    "SELECT count(DISTINCT o.order_id) FROM orders o JOIN order_lines l USING (order_id) "
    "WHERE o.status <> 'cancelled' AND o.order_date BETWEEN DATE '2025-01-01' AND DATE '2025-12-31'"
)


def tile(page, title: str):
    return page.locator("[class*='st-key-screen_tile_']").filter(has_text=title).first


def orders_tile(page) -> str:
    return re.sub(r"\D", "", tile(page, "Orders").locator("[data-testid='stMetricValue']").inner_text())


def hand(path: Path, sql: str):
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(sql).fetchone()[0]
    finally:
        con.close()


def test_a_screen_shows_synced_numbers_at_its_next_refresh(screen_server, browser):
    warehouse = Path(screen_server.home.name) / "warehouse.duckdb"
    url = f"{screen_server.url}/?kiosk=1&board={screen_server.board}&token={screen_server.token}&lang=en"
    context = browser.new_context(viewport={"width": 1920, "height": 1080})
    try:
        page = context.new_page()
        page.goto(url)
        page.locator("[data-testid='stMetricValue']").nth(5).wait_for(timeout=60_000)
        before = hand(warehouse, HAND_ORDERS_2025)
        assert orders_tile(page) == str(before)
        # the tile is titled "Orders": its card does not say "Orders" a second time
        assert not tile(page, "Orders").locator("[data-testid='stMetricLabel']").is_visible()

        with publish.changing(warehouse, source="test:sync", today=dt.date(2025, 12, 31)) as change:
            customer, rep = change.con.execute("SELECT customer_id, rep_id FROM orders LIMIT 1").fetchone()
            product = change.con.execute("SELECT product_id FROM products LIMIT 1").fetchone()[0]
            for n in range(3):  # three new orders in June 2025, one line each
                change.con.execute(
                    "INSERT INTO orders VALUES (?, DATE '2025-06-15', ?, ?, 'completed')", [990_000 + n, customer, rep]
                )
                change.con.execute(
                    "INSERT INTO order_lines (order_id, line_no, product_id, quantity, unit_price, discount, "
                    "net_amount, cost_amount) VALUES (?, 1, ?, 1, 100, 0, 100, 50)",
                    [990_000 + n, product],
                )
            change.touch("orders", "order_lines")
        synced = time.monotonic()
        after = hand(warehouse, HAND_ORDERS_2025)
        assert after == before + 3
        deadline = synced + 5 + 10  # one refresh period (5 s), and slack for a loaded machine
        while orders_tile(page) != str(after) and time.monotonic() < deadline:
            page.wait_for_timeout(250)
        assert orders_tile(page) == str(after)
        shot(page, "screen-after-sync-en")
    finally:
        context.close()
