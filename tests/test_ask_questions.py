"""Exact-match accuracy of the Ask interpreter on the hand-written question set (tests/ask/questions.yml).

Every question is interpreted as its user against the test warehouse at the set's data date; the
interpretation matches when its Query (metrics in order, group_by as a set, where/exclude as sets per
dimension, from, to, compare, order_by, limit) equals the expectation, or when the expected refusal
kind is the one given. The test fails below 95% and prints every miss.

    python -m pytest -q -p no:xdist tests/test_ask_questions.py -s     # the accuracy and every miss
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import yaml

from semantic.ask import interpret
from semantic.principal import Principal

QUESTIONS = Path(__file__).resolve().parent / "ask" / "questions.yml"
USERS = Path(__file__).resolve().parents[1] / "auth" / "users.yaml"
TARGET = 0.95


def principals() -> dict[str, Principal]:
    users = yaml.safe_load(USERS.read_text(encoding="utf-8"))["users"]
    return {name: Principal(name, tuple(u["roles"]), u.get("attributes") or {}) for name, u in users.items()}


def expected(case: dict) -> dict:
    e = case.get("expect") or {}
    return {
        "metrics": list(e.get("metrics") or []),
        "group_by": set(e.get("group_by") or []),
        "where": {d: set(v) for d, v in (e.get("where") or {}).items()},
        "exclude": {d: set(v) for d, v in (e.get("exclude") or {}).items()},
        "from": _date(e.get("from")),
        "to": _date(e.get("to")),
        "compare": e.get("compare"),
        "order_by": list(e.get("order_by") or []),
        "limit": e.get("limit"),
    }


def _date(value):
    return dt.date.fromisoformat(str(value)) if value is not None else None


def got(reading) -> dict | str:
    if reading.refused:
        return f"refuse: {reading.refusal}"
    q = reading.query
    return {
        "metrics": list(q.metrics),
        "group_by": set(q.group_by),
        "where": {d: set(v) for d, v in reading.filters.items()},
        "exclude": {d: set(v) for d, v in reading.excludes.items()},
        "from": q.time_from,
        "to": q.time_to,
        "compare": q.compare,
        "order_by": list(q.order_by),
        "limit": q.limit,
    }


def score(cases: list[dict], warehouse, as_of: dt.date) -> tuple[int, list[str]]:
    """(questions matched, one line per miss)."""
    people = principals()
    right, misses = 0, []
    for case in cases:
        reading = interpret(str(case["q"]), people[case["user"]], warehouse=warehouse, as_of=as_of)
        want = f"refuse: {case['refuse']}" if case.get("refuse") else expected(case)
        have = got(reading)
        if have == want:
            right += 1
            continue
        if isinstance(want, dict) and isinstance(have, dict):
            diff = {k: (want[k], have[k]) for k in want if want[k] != have[k]}
            why = "; ".join(f"{k}: want {w!r} got {h!r}" for k, (w, h) in diff.items())
        else:
            why = f"want {want if isinstance(want, str) else 'a query'}, got {have if isinstance(have, str) else 'a query'}"
            if reading.refused:
                why += f" ({reading.message})"
        misses.append(f"{case['user']}: {case['q']!r}: {why}")
    return right, misses


def test_accuracy_on_the_question_set(warehouse):
    if not QUESTIONS.is_file():
        pytest.skip(f"{QUESTIONS.relative_to(QUESTIONS.parents[2])} is not on this branch (the lead merges the set)")
    data = yaml.safe_load(QUESTIONS.read_text(encoding="utf-8"))
    cases = data["questions"]
    right, misses = score(cases, warehouse, _date(data.get("as_of")))
    accuracy = right / len(cases)
    print(f"\nAsk accuracy: {right}/{len(cases)} = {accuracy:.1%}")
    for miss in misses:
        print("MISS " + miss)
    assert accuracy >= TARGET, f"accuracy {accuracy:.1%} is below {TARGET:.0%}; {len(misses)} misses:\n" + "\n".join(
        misses
    )
