"""Home's cards state a change the way the metric means it (issue 11, defects 3 and 4):
coloured by the direction the library calls good, a ratio's change in percentage points,
a variance's in money; and card numbers short enough to fit (defect 5, checked in a browser
by tests/e2e/test_home_finish_e2e.py)."""

from __future__ import annotations

import datetime as dt

import pytest
from streamlit.testing.v1 import AppTest

from semantic import Principal
from semantic.detail import as_of
from tests.handsql import hand
from ui.fmt import format_delta, headline
from ui.periods import period_range

ROOT = __import__("pathlib").Path(__file__).resolve().parent.parent
GREEN, RED, GRAY = 1, 0, 2  # MetricColor: RED, GREEN, GRAY


@pytest.fixture(autouse=True)
def _env(monkeypatch, warehouse_path, metastore_file):
    monkeypatch.setenv("CONCORD_WAREHOUSE", str(warehouse_path))


CEO = Principal("ceo", ("exec",))


def home(lang: str = "en", user: Principal = CEO) -> AppTest:
    at = AppTest.from_file(str(ROOT / "views" / "home.py"), default_timeout=120)
    at.session_state["principal"] = user
    at.session_state["lang"] = lang
    at.run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    return at


def cards(at: AppTest) -> dict:
    return {m.label: m for m in at.metric}


def test_cards_colour_a_change_by_the_direction_the_library_calls_good():
    shown = cards(home())
    assert {"Revenue", "Cash out", "Days sales outstanding", "Budget variance"} <= set(shown)
    colour = {
        "Revenue": "normal",  # up is good
        "Gross margin %": "normal",
        "Cash out": "inverse",  # paying more out is not good news
        "Days sales outstanding": "inverse",
        "AR balance": "inverse",
        "Budget variance": "inverse",  # positive = overspend
    }
    for label, delta_color in colour.items():
        proto = shown[label].proto
        if not proto.delta:
            continue
        rising = not proto.delta.startswith("-")
        good = rising if delta_color == "normal" else not rising
        assert proto.color == (GREEN if good else RED), (label, proto.delta, proto.color)


def test_the_library_declares_a_direction_for_every_metric(library):
    assert library.metrics["revenue"].good == "up"
    assert library.metrics["cash_out"].good == "down"
    assert library.metrics["dso"].good == "down"
    assert library.metrics["revenue_recon_gap"].good == "neutral"
    assert library.metrics["gross_margin_pct"].change_kind == "points"
    assert library.metrics["budget_variance"].change_kind == "absolute"
    assert library.metrics["revenue"].change_kind == "relative"


def _range(warehouse):
    """This month to date and its prior period: the month before when the data ends on a month end,
    else as many days just before."""
    start, end = period_range("month", as_of(warehouse))
    if (end + dt.timedelta(days=1)).day == 1:
        before = start - dt.timedelta(days=1)
        return (start, end), (before.replace(day=1), before)
    days = (end - start).days + 1
    return (start, end), (start - dt.timedelta(days=days), end - dt.timedelta(days=days))


def _margin(raw, start, end) -> float:
    return hand(
        raw,
        "SELECT (sum(l.net_amount) - sum(l.cost_amount)) / sum(l.net_amount) AS v "
        "FROM order_lines l JOIN orders o ON o.order_id = l.order_id "
        f"WHERE o.status <> 'cancelled' AND o.order_date BETWEEN DATE '{start}' AND DATE '{end}'",
    )["v"].iloc[0]


def _variance(raw, start, end) -> float:
    spent = hand(
        raw, f"SELECT coalesce(sum(amount), 0) AS v FROM expenses WHERE expense_date BETWEEN '{start}' AND '{end}'"
    )
    budget = hand(raw, f"SELECT coalesce(sum(amount), 0) AS v FROM budgets WHERE month BETWEEN '{start}' AND '{end}'")
    return float(spent["v"].iloc[0]) - float(budget["v"].iloc[0])


@pytest.mark.parametrize("lang,unit", [("en", " pp"), ("zh", "个百分点")])
def test_a_ratio_changes_in_percentage_points_checked_against_hand_sql(raw, warehouse, lang, unit):
    now, prior = _range(warehouse)
    want = (_margin(raw, *now) - _margin(raw, *prior)) * 100
    at = home(lang)
    label = "Gross margin %" if lang == "en" else "毛利率"
    delta = cards(at)[label].proto.delta
    assert delta == f"{want:+,.2f}{unit}", delta
    assert cards(at)[label].value == f"{_margin(raw, *now) * 100:,.1f}%"


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_variance_changes_in_money_never_in_percent(raw, warehouse, lang):
    now, prior = _range(warehouse)
    value, before = _variance(raw, *now), _variance(raw, *prior)
    at = home(lang)
    card = cards(at)["Budget variance" if lang == "en" else "预算差异"]
    assert card.value == headline(value, "currency", lang)
    assert card.proto.delta == format_delta(value, before, "currency", "absolute", lang)
    assert "%" not in card.proto.delta and "¥" in card.proto.delta
    years = [c.value for c in at.caption if c.value.startswith("vs last year" if lang == "en" else "同比")]
    year = years[[m.label for m in at.metric].index(card.label)]  # one caption under each card
    assert "%" not in year and "¥" in year, year


def test_change_formats():
    assert format_delta(0.2995, 0.2982, "percent", "points", "en") == "+0.13 pp"
    assert format_delta(0.2982, 0.2995, "percent", "points", "zh") == "-0.13个百分点"
    assert format_delta(-3_701_000, 8_000, "currency", "absolute", "en") == "-¥3.709M"
    assert format_delta(12_000, 0, "currency", "absolute", "zh") == "+¥1.2万"
    assert format_delta(108.7, 100, "currency", "relative", "en") == "+8.7%"
    assert format_delta(5, 0, "currency", "relative", "en") is None  # no base, no relative change
    assert format_delta(None, 1, "currency", "relative", "en") is None


@pytest.mark.parametrize(
    "value,lang,text",
    [
        (19_453_000, "zh", "¥1,945万"),
        (19_453_000, "en", "¥19.45M"),
        (194_530, "zh", "¥19.45万"),
        (1_234_500_000, "zh", "¥12.35亿"),
        (1_234_500_000, "en", "¥1.234B"),
        (-3_700_000, "en", "-¥3.7M"),  # no trailing zeros (it read ¥3.700M, ¥1.820万)
        (18_200, "zh", "¥1.82万"),
        (1_945, "en", "¥1,945"),
    ],
)
def test_card_headlines_have_four_significant_digits(value, lang, text):
    assert headline(value, "currency", lang) == text


def test_board_cards_colour_and_state_changes_like_home(metastore_file):
    """A board's card tiles (ui/tiles.py) use the same direction and change formats as Home."""
    from boards import store
    from boards.store import Board, Tile
    from semantic import Query

    board = store.save(
        Board(
            title="Cash",
            owner="ceo",
            filters={"time_from": "2025-04-01", "time_to": "2025-06-30"},
            tiles=(
                Tile(Query(metrics=("cash_out", "gross_margin_pct", "budget_variance"), compare="prior_year")),
                Tile(Query(metrics=("revenue",), compare="prior_year")),
            ),
        ),
        CEO,
    )
    at = AppTest.from_file(str(ROOT / "views" / "boards_page.py"), default_timeout=120)
    at.session_state["principal"] = CEO
    at.query_params["id"] = str(board.id)
    at.run()
    assert not at.exception and not at.error
    shown = cards(at)
    for label, good in (("Cash out", "down"), ("Revenue", "up"), ("Budget variance", "down")):
        proto = shown[label].proto
        assert proto.delta, label
        rising = not proto.delta.startswith("-")
        assert proto.color == (GREEN if rising == (good == "up") else RED), (label, proto.delta)
    assert shown["Gross margin %"].proto.delta.endswith(" pp")
    assert "%" not in shown["Budget variance"].proto.delta


@pytest.mark.parametrize("lang,want", [("en", "↓ lower is better"), ("zh", "↓ 越低越好")])
def test_the_catalog_shows_which_direction_is_good(lang, want):
    at = AppTest.from_file(str(ROOT / "views" / "catalog.py"), default_timeout=120)
    at.session_state["principal"] = CEO
    at.session_state["lang"] = lang
    at.run()
    at.text_input(key="catalog_search").input("cash_out").run()
    assert not at.exception
    cells = [str(v) for t in at.table for v in t.value.to_numpy().ravel()]
    assert want in cells, cells


DEPT_SALES = Principal("dept_sales", ("dept_head",), {"department": "Sales"})


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_department_head_sees_their_own_departments_spending_against_budget(raw, warehouse, lang):
    """The budget row (policies.yml home: [budget]) shows the Sales department's numbers only: the expense
    and budget cards equal hand SQL over Sales's rows, and differ from the whole company's."""
    (start, end), _ = _range(warehouse)
    at = home(lang, DEPT_SALES)
    assert [h.value for h in at.subheader] == ["Budget: spending against plan" if lang == "en" else "预算：费用执行"]

    def total(table: str, column: str, department: str | None) -> float:
        only = f" AND department = '{department}'" if department else ""
        sql = f"SELECT coalesce(sum(amount), 0) AS v FROM {table} WHERE {column} BETWEEN '{start}' AND '{end}'{only}"
        return float(hand(raw, sql)["v"].iloc[0])

    expense, budget = total("expenses", "expense_date", "Sales"), total("budgets", "month", "Sales")
    assert expense != total("expenses", "expense_date", None)
    shown = cards(at)
    assert shown["Expense" if lang == "en" else "费用"].value == headline(expense, "currency", lang)
    assert shown["Budget" if lang == "en" else "预算"].value == headline(budget, "currency", lang)
    assert shown["Budget variance" if lang == "en" else "预算差异"].value == headline(
        expense - budget, "currency", lang
    )
