"""Home's card numbers fit their cards (issue 11, defect 5): as the CEO (two rows of cards)
and the CFO, in English and Chinese, at 1280 and 1920 px wide, no card's headline number is
cut off or ellipsised; the changes carry their meaning (pp for a margin, money for a variance)."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import shot
from tests.e2e.helpers import login, settle

pytestmark = pytest.mark.browser

CUT = """() => [...document.querySelectorAll('[data-testid="stMetricValue"]')].map(e => {
    const inner = e.querySelector('div') || e;
    return {text: e.innerText, cut: e.scrollWidth > e.clientWidth || inner.scrollWidth > inner.clientWidth};
})"""


@pytest.mark.parametrize("width", [1280, 1920])
@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("user", ["ceo", "cfo"])
def test_home_card_numbers_fit(browser, app, user, lang, width):
    context = browser.new_context(viewport={"width": width, "height": 1000}, locale="en-US")
    context.set_default_timeout(30_000)
    page = context.new_page()
    try:
        login(page, app, user)
        if lang == "zh":
            page.get_by_text("简体中文").click()
            page.get_by_text("当前用户").wait_for()
        else:
            page.get_by_text("English").first.click()
            page.get_by_text("Signed in as").wait_for()
        page.locator("[data-testid='stMetricValue']").first.wait_for()
        settle(page, 600)
        values = page.evaluate(CUT)
        shot(page, f"home-finish-{user}-{lang}-{width}")
        assert len(values) >= 5, values
        for value in values:
            assert not value["cut"] and "…" not in value["text"] and "..." not in value["text"], (value, values)
        deltas = page.locator("[data-testid='stMetricDelta']").all_inner_texts()
        if user == "cfo":
            money = [d for d in deltas if "¥" in d]
            assert money and not any("%" in d for d in money), deltas  # variances in money
        if user == "ceo":
            assert any(d.strip().endswith("pp" if lang == "en" else "个百分点") for d in deltas), deltas
    finally:
        context.close()
