"""The one table helper (ui/table.py) and the drill-through download (defect 8).

Column configs are checked as produced (labels, formats, alignment) in both languages; the
download's row count is checked against a hand COUNT(*) over the raw tables, for the CFO and
for a sales rep (who gets only their region); the data-quality status is text, not emoji."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from pathlib import Path

import pandas as pd
import pytest
import streamlit
from streamlit.testing.v1 import AppTest

from semantic import Principal, Query
from semantic.detail import drill_through, drill_through_all
from ui import table

ROOT = Path(__file__).resolve().parent.parent
CFO = Principal("cfo", ("finance",))
EAST = Principal("sales_east", ("sales_rep",), {"region": "East"})
MARCH = dict(time_from=dt.date(2025, 3, 1), time_to=dt.date(2025, 3, 31))
HAND_REVENUE_ROWS = """
    SELECT count(*) FROM order_lines l JOIN orders o USING (order_id) JOIN customers c USING (customer_id)
    WHERE o.status <> 'cancelled' AND o.order_date BETWEEN '2025-03-01' AND '2025-03-31' {region}"""


def sample() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "metric_time__month": pd.to_datetime(["2025-07-01", "2025-08-01"]),
            "region": ["Central", "East"],
            "revenue": [1234567.891, 42.5],
            "gross_margin_pct": [0.2982, 0.2995],
            "order_date": pd.to_datetime(["2025-07-03", "2025-08-04"]),
        }
    )


def type_of(config: dict) -> str:
    return config["type_config"]["type"]


@pytest.mark.parametrize(
    "lang, headers, month, money, ratio, members",
    [
        ("en", ["Month", "Region", "Revenue", "Gross margin %", "Order date"], "YYYY-MM", "¥%,.2f", "%,.1f%%", None),
        ("zh", ["月份", "区域", "营业收入", "毛利率", "下单日期"], "YYYY年M月", "¥%,.2f", "%,.1f%%", ["华中", "华东"]),
    ],
)
def test_column_config_for_money_ratio_date_month_and_region(library, lang, headers, month, money, ratio, members):
    shown, config = table.spec(sample(), lang, library)
    assert [config[c]["label"] for c in sample().columns] == headers
    assert type_of(config["metric_time__month"]) == "date"
    assert config["metric_time__month"]["type_config"]["format"] == month
    assert type_of(config["order_date"]) == "date"
    assert config["order_date"]["type_config"]["format"] == "YYYY-MM-DD"
    assert shown["order_date"].tolist() == [dt.date(2025, 7, 3), dt.date(2025, 8, 4)]  # dates, not timestamps
    assert type_of(config["revenue"]) == "number" and config["revenue"]["type_config"]["format"] == money
    assert config["revenue"]["alignment"] == "right"
    assert shown["revenue"].tolist() == [1234567.891, 42.5]  # the number itself is unchanged
    assert config["gross_margin_pct"]["type_config"]["format"] == ratio
    assert shown["gross_margin_pct"].tolist() == pytest.approx([29.82, 29.95])  # shown as 29.8%, 30.0%
    assert type_of(config["region"]) == "text"
    assert shown["region"].tolist() == (members or ["Central", "East"])


def test_labels_come_from_the_library(library):
    _, en = table.spec(sample(), "en", library)
    _, zh = table.spec(sample(), "zh", library)
    from ui.i18n import label

    assert en["revenue"]["label"] == label(library.metrics["revenue"].label, "en")
    assert zh["gross_margin_pct"]["label"] == label(library.metrics["gross_margin_pct"].label, "zh")
    assert zh["region"]["label"] == label(library.dimensions["region"].label, "zh")


def test_quarter_year_days_counts_ids_and_compact_money(library):
    frame = pd.DataFrame(
        {
            "metric_time__quarter": pd.to_datetime(["2025-07-01"]),
            "dso": [61.25],
            "orders": [1200],
            "order_id": [123456],
            "mystery_column": ["x"],
            "revenue": [123456789.0],
        }
    )
    shown, en = table.spec(frame, "en", library)
    assert en["metric_time__quarter"]["type_config"]["format"] == "YYYY [Q]Q"
    assert en["dso"]["type_config"]["format"] == "%,.1f days"
    assert en["orders"]["type_config"]["format"] == "%,d"
    assert en["order_id"]["type_config"]["format"] == "%d"  # an id has no thousands separator
    assert en["mystery_column"]["label"] == "Mystery column"  # never a snake_case header
    shown, zh = table.spec(frame, "zh", library, compact=True)
    assert zh["metric_time__quarter"]["type_config"]["format"] == "YYYY年第Q季度"
    assert zh["dso"]["type_config"]["format"] == "%,.1f 天"
    assert shown["revenue"].tolist() == ["¥1.23亿"] and zh["revenue"]["alignment"] == "right"


@pytest.mark.parametrize(
    "grain, en, zh",
    [("month", "2025-07", "2025年7月"), ("quarter", "2025 Q3", "2025年第3季度"), ("year", "2025", "2025年")],
)
def test_periods_read_as_their_grain(grain, en, zh):
    assert (table.period_text(dt.date(2025, 7, 1), grain, "en"), table.period_text("2025-07-01", grain, "zh")) == (
        en,
        zh,
    )


def test_value_maps_and_overrides(library):
    frame = pd.DataFrame({"status": ["unpaid"], "华东": [12.5]})
    shown, config = table.spec(
        frame, "zh", library, values={"status": lambda s: {"unpaid": "未回款"}[s]}, formats={"华东": "currency"}
    )
    assert shown["status"].tolist() == ["未回款"] and config["status"]["label"] == "状态"
    assert config["华东"]["type_config"]["format"] == "¥%,.2f"


# --- defect 8: the drill-through download holds every row the user may see ---


@pytest.mark.parametrize("who, region", [(CFO, ""), (EAST, "AND c.region = 'East'")])
def test_download_of_all_rows_equals_a_hand_count(warehouse, raw, who, region):
    query = Query(metrics=("revenue",), **MARCH)
    expected = raw.execute(HAND_REVENUE_ROWS.format(region=region)).fetchall()[0][0]
    assert expected > 100  # more than one page: the old download held 100
    rows = drill_through_all(query, who, warehouse=warehouse)
    assert len(rows.frame) == rows.total_rows == expected
    if who is EAST:
        assert set(rows.frame["region"]) == {"East"}


def test_the_cap_is_stated(warehouse, raw):
    query = Query(metrics=("revenue",), **MARCH)
    rows = drill_through_all(query, CFO, warehouse=warehouse, cap=50)
    assert (
        len(rows.frame) == 50 and rows.total_rows == raw.execute(HAND_REVENUE_ROWS.format(region="")).fetchall()[0][0]
    )


def test_a_rep_still_cannot_download_finance_rows(warehouse):
    with pytest.raises(Exception, match="cash_in is not available to your roles: sales_rep"):
        drill_through_all(Query(metrics=("cash_in",)), EAST, warehouse=warehouse)


@pytest.mark.parametrize("who, region", [(CFO, ""), (EAST, "AND c.region = 'East'")])
def test_the_drill_section_download_button_carries_every_row(monkeypatch, warehouse, raw, library, who, region):
    """What the page wires: drill_rows shows one page and its download button holds all rows."""
    from ui import context as ctx

    buttons, frames = [], []
    monkeypatch.setattr(ctx, "principal", lambda: who)
    monkeypatch.setattr(ctx, "warehouse", lambda: warehouse)
    monkeypatch.setattr(ctx, "lang", lambda: "en")
    monkeypatch.setattr(streamlit, "dataframe", lambda data, **kw: frames.append(data))
    monkeypatch.setattr(streamlit, "download_button", lambda label, data, **kw: buttons.append((label, data)))
    query = Query(metrics=("revenue",), **MARCH)
    page = drill_through(query, who, warehouse=warehouse, page_size=100)
    table.drill_rows(page, query, key="t")
    expected = raw.execute(HAND_REVENUE_ROWS.format(region=region)).fetchall()[0][0]
    assert len(frames[0]) == 100
    label, data = buttons[0]
    body = (data() if callable(data) else data).decode("utf-8-sig")
    assert len(list(csv.reader(io.StringIO(body)))) - 1 == expected
    assert f"{expected:,}" in label


# --- defect 14 (data quality): status is text with a colour, not emoji ---


@pytest.mark.parametrize("lang, words", [("en", {"Pass", "Fail", "Error"}), ("zh", {"通过", "未通过", "出错"})])
def test_data_quality_status_is_text(monkeypatch, warehouse_path, metastore_file, lang, words):
    monkeypatch.setenv("CONCORD_WAREHOUSE", str(warehouse_path))
    at = AppTest.from_file(str(ROOT / "views" / "data_quality.py"), default_timeout=120)
    at.session_state["principal"] = Principal("admin", ("admin",))
    at.session_state["lang"] = lang
    at.run()
    at.button(key="q_run").click().run()
    assert not at.exception and not at.error
    status = at.dataframe[0].value.iloc[:, 0].tolist()
    assert status and set(status) <= words, status
    assert not any(re.search(r"[\u2600-\u27bf\U0001f300-\U0001faff]", s) for s in status)


def test_missing_values_show_a_dash_not_none(library):
    """The grid writes "None" in an empty number or date cell; a finance table shows "—"."""
    frame = pd.DataFrame(
        {
            "outstanding": [12.5, None],
            "last_receipt": pd.to_datetime(["2025-03-01", None]),
            "gross_margin_pct": [0.25, None],
        }
    )
    shown, config = table.spec(frame, "en", library)
    assert shown["outstanding"].tolist() == ["¥12.50", "—"] and config["outstanding"]["alignment"] == "right"
    assert shown["last_receipt"].tolist() == ["2025-03-01", "—"] and type_of(config["last_receipt"]) == "text"
    assert shown["gross_margin_pct"].tolist() == ["25.0%", "—"]


@pytest.mark.parametrize("lang,header", [("en", "Budget variance (¥)"), ("zh", "预算差异（¥）")])
def test_negative_money_reads_as_a_statement_does(library, lang, header):
    """printf wrote '¥-2,179.48'; a money column with negatives shows (2,179.48) under a ¥ header,
    and stays a number the grid sorts; a column without negatives keeps ¥ in each cell."""
    frame = pd.DataFrame({"budget_variance": [-2179.48, 350.0], "revenue": [10.0, 20.0]})
    shown, config = table.spec(frame, lang, library)
    assert config["budget_variance"]["label"] == header
    assert config["budget_variance"]["type_config"]["format"] == "accounting"
    assert shown["budget_variance"].tolist() == [-2179.48, 350.0]
    assert config["revenue"]["type_config"]["format"] == "¥%,.2f"
