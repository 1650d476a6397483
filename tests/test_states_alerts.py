"""Alerts read by their metric's good direction (issue 11, branch states): a breach that is bad news
(cash_out or DSO above a line, revenue below one) reads as bad, one that is good news (revenue above
a line) reads as good, and the alert says its rule in words, with the metric's label and the threshold
in its format and the user's language ('Days sales outstanding above 1 day', not 'dso > 1')."""

from __future__ import annotations

import json

import pytest
from streamlit.testing.v1 import AppTest

from boards import alerts, evaluate, store
from boards.store import Board, Rule, Tile
from semantic import Principal, Query
from ui.safe import plain

ROOT = __import__("pathlib").Path(__file__).resolve().parent.parent
CFO = Principal("cfo", ("finance",))
DEC = {"time_from": "2025-12-01", "time_to": "2025-12-31"}


@pytest.fixture(autouse=True)
def _env(monkeypatch, warehouse_path, metastore_file, users_file):
    monkeypatch.setenv("CONCORD_WAREHOUSE", str(warehouse_path))


@pytest.mark.parametrize(
    ("rule", "meaning"),
    [
        (Rule("cash_out", ">", 1e6), "bad"),  # good: down
        (Rule("cash_out", "<=", 1e6), "good"),
        (Rule("dso", ">=", 45), "bad"),
        (Rule("revenue", ">", 1e6), "good"),  # good: up
        (Rule("revenue", "<", 1e6), "bad"),
        (Rule("revenue_recon_gap", ">", 0), "neutral"),  # good: neutral
        (Rule("no_such_metric", ">", 0), "neutral"),
    ],
)
def test_a_breach_means_what_its_metric_good_direction_says(rule, meaning):
    assert alerts.news(rule) == meaning


def test_a_stored_rule_reads_back():
    assert alerts.rule_of("dso > 45.5", "critical") == Rule("dso", ">", 45.5, "critical")
    assert alerts.rule_of("revenue >= 1e6") == Rule("revenue", ">=", 1e6)
    assert alerts.rule_of("nonsense") is None


@pytest.fixture
def breaches(warehouse):
    board = store.save(
        Board(
            title="Finance watch",
            owner="cfo",
            tiles=(
                Tile(Query(metrics=("dso",), **DEC), title="DSO", rules=(Rule("dso", ">", 1, "critical"),)),
                Tile(Query(metrics=("revenue",)), title="Revenue", rules=(Rule("revenue", ">", 1000, "warning"),)),
            ),
        ),
        CFO,
    )
    evaluate.evaluate_board(board, warehouse, post=lambda *a: None)
    assert len(alerts.history(CFO)) == 2


def alert_log(lang: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / "views" / "alerts.py"), default_timeout=120)
    at.session_state["principal"] = CFO
    at.session_state["lang"] = lang
    return at.run()


WORDS = {
    "en": {
        "DSO": ("Days sales outstanding above 1 day", "Critical · bad news"),
        "Revenue": ("Revenue above ¥1K", "Warning · good news"),
    },
    "zh": {
        "DSO": ("应收账款周转天数高于1天", "严重 · 不利"),
        "Revenue": ("营业收入高于¥1,000", "警告 · 有利"),
    },
}


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_alert_log_says_the_rule_in_words_and_reads_bad_news_as_bad(breaches, lang):
    at = alert_log(lang)
    assert not at.exception and not at.error
    frame = at.dataframe[0].value
    tile, rule, level = (frame.columns[i] for i in (2, 3, 4))
    shown = {row[tile]: (row[rule], row[level]) for _, row in frame.iterrows()}
    assert shown == WORDS[lang]
    cells = frame.astype(str).to_numpy().ravel().tolist()
    assert not [c for c in cells if c in ("dso > 1", "revenue > 1000")]
    styles = json.dumps(str(at.dataframe[0].proto.arrow_data.styler))
    assert "#b91c1c" in styles and "#15803d" in styles  # bad news red, good news green


def test_a_tile_boxes_its_breaches_by_what_they_mean():
    def script():
        from boards.store import Rule
        from ui import context as ctx

        ctx.show_breaches([(Rule("dso", ">", 45.0, "critical"), 50.0), (Rule("revenue", ">", 1e6, "warning"), 2e6)])

    at = AppTest.from_function(script, default_timeout=60).run()
    assert not at.exception
    assert [e.value for e in at.error] == [plain("Days sales outstanding above 45 days")]
    assert [s.value for s in at.success] == [plain("Revenue above ¥1M")]
    assert not at.warning
