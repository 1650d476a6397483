"""Login for the Streamlit app. require_login() returns the signed-in Principal
or stops the page at the login form.

- The form's password is checked by auth.signin.attempt: throttle first, then
  the accounts file as it is now.
- After a successful login the browser is sent to our cookie route with a
  one-time ticket (auth/routes.py), which sets the signed sign-in cookie as
  HttpOnly + SameSite=Strict and returns to the page the user was on; every
  new session (reload, new tab) signs in from that cookie, read server-side
  from the request (st.context.cookies).
- A logout voids, on the server, every cookie of that user issued before it,
  and ends every live session of that user at its next rerun; so does
  disabling the account."""

from __future__ import annotations

import datetime as dt
import json
import time
from urllib.parse import urlencode, urlparse
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import streamlit as st

from auth import audit, routes, signin, tickets
from auth.accounts import AccountError, load_users
from auth.cookie import COOKIE_DAYS, COOKIE_NAME, CookieKeyError, cookie_key, read_token
from auth.messages import say
from semantic.principal import Principal

SIGNED_IN_AT = "_concord_signed_in_at"  # when this browser session signed in (UTC)
LOGGED_OUT = "_concord_logged_out"  # this browser session ignores the cookie until the next login
GO = "_concord_go"  # a path of ours the browser is sent to in the next run (the cookie routes)
AUTH_KEYS = ("authentication_status", "username", "name", "roles", SIGNED_IN_AT)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _signed_in() -> Principal | None:
    """This session's principal, re-checked on every rerun: a disabled account, or
    a logout of that user (in any browser) after this session signed in, ends it."""
    username = st.session_state.get("username")
    if not st.session_state.get("authentication_status") or not username:
        return None
    user = load_users().get(username)
    since = st.session_state.get(SIGNED_IN_AT)
    if user is None or user.disabled or session_ended(username, since):
        end_session()
        return None
    return user.principal()


def session_ended(username: str, signed_in_at: dt.datetime | None) -> bool:
    """True when the user logged out (anywhere) at or after this session signed in."""
    if signed_in_at is None:
        return True
    logged_out = audit.last_logout(username)
    return logged_out is not None and logged_out >= signed_in_at


def end_session() -> None:
    """Forget everything this browser session knew (its pages' state too)."""
    for key in list(st.session_state.keys()):
        del st.session_state[key]


def require_login(lang: str = "en", before_form=None) -> Principal:
    """The signed-in principal; otherwise the login form and st.stop().
    `before_form` runs first when the form is shown (app.py registers its pages
    there, hidden, so the URL's page and query survive the login)."""
    principal = current_principal(lang)
    if principal is not None:
        return principal
    if before_form is not None:
        before_form()
    _form(lang)
    st.stop()


def current_principal(lang: str = "en") -> Principal | None:
    """Who is signed in, from this session or a valid signed cookie; None if nobody."""
    audit.install()
    try:
        key = cookie_key()
    except CookieKeyError as err:
        st.error(say("bad_key", lang, message=str(err)))
        st.stop()
    go = st.session_state.pop(GO, None)
    if go:  # rendered in this run, so it reaches the browser
        _send_browser_to(go, lang)
    try:
        principal = _signed_in()
        if principal is None and not st.session_state.get(LOGGED_OUT) and not go:
            _sign_in_from_cookie(key)
            principal = _signed_in()
    except AccountError as err:
        st.error(str(err))
        st.stop()
    return principal


def _sign_in_from_cookie(key: str) -> None:
    """A valid signed cookie signs this session in. It is read from the request
    (st.context.cookies), without any cookie component: that component's first
    value reruns the script before the page is known, and a link opened in a new
    tab landed on Home instead of its page."""
    token = read_token(st.context.cookies.get(COOKIE_NAME), key)
    if token is None or cookie_revoked(token):
        return
    user = load_users().get(str(token.get("username")))
    if user is None or user.disabled:
        return
    _start_session(user)
    audit.record_login(user.username, "login_cookie")  # a new browser session, signed in by its cookie


def _start_session(user) -> None:
    st.session_state.update(
        {
            "authentication_status": True,
            "username": user.username,
            "name": user.name,
            "roles": list(user.roles),
            SIGNED_IN_AT: _now(),
        }
    )
    st.session_state.pop(LOGGED_OUT, None)


def cookie_revoked(token: dict) -> bool:
    """A signed cookie stays valid until it expires, and the browser may keep a
    copy (another tab, a stolen one); so a logout voids, on the server, every
    cookie of that user issued before it."""
    try:
        issued = dt.datetime.fromtimestamp(float(token["exp_date"]) - COOKIE_DAYS * 86400, dt.UTC)
        logged_out = audit.last_logout(str(token["username"]))
    except (KeyError, TypeError, ValueError):
        return True
    return logged_out is not None and issued <= logged_out


def _send_browser_to(path: str, lang: str) -> None:
    """Navigate the browser to one of our own routes. `path` is built here from
    a route constant and a random URL-safe ticket: no user text."""
    st.html(f"<script>window.location.replace({json.dumps(path)});</script>", unsafe_allow_javascript=True)
    st.caption(say("redirecting", lang))


def _here() -> str:
    """The page and query the user is on, to return to after the cookie is set."""
    path = urlparse(st.context.url or "/").path or "/"
    query = [(k, v) for k in st.query_params for v in st.query_params.get_all(k)]
    return tickets.safe_next(path + (f"?{urlencode(query)}" if query else ""))


def client_address() -> str:
    peer, forwarded = st.context.ip_address, st.context.headers.get("X-Forwarded-For")
    return signin.client_address(
        peer if isinstance(peer, str) else None,
        forwarded if isinstance(forwarded, str) else None,
        signin.trusted_proxies(),
    )


def local_time(moment: dt.datetime) -> str:
    """The time in the browser's time zone (the server's when the browser did not say)."""
    try:
        zone = ZoneInfo(st.context.timezone) if st.context.timezone else None
    except (ZoneInfoNotFoundError, ValueError):
        zone = None
    local = moment.astimezone(zone) if zone else moment.astimezone()
    return (
        local.strftime("%H:%M:%S")
        if local.date() == dt.datetime.now(local.tzinfo).date()
        else local.strftime("%Y-%m-%d %H:%M:%S")
    )


def _form(lang: str) -> None:
    _, middle, _ = st.columns([1, 2, 1])
    with middle:
        st.title(say("title", lang))
        st.caption(say("tagline", lang))
        with st.form("concord_login"):
            username = st.text_input(say("username", lang), key="login_username").strip().lower()
            password = st.text_input(say("password", lang), type="password", key="login_password")
            submitted = st.form_submit_button(say("submit", lang), type="primary")
        if not submitted:
            return
        if not username or not password:
            st.error(say("empty", lang))
            return
        try:
            outcome = signin.attempt(username, password, client_address())
        except AccountError as err:
            st.error(str(err))
            return
        if outcome.user is not None:
            if not routes.installed():
                st.error(say("no_routes", lang))
                return
            _send_browser_to(f"{routes.SESSION_PATH}?ticket={tickets.issue(username, 'login', _here())}", lang)
        elif outcome.until is not None:
            st.error(say("slowed", lang, user=username, until=local_time(outcome.until)))
        else:
            time.sleep(0.3)
            st.error(say("wrong", lang))


def logout_button(lang: str = "en") -> None:
    if st.button(say("logout", lang), key="logout", width="stretch"):
        username = st.session_state.get("username") or "?"
        # every cookie issued before now is void, and every live session of this user ends at its next rerun
        audit.record_login(username, "logout")
        end_session()
        st.session_state[LOGGED_OUT] = True
        if routes.installed():  # the browser clears its HttpOnly cookie through our route
            st.session_state[GO] = f"{routes.LOGOUT_PATH}?ticket={tickets.issue(username, 'logout')}"
        st.rerun()
