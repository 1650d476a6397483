"""Defect 6: the app speaks to a browser user in their language. The semantic layer's messages
(field prefixes such as "query: ", pydantic's "Value error, ", shell advice such as "run `python -m
semantic list dimensions`") are said by ui.messages as one page-fit line in English or Chinese.
Each known error is triggered for real on Explore through its URL, in both languages."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from semantic import Principal
from semantic.errors import QueryError
from semantic.query import make_query
from ui.messages import browser

ROOT = Path(__file__).resolve().parent.parent
CEO = Principal("ceo", ("exec",))
EAST = Principal("sales_east", ("sales_rep",), {"region": "East"})
HAN = re.compile(r"[\u4e00-\u9fff]")
RAW = ("Value error", "python -m", "query:", "where:", "`")

# (case, who, URL, what the English line must say)
CASES = [
    ("reversed dates", CEO, {"m": "revenue", "from": "2025-12-01", "to": "2025-01-01"}, "choose an end date"),
    ("unknown metric", CEO, {"m": "Revenue"}, "choose a metric from the list"),
    ("unknown dimension", CEO, {"m": "revenue", "by": "regio"}, "choose a dimension from the list"),
    ("dimension not applicable", CEO, {"m": "cash_in", "by": "product"}, "choose a dimension that applies"),
    ("policy refusal", EAST, {"m": "cash_in"}, "not available to your roles (Sales rep)"),
    ("bad filter", CEO, {"m": "revenue", "f.foo": "x"}, "filter on a dimension from the list"),
]
# these are shown by views/explore.py itself (st.error/st.warning of the raw error), not through ctx: the
# explore branch switches them to ctx.show_error / ctx.said; until that is merged they still fail
NEEDS_EXPLORE: set[str] = set()  # every Explore error now goes through ui.messages


@pytest.fixture(autouse=True)
def _env(monkeypatch, warehouse_path, metastore_file, users_file):
    monkeypatch.setenv("CONCORD_WAREHOUSE", str(warehouse_path))


def said_on_explore(who: Principal, params: dict, lang: str) -> list[str]:
    at = AppTest.from_file(str(ROOT / "views" / "explore.py"), default_timeout=120)
    at.session_state["principal"] = who
    at.session_state["lang"] = lang
    for key, value in params.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return [e.value.replace("\\", "") for e in list(at.error) + list(at.warning)]  # plain() escapes Markdown


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize(
    "case,who,params,advice",
    [
        pytest.param(
            *c,
            marks=pytest.mark.xfail(c[0] in NEEDS_EXPLORE, strict=True, reason="views/explore.py shows it raw"),
            id=c[0],
        )
        for c in CASES
    ],
)
def test_explore_says_each_semantic_error_to_a_browser_user(case, who, params, advice, lang):
    lines = said_on_explore(who, params, lang)
    assert lines, f"{case}: nothing was said"
    for line in lines:
        assert not any(raw in line for raw in RAW), line
        assert "\n" not in line
        assert bool(HAN.search(line)) == (lang == "zh"), line
    if lang == "en":
        assert any(advice in line for line in lines), lines


def layer_message(**fields) -> str:
    with pytest.raises(QueryError) as caught:
        make_query(**fields)
    return str(caught.value)


def test_the_real_reversed_range_message_is_translated_without_its_prefix():
    raw = layer_message(metrics=("revenue",), time_from="2025-12-01", time_to="2025-01-01")
    assert raw.startswith("query: ")  # the layer's text, for every caller
    assert browser(raw, "en") == (
        "The start date (2025-12-01) is after the end date (2025-01-01): choose an end date on or after the start."
    )
    assert browser(raw, "zh") == "开始日期（2025-12-01）晚于结束日期（2025-01-01）：请选择不早于开始日期的结束日期。"
    assert browser("query: Value error, the range starts (2025-12-01) after it ends (2025-01-01).", "zh") == (
        browser(raw, "zh")
    )


def test_an_unknown_message_loses_its_prefix_and_shell_advice_and_says_so_in_chinese():
    raw = "order: 'x' is not a column of this result. Run `python -m semantic list metrics` to see them all."
    assert browser(raw, "en") == "'x' is not a column of this result."
    assert browser(raw, "zh") == "无法完成此请求：'x' is not a column of this result."
    warehouse = (
        "warehouse /w.duckdb not found; build it with `make warehouse` (or `python -m data.demo`), or pass --db."
    )
    assert "python -m" not in browser(warehouse, "en") and "make" not in browser(warehouse, "en")
