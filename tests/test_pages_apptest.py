"""Each page under Streamlit's AppTest, per role: what is listed is exactly what
is granted, refusals carry the policy's message, and no page raises."""
from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from semantic import Principal, default_library
from semantic.policy import access_for, visible_metrics

ROOT = __import__("pathlib").Path(__file__).resolve().parent.parent
USERS = {
    "ceo": Principal("ceo", ("exec",)),
    "cfo": Principal("cfo", ("finance",)),
    "sales_lead": Principal("sales_lead", ("sales_manager",)),
    "sales_east": Principal("sales_east", ("sales_rep",), {"region": "East"}),
    "admin": Principal("admin", ("admin",)),
}
FINANCE_VIEWS = ("budget", "cash", "reconciliation")


@pytest.fixture(autouse=True)
def _env(monkeypatch, warehouse_path, metastore_file):
    monkeypatch.setenv("CONCORD_WAREHOUSE", str(warehouse_path))


def open_view(name: str, user: str, **params) -> AppTest:
    at = AppTest.from_file(str(ROOT / "views" / f"{name}.py"), default_timeout=120)
    at.session_state["principal"] = USERS[user]
    for key, value in params.items():
        at.query_params[key] = value
    return at.run()


def granted(user: str) -> set[str]:
    lib = default_library()
    return set(visible_metrics(access_for(USERS[user], lib), lib))


@pytest.mark.parametrize("user", list(USERS))
@pytest.mark.parametrize("view", ["home", "explore", "catalog"] + list(FINANCE_VIEWS))
def test_every_view_renders_for_every_role_without_exceptions(view, user):
    at = open_view(view, user)
    assert not at.exception, [e.value for e in at.exception]
    errors = [e.value for e in at.error]
    if view in FINANCE_VIEWS and user in ("sales_lead", "sales_east"):
        assert errors and "your roles do not grant" in errors[0]
    else:
        assert not errors, errors


@pytest.mark.parametrize("user", list(USERS))
def test_explore_offers_exactly_the_granted_metrics(user):
    at = open_view("explore", user)
    offered = set(at.multiselect[0].options)
    labels = {default_library().metrics[m].label.en for m in granted(user)}
    assert offered == labels


@pytest.mark.parametrize("user", list(USERS))
def test_catalog_lists_exactly_the_granted_metrics(user):
    at = open_view("catalog", user)
    titles = [e.label for e in at.expander]
    names = {t.split("`")[1] for t in titles}
    assert names == granted(user)


def test_a_forbidden_metric_in_the_url_gives_the_policy_message():
    at = open_view("explore", "sales_east", m="cash_in")
    assert [e.value for e in at.error] == ["metric cash_in is not available to your roles: sales_rep."]


def test_the_home_rows_follow_the_role():
    assert [h.value for h in open_view("home", "sales_east").subheader] == ["Sales: margins"]
    assert [h.value for h in open_view("home", "cfo").subheader] == ["Finance: cash"]
    assert [h.value for h in open_view("home", "ceo").subheader] == ["Sales: margins", "Finance: cash"]


def test_a_hostile_filter_in_the_url_is_refused_with_a_message():
    at = open_view("explore", "ceo", m="revenue", by="region", grain="none",
                   **{"f.region": "East') OR 1=1 --"})
    assert not at.exception
    # the value stays a value: no region has that name, so nothing matches and nothing breaks
    assert "0 rows" in " ".join(c.value for c in at.caption)


def test_no_view_file_shadows_a_top_level_package():
    """Streamlit puts a script's folder first on sys.path: views/boards.py once made
    `from boards import store` import the view itself (seen as an ImportError on Explore)."""
    packages = {p.parent.name for p in ROOT.glob("*/__init__.py")}
    views = {p.stem for p in (ROOT / "views").glob("*.py")}
    assert not views & packages, views & packages
