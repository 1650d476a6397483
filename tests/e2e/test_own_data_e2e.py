"""Issue 13's "done when", in a real browser: a company's own PostgreSQL tables, synced by
`python -m data.sync` as the README says (concord.toml names the source and the warehouse; nothing
else is set), shown on Home, Explore and an office screen; a row changed at the source shows on all
three after the next sync. Every number is checked against hand SQL run on PostgreSQL itself.

The app is started with CONCORD_CONFIG only (no CONCORD_WAREHOUSE): the warehouse it reads is the one
the config names."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import psycopg
import pytest

from data.demo import to_postgres
from tests import syncsetup as s
from tests.e2e.conftest import ROOT, App, shot
from tests.e2e.helpers import login, settle
from ui.fmt import format_value, headline

pytestmark = pytest.mark.browser
DECEMBER = ("2025-12-01", "2025-12-31")
YEAR = ("2025-01-01", "2025-12-31")
REVENUE = (
    "SELECT coalesce(sum(l.net_amount), 0) FROM order_lines l JOIN orders o USING (order_id) "
    "WHERE o.status <> 'cancelled' AND o.deleted_at IS NULL AND l.deleted_at IS NULL "
    "AND o.order_date BETWEEN %s AND %s"
)


def revenue_on_postgres(url: str, days: tuple[str, str]) -> float:
    with psycopg.connect(url) as con:
        return float(con.execute(REVENUE, days).fetchone()[0])


def money(value: float) -> str:
    return format_value(value, "currency", "en")


def home_money(value: float) -> str:
    """Home's cards carry one more digit (ui.fmt.headline)."""
    return headline(value, "currency", "en")


@pytest.fixture(scope="module")
def company(pg_server, warehouse_path, app_env, tmp_path_factory):
    """The ERP in PostgreSQL, a concord.toml naming it and an empty warehouse path, the first sync run
    from the shell, and an app started on that config."""
    home = tmp_path_factory.mktemp("own_company")
    url = s.fresh_erp(pg_server, s.template(pg_server, warehouse_path))
    settings = home / "concord.toml"
    settings.write_text(
        '[warehouse]\npath = "warehouse.duckdb"\n\n'
        + to_postgres.config_fragment(url, name="erp").replace(
            'password_env = "DEMO_ERP_PASSWORD"', "# trust login in the tests' server"
        ),
        encoding="utf-8",
    )
    env = {k: v for k, v in app_env.items() if k != "CONCORD_WAREHOUSE"}
    env.update({"CONCORD_CONFIG": str(settings), "CONCORD_METASTORE": str(home / "metastore.sqlite")})
    sync = [sys.executable, "-m", "data.sync"]
    first = subprocess.run(sync, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert first.returncode == 0, first.stdout + first.stderr
    assert (home / "warehouse.duckdb").exists()
    seeded = subprocess.run(
        [sys.executable, "-m", "bench.screens.seed", "5"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert seeded.returncode == 0, seeded.stderr
    made = json.loads(seeded.stdout.strip().splitlines()[-1])
    server = App(env, home / "streamlit.log").start()
    yield {"url": url, "env": env, "app": server, "sync": sync, **made}
    server.stop()


def card(page, label: str) -> str:
    found = page.locator("[data-testid='stMetric']").filter(has_text=label).first
    found.wait_for()
    return found.locator("[data-testid='stMetricValue']").inner_text().strip()


def screen_revenue(page) -> str:
    tile = page.locator("[class*='st-key-screen_tile_']").filter(has_text="Revenue").first
    return tile.locator("[data-testid='stMetricValue']").first.inner_text().strip()


def test_own_postgres_data_on_home_explore_and_a_screen_and_a_change_at_the_source(company, browser):
    app, url = company["app"], company["url"]
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="en-US")
    screen_context = browser.new_context(viewport={"width": 1920, "height": 1080})
    try:
        page = context.new_page()
        login(page, app, "ceo")
        settle(page)
        assert page.get_by_text("Last synced ").first.is_visible()  # the sidebar says when the sync landed
        assert card(page, "Revenue") == home_money(revenue_on_postgres(url, DECEMBER))  # Home: the data date's month
        shot(page, "own-data-home-en")
        page.goto(f"{app.url}/explore?m=revenue&grain=none&from={YEAR[0]}&to={YEAR[1]}")
        settle(page)
        year_before = revenue_on_postgres(url, YEAR)
        assert card(page, "Revenue") == money(year_before)
        screen = screen_context.new_page()
        screen.goto(f"{app.url}/?kiosk=1&board={company['board']}&token={company['token']}&lang=en")
        screen.locator("[data-testid='stMetricValue']").nth(5).wait_for(timeout=60_000)
        assert screen_revenue(screen) == money(year_before)

        # the business amends a December order at the source (its line and its invoice: the blocking check
        # invoice_matches_order refuses one without the other); the next sync brings it in
        with psycopg.connect(url, autocommit=True) as con:
            order_id, line_no = con.execute(
                "SELECT l.order_id, l.line_no FROM order_lines l JOIN orders o USING (order_id) JOIN invoices i "
                "USING (order_id) WHERE o.status <> 'cancelled' AND o.order_date BETWEEN '2025-12-01' AND '2025-12-31'"
                " ORDER BY l.order_id, l.line_no LIMIT 1"
            ).fetchone()
            con.execute(
                "UPDATE order_lines SET net_amount = net_amount + 5000000, updated_at = now() "
                "WHERE order_id = %s AND line_no = %s",
                (order_id, line_no),
            )
            con.execute(
                "UPDATE invoices SET amount = amount + 5000000, updated_at = now() WHERE order_id = %s", (order_id,)
            )
        again = subprocess.run(company["sync"], cwd=ROOT, env=company["env"], capture_output=True, text=True)
        assert again.returncode == 0, again.stdout + again.stderr
        assert "order_lines" in again.stdout
        year_after = revenue_on_postgres(url, YEAR)
        assert year_after == pytest.approx(year_before + 5_000_000)

        screen.wait_for_function(  # the screen moves at its next refresh (5 s), nobody touching it
            "want => [...document.querySelectorAll(\"[class*='st-key-screen_tile_'] [data-testid='stMetricValue']\")]"
            ".some(e => e.innerText.trim() === want)",
            arg=money(year_after),
            timeout=30_000,
        )
        shot(screen, "own-data-screen-after-sync-en")
        page.reload()
        settle(page)
        assert card(page, "Revenue") == money(year_after)
        page.goto(f"{app.url}/")
        settle(page)
        assert card(page, "Revenue") == home_money(revenue_on_postgres(url, DECEMBER))
    finally:
        context.close()
        screen_context.close()
    assert os.environ.get("CONCORD_CONFIG") is None  # the config reached the app only through its env


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_administrator_sees_the_sources_page(company, browser, lang):
    app = company["app"]
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    try:
        page = context.new_page()
        login(page, app, "admin", "sources", lang=lang)
        settle(page)
        words = {
            "en": ("Sources", "Synced", "Sync now", "Sync history"),
            "zh": ("数据源", "已同步", "立即同步", "同步记录"),
        }
        for word in words[lang]:
            page.get_by_text(word, exact=True).first.wait_for()
        body = page.locator("section.main, [data-testid='stMain']").first.inner_text()
        assert "password" not in body.lower() and "DEMO_ERP_PASSWORD" not in body
        shot(page, f"own-data-sources-{lang}")
    finally:
        context.close()
