"""Each page under Streamlit's AppTest, per role: what is listed is exactly what
is granted, refusals carry the policy's message, and no page raises."""

from __future__ import annotations

import dataclasses
import re

import pytest
from streamlit.testing.v1 import AppTest

from boards import pins, store, tokens
from boards.store import Board, Rule, Tile
from data import metastore
from semantic import Principal, Query, default_library
from semantic.policy import access_for, visible_metrics
from ui.safe import plain

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
    names = {t.value["Name in links and exports"].iloc[0] for t in at.table}  # each metric's table names it
    assert len(at.expander) == len(names) and names == granted(user)


def test_a_forbidden_metric_in_the_url_gives_the_policy_message():
    at = open_view("explore", "sales_east", m="cash_in")
    said = "Cash in is not available to your roles (Sales rep); ask an administrator if you need it."
    assert [e.value for e in at.error] == [plain(said)]  # ui.messages: labels, no raw names


def test_the_home_rows_follow_the_role():
    assert [h.value for h in open_view("home", "sales_east").subheader] == ["Sales: margins"]
    assert [h.value for h in open_view("home", "cfo").subheader] == ["Finance: cash"]
    assert [h.value for h in open_view("home", "ceo").subheader] == ["Sales: margins", "Finance: cash"]


def test_a_hostile_filter_in_the_url_is_refused_with_a_message():
    at = open_view("explore", "ceo", m="revenue", by="region", grain="none", **{"f.region": "East') OR 1=1 --"})
    assert not at.exception
    # the value stays a value: no region has that name, so nothing matches and nothing breaks (and the page says so)
    from ui.i18n import text

    assert text("empty.no_rows", "en") in [i.value for i in at.info]


def test_no_view_file_shadows_a_top_level_package():
    """Streamlit puts a script's folder first on sys.path: views/boards.py once made
    `from boards import store` import the view itself (seen as an ImportError on Explore)."""
    packages = {p.parent.name for p in ROOT.glob("*/__init__.py")}
    views = {p.stem for p in (ROOT / "views").glob("*.py")}
    assert not views & packages, views & packages


# --- issue 18: boards pages under attack ---------------------------------------------------------------

HOSTILE = (
    "<iframe srcdoc=\"<script>parent.document.title='pwned'</script>\"></iframe><img src=x onerror=alert(1)>"
    "**bold** [phish](http://evil.example)"
)
HOSTILE_TILE = "![x](http://evil.example/x.png) <meta http-equiv=refresh content=0;url=http://evil.example>"


def hostile_board(owner: str = "ceo", **extra) -> Board:
    return store.save(
        Board(
            title=HOSTILE,
            owner=owner,
            sharing="everyone",
            description=HOSTILE_TILE + " [d](http://evil.example)",
            tiles=(
                Tile(Query(metrics=("revenue",)), title=HOSTILE_TILE),
                Tile(Query(metrics=("revenue",), group_by=("region",)), title="By region"),
            ),
            **extra,
        ),
        USERS[owner],
    )


def shown_texts(at: AppTest) -> list[tuple[str, str, bool]]:
    """(element type, text, runs HTML) for everything the page shows as Markdown or HTML, and as text."""
    out = []

    def walk(node):
        proto = getattr(node, "proto", None)
        kind = getattr(node, "type", "")
        if proto is not None:
            for name in ("body", "label", "help", "placeholder"):
                value = getattr(proto, name, None)
                if isinstance(value, str) and value:
                    out.append((kind, value, bool(getattr(proto, "allow_html", False)) or kind == "html"))
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(at._tree)
    return out


def live_markup(text: str) -> str:
    """What of `text` a Markdown renderer still reads as markup: the text minus backslash-escaped characters."""
    return re.sub(r"\\.", "", text)


def assert_user_text_is_inert(at: AppTest, title_as_text: bool = True) -> None:
    assert not at.exception, [e.value for e in at.exception]
    seen = shown_texts(at)
    assert not title_as_text or any(kind == "text" and value == HOSTILE for kind, value, _ in seen)  # as typed
    for kind, value, html in seen:
        if "evil.example" not in value and "iframe" not in value:
            continue
        assert kind == "text" or not html, (kind, value)
        if kind != "text":  # Markdown: every character of the user's text escaped
            left = live_markup(value)
            for markup in ("<iframe", "<img", "<meta", "](", "![", "**bold**", "[phish]"):
                assert markup not in left, (kind, value)


def test_hostile_board_and_tile_titles_render_as_text_on_the_boards_page(metastore_file):
    board = hostile_board()
    at = open_view("boards_page", "ceo", id=str(board.id))
    assert_user_text_is_inert(at, title_as_text=False)  # the title is the picker's option (plain text)
    assert at.selectbox[0].options[0].startswith(HOSTILE)
    assert any(v == HOSTILE_TILE for k, v, _ in shown_texts(at) if k == "text")


def test_hostile_title_on_the_office_screen_and_home_pin(metastore_file):
    board = hostile_board()
    token = tokens.create(board.id, "exec", USERS["ceo"])
    at = AppTest.from_string(
        f"from ui import kiosk\nkiosk.show({{'board': '{board.id}', 'kiosk': '1', 'token': '{token}'}}, None)\n",
        default_timeout=120,
    ).run()
    assert_user_text_is_inert(at)
    pins.pin("exec", board.id, USERS["ceo"])
    assert_user_text_is_inert(open_view("home", "ceo"), title_as_text=False)


def test_rendering_a_board_records_no_alert(metastore_file):
    """Alerts are evaluated on a schedule under a fixed principal, never by whoever views the board."""
    board = store.save(
        Board(
            title="Cash",
            owner="cfo",
            sharing="everyone",
            tiles=(
                Tile(Query(metrics=("cash_in",)), title="Cash in", rules=(Rule("cash_in", ">", -1e18, "critical"),)),
            ),
        ),
        USERS["cfo"],
    )
    at = open_view("boards_page", "cfo", id=str(board.id))
    assert not at.exception
    # the viewer sees the rule, by the metric's label; cash in above the threshold is good news (green)
    assert any(e.value.startswith("Cash in above") for e in at.success)
    with metastore.session() as con:
        assert con.execute("SELECT count(*) FROM alert_log").fetchone()[0] == 0


def editor_title(at: AppTest, board: Board):
    return next(t for t in at.text_input if t.label == "Title" and t.value in (board.title, "Mine"))


def save_button(at: AppTest):
    return next(b for b in at.button if b.label == "Save board")


def test_a_save_over_a_newer_version_is_refused_and_keeps_what_was_typed(metastore_file):
    cfo = USERS["cfo"]
    board = store.save(Board(title="Opened", owner="cfo", tiles=(Tile(Query(metrics=("revenue",)), title="R"),)), cfo)
    at = open_view("boards_page", "cfo", id=str(board.id))
    store.save(dataclasses.replace(store.get(board.id, cfo), title="From the other tab"), cfo)  # another tab saves
    at.run()  # any rerun (a click elsewhere) reloads the board; the editor must still hold the version it opened
    editor_title(at, board).set_value("Mine")
    save_button(at).click()
    at.run()
    assert not at.exception
    assert any("changed by someone else" in e.value for e in at.error), [e.value for e in at.error]
    assert next(t for t in at.text_input if t.label == "Title").value == "Mine"  # nothing typed is lost
    assert store.get(board.id, cfo).title == "From the other tab"
    # after an explicit reload the editor opens the stored version, and a save goes through
    next(b for b in at.button if b.label == "Discard my changes and reload the board").click()
    at.run()
    assert next(t for t in at.text_input if t.label == "Title").value == "From the other tab"
    next(t for t in at.text_input if t.label == "Title").set_value("Third")
    save_button(at).click()
    at.run()
    assert not at.error and store.get(board.id, cfo).title == "Third"


def test_the_editor_shows_and_saves_thresholds_exactly(metastore_file):
    cfo = USERS["cfo"]
    board = store.save(
        Board(
            title="AR",
            owner="cfo",
            tiles=(
                Tile(
                    Query(metrics=("ar_balance",)),
                    title="AR",
                    rules=(Rule("ar_balance", ">", 534949901.95, "critical"),),
                ),
            ),
        ),
        cfo,
    )
    at = open_view("boards_page", "cfo", id=str(board.id))
    rules = next(t for t in at.text_area if t.label.startswith("Alert rules"))
    assert rules.value == "ar_balance > 534949901.95 critical"
    save_button(at).click()
    at.run()
    assert not at.exception and not at.error
    assert store.get(board.id, cfo).tiles[0].rules[0].value == 534949901.95


@pytest.mark.parametrize("user,offered", [("sales_lead", ["Sales manager", "Sales rep"]), ("sales_east", None)])
def test_the_pin_control_offers_only_the_roles_the_policy_grants(metastore_file, user, offered):
    board = store.save(Board(title="Mine", owner=user, sharing="everyone"), USERS[user])
    at = open_view("boards_page", user, id=str(board.id))
    pins = [s for s in at.selectbox if s.label == "Pin on the home page of role"]
    if offered is None:
        assert not pins and any("may not pin" in c.value for c in at.caption)
    else:
        assert pins[0].options == offered  # role labels; no "None" choice (a placeholder instead)


def test_a_page_gets_at_most_page_rows_and_says_so(monkeypatch):
    from ui import context

    monkeypatch.setattr(context, "PAGE_ROWS", 3)
    at = open_view("explore", "ceo", m="revenue", by="region", grain="none")
    assert not at.exception
    assert any("Showing the first 3 rows only" in w.value and "download the full result" in w.value for w in at.warning)
    assert len(at.dataframe[0].value) == 3
    assert "3 rows" in " ".join(c.value for c in at.caption)


def test_a_tile_with_too_many_rows_says_so_instead_of_drawing(metastore_file, monkeypatch):
    from ui import tiles

    monkeypatch.setattr(tiles, "TILE_ROWS", 3)
    board = store.save(
        Board(
            title="Big",
            owner="ceo",
            tiles=(Tile(Query(metrics=("revenue",), group_by=("region",)), title="By region"),),
        ),
        USERS["ceo"],
    )
    at = open_view("boards_page", "ceo", id=str(board.id))
    assert not at.exception
    assert any("more than 3 rows" in i.value for i in at.info)
    assert not at.get("plotly_chart")


def test_home_rows_come_from_the_policy(monkeypatch):
    """Which rows Home shows is policies.yml's `home:` for the user's roles, not a table in the page."""
    from semantic import policy

    real = policy.access_for
    monkeypatch.setattr(
        policy, "access_for", lambda who, lib, *a: dataclasses.replace(real(who, lib, *a), home=("finance",))
    )
    assert [h.value for h in open_view("home", "ceo").subheader] == ["Finance: cash"]


@pytest.mark.parametrize(
    "params",
    [
        "{'board': '999', 'kiosk': '1'}",
        "{'board': 'abc', 'kiosk': '1'}",
        "{'board': '999', 'kiosk': '1', 'token': 'nope'}",
    ],
)
def test_a_bad_screen_link_is_one_line_not_a_traceback(metastore_file, params):
    at = AppTest.from_string(
        "from semantic import Principal\nfrom ui import kiosk\n"
        f"kiosk.show({params}, lambda: Principal('ceo', ('exec',)))\n",
        default_timeout=60,
    ).run()
    assert not at.exception, [e.value for e in at.exception]
    assert len(at.error) == 1 and at.error[0].value


def test_run_capped_cuts_and_says_so(warehouse):
    from ui.context import run_capped

    query = Query(metrics=("revenue",), group_by=("region",))
    cut = run_capped(query, USERS["ceo"], max_rows=2, source="test", where=warehouse)
    whole = run_capped(query, USERS["ceo"], max_rows=1000, source="test", where=warehouse)
    assert cut.truncated and len(cut.frame) == 2
    assert not whole.truncated and len(whole.frame) == 5
    assert whole.frame.head(2).equals(cut.frame)
