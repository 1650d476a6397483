"""Explore and its charts finished for people (issue 11: defects 1, 2, 7, 11, 13, 15):
names in the URL whatever the language, axes in their metric's unit and the user's
language, the prior-year series in the chart, a message when no metric is chosen."""

from __future__ import annotations

import datetime as dt
import io
import itertools
import json

import openpyxl
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from semantic import Principal, default_library, run
from semantic.query import make_query
from tests.handsql import metric_sql
from ui import charts
from ui.export import to_excel

ROOT = __import__("pathlib").Path(__file__).resolve().parent.parent
CFO = Principal("cfo", ("finance",))
LIB = default_library()


@pytest.fixture(autouse=True)
def _env(monkeypatch, warehouse_path, metastore_file):
    monkeypatch.setenv("CONCORD_WAREHOUSE", str(warehouse_path))


def explore(lang: str = "en", **params) -> AppTest:
    at = AppTest.from_file(str(ROOT / "views" / "explore.py"), default_timeout=120)
    at.session_state["principal"] = CFO
    at.session_state["lang"] = lang
    for key, value in params.items():
        at.query_params[key] = value
    return at.run()


def url_metrics(at: AppTest) -> list[str]:
    value = at.query_params.get("m", [""])
    value = value[0] if isinstance(value, list) else value
    return [m for m in value.split(",") if m]


# ---- defect 1: the URL holds names, never labels ----------------------------------------------
def test_switching_the_language_keeps_metric_names_in_the_url():
    at = explore("en", m="revenue,gross_margin_pct", grain="month", cmp="prior_year")
    for lang in ("zh", "en", "zh"):
        at.session_state["lang"] = lang
        at.run()
        assert not at.exception, [e.value for e in at.exception]
        assert url_metrics(at) == ["revenue", "gross_margin_pct"], lang
        assert not at.error, [e.value for e in at.error]
        grain = at.query_params.get("grain")
        assert (grain[0] if isinstance(grain, list) else grain) == "month"


# ---- defect 11: no metric, no chart --------------------------------------------------------------
def test_clearing_every_metric_shows_the_message_and_no_chart():
    at = explore("en", m="revenue", grain="month")
    assert at.get("plotly_chart")
    at.multiselect[0].set_value([]).run()
    at.run()
    assert not at.exception
    assert [i.value for i in at.info] == ["Pick at least one metric."]
    assert not at.get("plotly_chart")
    assert url_metrics(at) == []


# ---- defect 15: localized controls ----------------------------------------------------------------
def test_chinese_explore_translates_grains_and_placeholders():
    at = explore("zh", m="revenue", grain="month", **{"from": "2025-03-01", "to": "2025-05-31"})
    grain_box = next(s for s in at.selectbox if s.label == "时间粒度")
    assert grain_box.options == ["（不按时间）", "日", "周", "月", "季度", "年"]
    assert all(m.placeholder == "请选择…" for m in at.multiselect)
    drill = [b.label for b in at.button if b.label.startswith("下钻")]
    assert drill == ["下钻到日"]


# ---- defect 2 and 13: the axes take their metrics' units ------------------------------------------
def month_frame(metrics: dict[str, list[float]]) -> pd.DataFrame:
    months = pd.date_range("2025-01-01", periods=len(next(iter(metrics.values()))), freq="MS")
    return pd.DataFrame({"metric_time__month": months, **metrics})


def fig_for(frame, metrics, lang="en", kind="line", keys=("metric_time__month",), compare=None):
    formats = {m: LIB.metrics[m].format for m in metrics}
    return charts.figure(
        frame,
        kind,
        keys,
        metrics,
        metric_label=lambda n: n,
        member_label=lambda d, v: str(v),
        formats=formats,
        lang=lang,
        compare=compare,
    )


@pytest.mark.parametrize(
    ("metrics", "left", "right"),
    [
        (("dso", "ar_balance"), "days", "currency"),  # money on the left, days on the right
        (("gross_margin_pct", "revenue"), "percent", "currency"),
        (("orders", "revenue"), "count", "currency"),
    ],
)
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_second_axis_takes_the_unit_of_its_metrics(metrics, left, right, lang):
    values = {
        "dso": [48.2, 52.9, 61.3],
        "ar_balance": [53_521_000.0, 60_100_000.0, 65_506_000.0],
        "gross_margin_pct": [0.2982, 0.3005, 0.3011],
        "revenue": [70_000_000.0, 82_500_000.0, 91_000_000.0],
        "orders": [1200.0, 1350.0, 1411.0],
    }
    fig = fig_for(month_frame({m: values[m] for m in metrics}), metrics, lang)
    on = {t.name: t.yaxis for t in fig.data}
    assert sorted(on.values()) == ["y", "y2"]  # two units, two axes
    unit_of = {on[metrics[0]]: left, on[metrics[1]]: right}
    for axis, unit in ((fig.layout.yaxis, unit_of["y"]), (fig.layout.yaxis2, unit_of["y2"])):
        text = list(axis.ticktext)
        assert len(set(text)) == len(text), text  # no repeated tick label
        assert not any("%" in t for t in text) or unit == "percent", text
        if unit == "currency":
            assert all(t == "0" or t.startswith("¥") for t in text), text
            assert any(("万" in t or "亿" in t) if lang == "zh" else t[-1] in "KMB" for t in text[1:]), text
        if unit == "days":
            assert all(t.endswith("天" if lang == "zh" else "d") for t in text), text
        if unit == "percent":
            assert all(t.endswith("%") for t in text), text
        if unit == "count":
            assert all(t.replace(",", "").replace(".", "").isdigit() for t in text), text


def test_percent_ticks_never_repeat_on_a_narrow_range():
    fig = fig_for(month_frame({"gross_margin_pct": [0.3008, 0.3011, 0.3013]}), ("gross_margin_pct",), "zh")
    text = list(fig.layout.yaxis.ticktext)
    assert len(text) >= 3 and len(set(text)) == len(text), text


@pytest.mark.parametrize(
    ("lang", "grain", "expected"),
    [
        ("en", "month", ["Mar 2025", "Apr", "May"]),
        ("zh", "month", ["2025年3月", "4月", "5月"]),
        ("en", "quarter", ["2025 Q1", "2025 Q2", "2025 Q3"]),
        ("zh", "quarter", ["2025年第1季度", "2025年第2季度", "2025年第3季度"]),
        ("zh", "year", ["2023年", "2024年", "2025年"]),
    ],
)
def test_time_ticks_follow_the_grain_and_language(lang, grain, expected):
    start = {"month": "2025-03-01", "quarter": "2025-01-01", "year": "2023-01-01"}[grain]
    freq = {"month": "MS", "quarter": "QS", "year": "YS"}[grain]
    frame = pd.DataFrame({f"metric_time__{grain}": pd.date_range(start, periods=3, freq=freq), "revenue": [1.0, 2, 3]})
    fig = fig_for(frame, ("revenue",), lang, keys=(f"metric_time__{grain}",))
    assert list(fig.layout.xaxis.ticktext) == expected  # one tick per point, never weekly ticks
    assert [pd.Timestamp(v) for v in fig.layout.xaxis.tickvals] == list(frame[f"metric_time__{grain}"])


def test_combo_bars_start_at_zero_and_ratios_go_right():
    frame = pd.DataFrame({"region": ["A", "B"], "gross_margin_pct": [0.275, 0.29], "revenue": [5.9e6, 1.7e7]})
    fig = fig_for(frame, ("gross_margin_pct", "revenue"), "zh", kind="combo", keys=("region",))
    bar = next(t for t in fig.data if t.type == "bar")
    line = next(t for t in fig.data if t.type == "scatter")
    assert (bar.name, bar.yaxis, line.name, line.yaxis) == ("revenue", "y", "gross_margin_pct", "y2")
    assert fig.layout.yaxis.tickvals[0] == 0 and fig.layout.yaxis.ticktext[0] == "0"


def test_ten_series_get_ten_distinct_colours():
    assert len(charts.PALETTE) >= 12
    rgb = [tuple(int(c[i : i + 2], 16) for i in (1, 3, 5)) for c in charts.PALETTE]
    closest = min(sum((a - b) ** 2 for a, b in zip(p, q)) ** 0.5 for p, q in itertools.combinations(rgb, 2))
    assert closest > 60, closest
    frame = pd.DataFrame(
        {
            "metric_time__month": list(pd.date_range("2025-01-01", periods=2, freq="MS")) * 10,
            "region": [f"r{i}" for i in range(10) for _ in range(2)],
            "revenue": range(20),
        }
    )
    fig = fig_for(frame, ("revenue",), keys=("metric_time__month", "region"))
    colours = [t.line.color for t in fig.data]
    assert len(colours) == 10 and len(set(colours)) == 10


# ---- defect 7: the prior year in the chart, the headers and Excel ----------------------------------
def prior_frame(warehouse):
    query = make_query(
        metrics=("revenue",),
        group_by=("metric_time__month",),
        time_from=dt.date(2025, 1, 1),
        time_to=dt.date(2025, 6, 30),
        compare="prior_year",
    )
    return query, run(query, CFO, warehouse=warehouse).frame


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_chart_draws_the_prior_year_series(warehouse, lang):
    _, frame = prior_frame(warehouse)
    fig = fig_for(frame, ("revenue",), lang, compare="prior_year")
    names = [t.name for t in fig.data]
    prior = next(t for t in fig.data if t.name == ("revenue · last year" if lang == "en" else "revenue · 上年同期"))
    assert len(names) == 2
    ordered = frame.sort_values("metric_time__month")
    assert list(prior.y) == pytest.approx([float(v) for v in ordered["revenue__prior"]])
    assert prior.line.dash == "dash"


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("en", ["Month", "Revenue", "Revenue, prior year", "Revenue, change vs prior year"]),
        ("zh", ["月份", "营业收入", "营业收入（上年同期）", "营业收入（同比）"]),
    ],
)
def test_the_compare_columns_are_named_in_both_languages(lang, expected):
    at = explore(lang, m="revenue", grain="month", cmp="prior_year", **{"from": "2025-01-01", "to": "2025-06-30"})
    assert not at.exception, [e.value for e in at.exception]
    # ui.table.show: the frame keeps its names, the grid shows the column_config labels
    labels = json.loads(at.dataframe[0].proto.columns)
    headers = [labels[c]["label"] for c in at.dataframe[0].value.columns]
    assert headers == expected
    assert not any("__" in h or "Compare" in h or "对比" in h for h in headers)


def test_the_excel_prior_column_has_the_metric_number_format(warehouse):
    query, frame = prior_frame(warehouse)
    data = to_excel(frame, {"revenue": "currency"}, query, user="cfo", ran_at=dt.datetime(2026, 1, 1))
    sheet = openpyxl.load_workbook(io.BytesIO(data))["Result"]
    header = [c.value for c in sheet[1]]
    prior = header.index("revenue__prior") + 1
    revenue = header.index("revenue") + 1
    assert sheet.cell(2, prior).number_format == sheet.cell(2, revenue).number_format
    assert "¥" in sheet.cell(2, prior).number_format


# ---- a one-number result: the card states its change as the metric does -------------------------
@pytest.mark.parametrize("lang,unit", [("en", " pp"), ("zh", "个百分点")])
def test_a_single_ratio_card_changes_in_percentage_points(raw, lang, unit):
    """Explore's big-number card wrote a ratio's change as a relative % ('+0.4%' for 29.82% -> 29.95%)
    with the default colours; it must read in percentage points, by hand SQL over the raw tables."""
    sql = metric_sql("gross_margin_pct", (), None, dt.date(2025, 1, 1), dt.date(2025, 12, 31))
    prior = metric_sql("gross_margin_pct", (), None, dt.date(2024, 1, 1), dt.date(2024, 12, 31))
    now, before = raw.execute(sql).fetchone()[0], raw.execute(prior).fetchone()[0]
    at = explore(
        lang, m="gross_margin_pct", grain="none", cmp="prior_year", **{"from": "2025-01-01", "to": "2025-12-31"}
    )
    assert not at.exception, [e.value for e in at.exception]
    card = at.metric[0]
    points = (float(now) - float(before)) * 100
    assert card.delta == f"{points:+.2f}{unit}", (card.delta, points)
    assert card.value == f"{float(now) * 100:.1f}%"
