"""Two small HTTP routes on Streamlit's own server (st.App, see serve.py) that
set and clear the sign-in cookie with HttpOnly and SameSite=Strict (Secure over
TLS): a cookie set by page JavaScript can always be read by page JavaScript.

/concord/session?ticket=T  exchanges a one-time login ticket for the cookie and
                           redirects back to the page the user was on;
/concord/logout?ticket=T   clears the cookie (the logout itself, which voids
                           the user's cookies and live sessions, happened in the app).
Both answer with a redirect; a bad or used ticket just leads to the start page."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse
from starlette.routing import Route

from auth import tickets
from auth.accounts import AccountError, load_users
from auth.cookie import COOKIE_DAYS, COOKIE_NAME, cookie_key, issue_token

SESSION_PATH = "/concord/session"
LOGOUT_PATH = "/concord/logout"
_installed = False


def over_tls(request: Request) -> bool:
    forwarded = request.headers.get("x-forwarded-proto", "").split(",")[0].strip().lower()
    return request.url.scheme == "https" or forwarded == "https"


def _redirect(path: str) -> RedirectResponse:
    response = RedirectResponse(path, status_code=303)
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def enter(request: Request) -> RedirectResponse:
    ticket = tickets.redeem(request.query_params.get("ticket"), "login")
    if ticket is None:
        return _redirect("/")
    try:
        user = load_users().get(ticket.username)
    except AccountError:
        user = None
    if user is None or user.disabled:
        return _redirect("/")
    response = _redirect(ticket.next_path)
    response.set_cookie(
        COOKIE_NAME,
        issue_token(user.username, cookie_key()),
        max_age=COOKIE_DAYS * 86400,
        path="/",
        secure=over_tls(request),
        httponly=True,
        samesite="strict",
    )
    return response


def leave(request: Request) -> RedirectResponse:
    response = _redirect("/")
    if tickets.redeem(request.query_params.get("ticket"), "logout") is not None:
        response.delete_cookie(COOKIE_NAME, path="/", secure=over_tls(request), httponly=True, samesite="strict")
    return response


def routes() -> list[Route]:
    """The routes for st.App(routes=...); marks this process as able to set the cookie."""
    global _installed
    _installed = True
    return [Route(SESSION_PATH, enter, methods=["GET"]), Route(LOGOUT_PATH, leave, methods=["GET"])]


def installed() -> bool:
    return _installed
