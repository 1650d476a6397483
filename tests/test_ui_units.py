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


@pytest.mark.parametrize(
    "value,fmt,lang,shown",
    [
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
    ],
)
def test_number_formats(value, fmt, lang, shown):
    assert format_value(value, fmt, lang) == shown


def test_changes_are_signed_and_missing_base_is_none():
    assert format_change(0.1234) == "+12.3%"
    assert format_change(-0.05) == "-5.0%"
    assert format_change(float("nan")) is None and format_change(float("inf")) is None


def test_every_message_has_both_languages():
    assert all(set(entry) == {"en", "zh"} and all(entry.values()) for entry in MESSAGES.values())


def test_explore_state_round_trips_through_the_url():
    state = ExploreState(
        metrics=("revenue", "gross_margin_pct"),
        group_by=("region",),
        grain="quarter",
        filters=(("channel", ("Online", "Direct")), ("city", ("上海", "O'Brien|x"[:7]))),
        time_from=dt.date(2025, 1, 1),
        time_to=dt.date(2025, 6, 30),
        compare="prior_year",
        chart="bar",
    )
    again = ExploreState.from_params(state.to_params())
    assert again == state
    assert (
        again.query().where == "channel IN ('Online', 'Direct') AND city IN ('上海', 'O''Brien')"
        or again.query().where == "city IN ('上海', 'O''Brien') AND channel IN ('Online', 'Direct')"
    )


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


@pytest.mark.parametrize(
    "keys,metrics,formats,rows,kind",
    [
        ((), ("revenue",), {"revenue": "currency"}, 1, "big_number"),
        (("metric_time__month",), ("revenue",), {"revenue": "currency"}, 12, "line"),
        (("metric_time__month", "region"), ("revenue",), {"revenue": "currency"}, 60, "line"),
        (("region",), ("revenue",), {"revenue": "currency"}, 5, "bar"),
        (("region",), ("revenue", "cogs"), {"revenue": "currency", "cogs": "currency"}, 5, "grouped_bar"),
        (
            ("region",),
            ("revenue", "gross_margin_pct"),
            {"revenue": "currency", "gross_margin_pct": "percent"},
            5,
            "combo",
        ),
        (("region", "channel"), ("revenue",), {"revenue": "currency"}, 15, "stacked_bar"),
    ],
)
def test_chart_follows_the_shape_of_the_result(keys, metrics, formats, rows, kind):
    assert charts.choose(keys, metrics, formats, rows) == kind


def test_bar_marks_carry_raw_members_for_selection():
    frame = pd.DataFrame({"region": ["East", "South"], "revenue": [2.0, 1.0]})
    fig = charts.figure(
        frame,
        "bar",
        ("region",),
        ("revenue",),
        metric_label=str,
        member_label=lambda d, v: {"East": "华东", "South": "华南"}[v],
        formats={"revenue": "currency"},
    )
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
    data = to_excel(
        frame,
        {"revenue": "currency", "gross_margin_pct": "percent"},
        query,
        user="ceo",
        ran_at=dt.datetime(2025, 1, 2, 3, 4, 5),
    )
    book = load_workbook(io.BytesIO(data))
    sheet, meta = book.worksheets
    assert [c.value for c in sheet[1]] == ["region", "revenue", "gross_margin_pct"]
    assert sheet["B2"].value == 1234.5 and "¥" in sheet["B2"].number_format
    assert sheet["C2"].number_format == "0.0%"
    info = {row[0].value: row[1].value for row in meta.iter_rows()}
    assert info["where"] == "channel = 'Online'" and info["user"] == "ceo" and info["ran_at"].startswith("2025-01-02")


# --- issue 18: user text is text, exports hold no formulas, thresholds stay exact, no role names in code ---

HOSTILE = (
    "<iframe srcdoc=\"<script>parent.document.title='pwned'</script>\"></iframe><img src=x onerror=alert(1)>"
    "**bold** [phish](http://evil.example) ![x](http://evil.example/x.png) :red[x] <meta http-equiv=refresh>"
)


def test_plain_escapes_every_markdown_and_html_character_and_keeps_the_text():
    import re
    import string

    from ui.safe import JOINER, plain

    shown = plain(HOSTILE + " www.evil.example a@evil.example :smile:")
    assert not set(re.sub(r"\\.", "", shown)) & set(string.punctuation)  # every punctuation mark is escaped
    assert re.sub(r"\\(.)", r"\1", shown).replace(JOINER, "") == HOSTILE + " www.evil.example a@evil.example :smile:"
    # no bare address, e-mail or :shortcode: survives for Markdown to link or replace
    assert not re.search(r"https?://|www\.|@\w|:\w", re.sub(r"\\(.)", r"\1", shown))
    assert plain(None) == ""


def _sources():
    for folder in ("ui", "views"):
        for path in sorted((ROOT / folder).glob("*.py")):
            yield path, __import__("ast").parse(path.read_text(encoding="utf-8"))
    yield ROOT / "app.py", __import__("ast").parse((ROOT / "app.py").read_text(encoding="utf-8"))


ROOT = __import__("pathlib").Path(__file__).resolve().parent.parent


def test_only_constant_strings_reach_unsafe_html():
    """unsafe_allow_html=True and st.html run HTML: their text must be the app's own constant,
    never anything built from a value (an f-string, a format, a concatenation, a variable)."""
    import ast

    offences = []
    for path, tree in _sources():
        constants = {
            t.id
            for node in tree.body
            if isinstance(node, ast.Assign)
            and isinstance(node.value, ast.Constant)
            and isinstance(node.value.value, str)
            for t in node.targets
            if isinstance(t, ast.Name)
        }
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            html = any(
                k.arg == "unsafe_allow_html" and not (isinstance(k.value, ast.Constant) and k.value.value is False)
                for k in node.keywords
            )
            html |= isinstance(node.func, ast.Attribute) and node.func.attr == "html"
            if not html:
                continue
            body = node.args[0] if node.args else next((k.value for k in node.keywords if k.arg == "body"), None)
            ok = (isinstance(body, ast.Constant) and isinstance(body.value, str)) or (
                isinstance(body, ast.Name) and body.id in constants
            )
            if not ok:
                offences.append(f"{path.name}:{node.lineno}: {ast.unparse(body) if body else '?'}")
    assert not offences, offences


def test_no_role_name_appears_in_the_pages():
    """Role names live in policies.yml; pages read what a role may do from policy.Access."""
    import ast

    from semantic.policy import HOME_ROWS, load_policy

    roles = set(load_policy(__import__("semantic").default_library()).roles) - set(HOME_ROWS)  # a row, not a role
    found = [
        f"{path.name}:{node.lineno}: {node.value!r}"
        for path, tree in _sources()
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and node.value in roles
    ]
    assert not found, found


@pytest.mark.parametrize("value", [534949901.95, 60.0, -0.1, 1e-7, 1e18, 123456789012345678.0, 0.1 + 0.2, 5e-324])
def test_rule_thresholds_round_trip_exactly(value):
    from boards.store import Rule
    from ui.rules import parse_rules, rules_text

    rules = (Rule("ar_balance", ">", value, "critical"), Rule("dso", "<=", 60.0, "warning", "https://hooks.example/x"))
    assert parse_rules(rules_text(rules)) == rules
    assert rules_text(rules[:1]).split()[2] in (repr(value), str(int(value)))


def test_exact_is_readable_for_whole_numbers():
    from boards.store import number_text as exact

    assert (exact(60.0), exact(534949901.95), exact(-3.0)) == ("60", "534949901.95", "-3")


@pytest.mark.parametrize(
    "line,reason",
    [
        ("dso > 6O critical", "'6O' is not a number"),
        ("dso > nan critical", "'nan' is not a number"),
        ("dso > 1e999 critical", "'1e999' is not a number"),
        ("dso >", "write metric op value level"),
    ],
)
def test_bad_rules_are_one_clear_line(line, reason):
    from boards.store import BoardError
    from ui.rules import parse_rules

    with pytest.raises(BoardError, match=reason):
        parse_rules(line)


FORMULAS = ["=1+1", "+41 20", "-2+3", "@SUM(A1)", "\tx", "\rx", '=HYPERLINK("http://evil.example","x")']


def test_csv_export_neutralises_formula_text_and_keeps_numbers():
    import csv

    from ui.export import to_csv

    frame = pd.DataFrame({"customer": FORMULAS + ["Plain Co", "中文"], "revenue": [-5.5, 1, 2, 3, 4, 5, 6, -7, 8]})
    rows = list(csv.reader(io.StringIO(to_csv(frame).decode("utf-8-sig"), newline="")))
    assert rows[0] == ["customer", "revenue"]
    assert [r[0] for r in rows[1:]] == ["'" + f for f in FORMULAS] + ["Plain Co", "中文"]
    assert [float(r[1]) for r in rows[1:]] == [-5.5, 1, 2, 3, 4, 5, 6, -7, 8]  # numbers, a negative one too
    assert rows[1][1] == "-5.5"


def test_excel_export_neutralises_formula_text_in_both_sheets_and_keeps_numbers():
    frame = pd.DataFrame({"customer": FORMULAS + ["Plain Co"], "revenue": [-5.5, 1, 2, 3, 4, 5, 6, 7.25]})
    query = Query(metrics=("revenue",), group_by=("customer",), where="customer = '=1+1'")
    data = to_excel(
        frame,
        {"revenue": "currency"},
        query,
        user="=cmd|' /C calc'!A0",
        ran_at=dt.datetime(2025, 1, 2, 3, 4, 5),
        headers={"customer": "@Customer"},
    )
    book = load_workbook(io.BytesIO(data))
    sheet, meta = book.worksheets
    cells = [(row[0].value, row[0].data_type, row[1].value, row[1].data_type) for row in sheet.iter_rows(min_row=2)]
    assert [c[0] for c in cells] == ["'" + f.replace("\r", "\n") for f in FORMULAS] + ["Plain Co"]  # XML keeps no CR
    assert all(c[1] == "s" for c in cells)  # text, never a formula ('f')
    assert [c[2] for c in cells] == [-5.5, 1, 2, 3, 4, 5, 6, 7.25] and all(c[3] == "n" for c in cells)
    assert sheet["A1"].value == "'@Customer"
    info = {row[0].value: (row[1].value, row[1].data_type) for row in meta.iter_rows()}
    assert info["user"] == ("'=cmd|' /C calc'!A0", "s")
    assert info["where"] == ("customer = '=1+1'", "s")  # starts with a letter: unchanged
    assert all(t != "f" for row in meta.iter_rows() for t in [row[1].data_type])
