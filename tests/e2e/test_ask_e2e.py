"""Ask in a real browser (issue 14): sales_east types a Chinese question in Home's Ask box, sees the
answer, the chart and the chips, takes a chip out, and opens the question in Explore. Numbers against
hand SQL; a question about another region or a finance metric shows no number. Screenshots in both
languages."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlparse

import duckdb
import pytest

from semantic.execute import SEALED
from tests.e2e.conftest import shot
from tests.e2e.helpers import login, settle
from ui.fmt import format_value

pytestmark = pytest.mark.browser
EAST_YEAR = (
    "SELECT sum(l.net_amount) FROM order_lines l JOIN orders o USING (order_id) JOIN customers c USING "
    "(customer_id) WHERE o.status <> 'cancelled' AND c.region = 'East' AND year(o.order_date) = 2025"
)


def hand(path: str, sql: str) -> float:
    con = duckdb.connect(path, read_only=True, config=dict(SEALED))
    try:
        return float(con.execute(sql).fetchone()[0])
    finally:
        con.close()


def test_a_rep_asks_on_home_reads_the_chips_takes_one_out_and_opens_explore(app, page):
    login(page, app, "sales_east", lang="zh")
    settle(page)
    box = page.get_by_label("问一个数")
    box.fill("今年华东每月营收")
    page.get_by_role("button", name="提问").first.click()
    page.wait_for_url(re.compile(r"/ask\?q="), timeout=30_000)
    settle(page)
    page.locator("[data-testid='stPlotlyChart']").first.wait_for()  # by month: a chart
    chips = page.locator("[data-testid='stButtonGroup'] button")
    texts = chips.all_inner_texts()
    assert any("华东" in t for t in texts) and any("营收" in t for t in texts), texts
    shot(page, "ask-chart-zh")

    page.locator("[data-testid='stButtonGroup'] button").filter(has_text="每月").first.click()  # no longer by month
    settle(page)
    card = page.locator("[data-testid='stMetricValue']").first
    card.wait_for()
    assert card.inner_text().strip() == format_value(hand(app.env["CONCORD_WAREHOUSE"], EAST_YEAR), "currency", "zh")

    with page.context.expect_page() as opened:
        page.get_by_text("在自助分析中打开").first.click()
    explore = opened.value
    explore.wait_for_load_state()
    settle(explore)
    params = parse_qs(urlparse(explore.url).query)
    assert params["m"] == ["revenue"] and params["f.region"] == ["East"] and params["grain"] == ["none"]
    assert params["from"] == ["2025-01-01"] and params["to"] == ["2025-12-31"]
    explore.close()


@pytest.mark.parametrize(
    ("question", "lang"), [("华南上个月营收", "zh"), ("cash flow last month", "en")], ids=["other-region", "finance"]
)
def test_what_the_rep_may_not_see_shows_no_number(app, page, question, lang):
    login(page, app, "sales_east", f"ask?q={question}", lang=lang)
    settle(page)
    page.locator("[data-testid='stAlert']").first.wait_for()
    assert page.locator("[data-testid='stMetricValue']").count() == 0
    assert page.locator("[data-testid='stPlotlyChart']").count() == 0
    assert page.get_by_text(re.compile("要看哪个指标|Which metric")).count() == 0  # a metric was asked: not offered
    shot(page, f"ask-refused-{lang}")


def test_the_cfo_asks_in_english(app, page):
    login(page, app, "cfo", "ask?q=top 5 customers by revenue this quarter", lang="en")
    settle(page)
    page.locator("[data-testid='stPlotlyChart']").first.wait_for()
    heading = page.locator("h3").filter(has_text="Revenue").first.inner_text()
    assert heading.startswith("Top 5 Customer by Revenue in 2025 Q4: ") and " first (¥" in heading
    shot(page, "ask-ranking-en")
