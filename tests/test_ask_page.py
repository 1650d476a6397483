"""The Ask page under Streamlit's AppTest: the answer sentence with the number from hand SQL, the
refusal that never shows a number, chips that take a part out, the question in the audit log, and the
asker's own recent questions (never another user's)."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from auth import audit
from data import ask_history
from semantic import Principal
from semantic.execute import SEALED
from ui.fmt import format_value

ROOT = Path(__file__).resolve().parent.parent
EAST = Principal("sales_east", ("sales_rep",), {"region": "East"})
CFO = Principal("cfo", ("finance",))
HAND_MARGIN = (
    "SELECT (sum(l.net_amount) - sum(l.cost_amount)) / sum(l.net_amount) FROM order_lines l "
    "JOIN orders o USING (order_id) JOIN customers c USING (customer_id) WHERE o.status <> 'cancelled' "
    "AND c.region = 'East' AND o.order_date BETWEEN DATE '2025-11-01' AND DATE '2025-11-30'"
)


@pytest.fixture(autouse=True)
def _env(monkeypatch, warehouse_path, metastore_file):
    monkeypatch.setenv("CONCORD_WAREHOUSE", str(warehouse_path))
    audit.install()


def ask(who: Principal, question: str, lang: str = "zh") -> AppTest:
    at = AppTest.from_file(str(ROOT / "views" / "ask.py"), default_timeout=120)
    at.session_state["principal"] = who
    at.session_state["lang"] = lang
    at.query_params["q"] = question
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def shown(element) -> str:
    """What the reader sees: the page writes the sentence through ui.safe.plain (Markdown escaped)."""
    return element.value.replace("\\", "").replace("\u2060", "")


def hand(warehouse_path, sql: str) -> float:
    con = duckdb.connect(str(warehouse_path), read_only=True, config=dict(SEALED))
    try:
        return float(con.execute(sql).fetchone()[0])
    finally:
        con.close()


def test_a_rep_asks_in_chinese_and_reads_the_answer_in_one_sentence(warehouse_path):
    at = ask(EAST, "华东区上个月毛利率")
    said = shown(at.subheader[0])
    margin = format_value(hand(warehouse_path, HAND_MARGIN), "percent", "zh", short=False)
    assert said.startswith("华东 2025年11月") and f"毛利率 为 {margin}" in said, said
    assert at.metric[0].value == format_value(hand(warehouse_path, HAND_MARGIN), "percent", "zh")
    chips = at.get("button_group")[0]  # st.pills: what each word was read as
    assert any("华东" in str(o) for o in chips.options)
    events = [e for e in audit.read_events(username="sales_east") if e["source"] == "page:ask"]
    assert events and events[-1]["question"] == "华东区上个月毛利率" and events[-1]["metrics"] == "gross_margin_pct"


def test_a_metric_the_rep_may_not_see_is_refused_without_a_number():
    at = ask(EAST, "上个月现金流")
    assert at.warning and "net_cash_flow" not in at.warning[0].value.replace("现金流", "")
    assert not at.metric and not at.subheader and not at.dataframe
    assert ask_history.recent("sales_east") == ["上个月现金流"]


def test_taking_a_chip_out_asks_again_without_it(warehouse_path):
    at = ask(CFO, "revenue in East last month", lang="en")
    before = shown(at.subheader[0])
    assert "for East" in before
    chips = at.get("button_group")[0]
    member = next(i for i, o in enumerate(chips.options) if "East" in str(o))
    chips.set_value([i for i in range(len(chips.options)) if i != member]).run()
    after = shown(at.subheader[0])
    assert "East" not in after and after != before
    total = hand(
        warehouse_path,
        "SELECT sum(l.net_amount) FROM order_lines l JOIN orders o USING (order_id) WHERE o.status <> 'cancelled' "
        "AND o.order_date BETWEEN DATE '2025-11-01' AND DATE '2025-11-30'",
    )
    assert format_value(total, "currency", "en", short=False) in after


def test_recent_questions_are_the_askers_own():
    ask(CFO, "revenue last month", lang="en")
    ask(EAST, "华东区上个月毛利率")
    assert ask_history.recent("cfo") == ["revenue last month"]
    at = AppTest.from_file(str(ROOT / "views" / "ask.py"), default_timeout=120)
    at.session_state["principal"] = EAST
    at.run()
    shown = [b.label for b in at.button]
    assert "华东区上个月毛利率" in shown and "revenue last month" not in shown


def test_a_monthly_series_is_said_by_its_highest_and_lowest_month(warehouse_path):
    at = ask(EAST, "今年华东每月营收")
    con = duckdb.connect(str(warehouse_path), read_only=True, config=dict(SEALED))
    try:
        months = con.execute(
            "SELECT month(o.order_date) AS m, sum(l.net_amount) AS v FROM order_lines l JOIN orders o USING (order_id) "
            "JOIN customers c USING (customer_id) WHERE o.status <> 'cancelled' AND c.region = 'East' "
            "AND year(o.order_date) = 2025 GROUP BY 1 ORDER BY v"
        ).fetchall()
    finally:
        con.close()
    (low_m, low_v), (high_m, high_v) = months[0], months[-1]
    said = shown(at.subheader[0])
    want = (
        f"最高 2025年{high_m}月 {format_value(high_v, 'currency', 'zh')}，"
        f"最低 2025年{low_m}月 {format_value(low_v, 'currency', 'zh')}"
    )
    assert said.startswith("华东 2025年 营业收入按月：") and said.endswith(want), said


def test_an_ambiguous_word_offers_its_other_meaning_in_one_click(warehouse_path):
    at = ask(CFO, "支出 上个月")  # 支出: cash out (chosen) or expense
    assert "付款" in shown(at.subheader[0])
    meaning = next(p for p in at.get("button_group") if "支出" in p.label)
    meaning.set_value("expense").run()
    said = shown(at.subheader[0])
    con = duckdb.connect(str(warehouse_path), read_only=True, config=dict(SEALED))
    try:
        spent = con.execute(
            "SELECT sum(amount) FROM expenses WHERE expense_date BETWEEN DATE '2025-11-01' AND DATE '2025-11-30'"
        ).fetchone()[0]
    finally:
        con.close()
    assert said.startswith("2025年11月 费用 为 ") and format_value(spent, "currency", "zh", short=False) in said, said


def test_a_question_without_a_metric_offers_the_metrics_to_pick():
    at = ask(EAST, "华东上个月")
    assert at.warning  # which metric?
    which = next(p for p in at.get("button_group") if "指标" in p.label)
    assert "营业收入" in which.options and "回款" not in which.options  # only what the rep may see (cash in: no)
    which.set_value("revenue").run()
    assert "华东上个月 营业收入" in str(at.query_params["q"])
    assert at.subheader and "营业收入 为" in shown(at.subheader[0])  # asked again with the metric


def test_any_chip_can_be_changed_period_grain_comparison_and_members(warehouse_path):
    import datetime as dt

    at = ask(CFO, "revenue in East last month", lang="en")
    period = next(d for d in at.date_input if d.label == "Period")
    period.set_value((dt.date(2025, 3, 1), dt.date(2025, 3, 31))).run()
    regions = next(m for m in at.multiselect if m.label == "Region")
    regions.set_value(["East", "South"]).run()
    said = shown(at.subheader[0])
    total = hand(
        warehouse_path,
        "SELECT sum(l.net_amount) FROM order_lines l JOIN orders o USING (order_id) JOIN customers c USING "
        "(customer_id) WHERE o.status <> 'cancelled' AND c.region IN ('East', 'South') "
        "AND o.order_date BETWEEN DATE '2025-03-01' AND DATE '2025-03-31'",
    )
    assert format_value(total, "currency", "en", short=False) in said and "Mar 2025" in said, said
    grain = next(s for s in at.selectbox if s.label == "By")
    grain.set_value("month").run()
    assert at.get("plotly_chart") or at.dataframe  # by month: a table of one month now


def test_a_rep_cannot_pick_another_regions_members_in_the_editor():
    at = ask(EAST, "华东上个月营收")
    regions = next(m for m in at.multiselect if m.label == "区域")
    assert regions.options == ["华东"]  # the rep's own rows only
