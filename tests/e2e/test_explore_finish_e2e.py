"""Explore in a real browser, as the CFO, in both languages (issue 11): the URL keeps metric
names through a language round trip, the table's headers are named for people, and the chart
draws the prior year next to the current one. Screenshots: explore-finish-{en,zh}.png."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import pytest

from semantic import default_library
from tests.e2e.conftest import shot
from tests.e2e.helpers import login, settle

pytestmark = pytest.mark.browser

PATH = "explore?m=dso,ar_balance&grain=month&cmp=prior_year&from=2025-01-01&to=2025-12-31"


def params(page) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlparse(page.url).query).items()}


def headers(page) -> list[str]:
    grid = page.locator("[data-testid='stDataFrame']").first
    grid.locator("[role='columnheader']").first.wait_for(state="attached")
    return [h.strip() for h in grid.locator("[role='columnheader']").all_inner_texts() if h.strip()]


def trace_names(page) -> list[str]:
    page.locator(".js-plotly-plot").first.wait_for()
    return page.evaluate("() => document.querySelector('.js-plotly-plot').data.map(t => t.name)")


def switch(page, language: str) -> None:
    page.locator("[data-testid='stSidebar']").get_by_text(language, exact=True).click()
    settle(page, 800)


def test_explore_keeps_names_in_the_url_and_names_its_columns_in_both_languages(page, app):
    page.set_viewport_size({"width": 1400, "height": 2000})  # the screenshots show the chart, legend and table
    login(page, app, "cfo", PATH)
    settle(page, 800)
    try:
        assert params(page)["m"] == "dso,ar_balance"
        seen = headers(page)
        dso = default_library().metrics["dso"].label
        assert seen[:3] == ["Month", dso.en, f"{dso.en}, prior year"], seen
        assert not any("__" in h or "Compare with" in h for h in seen), seen
        names = trace_names(page)
        assert any(n.endswith("· last year") for n in names), names
        main = page.locator("[data-testid='stMain']").inner_text()
        assert "unknown metric" not in main and "%" not in page.locator(".js-plotly-plot .y2tick").first.text_content()
        shot(page, "explore-finish-en")

        switch(page, "简体中文")
        page.get_by_text("当前用户").wait_for()
        assert params(page)["m"] == "dso,ar_balance"
        seen = headers(page)
        assert seen[:3] == ["月份", dso.zh, f"{dso.zh}（上年同期）"], seen
        assert not any("__" in h or "Compare with" in h or "对比" in h for h in seen), seen
        assert any(n.endswith("· 上年同期") for n in trace_names(page))
        main = page.locator("[data-testid='stMain']").inner_text()
        assert "Choose options" not in main and "unknown metric" not in main
        ticks = page.locator(".js-plotly-plot .xtick").all_text_contents()
        assert ticks[0] == "2025年1月" and ticks[1] == "2月", ticks
        shot(page, "explore-finish-zh")

        switch(page, "English")
        page.get_by_text("Signed in as").wait_for()
        assert params(page)["m"] == "dso,ar_balance"
        page.reload()
        settle(page, 800)
        assert params(page)["m"] == "dso,ar_balance"
        assert "unknown metric" not in page.locator("[data-testid='stMain']").inner_text()
    finally:  # the language is remembered per user: leave the CFO in English for the other tests
        if page.get_by_text("当前用户").count():
            switch(page, "English")
