"""A page you may not open says so (issue 11, branch states): a sales user who types /cash or /users
lands on a one-line message naming the page and the roles (by label) that open it, in their language;
before, they were sent Home without a word. The menu still lists only the pages they may open, and
no finance number reaches the page."""

from __future__ import annotations

import re

import pytest

from tests.e2e.conftest import shot
from tests.e2e.helpers import login, settle

pytestmark = pytest.mark.browser

SAID = {
    ("cash", "en"): "You do not have access to Cash and receivables; ask an administrator for the "
    "Executive, Finance or Administrator role.",
    ("users", "en"): "You do not have access to Users; ask an administrator for the Administrator role.",
    ("cash", "zh"): "您无权访问“资金与应收”；如需访问，请联系管理员授予“管理层、财务或系统管理员”角色。",
    ("users", "zh"): "您无权访问“用户管理”；如需访问，请联系管理员授予“系统管理员”角色。",
}
LOCKED_TITLES = {"en": ("Cash and receivables", "Users"), "zh": ("资金与应收", "用户管理")}


def main_text(page) -> str:
    return page.locator("[data-testid='stMain']").inner_text()


def menu(page) -> str:
    return page.locator("[data-testid='stSidebarNav']").inner_text()


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_sales_user_typing_a_finance_or_admin_address_is_told_so(page, app, lang):
    login(page, app, "sales_east", lang=lang)
    for name in ("cash", "users"):
        page.goto(f"{app.url}/{name}")
        settle(page, 600)
        page.get_by_text(SAID[(name, lang)]).wait_for()
        body = main_text(page)
        assert "¥" not in body, body  # no number at all, let alone a finance one
        assert not re.search(r"\d[\d,.]*\s*(万|亿|[KMB]\b)", body), body
        assert page.url.rstrip("/").endswith(f"/{name}")  # not quietly sent Home
        shot(page, f"states-locked-{name}-{lang}")
    listed = menu(page)
    assert not [t for t in LOCKED_TITLES[lang] if t in listed], listed  # the menu lists only what they may open


def test_a_shared_finance_link_opened_by_a_sales_user_says_so_after_signing_in(page, app):
    login(page, app, "sales_lead", path="cash")
    settle(page, 600)
    page.get_by_text(SAID[("cash", "en")]).wait_for()
    assert "¥" not in main_text(page)


def test_the_cfo_still_opens_cash(page, app):
    login(page, app, "cfo", path="cash")
    settle(page, 800)
    assert "You do not have access" not in main_text(page)
    assert "¥" in main_text(page)


EMPTY = {
    ("row_policy", "en"): "No rows you may see: your role's row policy limits this data.",
    ("row_policy", "zh"): "没有您可查看的数据：您角色的行级权限限制了这些数据。",
    ("no_rows", "en"): "No rows for this filter and period.",
    ("no_rows", "zh"): "此筛选条件和期间内没有数据。",
}
MARCH = "from=2025-03-01&to=2025-03-31"


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_an_empty_explore_for_a_rep_blames_the_row_policy(page, app, lang):
    login(page, app, "sales_east", lang=lang)
    page.goto(f"{app.url}/explore?m=revenue&grain=month&f.region=West&{MARCH}")
    settle(page, 800)
    page.get_by_text(EMPTY[("row_policy", lang)]).wait_for()
    assert not page.locator("[data-testid='stDataFrame']").count()
    shot(page, f"states-empty-row-policy-{lang}")


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_an_empty_explore_for_the_cfo_blames_the_filter(page, app, lang):
    login(page, app, "cfo", lang=lang)
    page.goto(f"{app.url}/explore?m=revenue&grain=month&f.region=Nowhere&{MARCH}")
    settle(page, 800)
    page.get_by_text(EMPTY[("no_rows", lang)]).wait_for()
    assert EMPTY[("row_policy", lang)] not in main_text(page)
    shot(page, f"states-empty-no-rows-{lang}")


@pytest.fixture(scope="module")
def breaches(app_env):
    import os

    from boards import evaluate, store
    from boards.store import Board, Rule, Tile
    from semantic import Principal, Query, Warehouse

    old = os.environ.get("CONCORD_METASTORE")
    os.environ["CONCORD_METASTORE"] = app_env["CONCORD_METASTORE"]
    dec = {"time_from": "2025-12-01", "time_to": "2025-12-31"}
    try:
        board = store.save(
            Board(
                title="CFO watch",
                owner="cfo",
                tiles=(
                    Tile(Query(metrics=("dso",), **dec), title="DSO", rules=(Rule("dso", ">", 1, "critical"),)),
                    Tile(Query(metrics=("cash_out",), **dec), title="Cash out", rules=(Rule("cash_out", ">", 1),)),
                    Tile(Query(metrics=("revenue",), **dec), title="Revenue", rules=(Rule("revenue", ">", 1000),)),
                ),
            ),
            Principal("cfo", ("finance",)),
        )
        warehouse = Warehouse(app_env["CONCORD_WAREHOUSE"])
        evaluate.evaluate_board(board, warehouse, post=lambda *a: None)
        yield board
    finally:
        if old is None:
            os.environ.pop("CONCORD_METASTORE", None)
        else:
            os.environ["CONCORD_METASTORE"] = old


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_alert_log_reads_bad_news_as_bad_in_words(page, app, breaches, lang):
    login(page, app, "cfo", path="alerts", lang=lang)
    settle(page, 800)
    page.locator("[data-testid='stDataFrame']").first.wait_for()
    cells = [c.strip() for c in page.locator("[data-testid='stDataFrame'] [role='gridcell']").all_inner_texts()]
    want = {
        "en": [
            "Days sales outstanding above 1 day",
            "Critical · bad news",
            "Cash out above ¥1",
            "Warning · good news",
        ],
        "zh": ["应收账款周转天数高于1天", "严重 · 不利", "付款高于¥1", "警告 · 有利"],
    }[lang]
    assert all(w in cells for w in want), cells
    assert not [c for c in cells if re.fullmatch(r"[a-z_]+ [<>]=? [\d.]+", c)], cells  # never 'dso > 1'
    shot(page, f"states-alert-log-{lang}")
