"""Sign-in in a real browser: the cookie is HttpOnly and SameSite=Strict (no page
script can read it) and still keeps the user signed in across a reload; a logout
ends the user's other live sessions; a slowed-down sign-in says until when."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

from tests.e2e.conftest import ROOT, shot
from tests.e2e.helpers import PASSWORDS, login, settle

pytestmark = pytest.mark.browser
SIGNED_IN = re.compile("Signed in as|当前用户")


def new_page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="en-US")
    context.set_default_timeout(30_000)
    return context, context.new_page()


def test_the_sign_in_cookie_is_not_readable_by_page_scripts_and_survives_a_reload(browser, app):
    context, page = new_page(browser)
    login(page, app, "sales_lead", "explore?m=revenue&by=channel&grain=none")
    settle(page)
    assert "/explore" in page.url and "by=channel" in page.url  # back on the page the login started from
    assert "concord_auth" not in page.evaluate("document.cookie")
    cookies = {c["name"]: c for c in context.cookies()}
    assert cookies["concord_auth"]["httpOnly"] is True and cookies["concord_auth"]["sameSite"] == "Strict"
    assert cookies["concord_auth"]["path"] == "/" and cookies["concord_auth"]["secure"] is False  # plain http here
    page.reload()
    page.get_by_text(SIGNED_IN).first.wait_for()
    settle(page)
    assert "concord_auth" not in page.evaluate("document.cookie")
    shot(page, "auth-httponly-cookie-reload")
    context.close()


def click_logout(page) -> None:
    for _ in range(3):  # a click that lands while the page is rerunning can be lost: try again
        page.get_by_role("button", name="Log out").click()
        try:
            page.get_by_role("button", name="Sign in").first.wait_for(timeout=10_000)
            return
        except Exception:  # noqa: BLE001
            settle(page)
    page.get_by_role("button", name="Sign in").first.wait_for()


def test_a_logout_ends_the_other_live_sessions_of_that_user(browser, app):
    first, mine = new_page(browser)
    second, stolen = new_page(browser)  # e.g. a session opened with a copied cookie
    login(mine, app, "ceo")
    login(stolen, app, "ceo")
    settle(mine)
    settle(stolen)
    click_logout(mine)
    assert not [c for c in first.cookies() if c["name"] == "concord_auth"]  # this browser's cookie is cleared
    stolen.locator("[data-testid='stSidebarNav']").get_by_text("Catalog").click()  # its next click
    stolen.get_by_role("button", name="Sign in").first.wait_for()
    settle(stolen)
    assert not stolen.get_by_text(SIGNED_IN).count()
    stolen.reload()  # and its cookie, issued before the logout, no longer signs it in
    stolen.get_by_role("button", name="Sign in").first.wait_for()
    settle(stolen)
    assert not stolen.get_by_text(SIGNED_IN).count()
    shot(stolen, "auth-other-session-ended-by-logout")
    first.close()
    second.close()


def test_repeated_wrong_passwords_slow_down_with_a_time_then_an_admin_unlocks(browser, app, app_env):
    context, page = new_page(browser)
    page.goto(app.url)
    page.get_by_role("button", name="Sign in").first.wait_for()
    settle(page, 300)
    for attempt in range(5):
        page.get_by_role("textbox", name="Username").last.fill("sales_south")
        page.get_by_role("textbox", name="Password").last.fill(f"not-the-password-{attempt}")
        page.get_by_role("button", name="Sign in").last.click()
        settle(page, 300)
    message = page.get_by_text(re.compile("next try is possible at")).first
    message.wait_for()
    assert re.search(r"\d{2}:\d{2}:\d{2}", message.inner_text())
    shot(page, "auth-slowed-down")
    page.get_by_role("textbox", name="Password").last.fill(PASSWORDS["sales_south"])  # even the right one waits
    page.get_by_role("button", name="Sign in").last.click()
    settle(page, 300)
    assert page.get_by_text(re.compile("next try is possible at")).count()
    done = subprocess.run(
        [sys.executable, "-m", "auth", "unlock", "sales_south"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, **app_env},
    )
    assert done.returncode == 0, done.stderr
    login(page, app, "sales_south")
    context.close()


def test_a_link_from_another_site_still_opens_signed_in(browser, app):
    """SameSite=Strict keeps the cookie off requests another site starts; the
    sign-in is read from the app's own connection, so a link in a mail or chat
    still opens the view signed in."""
    context, page = new_page(browser)
    login(page, app, "cfo")
    target = f"{app.url}/explore?m=cash_in&grain=month"
    page.route(
        "http://elsewhere.example/",
        lambda route: route.fulfill(content_type="text/html", body=f'<a id="go" href="{target}">report</a>'),
    )
    page.goto("http://elsewhere.example/")
    page.click("#go")
    page.get_by_text(SIGNED_IN).first.wait_for()
    settle(page)
    assert "/explore" in page.url and "m=cash_in" in page.url
    context.close()
