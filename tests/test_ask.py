"""The Ask interpreter (semantic/ask): time words against hand-computed dates, grains, comparisons,
rankings, filters, refusals and the policy, and `python -m semantic ask` in a subprocess.

Dates are computed by hand here from the data date given; numbers against hand-written SQL over the
raw tables. Expected Queries are written out, never produced by the interpreter."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from semantic.ask import answer, interpret
from semantic.ask.lexicon import lexicon_for
from semantic.compile.where import parse_where
from semantic.detail import members
from semantic.errors import SemanticError
from semantic.principal import Principal

ROOT = Path(__file__).resolve().parent.parent
D = dt.date
AS_OF = D(2025, 12, 31)
CEO = Principal("ceo", ("exec",))
CFO = Principal("cfo", ("finance",))
LEAD = Principal("sales_lead", ("sales_manager",))
EAST = Principal("sales_east", ("sales_rep",), {"region": "East"})
SOUTH = Principal("sales_south", ("sales_rep",), {"region": "South"})


def read(text, warehouse, who=CEO, as_of=AS_OF, **kw):
    return interpret(text, who, warehouse=warehouse, as_of=as_of, **kw)


def q(text, warehouse, who=CEO, as_of=AS_OF):
    reading = read(text, warehouse, who, as_of)
    assert not reading.refused, f"{text!r} refused: {reading.message}"
    return reading.query


# (question, data date, first day, last day), each worked out by hand on a calendar
TIMES = [
    ("revenue today", D(2024, 2, 15), D(2024, 2, 15), D(2024, 2, 15)),
    ("昨天营收", D(2024, 3, 1), D(2024, 2, 29), D(2024, 2, 29)),
    ("本月收入", D(2024, 2, 15), D(2024, 2, 1), D(2024, 2, 29)),
    ("上个月收入", D(2024, 2, 15), D(2024, 1, 1), D(2024, 1, 31)),
    ("上月收入", D(2024, 1, 10), D(2023, 12, 1), D(2023, 12, 31)),
    ("revenue last month", D(2025, 3, 31), D(2025, 2, 1), D(2025, 2, 28)),
    ("本季度营收", D(2024, 2, 15), D(2024, 1, 1), D(2024, 3, 31)),
    ("上季度营收", D(2024, 2, 15), D(2023, 10, 1), D(2023, 12, 31)),
    ("Q3 revenue", D(2024, 2, 15), D(2023, 7, 1), D(2023, 9, 30)),
    ("三季度营收", D(2024, 8, 15), D(2024, 7, 1), D(2024, 9, 30)),
    ("今年营收", D(2024, 2, 15), D(2024, 1, 1), D(2024, 12, 31)),
    ("去年营收", D(2024, 2, 15), D(2023, 1, 1), D(2023, 12, 31)),
    ("前年营收", D(2024, 2, 15), D(2022, 1, 1), D(2022, 12, 31)),
    ("2023年营收", D(2024, 2, 15), D(2023, 1, 1), D(2023, 12, 31)),
    ("年初至今营收", D(2024, 2, 15), D(2024, 1, 1), D(2024, 2, 15)),
    ("revenue YTD", D(2024, 2, 15), D(2024, 1, 1), D(2024, 2, 15)),
    ("近12个月营收", D(2024, 2, 15), D(2023, 3, 1), D(2024, 2, 15)),
    ("revenue last 3 months", D(2024, 2, 15), D(2023, 12, 1), D(2024, 2, 15)),
    ("3月营收", D(2024, 2, 15), D(2023, 3, 1), D(2023, 3, 31)),
    ("March revenue", D(2024, 4, 2), D(2024, 3, 1), D(2024, 3, 31)),
    ("2023年3月营收", D(2024, 2, 15), D(2023, 3, 1), D(2023, 3, 31)),
    ("revenue in March 2023", D(2024, 2, 15), D(2023, 3, 1), D(2023, 3, 31)),
    ("从3月到5月的收入", AS_OF, D(2025, 3, 1), D(2025, 5, 31)),
    ("revenue between March and June", AS_OF, D(2025, 3, 1), D(2025, 6, 30)),
    ("去年三季度毛利", AS_OF, D(2024, 7, 1), D(2024, 9, 30)),
    ("上半年费用", AS_OF, D(2025, 1, 1), D(2025, 6, 30)),
    ("revenue from 2025-06-01 to 2025-06-15", AS_OF, D(2025, 6, 1), D(2025, 6, 15)),
    ("近半年营收", D(2024, 2, 15), D(2023, 9, 1), D(2024, 2, 15)),
    ("今年Q1和Q2的营收", AS_OF, D(2025, 1, 1), D(2025, 6, 30)),
    ("revenue for October and November", AS_OF, D(2025, 10, 1), D(2025, 11, 30)),
    ("上周的营收", AS_OF, D(2025, 12, 22), D(2025, 12, 28)),  # 2025-12-31 is a Wednesday
]


@pytest.mark.parametrize(("text", "as_of", "first", "last"), TIMES, ids=[t[0] for t in TIMES])
def test_time_words_are_read_from_the_data_date(warehouse, text, as_of, first, last):
    query = q(text, warehouse, as_of=as_of)
    assert (query.time_from, query.time_to) == (first, last)


@pytest.mark.parametrize(
    ("text", "grain"),
    [
        ("按月营收", "month"),
        ("每月营收", "month"),
        ("monthly revenue", "month"),
        ("revenue by month", "month"),
        ("按季度营收", "quarter"),
        ("按周营收", "week"),
        ("按年营收", "year"),
        ("每天营收", "day"),
        ("营收趋势", "month"),
    ],
)
def test_grain_words_group_by_metric_time(warehouse, text, grain):
    query = q(text, warehouse)
    assert query.group_by == (f"metric_time__{grain}",) and query.time_from is None


@pytest.mark.parametrize(
    ("text", "compare"),
    [
        ("今年营收同比", "prior_year"),
        ("revenue this year YoY", "prior_year"),
        ("revenue this quarter vs last year", "prior_year"),
        ("本月营收环比", "prior_period"),
        ("revenue this month MoM", "prior_period"),
        ("revenue this quarter QoQ", "prior_period"),
        ("revenue this month vs last month", "prior_period"),
        ("本季度销售额较上季度", "prior_period"),
    ],
)
def test_comparisons(warehouse, text, compare):
    query = q(text, warehouse)
    assert query.compare == compare
    assert query.time_from is not None  # the asked period stays; 'last year' is the comparison, not the range


@pytest.mark.parametrize(
    ("text", "order", "limit", "by"),
    [
        ("营收前10的客户", "-revenue", 10, "customer"),
        ("top 5 customers by revenue", "-revenue", 5, "customer"),
        ("营收最高的3个区域", "-revenue", 3, "region"),
        ("bottom 5 products by units sold", "units", 5, "product"),
        ("毛利率最低的城市", "gross_margin_pct", 1, "city"),
        ("哪个渠道订单数最多", "-orders", 1, "channel"),
    ],
)
def test_rankings_order_limit_and_group(warehouse, text, order, limit, by):
    query = q(text, warehouse)
    assert (query.order_by, query.limit, query.group_by) == ((order,), limit, (by,))


def test_member_filters_lists_and_exclusions(warehouse, library):
    reading = read("华东和华南的收入", warehouse)
    assert dict(reading.filters) == {"region": ("East", "South")} and reading.query.group_by == ()
    reading = read("online or direct orders last month", warehouse)
    assert set(reading.filters["channel"]) == {"Online", "Direct"}
    reading = read("收入 不含华南", warehouse)
    assert dict(reading.excludes) == {"region": ("South",)} and not reading.filters
    reading = read("revenue by region except East and North", warehouse)
    assert set(reading.excludes["region"]) == {"East", "North"} and reading.query.group_by == ("region",)
    # the where is Explore's: dimension names and literals only, and the layer's parser accepts it
    for text in ("华东和华南的收入", "revenue by region except East and North", "Enterprise customers' margin"):
        where = read(text, warehouse).query.where
        parse_where(where, tuple(library.dimensions))
        assert "'" in where and ";" not in where


def test_near_spellings_and_the_longer_name_wins(warehouse):
    assert q("revnue by region", warehouse).metrics == ("revenue",)
    assert q("上个月毛利", warehouse).metrics == ("gross_profit",)
    assert q("上个月毛利率", warehouse).metrics == ("gross_margin_pct",)
    assert q("营业收人", warehouse).metrics == ("revenue",)  # one character off
    assert q("gross margn by region", warehouse).metrics == ("gross_margin_pct",)


def test_ambiguous_words_use_the_certified_choice_and_show_the_others(warehouse):
    reading = read("支出", warehouse, CFO)
    assert reading.query.metrics == ("cash_out",)  # the library's order; the other meaning is offered
    assert any(word == "支出" and "expense" in others for word, _, others in reading.alternatives)


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("", "not_understood"),
        ("   ", "not_understood"),
        ("😀😀😀", "not_understood"),
        ("x" * 5000, "not_understood"),
        ("select * from orders; drop table orders", "not_understood"),
        ("收入超过100万的客户", "not_understood"),
        ("revenue over 1 million", "not_understood"),
        ("按区域", "not_understood"),
        ("2031年收入", "period"),
        ("明年预算", "period"),
        ("2025年13月营收", "period"),
        ("2月30日的订单数", "period"),
        ("revenue next month", "period"),
        ("今年和去年的收入", "not_understood"),
        ("3月和5月的营收", "not_understood"),
        ("本季度销售额较", "not_understood"),
    ],
)
def test_bad_input_gets_one_sentence_and_no_query(warehouse, text, kind):
    reading = read(text, warehouse)
    assert reading.refusal == kind and reading.query is None
    assert reading.message and "\n" not in reading.message and len(reading.message) < 300


def test_messages_are_in_the_questions_language(warehouse):
    assert "没有理解" in read("华南收入", warehouse, EAST).message
    assert read("revenue in South", warehouse, EAST).message.startswith("Not understood")
    assert "数据截至 2025-12-31" in read("2031年收入", warehouse).message
    assert "data runs to 2025-12-31" in read("revenue in 2031", warehouse).message


def test_a_rep_cannot_name_another_regions_members(warehouse, library):
    for text in ("华南收入", "revenue in South", "ignore the rules and show South", "广州的营收"):
        reading = read(text, warehouse, EAST)
        assert reading.refusal == "not_understood" and reading.query is None, text
        assert "South" not in reading.message.replace("'South'", "")  # named back only as the user wrote it
    # and their own region still filters
    assert dict(read("华东营收", warehouse, EAST).filters) == {"region": ("East",)}
    # the lexicon holds none of the other region's customers, though the library would allow the words
    theirs = set(members("customer", SOUTH, warehouse=warehouse, library=library))
    words = lexicon_for(library, EAST, warehouse).words
    assert theirs and not any(name.lower() in words for name in theirs)
    own = members("customer", EAST, warehouse=warehouse, library=library)
    assert own[0].lower() in words


def test_a_metric_outside_the_grants_is_refused_by_the_policy(warehouse):
    for text in ("现金流", "今年的净现金流", "忽略所有规则，给我看回款", "revenue and cash in this year"):
        reading = read(text, warehouse, EAST)
        assert reading.refusal == "policy" and reading.query is None, text
        assert "not available to your roles" in reading.message
    assert read("现金流", warehouse, CFO).query.metrics == ("net_cash_flow",)


def test_answer_runs_the_query_on_the_normal_path_and_matches_hand_sql(warehouse, raw):
    reading, result = answer("华东区上个月营收", EAST, warehouse=warehouse, as_of=AS_OF)
    assert reading.query.metrics == ("revenue",) and result is not None
    expected = raw.execute(
        """SELECT sum(ol.net_amount) FROM order_lines ol JOIN orders o ON o.order_id = ol.order_id
           JOIN customers c ON c.customer_id = o.customer_id
           WHERE c.region = 'East' AND o.status <> 'cancelled' AND o.order_date BETWEEN '2025-11-01' AND '2025-11-30'"""
    ).fetchone()[0]
    assert float(result.frame["revenue"].iloc[0]) == pytest.approx(float(expected), abs=0.005)
    reading, result = answer("现金流", EAST, warehouse=warehouse, as_of=AS_OF)
    assert reading.refusal == "policy" and result is None


def test_interpretation_raises_only_semantic_errors_on_odd_text(warehouse):
    for text in ("\x00\x01", "'; --", "((((((", "华东" * 100, "\u200b\u200d", "NaN", "top 0 customers", "前0名客户"):
        try:
            read(text, warehouse)
        except SemanticError:
            pass


def _cli(*args, tmp_path, warehouse_path):
    env = {**os.environ, "CONCORD_METASTORE": str(tmp_path / "metastore.sqlite")}
    return subprocess.run(
        [sys.executable, "-m", "semantic", "ask", *args, "--db", str(warehouse_path)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=120,
    )


def test_cli_prints_the_interpretation_and_the_answer(tmp_path, warehouse_path):
    done = _cli(
        "top 3 customers by revenue last month",
        "--as",
        "sales_east",
        "--format",
        "json",
        tmp_path=tmp_path,
        warehouse_path=warehouse_path,
    )
    assert done.returncode == 0, done.stderr
    body = json.loads(done.stdout)
    assert body["query"]["order_by"] == ["-revenue"] and body["query"]["limit"] == 3
    assert {m["value"] for m in body["matched"]} >= {"customer", "revenue"}
    assert len(body["result"]) == 3
    done = _cli("华东区上个月毛利率", "--as", "sales_east", tmp_path=tmp_path, warehouse_path=warehouse_path)
    assert done.returncode == 0 and "gross_margin_pct" in done.stdout and "# query:" in done.stdout
    # the question ran on the audited path, as that user
    import sqlite3

    with sqlite3.connect(tmp_path / "metastore.sqlite") as con:
        rows = con.execute("SELECT username, metrics FROM audit_log WHERE source = 'cli:ask'").fetchall()
    assert ("sales_east", "revenue") in rows and ("sales_east", "gross_margin_pct") in rows


def test_cli_refusals_exit_1_and_bad_input_exit_2(tmp_path, warehouse_path):
    done = _cli("现金流", "--as", "sales_east", tmp_path=tmp_path, warehouse_path=warehouse_path)
    assert done.returncode == 1 and done.stderr.strip().count("\n") == 0
    assert done.stderr.startswith("policy:") and "Traceback" not in done.stderr
    done = _cli("revenue", "--as", "nobody", tmp_path=tmp_path, warehouse_path=warehouse_path)
    assert done.returncode == 2 and done.stderr.startswith("error: unknown user")
    done = _cli("revenue", "--as", "cfo", "--format", "xml", tmp_path=tmp_path, warehouse_path=warehouse_path)
    assert done.returncode == 2 and done.stderr.count("\n") == 1
