"""The whole app on PostgreSQL and on Spark (issue 16): a real `streamlit run serve.py` with CONCORD_CONFIG
pointing at a concord.toml whose [warehouse] is the test data loaded into that engine; sign in, open Home,
Explore, Cash and an office screen, and every number shown equals DuckDB's answer to the same query over
the same data (the CLI on the DuckDB file, or the layer's own work list on it), with no error on the page.

DuckDB runs through the same concord.toml path as the baseline. Screenshots: tests/artifacts/engine-*.png."""

from __future__ import annotations

import datetime as dt
import io
import os
import re
import subprocess
import sys

import pandas as pd
import pytest

from boards.store import Board, Tile
from semantic import Principal, Query, default_library
from tests.e2e.conftest import ROOT, App, shot
from tests.e2e.helpers import cli_json, login, settle
from ui.fmt import format_value, headline

pytestmark = pytest.mark.browser
ENGINES = ("duckdb", "postgres", "spark")
NAMES = {"duckdb": "DuckDB", "postgres": "PostgreSQL", "spark": "Spark"}
DECEMBER = ("--from", "2025-12-01", "--to", "2025-12-31")
CEO = Principal("ceo", ("exec",))
FAILED = re.compile(r"showing the numbers read at|not answering|refused|Something went wrong|Traceback")


def _toml(engine: str, request, folder) -> str:
    """concord.toml's [warehouse] for the test data on `engine` (loaded here, with its rollups)."""
    warehouse_path = request.getfixturevalue("warehouse_path")
    if engine == "duckdb":
        return f'[warehouse]\nengine = "duckdb"\npath = "{warehouse_path}"\n'
    if engine == "postgres":
        from tests.engines_pg import load_schema  # the pg helper's loader: the reader's URL, no password

        url = load_schema(request, "e2e", rolled=True)
        return f'[warehouse]\nengine = "postgres"\nurl = "{url}"\nschema = "e2e"\n'
    tables = folder / "parquet"
    done = subprocess.run(  # Spark's loader in its own process: this one stays free of a JVM
        [
            sys.executable,
            "-c",
            "import sys; from data.engines.spark import load; load(sys.argv[1], sys.argv[2], log=lambda m: None)",
            str(warehouse_path),
            str(tables),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return f'[warehouse]\nengine = "spark"\nurl = "local[2]"\ntables = "{tables}"\n'


@pytest.fixture(scope="module", params=ENGINES)
def engine_app(request, app_env, tmp_path_factory):
    """(engine, the app on it): its own metadata store and config, the DuckDB file's variable removed."""
    engine = request.param
    folder = tmp_path_factory.mktemp(f"engine-{engine}")
    config = folder / "concord.toml"
    config.write_text(_toml(engine, request, folder) + "[sync]\nevery_minutes = 15\n", encoding="utf-8")
    env = {k: v for k, v in app_env.items() if not k.startswith(("CONCORD_ENGINE", "CONCORD_WAREHOUSE"))}
    env |= {
        "CONCORD_CONFIG": str(config),
        "CONCORD_METASTORE": str(folder / "metastore.sqlite"),
        "CONCORD_ALERTS_SCHEDULER": "off",
        "CONCORD_SYNC_SCHEDULER": "off",
    }
    server = App(env, folder / "streamlit.log").start()
    yield engine, server
    server.stop()


@pytest.fixture
def tab(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="en-US")
    context.set_default_timeout(180_000)  # Spark's first query starts its session
    yield context.new_page()
    context.close()


def main_text(page) -> str:
    return page.locator("[data-testid='stMain']").inner_text()


def no_failure(page) -> None:
    assert page.locator("[data-testid='stAlertContentError']").count() == 0, main_text(page)
    assert not FAILED.search(main_text(page)), main_text(page)


def test_home_cards_equal_duckdbs(engine_app, tab, app_env):
    engine, app = engine_app
    metrics = ("revenue", "gross_margin_pct", "cash_in", "ar_balance", "dso")
    expected = cli_json(app_env, "--metrics", ",".join(metrics), *DECEMBER)[0]  # the DuckDB file
    login(tab, app, "ceo")
    tab.get_by_text("Finance: cash").wait_for()
    cards = tab.locator("[data-testid='stMetricValue']")
    tab.wait_for_function("n => document.querySelectorAll(\"[data-testid='stMetricValue']\").length >= n", arg=10)
    settle(tab, 800)  # a slow engine (Spark) draws the second row of cards seconds after the first
    no_failure(tab)
    for metric in metrics:
        shown = headline(expected[metric], default_library().metrics[metric].format, "en")
        assert shown in cards.all_inner_texts(), (metric, cards.all_inner_texts())
    sidebar = tab.locator("[data-testid='stSidebar']").inner_text()
    assert (f"Numbers from {NAMES[engine]}" in sidebar) == (engine != "duckdb"), sidebar
    shot(tab, f"engine-{engine}-home")


def test_the_sync_schedule_does_not_run_on_another_engine(engine_app, tab):
    engine, app = engine_app
    login(tab, app, "ceo")  # the first run of app.py decides
    settle(tab)
    said = app.log.read_text(encoding="utf-8", errors="replace")
    line = f"[sync] schedule not started: this deployment reads from {NAMES[engine]}"
    assert (line in said) == (engine != "duckdb"), said[-2000:]
    assert said.count("[sync] schedule not started") <= 1  # once per process


def test_an_explore_result_equals_duckdbs(engine_app, tab, app_env, tmp_path):
    engine, app = engine_app
    login(tab, app, "ceo", "explore?m=revenue,gross_margin_pct&by=region&grain=none&from=2025-01-01&to=2025-12-31")
    download = tab.get_by_role("button", name="Download CSV")
    download.wait_for()
    settle(tab, 800)
    no_failure(tab)
    with tab.expect_download() as saved:
        download.click()
    shown = pd.read_csv(io.BytesIO(open(saved.value.path(), "rb").read()), encoding="utf-8-sig")
    expected = pd.DataFrame(
        cli_json(
            app_env,
            "--metrics",
            "revenue,gross_margin_pct",
            "--by",
            "region",
            "--from",
            "2025-01-01",
            "--to",
            "2025-12-31",
        )  # fmt: skip
    )
    shown, expected = (f.set_index("region").sort_index() for f in (shown, expected))
    assert list(shown.index) == list(expected.index) and len(shown) >= 4
    for metric in ("revenue", "gross_margin_pct"):
        assert shown[metric].astype(float).to_numpy() == pytest.approx(
            expected[metric].astype(float).to_numpy(), abs=0.005
        )
    shot(tab, f"engine-{engine}-explore")


def test_cash_and_its_overdue_list_equal_duckdbs(engine_app, tab, warehouse_path):
    from semantic.detail import as_of
    from semantic.execute import Warehouse
    from semantic.finance.receivables import open_invoices

    engine, app = engine_app
    duck = Warehouse(warehouse_path)
    day = as_of(duck)
    overdue = open_invoices(day, Principal("cfo", ("finance",)), warehouse=duck, overdue_only=True)
    line = f"{len(overdue)} rows · {format_value(float(overdue['outstanding'].sum()), 'currency', 'en')}"
    login(tab, app, "cfo", "cash")
    tab.get_by_text(line).first.wait_for()
    settle(tab, 800)
    no_failure(tab)
    assert tab.locator("[data-testid='stPlotlyChart']").count() >= 3  # flows, AR and DSO, ageing
    shot(tab, f"engine-{engine}-cash")


@pytest.fixture
def wall(engine_app):
    from boards import store, tokens

    _, app = engine_app
    old = os.environ.get("CONCORD_METASTORE")
    os.environ["CONCORD_METASTORE"] = app.env["CONCORD_METASTORE"]
    december = {"time_from": dt.date(2025, 12, 1), "time_to": dt.date(2025, 12, 31)}
    tiles = (
        Tile(Query(metrics=("revenue",), **december), title="December revenue"),
        Tile(Query(metrics=("cash_in",), **december), title="December cash in"),
        Tile(Query(metrics=("revenue",), group_by=("region",), **december), title="By region", chart="bar"),
    )
    board = store.save(Board(title="Engine wall", owner="ceo", sharing="everyone", tiles=tiles), CEO)
    yield board.id, tokens.create(board.id, "exec", CEO)
    if old is None:
        os.environ.pop("CONCORD_METASTORE", None)
    else:
        os.environ["CONCORD_METASTORE"] = old


def test_an_office_screen_shows_duckdbs_numbers(engine_app, browser, wall, app_env):
    engine, app = engine_app
    board_id, token = wall
    context = browser.new_context(viewport={"width": 1920, "height": 1080})
    context.set_default_timeout(180_000)
    tv = context.new_page()
    tv.goto(f"{app.url}/?board={board_id}&kiosk=1&token={token}")
    tv.locator(".js-plotly-plot .xtick").first.wait_for()
    tv.locator("[data-testid='stMetricValue']").first.wait_for()
    settle(tv, 800)
    no_failure(tv)
    shown = tv.locator("[data-testid='stMetricValue']").all_inner_texts()
    expected = cli_json(app_env, "--metrics", "revenue,cash_in", *DECEMBER)[0]
    assert sorted(shown) == sorted(format_value(expected[m], "currency", "en") for m in ("revenue", "cash_in"))
    assert "stale since" not in tv.locator("body").inner_text()
    shot(tv, f"engine-{engine}-screen")
    context.close()


def test_home_keeps_its_numbers_when_the_engine_goes_away(browser, app_env, tmp_path, warehouse_path):
    """The warehouse disappears while a user reads Home: going to another page and back (the same session),
    Home shows the same cards with one line saying the engine's trouble and when the numbers were read."""
    import shutil

    copy = tmp_path / "warehouse.duckdb"
    shutil.copyfile(warehouse_path, copy)
    (tmp_path / "concord.toml").write_text(f'[warehouse]\npath = "{copy}"\n', encoding="utf-8")
    env = {k: v for k, v in app_env.items() if not k.startswith(("CONCORD_ENGINE", "CONCORD_WAREHOUSE"))}
    env |= {"CONCORD_CONFIG": str(tmp_path / "concord.toml"), "CONCORD_METASTORE": str(tmp_path / "ms.sqlite")}
    app = App(env, tmp_path / "streamlit.log").start()
    try:
        context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="en-US")
        page = context.new_page()
        login(page, app, "ceo")
        page.locator("[data-testid='stMetric']").first.wait_for()
        settle(page, 800)
        before = page.locator("[data-testid='stMetricValue']").all_inner_texts()
        copy.unlink()
        page.locator("[data-testid='stSidebarNav']").get_by_role("link", name="Metric catalog").click()
        settle(page)
        page.locator("[data-testid='stSidebarNav']").get_by_role("link", name="Home").click()
        page.get_by_text(re.compile("showing the numbers read at \\d\\d:\u2060?\\d\\d")).wait_for()  # plain(): a joiner
        settle(page, 800)
        assert page.locator("[data-testid='stMetricValue']").all_inner_texts() == before
        said = page.locator("[data-testid='stAlertContentWarning']").all_inner_texts()
        assert len(said) == 1 and "The warehouse file is missing; ask an administrator" in said[0], said
        sidebar = page.locator("[data-testid='stSidebar']").inner_text()
        assert "Data as of 2025-12-31" in sidebar and "unknown" not in sidebar  # the kept numbers' date
        shot(page, "engine-away-home-stale")
        context.close()
    finally:
        app.stop()
