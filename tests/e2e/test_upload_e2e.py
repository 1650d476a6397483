"""The Upload page in a real browser, on an app of its own (its own warehouse copy and metadata store, so
the other browser tests keep the demo's budget): the CFO uploads a budget workbook, sees the mapping, the
first rows and the effect, confirms, and Budget vs actual's full-year budget changes to the workbook's total;
the restore button brings the old budget back; a sales rep does not see the page and gets the locked-page message at its address. Screenshots in both
languages."""

from __future__ import annotations

import re
import shutil

import duckdb
import pytest

from tests.e2e.conftest import App, shot
from tests.e2e.helpers import login, settle
from tests.test_load_budget import budget_workbook
from ui.fmt import format_value

pytestmark = pytest.mark.browser
FULL_YEAR = "Full year · Budget"


@pytest.fixture(scope="module")
def own_app(app_env, warehouse_path, tmp_path_factory):
    home = tmp_path_factory.mktemp("upload_app")
    copy = home / "warehouse.duckdb"
    shutil.copyfile(warehouse_path, copy)
    env = {**app_env, "CONCORD_WAREHOUSE": str(copy), "CONCORD_METASTORE": str(home / "metastore.sqlite")}
    server = App(env, home / "streamlit.log").start()
    yield server
    server.stop()


def choose_year(page, year: int) -> None:
    """The page opens on the data date's year, which a publish recomputes from the data: ask for `year`."""
    box = page.locator("[data-testid='stSelectbox']").filter(has_text="Year").first
    box.wait_for()
    if str(year) not in box.inner_text():
        box.click()
        page.get_by_role("option", name=str(year), exact=True).click()
        settle(page)


def full_year_budget(page) -> str:
    card = page.locator("[data-testid='stMetric']").filter(has_text=FULL_YEAR).first
    card.wait_for()
    return card.locator("[data-testid='stMetricValue']").inner_text().strip()


def test_a_finance_user_uploads_the_budget_and_budget_vs_actual_shows_it(own_app, page):
    path = own_app.env["CONCORD_WAREHOUSE"]
    con = duckdb.connect(path, read_only=True)
    year = con.execute("SELECT year(max(as_of)) FROM warehouse_info").fetchall()[0][0]
    con.close()
    data, expected = budget_workbook(year)
    login(page, own_app, "cfo", "budget")
    settle(page)
    choose_year(page, year)
    before = full_year_budget(page)

    page.goto(f"{own_app.url}/upload")
    page.get_by_text("Into table").first.wait_for()
    settle(page)
    page.locator("input[type=file]").set_input_files(
        files=[{"name": f"{year}年预算.xlsx", "mimeType": "application/vnd.ms-excel", "buffer": data}]
    )
    page.get_by_text(f"First rows as they will be loaded ({len(expected)} in all)").wait_for()
    page.get_by_text(re.compile(f"replaces the [0-9,]+ rows of {year} in budgets")).wait_for()
    settle(page)
    shot(page, "upload_preview_en")
    page.get_by_role("button", name="Confirm and load").click()
    page.get_by_text(re.compile(f"Loaded: {len(expected)} rows written")).wait_for()
    settle(page)
    assert page.get_by_role("button", name="Confirm and load").count() == 0  # the loaded file is not offered again
    shot(page, "upload_loaded_en")

    con = duckdb.connect(path, read_only=True)
    total = con.execute("SELECT sum(amount) FROM budgets WHERE year(month) = ?", [year]).fetchall()[0][0]
    con.close()
    assert total == sum(expected.values())  # hand SQL over the raw table
    page.goto(f"{own_app.url}/budget")
    settle(page)
    choose_year(page, year)
    shot(page, "upload_budget_after_en")
    after = full_year_budget(page)
    assert after != before
    assert after == format_value(float(total), "currency", "en")

    page.goto(f"{own_app.url}/upload")
    page.get_by_role("button", name=re.compile(r"Restore what load \d+ replaced")).click()
    page.get_by_text(re.compile(r"Restored: the rows load \d+ replaced are back")).wait_for()
    page.goto(f"{own_app.url}/budget")
    settle(page)
    choose_year(page, year)
    assert full_year_budget(page) == before  # the old budget of the year is back

    page.goto(f"{own_app.url}/upload")
    page.get_by_text("Into table").first.wait_for()
    page.get_by_text("简体中文").click()
    page.get_by_text("载入记录").first.wait_for()
    settle(page)
    shot(page, "upload_history_zh")


def test_a_sales_rep_does_not_see_the_page_and_is_told_at_its_address(own_app, page):
    login(page, own_app, "sales_east")
    settle(page)
    assert page.get_by_role("link", name="Upload a file").count() == 0
    page.goto(f"{own_app.url}/upload")
    page.get_by_text(re.compile("You do not have access to Upload a file; ask an administrator for the")).wait_for()
    assert page.get_by_text("Into table").count() == 0
    shot(page, "upload_locked_en")
