"""Property: whoever asks and whatever they type, the interpreted Query names only metrics, dimensions
and members inside the asker's grants and rows, and interpreting never raises anything but SemanticError.

Questions are built from random library words (metric and dimension labels and synonyms in both
languages, every member label, customer names of EVERY region), time, ranking and filler words and
random text; principals are the demo accounts."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from semantic import policy
from semantic.ask import interpret
from semantic.authorize import allowed
from semantic.compile.where import dimension_names, parse_text
from semantic.detail import members
from semantic.errors import SemanticError
from semantic.model.library import split_time
from semantic.principal import Principal

PEOPLE = [
    Principal("ceo", ("exec",)),
    Principal("cfo", ("finance",)),
    Principal("sales_lead", ("sales_manager",)),
    Principal("sales_east", ("sales_rep",), {"region": "East"}),
    Principal("sales_south", ("sales_rep",), {"region": "South"}),
    Principal("admin", ("admin",)),
]
GLUE = [
    "的",
    "和",
    "不含",
    "except",
    "by",
    "按",
    "各",
    "top 5",
    "前3",
    "最高",
    "bottom 2",
    "上个月",
    "今年",
    "去年",
    "Q3",
    "同比",
    "vs last month",
    "按月",
    "weekly",
    "近12个月",
    "2031年",
    "and",
    "or",
    " ",
    "，",
    "?",
    "show me",
]


@pytest.fixture(scope="module")
def vocabulary(library, warehouse):
    words: list[str] = []
    for name, spec in library.metrics.items():
        words += [name, spec.label.en, spec.label.zh, *spec.synonyms.en, *spec.synonyms.zh]
    for name, spec in library.dimensions.items():
        words += [name, spec.label.en, spec.label.zh, *spec.synonyms.en, *spec.synonyms.zh]
        for key, label in spec.members.items():
            words += [key, label.en, label.zh]
    operator = Principal.operator()
    for dim in ("customer", "sales_rep", "city", "product"):
        words += members(dim, operator, warehouse=warehouse, library=library)[::7]  # every region's names
    return sorted(set(words))


@pytest.fixture(scope="module")
def rows(library, warehouse):
    """{username: {dimension: member keys the user may see}} from the layer, under each one's policy."""
    seen = {}
    for who in PEOPLE:
        access = policy.access_for(who, library)
        mine = {}
        for dim in library.dimensions:
            try:
                values = set(members(dim, who, warehouse=warehouse, library=library))
            except SemanticError:
                values = set()
            if access.row_filter is None:
                values |= set(library.dimensions[dim].members)
            mine[dim] = values
        seen[who.username] = (access, mine)
    return seen


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_an_interpreted_query_stays_inside_the_askers_grants_and_rows(data, vocabulary, rows, warehouse, library):
    who = data.draw(st.sampled_from(PEOPLE))
    parts = data.draw(
        st.lists(
            st.one_of(
                st.sampled_from(vocabulary), st.sampled_from(vocabulary), st.sampled_from(GLUE), st.text(max_size=4)
            ),
            min_size=1,
            max_size=6,
        )
    )
    text = data.draw(st.sampled_from([" ", "", "，"])).join(parts)
    try:
        reading = interpret(text, who, warehouse=warehouse, library=library, as_of=dt.date(2025, 12, 31))
    except SemanticError:
        return
    if reading.query is None:
        assert reading.refusal in ("policy", "not_understood", "period") and reading.message
        return
    access, mine = rows[who.username]
    query = reading.query
    assert set(query.metrics) <= access.metrics, text
    named = [split_time(g)[0] for g in query.group_by] + [o.lstrip("-") for o in query.order_by]
    if query.where:
        named += dimension_names(parse_text(query.where))
    for name in named:
        assert name in access.metrics or name == "metric_time" or name in access.dimensions, (text, name)
    for chosen in (reading.filters, reading.excludes):
        for dim, keys in chosen.items():
            assert set(keys) <= mine[dim], (text, who.username, dim, keys)
    assert allowed(who, "query", query, library)
