"""The hand-written Ask question set is valid: every expected Query is one the
layer accepts for its user (tests/ask/check_questions.py), and the checks
themselves catch a bad expectation."""

from __future__ import annotations

import copy

import pytest

from tests.ask.check_questions import check, load


@pytest.fixture(scope="module")
def data():
    return load()


def test_question_set_is_valid(data):
    problems, counts = check(data)
    assert problems == []
    assert counts["total"] >= 300
    assert counts["zh"] >= 120 and counts["en"] >= 120  # about half each


def test_question_set_covers_refusals(data):
    _, counts = check(data)
    assert counts["refuse:policy"] >= 8
    assert counts["refuse:not_understood"] >= 8
    assert counts["refuse:period"] >= 4


def _one(q, user, **expect):
    return {"as_of": load()["as_of"], "questions": [{"q": q, "user": user, "expect": expect}]}


@pytest.mark.parametrize(
    ("user", "expect", "says"),
    [
        ("ceo", {"metrics": ["revenu"]}, "unknown metric"),
        ("ceo", {"metrics": ["revenue"], "where": {"region": ["华东"]}}, "not a member key"),
        ("ceo", {"metrics": ["expense"], "group_by": ["channel"]}, "does not apply"),
        ("sales_east", {"metrics": ["cash_in"]}, "policy refuses"),
        ("sales_east", {"metrics": ["revenue"], "where": {"region": ["South"]}}, "must be refused"),
        ("ceo", {"metrics": ["revenue"], "from": "2025-02-30", "to": "2025-03-01"}, "not a YYYY-MM-DD"),
        ("ceo", {"metrics": ["revenue"], "from": load()["as_of"], "to": load()["as_of"].replace(day=1)}, "after"),
        ("ceo", {"metrics": ["revenue"], "compare": "prior_year"}, "compare needs"),
        ("ceo", {"metrics": ["revenue"], "order_by": ["-orders"]}, "order_by"),
        ("ceo", {"metrics": ["revenue"], "group_by": ["metric_time__decade"]}, "grain"),
    ],
)
def test_checks_catch_a_bad_expectation(user, expect, says):
    problems, _ = check(_one("q", user, **expect))
    assert problems and says in problems[0]


def test_checks_catch_duplicates_and_unknown_users():
    data = _one("营收", "ceo", metrics=["revenue"])
    data["questions"].append(copy.deepcopy(data["questions"][0]))
    data["questions"][1]["q"] = " 营收 "
    data["questions"].append({"q": "x", "user": "nobody", "refuse": "policy"})
    data["questions"].append({"q": "y", "user": "ceo", "refuse": "because"})
    problems, _ = check(data)
    text = "\n".join(problems)
    assert "duplicate" in text and "unknown user" in text and "refuse must be" in text
