"""The Users page in a real browser: an admin adds a sales rep with a region, that user signs
in in a fresh browser context and sees their page; the admin disables them and their open
session ends at its next click. Screenshots of the page in English and Chinese."""

from __future__ import annotations

import re

import pytest

from tests.e2e.conftest import shot
from tests.e2e.helpers import login, settle

pytestmark = pytest.mark.browser
NEW_USER, NEW_PASSWORD = "sales_west", "west-secret-2025"


def new_page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="en-US")
    context.set_default_timeout(30_000)
    return context, context.new_page()


def pick(page, testid: str, label: str, option: str) -> None:
    """Choose `option` in the first Streamlit multiselect/selectbox labelled `label`."""
    widget = page.locator(f"[data-testid='{testid}']").filter(has_text=label).first
    for _attempt in range(3):  # a click while the page reruns can be lost: try again
        widget.click()
        try:
            page.get_by_role("option", name=option, exact=True).click(timeout=10_000)
            if testid == "stMultiSelect":
                page.keyboard.press("Escape")
            settle(page)
            if option in shown(widget):
                return
        except Exception:  # noqa: BLE001
            page.keyboard.press("Escape")
            settle(page)
    raise AssertionError(f"{label}: no option {option}: {shown(widget)}")


def shown(widget) -> str:
    """A widget's text and its inputs' values and placeholders (a selectbox shows its choice in an input)."""
    return widget.evaluate(
        "e => e.textContent + ' ' + [...e.querySelectorAll('input')].map(i => i.value + ' ' + (i.placeholder || '')).join(' ')"
    )


def sign_in_as(page, app, user: str, password: str) -> None:
    page.goto(app.url)
    page.get_by_role("button", name="Sign in").first.wait_for()
    settle(page, 300)
    page.get_by_role("textbox", name="Username").last.fill(user)
    page.get_by_role("textbox", name="Password").last.fill(password)
    page.get_by_role("button", name="Sign in").last.click()
    page.get_by_text(re.compile("Signed in as|当前用户")).first.wait_for()


def test_an_admin_adds_a_user_who_then_signs_in_and_is_signed_out_when_disabled(browser, app):
    admin_context, admin = new_page(browser)
    login(admin, app, "admin", "users")
    admin.get_by_role("heading", name="Users").wait_for()
    settle(admin)
    main = admin.locator("[data-testid='stMain']")
    main.get_by_label("Username (letters, digits, . _ -)").fill(NEW_USER)
    main.get_by_label("Full name").fill("Zhao Yu · Sales West")
    settle(admin)
    pick(admin, "stMultiSelect", "Roles", "Sales rep")
    pick(admin, "stSelectbox", "Region", "East")
    main.get_by_label("Initial password (at least 8 characters)").fill(NEW_PASSWORD)
    main.get_by_label("Password again").first.fill(NEW_PASSWORD)
    settle(admin)
    admin.get_by_role("button", name="Add user").click()
    admin.get_by_text(f"Added {NEW_USER}.").wait_for()
    settle(admin)
    text = main.inner_text()
    assert "Traceback" not in text and "python -m" not in text
    add_form = admin.locator("[data-testid='stMultiSelect']").first
    assert "Sales rep" not in shown(add_form)  # the add form is empty again for the next person
    shot(admin, "users-admin-en")

    user_context, user = new_page(browser)  # a fresh browser: no cookie, no session
    sign_in_as(user, app, NEW_USER, NEW_PASSWORD)
    settle(user)
    sidebar = user.locator("[data-testid='stSidebar']").inner_text()
    assert "Zhao Yu · Sales West" in sidebar and "Roles: Sales rep" in sidebar  # roles by their labels
    shot(user, "users-new-user-home-en")

    admin.get_by_role("button", name="Disable account").click()  # the change form shows the user just added
    admin.get_by_text(f"{NEW_USER} is disabled.").wait_for()
    settle(admin)
    user.get_by_role("button", name="Log out").wait_for()
    user.reload()  # the next run of that session (a reload or a click) finds the account disabled
    user.get_by_role("button", name="Sign in").first.wait_for()
    assert not user.get_by_text("Zhao Yu · Sales West").count()
    user_context.close()

    admin.get_by_text("简体中文").click()
    admin.get_by_role("heading", name="用户管理").wait_for()
    settle(admin, 800)
    text = main.inner_text()
    assert "添加用户" in text and "销售代表" in text and "启用账户" in text and "Traceback" not in text
    admin.get_by_role("heading", name="用户管理").scroll_into_view_if_needed()
    shot(admin, "users-admin-zh")
    admin.goto(f"{app.url}/audit")  # the account changes are in the audit log, with readable kinds and headers
    admin.get_by_role("heading", name="审计日志").wait_for()
    settle(admin, 800)
    assert "全部类型" in shown(admin.locator("[data-testid='stSelectbox']").first)
    shot(admin, "users-audit-zh")
    admin.get_by_text("English").click()  # the language is remembered per user: leave it as found
    admin.get_by_role("heading", name="Audit log").wait_for()
    settle(admin, 800)
    assert "All kinds" in shown(admin.locator("[data-testid='stSelectbox']").first)
    assert "None" not in shown(admin.locator("[data-testid='stSelectbox']").first)
    shot(admin, "users-audit-en")
    admin_context.close()
