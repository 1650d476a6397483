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
