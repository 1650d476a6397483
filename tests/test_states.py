"""Issue 11, empty states and finished tables (branch states): an empty result says why (nothing in
this filter and period, or nothing the user's row policy lets through: Result.row_policy, set by the
layer alone), Explore's result and the Audit log go through ui.table (labels, formats, dates)."""

from __future__ import annotations

import json
import re

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from semantic import Principal, Query, run
from ui.i18n import text

ROOT = __import__("pathlib").Path(__file__).resolve().parent.parent
CFO = Principal("cfo", ("finance",))
EAST = Principal("sales_east", ("sales_rep",), {"region": "East"})
ADMIN = Principal("admin", ("admin",))
MARCH = {"from": "2025-03-01", "to": "2025-03-31"}
SNAKE = re.compile(r"__|[a-z]+_[a-z]+")


@pytest.fixture(autouse=True)
def _env(monkeypatch, warehouse_path, metastore_file):
    monkeypatch.setenv("CONCORD_WAREHOUSE", str(warehouse_path))


def explore(who: Principal, lang: str = "en", **params) -> AppTest:
    at = AppTest.from_file(str(ROOT / "views" / "explore.py"), default_timeout=120)
    at.session_state["principal"] = who
    at.session_state["lang"] = lang
    for key, value in params.items():
        at.query_params[key] = value
    return at.run()


def infos(at: AppTest) -> list[str]:
    return [i.value for i in at.info]


# ---- the layer's flag ------------------------------------------------------------------------------
def test_the_result_says_whether_a_row_policy_narrowed_it(warehouse):
    query = Query(metrics=("revenue",), time_from="2025-03-01", time_to="2025-03-31")
    assert run(query, EAST, warehouse=warehouse).row_policy is True
    assert run(query, CFO, warehouse=warehouse).row_policy is False
    assert run(query, Principal("sales_lead", ("sales_manager",)), warehouse=warehouse).row_policy is False


# ---- Explore's empty states ------------------------------------------------------------------------
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_rep_filtering_on_another_region_is_told_the_row_policy_limits_the_data(lang):
    at = explore(EAST, lang, m="revenue", grain="month", **{"f.region": "West"}, **MARCH)
    assert not at.exception and not at.error, [e.value for e in at.exception] + [e.value for e in at.error]
    assert text("empty.row_policy", lang) in infos(at)
    assert text("empty.no_rows", lang) not in infos(at)
    assert not at.dataframe and not at.get("plotly_chart")  # no empty chart, no empty grid


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_cfo_with_an_impossible_filter_is_told_there_are_no_rows_for_it(lang):
    at = explore(CFO, lang, m="revenue", grain="month", **{"f.region": "Nowhere"}, **MARCH)
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert text("empty.no_rows", lang) in infos(at)
    assert text("empty.row_policy", lang) not in infos(at)
    assert not at.dataframe and not at.get("plotly_chart")


def test_a_total_over_nothing_is_empty_too():
    """Without a time grain the layer answers one row of nothing; that is no rows, not a '—' card."""
    at = explore(CFO, "en", m="revenue", grain="none", **{"f.region": "Nowhere"}, **MARCH)
    assert text("empty.no_rows", "en") in infos(at)
    assert not at.metric


def test_rows_there_are_not_called_empty():
    at = explore(EAST, "en", m="revenue", grain="month", **MARCH)
    assert not [i for i in infos(at) if i in (text("empty.no_rows", "en"), text("empty.row_policy", "en"))]
    assert at.dataframe


# ---- Explore's table through ui.table --------------------------------------------------------------
def table_of(at: AppTest, index: int = 0) -> tuple[pd.DataFrame, dict]:
    frame = at.dataframe[index]
    return frame.value, json.loads(frame.proto.columns or "{}")


@pytest.mark.parametrize(
    ("lang", "headers"),
    [("en", ["Month", "Region", "Revenue", "Gross margin %"]), ("zh", ["月份", "区域", "营业收入", "毛利率"])],
)
def test_explore_result_table_has_labels_formats_and_dates(lang, headers):
    at = explore(CFO, lang, m="revenue,gross_margin_pct", by="region", grain="month", **MARCH)
    assert not at.exception and not at.error
    value, config = table_of(at)
    shown = [config[c]["label"] for c in value.columns]
    assert shown == headers, shown
    assert not [h for h in shown if SNAKE.search(h)]
    month, revenue, margin = (config[c] for c in ("metric_time__month", "revenue", "gross_margin_pct"))
    assert month["type_config"]["type"] == "date"  # a date column: never '2025-03-01 00:00:00'
    assert month["type_config"]["format"] == ("YYYY-MM" if lang == "en" else "YYYY年M月")
    assert revenue["type_config"]["format"].startswith("¥") and revenue["alignment"] == "right"
    assert margin["type_config"]["format"].endswith("%%")
    regions = set(value["region"])
    if lang == "zh":
        assert not regions & {"East", "North", "South", "West", "Central"}, regions


# ---- the Audit log's table through ui.table --------------------------------------------------------
def audit_page(lang: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / "views" / "audit.py"), default_timeout=120)
    at.session_state["principal"] = ADMIN
    at.session_state["lang"] = lang
    return at.run()


def a_query_event(rows: int, ms: float) -> None:
    from auth import audit

    audit.append(
        "query", "cfo", roles="finance", source="page:explore", metrics="revenue,gross_margin_pct",
        dimensions="metric_time__month,region",
        time_from="2025-03-01", time_to="2025-03-31", rows=rows, duration_ms=ms, outcome="ok",
    )  # fmt: skip


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_audit_rows_and_durations_are_numbers_and_periods_dates(lang):
    """They were text ('12,345'), so the grid sorted 9 after 12,345; now right-aligned numbers and dates."""
    a_query_event(12345, 8.25)
    a_query_event(9, 120.5)
    at = audit_page(lang)
    assert not at.exception and not at.error
    value, config = table_of(at)
    shown = [config[c]["label"] for c in value.columns]
    assert not [h for h in shown if SNAKE.search(h)], shown
    assert config["at"]["label"] == text("audit.col.at", lang)
    for name in ("rows", "duration_ms"):
        assert config[name]["type_config"]["type"] == "number" and config[name]["alignment"] == "right", name
    assert sorted(value["rows"]) == [9, 12345]
    for name in ("time_from", "time_to"):
        assert config[name]["type_config"]["type"] == "date", name
    assert set(value["kind"]) == {text("audit.kind.query", lang)}
    # names as people call them: no snake_case in cells either
    row = value.iloc[0]
    assert (row["metrics"], row["dimensions"], row["roles"], row["source"]) == {
        "en": ("Revenue, Gross margin %", "Month, Region", "Finance", "Explore"),
        "zh": ("营业收入、毛利率", "月份、区域", "财务", "自助分析"),
    }[lang]
    assert config["message"]["width"] == "medium"


def test_audit_cells_are_never_none_or_midnight():
    from auth import audit

    a_query_event(3, 1.0)
    audit.record_login("cfo", "login_ok")  # no rows, no duration, no period
    for source in ("page:explore:export", "board:7", "drill_through"):
        audit.append("query", "cfo", source=source, outcome="ok")
    at = audit_page("en")
    value, _ = table_of(at)
    assert {"Explore (download)", "Board 7", "Underlying rows", "Sign-in"} <= set(value["source"])
    cells = value.astype(str).to_numpy().ravel().tolist()
    assert not [c for c in cells if "00:00:00" in c or c in ("None", "nan", "NaT", "<NA>")], cells


# ---- a ratio's change in Explore's table is in percentage points (defect 4), checked by hand SQL ----
@pytest.mark.parametrize("lang, unit", [("en", " pp"), ("zh", "个百分点")])
def test_explore_states_a_ratios_change_in_points_against_hand_sql(raw, lang, unit):
    import datetime as dt

    from tests.handsql import expected

    at = explore(CFO, lang, m="gross_margin_pct,revenue", grain="month", cmp="prior_year",
                 **{"from": "2025-01-01", "to": "2025-03-31"})  # fmt: skip
    assert not at.exception and not at.error
    value, config = table_of(at)
    key = "metric_time__month"
    now = expected(raw, "gross_margin_pct", (key,), None, dt.date(2025, 1, 1), dt.date(2025, 3, 31))
    before = expected(raw, "gross_margin_pct", (key,), None, dt.date(2024, 1, 1), dt.date(2024, 3, 31))
    assert len(value) == len(now) == len(before) == 3
    for i in range(3):
        points = (float(now["gross_margin_pct"].iloc[i]) - float(before["gross_margin_pct"].iloc[i])) * 100
        assert value["gross_margin_pct__change_pct"].iloc[i] == f"{points:+,.2f}{unit}"
    assert config["gross_margin_pct__change_pct"]["alignment"] == "right"
    # revenue keeps its relative change, signed as cards write it
    now = expected(raw, "revenue", (key,), None, dt.date(2025, 1, 1), dt.date(2025, 3, 31))
    before = expected(raw, "revenue", (key,), None, dt.date(2024, 1, 1), dt.date(2024, 3, 31))
    for i in range(3):
        change = (float(now["revenue"].iloc[i]) / float(before["revenue"].iloc[i]) - 1) * 100
        assert value["revenue__change_pct"].iloc[i] == f"{change:+,.1f}%"
    assert config["revenue__change_pct"]["alignment"] == "right"
