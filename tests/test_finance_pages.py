"""Budget vs actual, Cash and receivables and Reconciliation as a CFO sees them (Streamlit's AppTest):
the charts' axes, hover texts and trace names in the user's language, the variance waterfall readable
and following "Actuals up to month", the reconciliation gap by month, translated placeholders and
empty states that say why. Every number a chart shows is checked against hand-written SQL."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from semantic import Principal
from tests.test_finance_lists import hand_gap
from ui import finance_charts

ROOT = Path(__file__).resolve().parent.parent
CFO = Principal("cfo", ("finance",))
JUNE = dt.date(2025, 6, 1)
MONTH_ZH = re.compile(r"^(\d{4}年)?\d{1,2}月$")
MONTH_EN = re.compile(r"^(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)( \d{4})?$")
MONEY_ZH = re.compile(r"^(0|-?¥[\d,.]+(万|亿)?)$")
MONEY_EN = re.compile(r"^(0|-?¥[\d,.]+[KMB]?)$")


@pytest.fixture(autouse=True)
def _env(monkeypatch, warehouse_path, metastore_file):
    monkeypatch.setenv("CONCORD_WAREHOUSE", str(warehouse_path))


def open_view(name: str, lang: str = "en", **widgets) -> AppTest:
    """The page as the CFO in `lang`, with widget values (by key) chosen before it runs."""
    at = AppTest.from_file(str(ROOT / "views" / f"{name}.py"), default_timeout=120)
    at.session_state["principal"] = CFO
    at.session_state["lang"] = lang
    for key, value in widgets.items():
        at.session_state[key] = value
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def figures(at: AppTest) -> dict[str, dict]:
    """The page's Plotly figures as Plotly JSON, by element key."""
    out = {}
    for element in at.get("plotly_chart"):
        spec = json.loads(element.proto.spec)
        out[element.proto.id.rsplit("-", 1)[-1] if not element.key else element.key] = spec
    return out


def by_name(fig: dict) -> dict[str, dict]:
    return {t.get("name"): t for t in fig["data"]}


def hand_ytd_by_department(raw, upto: dt.date) -> dict[str, tuple[float, float]]:
    end = (upto.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
    rows = raw.execute(f"""
        SELECT b.department, b.total, e.total FROM
          (SELECT department, sum(amount) total FROM budgets
           WHERE month BETWEEN DATE '2025-01-01' AND DATE '{end}' GROUP BY 1) b
          JOIN (SELECT department, sum(amount) total FROM expenses
                WHERE expense_date BETWEEN DATE '2025-01-01' AND DATE '{end}' GROUP BY 1) e USING (department)
    """).fetchall()
    return {d: (float(b), float(e)) for d, b, e in rows}


def test_the_waterfall_shows_each_departments_ytd_variance_from_zero_against_hand_sql(raw, library):
    """Before: a ¥21M full-year budget bar with ¥2万 variances as slivers, ignoring the cutoff."""
    at = open_view("budget", b_upto=JUNE)
    fig = figures(at)["b_waterfall"]
    bars = fig["data"][0]
    hand = hand_ytd_by_department(raw, JUNE)
    labels = {label.en: dept for dept, label in library.dimensions["department"].members.items()}
    variances = dict(zip(bars["x"][:-1], bars["y"][:-1]))
    assert {labels[x] for x in variances} == set(hand)
    for name, value in variances.items():
        budget, expense = hand[labels[name]]
        assert value == pytest.approx(expense - budget, abs=0.01), name
    total = sum(e - b for b, e in hand.values())
    assert bars["x"][-1] == "Total variance" and bars["measure"][-1] == "total"
    assert bars["y"][-1] == pytest.approx(total, abs=0.01)
    assert bars.get("base", 0) == 0  # from zero: no budget bar
    assert bars["increasing"]["marker"]["color"] == finance_charts.OVER
    assert bars["decreasing"]["marker"]["color"] == finance_charts.UNDER
    assert bars["totals"]["marker"]["color"] == (finance_charts.OVER if total > 0 else finance_charts.UNDER)
    running = [0.0]
    for v in bars["y"][:-1]:
        running.append(running[-1] + v)
    top = max(abs(v) for v in fig["layout"]["yaxis"]["tickvals"])
    assert top < 3 * max(abs(v) for v in running)  # the axis is on the variances' scale, not the budget's
    assert all(t.startswith(("+¥", "-¥")) for t in bars["text"])
    budget_ytd = sum(b for b, _ in hand.values())
    assert any("¥" in c.value and f"{budget_ytd / 1e6:,.2f}M" in c.value.replace("\\", "") for c in at.caption)


def test_months_after_the_cutoff_show_the_budget_only(raw):
    at = open_view("budget", b_upto=JUNE)
    traces = by_name(figures(at)["b_months"])
    actual = traces["Expense"]
    assert [x[:7] for x in actual["x"]] == [f"2025-{m:02d}" for m in range(1, 7)]
    hand = dict(
        raw.execute("""SELECT month(expense_date), sum(amount) FROM expenses
                       WHERE expense_date BETWEEN DATE '2025-01-01' AND DATE '2025-06-30' GROUP BY 1""").fetchall()
    )
    assert actual["y"] == pytest.approx([float(hand[m]) for m in range(1, 7)], abs=0.01)
    later = traces["Budget (no actuals yet)"]
    assert [x[:7] for x in later["x"]] == [f"2025-{m:02d}" for m in range(7, 13)]
    assert later["marker"]["pattern"]["shape"] == "/"
    assert [s["type"] for s in figures(at)["b_months"]["layout"]["shapes"]] == ["rect"]
    captions = " ".join(c.value.replace("\\", "") for c in at.caption)
    assert "actuals up to 2025-06" in captions and "Year to date, 2025-01 – 2025-06" in captions


def test_the_reconciliation_gap_chart_holds_each_months_gap_coloured_by_sign(raw):
    """Before: the page had only tables of raw numbers."""
    at = open_view("reconciliation", "zh")
    fig = figures(at)["r_gap"]
    shown = {}
    for trace in fig["data"]:
        for x, y in zip(trace["x"], trace["y"]):
            shown[dt.date.fromisoformat(x[:10])] = (y, trace)
    months = [dt.date(2025, m, 1) for m in range(1, 13)]
    assert sorted(shown) == months
    for month in months:
        gap = hand_gap(raw, month)
        value, trace = shown[month]
        assert value == pytest.approx(gap if abs(gap) >= 0.005 else 0.0, abs=0.01), month
        expected = "业务收入高于总账" if gap >= 0.005 else "总账高于业务收入" if gap <= -0.005 else "已对平"
        assert trace["name"] == expected, month
    colours = {t["name"]: t["marker"]["color"] for t in fig["data"]}
    assert colours.get("业务收入高于总账", finance_charts.GAP_UP) == finance_charts.GAP_UP
    assert colours.get("总账高于业务收入", finance_charts.GAP_DOWN) == finance_charts.GAP_DOWN
    assert fig["layout"]["yaxis"]["zeroline"] is True
    off = sum(1 for m in months if abs(hand_gap(raw, m)) >= 0.005)
    assert any(f"12个月中有{off}个月未对平" in c.value for c in at.caption)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_every_finance_chart_speaks_the_users_language(lang, library):
    """Ticks, hover texts and trace names: ¥ with 万/亿 in Chinese and K/M in English, months as
    periods (2025年1月 / Jan 2025), days as days; before: '20M', 'Jan 2025' and '70,000,000' in Chinese."""
    money = MONEY_ZH if lang == "zh" else MONEY_EN
    month = MONTH_ZH if lang == "zh" else MONTH_EN
    days = re.compile(r"^\d+天$" if lang == "zh" else r"^\d+d$")
    seen = 0
    for view in ("budget", "cash", "reconciliation"):
        for key, fig in figures(open_view(view, lang)).items():
            layout = fig["layout"]
            for axis in ("xaxis", "yaxis", "yaxis2"):
                ticks = layout.get(axis, {}).get("ticktext")
                if not ticks:
                    continue
                shape = days if any("天" in t or t.endswith("d") for t in ticks) else money
                if axis == "xaxis" and key != "cash_ageing":
                    shape = month
                assert all(shape.match(t) for t in ticks), (view, key, axis, ticks)
                seen += 1
            for trace in fig["data"]:
                texts = list(trace.get("text") or []) + list(trace.get("hovertext") or [])
                if lang == "zh":
                    assert not [t for t in texts if re.search(r"[A-Za-z]", t.replace("<br>", ""))], (key, texts[:3])
                    assert not re.search(r"[A-Za-z]", trace["name"]), trace["name"]
                else:
                    assert not re.search(r"[\u4e00-\u9fff]", trace["name"]), trace["name"]
    assert seen >= 10
    labels = {m: getattr(library.metrics[m].label, lang) for m in ("cash_in", "cash_out", "ar_balance", "dso")}
    cash = figures(open_view("cash", lang))
    assert [t["name"] for t in cash["cash_flows"]["data"]][:2] == [labels["cash_in"], labels["cash_out"]]
    assert [t["name"] for t in cash["cash_ar"]["data"]] == [labels["ar_balance"], labels["dso"]]


@pytest.mark.parametrize(
    "lang, departments, regions", [("zh", "全部部门", "全部区域"), ("en", "All departments", "All regions")]
)
def test_the_filters_say_that_nothing_chosen_means_all(lang, departments, regions):
    """Before: Streamlit's English 'Choose options' in the Chinese UI."""
    at = open_view("budget", lang)
    assert at.multiselect(key="b_depts").placeholder == departments
    assert at.multiselect(key="b_regions").placeholder == regions


def test_a_filter_without_rows_says_so_instead_of_drawing_empty_charts(monkeypatch):
    import semantic.detail

    real = semantic.detail.members
    monkeypatch.setattr(
        semantic.detail, "members", lambda dim, *a, **k: real(dim, *a, **k) + (["Atlantis"] if dim == "region" else [])
    )
    at = open_view("budget", "zh", b_regions=["Atlantis"])
    assert [i.value for i in at.info] == ["此筛选条件下没有数据：所选部门和区域在2025年没有记录。"]
    assert not figures(at) and not at.error


@pytest.mark.parametrize("view", ["budget", "cash", "reconciliation"])
def test_a_year_without_data_says_so(view, monkeypatch):
    import semantic.detail

    monkeypatch.setattr(semantic.detail, "as_of", lambda warehouse: dt.date(2031, 12, 31))
    at = open_view(view, "en")
    assert any("No rows for" in i.value for i in at.info), [i.value for i in at.info]
    assert not at.error


def test_an_underspend_is_green_and_a_negative_total_is_green_too(library):
    """Demo departments all overspend; a frame with underspends shows them green, signed, in 万."""
    import pandas as pd

    frame = pd.DataFrame(
        {
            "department": ["Finance", "Sales"],
            "budget": [100_000.0, 500_000.0],
            "expense": [120_000.0, 400_000.0],
            "budget_variance": [20_000.0, -100_000.0],
        }
    )
    bars = finance_charts.variance_waterfall(frame, "zh", library).data[0]
    assert list(bars.x) == ["财务部", "销售部", "差异合计"]
    assert list(bars.text) == ["+¥2.0万", "-¥10.0万", "-¥8.0万"]
    assert bars.decreasing.marker.color == finance_charts.UNDER
    assert bars.totals.marker.color == finance_charts.UNDER
    assert "预算 ¥50.0万 · 实际 ¥40.0万" in bars.hovertext[1]
