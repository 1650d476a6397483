"""Login for the Streamlit app, with streamlit-authenticator for the signed
re-authentication cookie and bcrypt check, and our throttle checked before any
password is looked at. require_login() returns the signed-in Principal or
stops the page at the login form."""
from __future__ import annotations

import datetime as dt
import time

import jwt
import streamlit as st
import streamlit_authenticator as stauth

from auth import audit, throttle
from auth.accounts import load_users
from auth.cookie import CookieKeyError, cookie_key
from auth.messages import say
from semantic.principal import Principal

COOKIE_NAME = "concord_auth"
COOKIE_DAYS = 1
AUTHENTICATOR = "_concord_authenticator"
LOGGED_OUT = "_concord_logged_out"  # this browser session ignores the cookie until the next login
DELETE_COOKIE = "_concord_delete_cookie"


def _authenticator() -> stauth.Authenticate:
    if AUTHENTICATOR not in st.session_state:
        users = load_users()
        credentials = {"usernames": {
            u.username: {"name": u.name, "email": u.email or f"{u.username}@localhost", "password": u.password,
                         "roles": list(u.roles)}
            for u in users.values() if not u.disabled}}
        st.session_state[AUTHENTICATOR] = stauth.Authenticate(
            credentials, cookie_name=COOKIE_NAME, cookie_key=cookie_key(), cookie_expiry_days=COOKIE_DAYS, auto_hash=False,
            login_sleep_time=0.3)
    return st.session_state[AUTHENTICATOR]


def _signed_in() -> Principal | None:
    username = st.session_state.get("username")
    if not st.session_state.get("authentication_status") or not username:
        return None
    user = load_users().get(username)
    if user is None or user.disabled:  # disabled since signing in: out at the next click
        st.session_state["authentication_status"] = None
        return None
    return user.principal()


def require_login(lang: str = "en", before_form=None) -> Principal:
    """The signed-in principal; otherwise the login form and st.stop().
    `before_form` runs first when the form is shown (app.py registers its pages
    there, hidden, so the URL's page and query survive the login)."""
    principal = current_principal(lang)
    if principal is not None:
        return principal
    if before_form is not None:
        before_form()
    _form(_authenticator(), lang)
    st.stop()


def current_principal(lang: str = "en") -> Principal | None:
    """Who is signed in, from this session or a valid signed cookie; None if nobody."""
    audit.install()
    try:
        key = cookie_key()
    except CookieKeyError as err:
        st.error(say("bad_key", lang, message=str(err)))
        st.stop()
    if st.session_state.pop(DELETE_COOKIE, False):  # rendered in this run, so it reaches the browser
        _authenticator().cookie_controller.delete_cookie()
    principal = _signed_in()
    if principal is not None and st.session_state.pop("_concord_set_cookie", False):
        _authenticator().cookie_controller.set_cookie()  # rendered in this run, so it reaches the browser
    if principal is None and not st.session_state.get(LOGGED_OUT):
        _sign_in_from_cookie(key)
        principal = _signed_in()
    return principal


def _sign_in_from_cookie(key: str) -> None:
    """A valid signed cookie signs this session in. It is read from the request
    (st.context.cookies), without rendering the authenticator's cookie component:
    that component's first value reruns the script before the page is known, and
    a link opened in a new tab landed on Home instead of its page."""
    raw = st.context.cookies.get(COOKIE_NAME)
    if not raw:
        return
    try:
        token = jwt.decode(raw, key, algorithms=["HS256"])
    except jwt.PyJWTError:  # a stale or foreign cookie just means: show the form
        return
    if not isinstance(token, dict) or float(token.get("exp_date") or 0) <= time.time() or cookie_revoked(token):
        return
    user = load_users().get(str(token.get("username")))
    if user is None or user.disabled:
        return
    st.session_state.update({"authentication_status": True, "username": user.username, "name": user.name,
                             "roles": list(user.roles)})
    audit.record_login(user.username, "login_cookie")  # a new browser session, signed in by its cookie


def cookie_revoked(token: dict) -> bool:
    """A signed cookie stays valid until it expires, and deleting it in the browser
    happens later, in JavaScript; so a logout also voids, on the server, every cookie
    of that user issued before it (also one still in another tab or browser)."""
    try:
        issued = dt.datetime.fromtimestamp(float(token["exp_date"]) - COOKIE_DAYS * 86400, dt.timezone.utc)
        logged_out = audit.last_logout(str(token["username"]))
    except (KeyError, TypeError, ValueError):
        return True
    return logged_out is not None and issued <= logged_out


def _form(authenticator: stauth.Authenticate, lang: str) -> None:
    left, middle, right = st.columns([1, 2, 1])
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
        until = throttle.locked_until(username)
        if until is not None:
            audit.record_login(username, "login_refused", "locked")
            st.error(say("locked", lang, user=username, until=until.astimezone().strftime("%H:%M")))
            return
        if authenticator.authentication_controller.login(username, password):
            throttle.record(username, True)
            audit.record_login(username, "login_ok")
            st.session_state.pop(LOGGED_OUT, None)
            st.session_state["_concord_set_cookie"] = True
            st.rerun()
        st.session_state["authentication_status"] = None
        lock = throttle.record(username, False)
        audit.record_login(username, "login_failed")
        if lock is not None:
            audit.record_login(username, "lockout", f"locked until {lock.isoformat()}")
            st.error(say("locked", lang, user=username, until=lock.astimezone().strftime("%H:%M")))
        else:
            st.error(say("wrong", lang))


def logout_button(lang: str = "en") -> None:
    if st.button(say("logout", lang), key="logout", width="stretch"):
        username = st.session_state.get("username") or "?"
        authenticator = st.session_state.get(AUTHENTICATOR)
        if authenticator is not None:
            try:
                authenticator.logout(location="unrendered")
            except Exception:  # noqa: BLE001 - the session is cleared below either way
                pass
        audit.record_login(username, "logout")
        for key in list(st.session_state.keys()):
            del st.session_state[key]
        st.session_state[LOGGED_OUT] = True
        st.session_state[DELETE_COOKIE] = True
        st.rerun()
