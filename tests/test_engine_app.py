"""The app and the CLI on the configured engine, and the engine failing as a user meets it (issue 16).

Pages run under AppTest (never imported: tests/test_no_page_imports.py): a page whose DuckDB file then
disappears, or is replaced by garbage, keeps showing its numbers with one stale line; another user in the
same session is never shown them. The CLI runs as a real subprocess with CONCORD_CONFIG pointing at a toml
in tmp: DuckDB answers; PostgreSQL not answering, a wrong engine name or a PostgreSQL without a URL is one
line, exit code not 0, no traceback. The pages that write the DuckDB warehouse refuse on another engine."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from semantic import Principal
from semantic.execute.postgres import POLL_SECONDS

ROOT = Path(__file__).resolve().parent.parent
CEO, CFO = Principal("ceo", ("exec",)), Principal("cfo", ("finance",))
ADMIN, REP = Principal("admin", ("admin",)), Principal("sales_east", ("sales_rep",), {"region": "East"})
STALE = re.compile(r"; showing the numbers read at \d\d:\d\d\.$")
UNREACHABLE = "postgresql://concord_reader@127.0.0.1:9/concord"  # port 9 (discard): nothing listens


@pytest.fixture
def own_file(warehouse_path, tmp_path, monkeypatch, metastore_file):
    """A copy of the test warehouse this test may break, configured as the DuckDB engine."""
    copy = tmp_path / "warehouse.duckdb"
    shutil.copyfile(warehouse_path, copy)
    for name in ("CONCORD_ENGINE", "CONCORD_ENGINE_URL", "CONCORD_ENGINE_TABLES", "CONCORD_ENGINE_SCHEMA"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("CONCORD_WAREHOUSE", str(copy))
    return copy


def open_view(name: str, who: Principal, **params) -> AppTest:
    at = AppTest.from_file(str(ROOT / "views" / f"{name}.py"), default_timeout=120)
    at.session_state["principal"] = who
    for key, value in params.items():
        at.query_params[key] = value
    return at.run()


def shown(at: AppTest) -> dict:
    """What a page shows as numbers: its st.metric values and its captions (counts and totals)."""
    return {"metrics": [m.value for m in at.metric], "captions": [c.value for c in at.caption]}


def unplain(text: str) -> str:
    """A line as the reader sees it (ui.safe.plain escapes punctuation and adds word joiners)."""
    return text.replace("\\", "").replace("\u2060", "")


def stale_lines(at: AppTest) -> list[str]:
    return [unplain(w.value) for w in at.warning if STALE.search(unplain(w.value))]


def break_file(path: Path, how: str) -> None:
    if how == "gone":
        path.unlink()
    else:
        path.write_bytes(b"this is not a DuckDB file " * 1000)


@pytest.mark.parametrize("how", ["gone", "garbage"])
def test_home_keeps_its_last_good_numbers_when_the_duckdb_file_fails(own_file, how):
    at = open_view("home", CEO)
    assert not at.exception and not at.error, [e.value for e in at.error]
    before = shown(at)
    assert before["metrics"] and not stale_lines(at)
    break_file(own_file, how)
    at.run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert shown(at)["metrics"] == before["metrics"]
    lines = stale_lines(at)
    assert len(lines) == 1, lines  # nine failing queries, one line
    said = "The warehouse file is missing" if how == "gone" else "The warehouse cannot be opened right now"
    assert lines[0].startswith(said), lines[0]


def test_cash_keeps_its_work_list_and_says_so_in_chinese(own_file):
    at = open_view("cash", CFO)
    assert not at.exception and not at.error, [e.value for e in at.error]
    before = shown(at)
    assert any("·" in c for c in before["captions"])  # the overdue list: 'N rows · ¥total'
    at.session_state["lang"] = "zh"
    at.run()
    zh_before = shown(at)
    break_file(own_file, "garbage")
    at.run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert shown(at)["captions"] == zh_before["captions"]
    lines = [unplain(w.value) for w in at.warning if "以下是" in w.value]
    assert len(lines) == 1 and lines[0].startswith("数据仓库暂时无法打开"), [w.value for w in at.warning]


def test_another_user_in_the_same_session_never_gets_the_kept_numbers(own_file):
    at = open_view("home", CEO)
    assert at.metric
    own_file.unlink()
    at.session_state["principal"] = REP  # signed out, and a sales rep signed in, in the same browser
    at.run()
    assert not at.exception
    assert not at.metric and not stale_lines(at)
    assert at.error and "The warehouse file is missing" in unplain(at.error[0].value)


def test_without_kept_numbers_the_engines_trouble_is_one_line_and_no_number(own_file):
    own_file.unlink()
    at = open_view("explore", CEO, m="revenue", by="region", grain="none")
    assert not at.exception and not stale_lines(at) and not at.metric
    assert [unplain(e.value) for e in at.error] == [
        "The warehouse file is missing; ask an administrator to build or restore it."
    ]


@pytest.mark.parametrize("how", ["gone", "garbage"])
def test_an_office_screen_keeps_drawing_its_tiles_while_the_engine_is_away(own_file, how):
    from boards import store, tokens
    from boards.store import Board, Tile
    from semantic import Query

    tiles = (Tile(Query(metrics=("revenue",)), title="Revenue"), Tile(Query(metrics=("cash_in",)), title="Cash in"))
    board = store.save(Board(title="Wall", owner="ceo", sharing="everyone", tiles=tiles), CEO)
    token = tokens.create(board.id, "exec", CEO)
    script = f"from ui import kiosk\nkiosk.show({{'board': '{board.id}', 'kiosk': '1', 'token': '{token}'}}, None)\n"
    at = AppTest.from_string(script, default_timeout=120).run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    before = [m.value for m in at.metric]
    assert len(before) == 2
    break_file(own_file, how)  # gone: even the data version cannot be read (as with PostgreSQL away)
    at.run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert [m.value for m in at.metric] == before
    assert sum("stale since" in unplain(c.value) for c in at.caption) == 2  # each tile says so (ui/tiles.py)


def test_a_board_keeps_its_tiles_and_its_editor_while_the_engine_is_away(own_file):
    from boards import store
    from boards.store import Board, Tile
    from semantic import Query

    tiles = (Tile(Query(metrics=("revenue",)), title="Revenue"), Tile(Query(metrics=("cash_in",)), title="Cash in"))
    board = store.save(Board(title="Mine", owner="ceo", tiles=tiles), CEO)
    at = open_view("boards_page", CEO, id=str(board.id))
    assert not at.exception and not at.error, [e.value for e in at.error]
    before = [m.value for m in at.metric]
    own_file.unlink()
    at.run()
    assert not at.exception and not at.error, [e.value for e in at.error]  # the editor's region list was kept
    assert [m.value for m in at.metric] == before and len(before) == 2


@pytest.fixture(scope="module")
def own_pg(warehouse_path):
    """A PostgreSQL server of this module's own (tests/pgserver.py), with the test data in schema app: stopped by
    a test, so never the session's shared pg_server."""
    from data.engines.postgres import load
    from tests import pgserver

    server = pgserver.start()
    url = load(warehouse_path, server.url, "app", log=lambda m: None, rollups=False)
    yield server, url
    server.stop()


def test_a_page_on_postgres_keeps_its_numbers_when_the_server_stops(own_pg, metastore_file, monkeypatch):
    server, url = own_pg
    monkeypatch.setenv("CONCORD_ENGINE", "postgres")
    monkeypatch.setenv("CONCORD_ENGINE_URL", url)
    monkeypatch.setenv("CONCORD_ENGINE_SCHEMA", "app")
    at = open_view("home", CEO)
    assert not at.exception and not at.error, [e.value for e in at.error]
    before = shown(at)["metrics"]
    assert before
    server._run("pg_ctl", "-D", os.path.join(server.folder, "data"), "-m", "fast", "-w", "stop")
    time.sleep(POLL_SECONDS + 0.2)  # until then the executor's data version (and so the result cache) still holds
    at.run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert shown(at)["metrics"] == before
    lines = stale_lines(at)
    assert len(lines) == 1 and lines[0].startswith("PostgreSQL is not answering; try again in a moment"), lines
    at.session_state["lang"] = "zh"
    at.run()
    assert [unplain(w.value) for w in at.warning if "以下是" in w.value][0].startswith("PostgreSQL 没有响应")


@pytest.mark.spark
def test_a_page_on_spark_keeps_its_numbers_when_its_tables_go_away(
    warehouse_path, tmp_path, metastore_file, monkeypatch
):
    from data.engines.spark import load

    tables = load(warehouse_path, tmp_path / "parquet", log=lambda m: None, rollups=False)
    monkeypatch.setenv("CONCORD_ENGINE", "spark")
    monkeypatch.setenv("CONCORD_ENGINE_URL", "local[2]")
    monkeypatch.setenv("CONCORD_ENGINE_TABLES", str(tables))
    at = open_view("home", CEO)
    assert not at.exception and not at.error, [e.value for e in at.error]
    before = shown(at)["metrics"]
    assert before
    tables.rename(tmp_path / "moved")  # an administrator's reload gone wrong
    at.run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert shown(at)["metrics"] == before
    lines = stale_lines(at)
    assert len(lines) == 1 and lines[0].startswith("Spark has none of the warehouse's data yet"), lines


@pytest.mark.parametrize("view", ["upload", "sources"])
def test_a_page_that_writes_the_duckdb_warehouse_refuses_on_postgres(view, own_file, monkeypatch):
    monkeypatch.setenv("CONCORD_ENGINE", "postgres")
    monkeypatch.setenv("CONCORD_ENGINE_URL", UNREACHABLE)
    at = open_view(view, ADMIN)
    assert not at.exception and not at.error, [e.value for e in at.error]
    said = [unplain(i.value) for i in at.info]
    assert any("reads its numbers from PostgreSQL" in s and "DuckDB" in s for s in said), said
    assert not at.button and not at.get("file_uploader")  # nothing that would write the wrong place
    at.session_state["lang"] = "zh"
    at.run()
    assert any("数字来自 PostgreSQL" in unplain(i.value) for i in at.info)


def test_a_page_that_writes_the_duckdb_warehouse_works_on_duckdb(own_file):
    at = open_view("upload", ADMIN)
    assert not at.exception and not any("reads its numbers from" in i.value for i in at.info)
    assert at.get("file_uploader")


# --- the CLI on the configured engine: real subprocesses ------------------------------------------------
def cli(tmp_path: Path, toml: str, *args: str) -> subprocess.CompletedProcess:
    config = tmp_path / "concord.toml"
    config.write_text(toml, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CONCORD_ENGINE", "CONCORD_WAREHOUSE"))}
    env |= {"CONCORD_CONFIG": str(config), "CONCORD_METASTORE": str(tmp_path / "metastore.sqlite")}
    return subprocess.run(
        [sys.executable, "-m", "semantic", *args], capture_output=True, text=True, cwd=ROOT, env=env, timeout=180
    )


QUERY = ("query", "--metrics", "revenue,cash_in", "--by", "region", "--from", "2025-01-01", "--to", "2025-06-30")


def one_line(result: subprocess.CompletedProcess) -> str:
    assert result.returncode != 0, result.stdout
    assert "Traceback" not in result.stderr, result.stderr
    lines = [line for line in result.stderr.splitlines() if not line.startswith("note: ")]
    assert len(lines) == 1, result.stderr
    return lines[0]


def test_the_cli_answers_on_the_configured_duckdb_file_as_with_db(warehouse_path, tmp_path):
    toml = f'[warehouse]\nengine = "duckdb"\npath = "{warehouse_path}"\n'
    configured = cli(tmp_path, toml, *QUERY, "--format", "json")
    assert configured.returncode == 0, configured.stderr
    given = cli(tmp_path, "", *QUERY, "--format", "json", "--db", str(warehouse_path))
    assert given.returncode == 0, given.stderr
    assert json.loads(configured.stdout) == json.loads(given.stdout) and json.loads(given.stdout)


def test_the_cli_on_postgres_not_answering_is_one_line_naming_it(tmp_path):
    toml = f'[warehouse]\nengine = "postgres"\nurl = "{UNREACHABLE}"\n'
    for args in (QUERY, ("check",), ("ask", "revenue by region last month")):
        line = one_line(cli(tmp_path, toml, *args))
        assert line.startswith("error: ") and "PostgreSQL" in line and "127.0.0.1" in line, line


def test_the_cli_sql_speaks_the_configured_engines_dialect(tmp_path, warehouse_path):
    args = ("sql", "--metrics", "revenue,ar_balance", "--by", "metric_time__month", "--from", "2025-01-01")
    toml = f'[warehouse]\nengine = "postgres"\nurl = "{UNREACHABLE}"\n'
    on_postgres = cli(tmp_path, toml, *args)
    assert on_postgres.returncode == 0, on_postgres.stderr
    by_flag = cli(tmp_path, "", *args, "--dialect", "postgres", "--db", str(warehouse_path))
    on_duckdb = cli(tmp_path, "", *args, "--db", str(warehouse_path))
    assert on_postgres.stdout == by_flag.stdout != on_duckdb.stdout
    assert "GENERATE_SERIES" in on_postgres.stdout.upper()


def test_rollups_build_on_postgres_says_where_they_are_built(tmp_path):
    toml = f'[warehouse]\nengine = "postgres"\nurl = "{UNREACHABLE}"\n'
    line = one_line(cli(tmp_path, toml, "rollups", "build"))
    assert "python -m data.demo --engine postgres" in line, line


@pytest.mark.parametrize(
    "toml, needle",
    [
        ('[warehouse]\nengine = "oracle"\n', "warehouse.engine"),
        ('[warehouse]\nengine = "postgres"\n', 'needs url = "postgresql://'),
        ('[warehouse]\nengine = "spark"\n', "needs tables"),
    ],
)
def test_a_wrong_engine_setting_is_one_line(tmp_path, toml, needle):
    line = one_line(cli(tmp_path, toml, *QUERY))
    assert line.startswith("error: ") and needle in line, line


def _keeps_five_big_answers():
    import pandas as pd
    import streamlit as st

    from ui import last_good

    for i in range(5):
        last_good.keep("someone", ("q", i), lambda: pd.DataFrame({"x": range(60_000)}), lambda err, at: None)
    st.text(str([key for _, (_, key) in st.session_state[last_good.KEPT]]))


def test_a_session_keeps_a_bounded_number_of_rows():
    at = AppTest.from_function(_keeps_five_big_answers).run()
    assert not at.exception
    assert at.text[0].value == "[2, 3, 4]"  # 180,000 rows kept: the two oldest answers dropped
