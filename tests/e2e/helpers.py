"""Small steps shared by the browser tests."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

from tests.test_auth import DEMO_PASSWORDS

ROOT = Path(__file__).resolve().parents[2]
PASSWORDS = DEMO_PASSWORDS  # the demo accounts, written down once (tests/test_auth.py)


def login(page, app, user: str, path: str = "", lang: str | None = "en") -> None:
    """Sign `user` in through the form. The language is remembered per user, so a test starts in `lang`
    (English unless it asks), whatever an earlier test left; `lang=None` keeps the remembered one."""
    if lang is not None:
        from ui import prefs

        prefs.set_language(user, lang, where=app.env["CONCORD_METASTORE"])
    page.goto(f"{app.url}/{path}")
    page.get_by_role("button", name="Sign in").first.wait_for()
    settle(page, 300)
    page.get_by_role("textbox", name="Username").last.fill(user)
    page.get_by_role("textbox", name="Password").last.fill(PASSWORDS[user])
    page.get_by_role("button", name="Sign in").last.click()
    page.get_by_text(re.compile("Signed in as|当前用户")).first.wait_for()


def settle(page, ms: int = 400) -> None:
    """Wait until Streamlit has finished its runs: no status widget twice in a row,
    `ms` apart (a page may rerun itself once, e.g. to write its state to the URL)."""
    idle = "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')"
    for _ in range(3):
        page.wait_for_timeout(ms)
        page.wait_for_function(idle, timeout=60_000)
    page.wait_for_timeout(ms)


def cli_json(env: dict, *args: str) -> list[dict]:
    done = subprocess.run(
        [sys.executable, "-m", "semantic", "query", *args, "--format", "json", "--db", env["CONCORD_WAREHOUSE"]],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, **env},
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def new_page(browser, height: int = 1400):
    """A fresh browser context (its own cookies: another signed-in user) at 1400 px wide, and its page."""
    context = browser.new_context(viewport={"width": 1400, "height": height}, locale="en-US")
    context.set_default_timeout(30_000)
    return context, context.new_page()


def main_text(page) -> str:
    """The text of the page's main area (not the sidebar)."""
    return page.locator("[data-testid='stMain']").inner_text()


def switch(page, language: str) -> None:
    """Switch the app's language in the sidebar ("English" / "简体中文") and wait for the page to redraw."""
    page.locator("[data-testid='stSidebar']").get_by_text(language, exact=True).click()
    page.get_by_text("当前用户" if language == "简体中文" else "Signed in as").first.wait_for()
    settle(page, 800)
