"""The login form and browser sessions: the password is checked against the
accounts file as it is now (finding 7); a logout or a disable ends every live
session of that user at its next rerun (finding 11); the HttpOnly cookie is set
and cleared only by our routes, with one-time tickets (finding 1)."""

from __future__ import annotations

import datetime as dt

import pytest
from starlette.requests import Request
from streamlit.testing.v1 import AppTest

from auth import accounts, audit, routes, tickets
from auth.cookie import COOKIE_NAME, cookie_key, read_token
from auth.login import SIGNED_IN_AT
from data import metastore
from tests.test_auth import DEMO_PASSWORDS

METASTORE_BACKENDS = ("sqlite", "postgres")  # every test using metastore_file runs on both


def login_page():
    import streamlit as st

    from auth.login import logout_button, require_login

    principal = require_login()
    st.markdown(f"signed in as {principal.username}")
    logout_button()


@pytest.fixture
def app_test(metastore_file, users_file, monkeypatch):
    monkeypatch.setenv("CONCORD_COOKIE_KEY", "x" * 8 + "-test-cookie-key-0123456789abcdefgh")
    monkeypatch.setattr(routes, "_installed", True)  # as under serve.py
    return AppTest.from_function(login_page, default_timeout=30)


def submit(at: AppTest, username: str, password: str) -> AppTest:
    at.text_input(key="login_username").input(username)
    at.text_input(key="login_password").input(password)
    at.button[0].click()
    return at.run()


def texts(at: AppTest) -> str:
    return " ".join(m.value for m in at.markdown)


def login_tickets(username: str) -> int:
    with metastore.session() as con:
        return con.execute(
            "SELECT count(*) FROM login_tickets WHERE username = ? AND purpose = 'login'", (username,)
        ).fetchone()[0]


def test_an_open_login_tab_refuses_the_old_password_after_set_password(app_test):
    at = app_test.run()  # the login tab is open before the password changes
    assert at.text_input(key="login_username") is not None
    accounts.update_user("cfo", password=accounts.hash_password("brand-new-secret-1"))
    submit(at, "cfo", DEMO_PASSWORDS["cfo"])
    assert [e.value for e in at.error] == ["Wrong username or password."]
    assert login_tickets("cfo") == 0 and "signed in as" not in texts(at)
    submit(at, "cfo", "brand-new-secret-1")
    assert not at.error and login_tickets("cfo") == 1  # on its way to the cookie route


def test_a_disabled_account_cannot_sign_in_from_an_open_tab(app_test):
    at = app_test.run()
    accounts.update_user("cfo", disabled=True)
    submit(at, "cfo", DEMO_PASSWORDS["cfo"])
    assert [e.value for e in at.error] == ["Wrong username or password."] and login_tickets("cfo") == 0


def test_without_the_cookie_route_the_form_says_how_to_start_the_app(app_test, monkeypatch):
    monkeypatch.setattr(routes, "_installed", False)
    at = submit(app_test.run(), "cfo", DEMO_PASSWORDS["cfo"])
    assert "streamlit run serve.py" in at.error[0].value


def signed_in(app_test, username: str, at_time: dt.datetime | None = None) -> AppTest:
    app_test.session_state["authentication_status"] = True
    app_test.session_state["username"] = username
    app_test.session_state[SIGNED_IN_AT] = at_time or dt.datetime.now(dt.UTC)
    at = app_test.run()
    assert f"signed in as {username}" in texts(at)
    return at


def test_a_logout_elsewhere_ends_this_live_session_at_its_next_rerun(app_test):
    at = signed_in(app_test, "cfo")
    audit.record_login("ceo", "logout")  # another user's logout changes nothing
    assert "signed in as cfo" in texts(at.run())
    audit.record_login("cfo", "logout")  # the cfo logs out in another browser
    at.run()
    assert "signed in as" not in texts(at) and at.text_input(key="login_username") is not None


def test_a_session_signed_in_after_the_logout_stays(app_test):
    audit.record_login("cfo", "logout")
    at = signed_in(app_test, "cfo", dt.datetime.now(dt.UTC) + dt.timedelta(seconds=1))
    assert "signed in as cfo" in texts(at.run())


def test_disabling_a_user_ends_their_live_session(app_test):
    at = signed_in(app_test, "sales_east")
    accounts.update_user("sales_east", disabled=True)
    assert "signed in as" not in texts(at.run())


def test_logout_records_the_logout_and_sends_the_browser_to_clear_its_cookie(app_test):
    at = signed_in(app_test, "cfo")
    at.button(key="logout").click()
    at.run()
    assert audit.read_events(username="cfo")[0]["kind"] == "logout"
    assert at.text_input(key="login_username") is not None
    with metastore.session() as con:
        assert con.execute("SELECT count(*) FROM login_tickets WHERE purpose = 'logout'").fetchone()[0] == 1


# ---- tickets and the cookie routes ----------------------------------------------
def request(path: str, query: str, headers: dict | None = None, scheme: str = "http") -> Request:
    return Request(
        {
            "type": "http",
            "method": "GET",
            "path": path,
            "query_string": query.encode(),
            "scheme": scheme,
            "headers": [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()],
            "server": ("concord.example", 80),
            "client": ("203.0.113.7", 5000),
        }
    )


def test_a_ticket_is_single_use_short_lived_and_for_one_purpose(metastore_file):
    raw = tickets.issue("cfo", "login", "/explore?m=revenue")
    assert tickets.redeem(raw, "logout") is None
    assert tickets.redeem(raw, "login") == tickets.Ticket("cfo", "/explore?m=revenue")
    assert tickets.redeem(raw, "login") is None  # used
    late = tickets.issue("cfo", "login")
    assert tickets.redeem(late, "login", now=lambda: dt.datetime.now(dt.UTC) + dt.timedelta(seconds=61)) is None
    with metastore.session() as con:  # stored hashed only
        assert not con.execute("SELECT count(*) FROM login_tickets WHERE digest = ?", (raw,)).fetchone()[0]


@pytest.mark.parametrize("path", ["//evil.example/x", "https://evil.example", "/\\evil.example", "explore", "/a\nb"])
def test_a_ticket_only_returns_to_a_path_on_this_site(path):
    assert tickets.safe_next(path) == "/"


def cookie_header(response) -> str:
    return "; ".join(v.decode() for k, v in response.raw_headers if k == b"set-cookie")


def test_the_session_route_sets_an_httponly_strict_cookie_and_returns_to_the_page(
    metastore_file, users_file, monkeypatch
):
    monkeypatch.setenv("CONCORD_COOKIE_KEY", "x" * 8 + "-test-cookie-key-0123456789abcdefgh")
    raw = tickets.issue("cfo", "login", "/explore?m=revenue&by=region")
    response = routes.enter(request(routes.SESSION_PATH, f"ticket={raw}"))
    assert response.status_code == 303 and response.headers["location"] == "/explore?m=revenue&by=region"
    header = cookie_header(response)
    assert "HttpOnly" in header and "SameSite=strict" in header and "Path=/" in header
    assert "Max-Age=86400" in header and "Secure" not in header  # plain http: a Secure cookie would never come back
    value = header.split(f"{COOKIE_NAME}=")[1].split(";")[0]
    assert read_token(value, cookie_key())["username"] == "cfo"
    replay = routes.enter(request(routes.SESSION_PATH, f"ticket={raw}"))
    assert replay.headers["location"] == "/" and not cookie_header(replay)  # a ticket works once
    tls = routes.enter(
        request(routes.SESSION_PATH, f"ticket={tickets.issue('cfo', 'login')}", {"X-Forwarded-Proto": "https"})
    )
    assert "Secure" in cookie_header(tls)


def test_the_session_route_refuses_a_disabled_user(metastore_file, users_file):
    raw = tickets.issue("cfo", "login")
    accounts.update_user("cfo", disabled=True)
    assert not cookie_header(routes.enter(request(routes.SESSION_PATH, f"ticket={raw}")))


def test_the_logout_route_clears_the_cookie_only_with_a_logout_ticket(metastore_file):
    assert not cookie_header(routes.leave(request(routes.LOGOUT_PATH, "ticket=made-up")))
    response = routes.leave(request(routes.LOGOUT_PATH, f"ticket={tickets.issue('cfo', 'logout')}", scheme="https"))
    header = cookie_header(response)
    assert f'{COOKIE_NAME}=""' in header and "Max-Age=0" in header and "HttpOnly" in header and "Secure" in header
