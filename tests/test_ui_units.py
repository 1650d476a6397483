"""Pure pieces of the app: number formats, Explore's URL state, chart choice, Excel export."""
from __future__ import annotations

import datetime as dt
import io

import pandas as pd
import pytest
from openpyxl import load_workbook

from semantic import Query
from semantic.query import member_filter
from ui import charts
from ui.export import to_excel
from ui.fmt import format_change, format_value
from ui.i18n import MESSAGES
from ui.periods import period_range
from ui.state import ExploreState


@pytest.mark.parametrize("value,fmt,lang,shown", [
    (123_456_789, "currency", "zh", "¥1.23亿"),
    (45_678, "currency", "zh", "¥4.6万"),
    (-45_678, "currency", "zh", "-¥4.6万"),
    (123_456_789, "currency", "en", "¥123.46M"),
    (-45_678, "currency", "en", "-¥45.7K"),
    (999, "currency", "en", "¥999"),
    (0.30125, "percent", "en", "30.1%"),
    (-0.052, "percent", "zh", "-5.2%"),
    (56.14, "days", "zh", "56.1 天"),
    (12345, "count", "en", "12,345"),
    (None, "count", "en", "—"),
    (float("nan"), "currency", "zh", "—"),
])
def test_number_formats(value, fmt, lang, shown):
    assert format_value(value, fmt, lang) == shown


def test_changes_are_signed_and_missing_base_is_none():
    assert format_change(0.1234) == "+12.3%"
    assert format_change(-0.05) == "-5.0%"
    assert format_change(float("nan")) is None and format_change(float("inf")) is None


def test_every_message_has_both_languages():
    assert all(set(entry) == {"en", "zh"} and all(entry.values()) for entry in MESSAGES.values())


def test_explore_state_round_trips_through_the_url():
    state = ExploreState(metrics=("revenue", "gross_margin_pct"), group_by=("region",), grain="quarter",
                         filters=(("channel", ("Online", "Direct")), ("city", ("上海", "O'Brien|x"[:7]))),
                         time_from=dt.date(2025, 1, 1), time_to=dt.date(2025, 6, 30), compare="prior_year",
                         chart="bar")
    again = ExploreState.from_params(state.to_params())
    assert again == state
    assert again.query().where == "channel IN ('Online', 'Direct') AND city IN ('上海', 'O''Brien')" or \
        again.query().where == "city IN ('上海', 'O''Brien') AND channel IN ('Online', 'Direct')"


def test_bad_url_values_fall_back_instead_of_failing():
    state = ExploreState.from_params({"m": "revenue", "grain": "fortnight", "from": "2025-13-01", "cmp": "x"})
    assert state.grain is None and state.time_from is None and state.compare is None


def test_drill_down_and_up():
    s = ExploreState(metrics=("revenue",), group_by=("region",), grain=None)
    down = s.drill("region", ["East"], "city")
    assert down.group_by == ("city",) and dict(down.filters) == {"region": ("East",)}
    deeper = down.drill("city", ["Hangzhou"], "customer")
    assert deeper.group_by == ("customer",) and dict(deeper.filters) == {"region": ("East",), "city": ("Hangzhou",)}
    assert deeper.up("customer", "city") == down
    assert down.up("city", "region") == s


def test_member_filter_quotes_values_as_literals():
    assert member_filter({"region": ["East", "x' OR 1=1 --"]}) == "region IN ('East', 'x'' OR 1=1 --')"
    assert member_filter({}) is None


@pytest.mark.parametrize("keys,metrics,formats,rows,kind", [
    ((), ("revenue",), {"revenue": "currency"}, 1, "big_number"),
    (("metric_time__month",), ("revenue",), {"revenue": "currency"}, 12, "line"),
    (("metric_time__month", "region"), ("revenue",), {"revenue": "currency"}, 60, "line"),
    (("region",), ("revenue",), {"revenue": "currency"}, 5, "bar"),
    (("region",), ("revenue", "cogs"), {"revenue": "currency", "cogs": "currency"}, 5, "grouped_bar"),
    (("region",), ("revenue", "gross_margin_pct"), {"revenue": "currency", "gross_margin_pct": "percent"}, 5, "combo"),
    (("region", "channel"), ("revenue",), {"revenue": "currency"}, 15, "stacked_bar"),
])
def test_chart_follows_the_shape_of_the_result(keys, metrics, formats, rows, kind):
    assert charts.choose(keys, metrics, formats, rows) == kind


def test_bar_marks_carry_raw_members_for_selection():
    frame = pd.DataFrame({"region": ["East", "South"], "revenue": [2.0, 1.0]})
    fig = charts.figure(frame, "bar", ("region",), ("revenue",), metric_label=str,
                        member_label=lambda d, v: {"East": "华东", "South": "华南"}[v], formats={"revenue": "currency"})
    assert list(fig.data[0].x) == ["华东", "华南"]
    event = {"selection": {"points": [{"x": "华东", "customdata": ["East"]}, {"x": "华南", "customdata": ["South"]}]}}
    assert charts.selected_members(event, "region") == ["East", "South"]


def test_period_ranges():
    day = dt.date(2025, 12, 31)
    assert period_range("month", day) == (dt.date(2025, 12, 1), day)
    assert period_range("quarter", day) == (dt.date(2025, 10, 1), day)
    assert period_range("ytd", day) == (dt.date(2025, 1, 1), day)
    assert period_range("l12m", day) == (dt.date(2025, 1, 1), day)


def test_excel_has_formatted_numbers_and_a_query_sheet():
    frame = pd.DataFrame({"region": ["East"], "revenue": [1234.5], "gross_margin_pct": [0.3]})
    query = Query(metrics=("revenue", "gross_margin_pct"), group_by=("region",), where="channel = 'Online'")
    data = to_excel(frame, {"revenue": "currency", "gross_margin_pct": "percent"}, query, user="ceo",
                    ran_at=dt.datetime(2025, 1, 2, 3, 4, 5))
    book = load_workbook(io.BytesIO(data))
    sheet, meta = book.worksheets
    assert [c.value for c in sheet[1]] == ["region", "revenue", "gross_margin_pct"]
    assert sheet["B2"].value == 1234.5 and "¥" in sheet["B2"].number_format
    assert sheet["C2"].number_format == "0.0%"
    info = {row[0].value: row[1].value for row in meta.iter_rows()}
    assert info["where"] == "channel = 'Online'" and info["user"] == "ceo" and info["ran_at"].startswith("2025-01-02")
