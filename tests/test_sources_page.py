"""The Sources page (admin): every source with its last sync, "Sync now" that really syncs a real
PostgreSQL source in the background, the failure said in one line, the password never on the page;
and the app's schedule syncing a due source by itself."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from data import schedule, sync
from semantic import Principal
from tests import syncsetup as s

ROOT = Path(__file__).resolve().parent.parent
ADMIN = Principal("admin", ("admin",))
CFO = Principal("cfo", ("finance",))


@pytest.fixture
def erp(pg_server, warehouse_path, tmp_path, monkeypatch, metastore_file):
    url = s.fresh_erp(pg_server, s.template(pg_server, warehouse_path))
    warehouse = s.write_config(tmp_path, monkeypatch, url)
    return url, warehouse


def page(who: Principal, lang: str = "en") -> AppTest:
    at = AppTest.from_file(str(ROOT / "views" / "sources.py"), default_timeout=120)
    at.session_state["principal"] = who
    at.session_state["lang"] = lang
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def texts(at: AppTest) -> str:
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption] + [e.value for e in at.error]
    parts += [h.value for h in at.subheader]
    return "\n".join(str(p) for p in parts).replace("\\", "").replace("\u2060", "")  # plain()'s Markdown escapes


def wait_for_run(source: str, seconds: float = 120) -> sync.SyncRun:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        run = sync.runs.latest().get(source)
        if run is not None and run.status != "running" and not schedule.busy(source):
            return run
        time.sleep(0.5)
    raise AssertionError(f"no finished run of {source} in {seconds} s")


def test_sync_now_syncs_the_source_and_the_page_shows_the_run(erp):
    url, warehouse = erp
    at = page(ADMIN)
    shown = texts(at)
    assert "erp" in shown and "Never" in shown and "By hand" in shown
    assert url.split("@")[-1] in shown and "password" not in shown.lower()
    at.button(key="sync_erp").click().run()
    run = wait_for_run("erp")
    assert run.ok and run.who == "admin" and run.rows_read > 0
    s.assert_same_numbers(warehouse, url)  # the numbers on the synced warehouse equal hand SQL on PostgreSQL
    at = page(ADMIN)
    shown = texts(at)
    assert "Synced" in shown and run.as_of in shown
    assert f"{run.seconds:,.1f} s" in shown  # how long the last sync took
    assert "Row counts and amounts match the source." in shown
    assert at.table or at.dataframe  # the tables of the last sync and the history


def test_a_failed_sync_is_one_line_and_the_warehouse_stays(erp):
    url, warehouse = erp
    assert sync.sync("erp", who="test")[0].ok
    before = s.digest(warehouse)
    s.pg(url, "ALTER TABLE orders RENAME COLUMN status TO order_status")  # renamed at the source
    at = page(ADMIN, "zh")
    at.button(key="sync_erp").click().run()
    run = wait_for_run("erp")
    assert not run.ok and "status" in run.error and "\n" not in run.error
    at = page(ADMIN, "zh")
    assert "失败" in texts(at) and "最近一次同步失败，数据未作任何改动" in texts(at)
    assert s.digest(warehouse) == before


def test_the_page_is_refused_to_a_role_without_manage_sources(erp):
    at = page(CFO)
    assert "manage_sources" in texts(at) and not at.button


def test_the_schedule_syncs_a_due_source_once(erp, tmp_path):
    url, warehouse = erp
    config = tmp_path / "concord.toml"
    config.write_text(config.read_text(encoding="utf-8") + "\n[sync]\nevery_minutes = 15\n", encoding="utf-8")
    made = schedule.run_once(holder="worker-a")
    assert [r.source for r in made] == ["erp"] and made[0].ok and made[0].who == "schedule"
    assert schedule.run_once(holder="worker-a") == []  # not due again for 15 minutes
    s.assert_same_numbers(warehouse, url)
