"""A screen whose server went away keeps its numbers, says since when, and comes back by itself
(issue 12), in a real Chromium against `streamlit run serve.py` (started by bench.screens.server)."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import shot

pytestmark = pytest.mark.browser
NUMBERS = 6  # the bench board's number tiles (bench.screens.seed)


def test_a_screen_whose_server_went_away_says_since_when_and_comes_back_by_itself(screen_server, browser):
    """The server is killed: the TV keeps the last numbers and, after 2.5 refreshes, says
    'Not updated since HH:MM:SS'. The server starts again: the screen shows the board again and
    the note goes, without anyone touching it."""
    url = f"{screen_server.url}/?kiosk=1&board={screen_server.board}&token={screen_server.token}&lang=en"
    context = browser.new_context(viewport={"width": 1920, "height": 1080})
    try:
        page = context.new_page()
        page.goto(url)
        page.locator(".st-key-kiosk_updated").wait_for(timeout=60_000)
        values = page.locator("[data-testid='stMetricValue']")
        values.nth(NUMBERS - 1).wait_for(timeout=60_000)  # the header comes first, the tiles after it
        numbers = values.all_inner_texts()
        assert len(numbers) == NUMBERS
        assert page.locator("#concord-stale").count() == 0
        screen_server.kill()
        note = page.locator("#concord-stale")
        note.wait_for(timeout=30_000)  # 2.5 x 5 s after the last update, checked every second
        assert note.inner_text().startswith("Not updated since ")
        assert page.locator("[data-testid='stMetricValue']").all_inner_texts() == numbers  # the last numbers
        assert not page.locator("[role='dialog']").is_visible()  # no "Connection error" box over the board
        assert page.locator(".st-key-kiosk_title").is_visible()  # the note sits over "updated", not the title
        shot(page, "screen-stale-en")
        screen_server.restart()
        note.wait_for(state="detached", timeout=60_000)
        page.locator(".st-key-kiosk_updated").wait_for(timeout=30_000)
        values.nth(NUMBERS - 1).wait_for(timeout=30_000)
        assert values.all_inner_texts() == numbers
    finally:
        context.close()
