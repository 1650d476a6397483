"""Office-screen mode: /?board=ID&kiosk=1[&token=…][&lang=zh][&playlist=1,2,3&rotate=30]

Full screen (no sidebar, menu or header), large numbers, a light or dark theme,
"updated HH:MM" and the data date, refreshed in place every N seconds by a
fragment (no page reload flicker). With a display token the screen needs no
login and shows that one board only, as the token's display role; without a
token the signed-in user's own policy applies (and a playlist may rotate)."""

from __future__ import annotations

import datetime as dt
import time

import streamlit as st

from boards import store, tokens
from boards.store import BoardError
from semantic.detail import as_of
from semantic.errors import SemanticError
from ui import context as ctx
from ui.safe import plain
from ui.tiles import grid

CHROME = """<style>
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], header, [data-testid="stToolbar"],
[data-testid="stDecoration"], footer {display: none !important;}
.block-container, [data-testid="stMainBlockContainer"] {padding: 1rem 2rem !important; max-width: 100% !important;}
.st-key-kiosk_title [data-testid="stText"] {font-size: 2.2rem; font-weight: 700; line-height: 1.2;}
.st-key-kiosk_updated [data-testid="stText"] {font-size: 1.2rem; opacity: .8;}
[data-testid="stMetricValue"] {font-size: 3.2rem; font-weight: 700; line-height: 1.1;}
[data-testid="stMetricLabel"] {font-size: 0.9rem; opacity: .7;}
</style>"""
DARK = """<style>
.stApp, [data-testid="stAppViewContainer"] {background: #0b1220 !important; color: #e5e7eb !important;}
[data-testid="stMarkdownContainer"], [data-testid="stMetricValue"], [data-testid="stMetricLabel"],
[data-testid="stText"], [data-testid="stText"] *, h1, h2, h3, p {color: #e5e7eb !important;}
[data-testid="stAlert"] [data-testid="stMarkdownContainer"], [data-testid="stAlert"] p {color: #111827 !important;}
</style>"""


def _ids(text: str | None) -> list[int]:
    return [int(p) for p in (text or "").split(",") if p.strip().isdigit()]


def show(params: dict, sign_in) -> None:
    st.markdown(CHROME, unsafe_allow_html=True)
    st.session_state.setdefault("lang", params.get("lang", "en") if params.get("lang") in ("en", "zh") else "en")
    board_ids = _ids(params.get("board"))
    token = params.get("token")
    try:
        if not board_ids:
            raise BoardError("a screen link needs board=ID (a number)")
        if token:
            if len(board_ids) != 1 or params.get("playlist"):
                raise BoardError("a screen link shows exactly one board")
            screen = tokens.resolve(token, board_ids[0])
            st.session_state[ctx.PRINCIPAL_KEY] = screen.principal
            playlist = board_ids
            first = store.get_unchecked(playlist[0], "display token resolved for this board")
        else:
            st.session_state[ctx.PRINCIPAL_KEY] = sign_in()
            playlist = _ids(params.get("playlist")) or board_ids
            first = store.get(playlist[0], st.session_state[ctx.PRINCIPAL_KEY])
    except SemanticError as err:  # a bad link, token or board: one line, never a traceback
        st.session_state.pop(ctx.PRINCIPAL_KEY, None)
        st.error(plain(err))
        st.stop()
    rotate = max(5, int(params.get("rotate", "30"))) if str(params.get("rotate", "30")).isdigit() else 30
    dark = first.theme == "dark" or params.get("theme") == "dark"
    st.session_state["kiosk_dark"] = dark
    if dark:
        st.markdown(DARK, unsafe_allow_html=True)

    @st.fragment(run_every=dt.timedelta(seconds=first.refresh_seconds))
    def screen_body() -> None:
        principal = st.session_state[ctx.PRINCIPAL_KEY]
        board_id = playlist[int(time.time() // rotate) % len(playlist)] if len(playlist) > 1 else playlist[0]
        try:
            board = (
                store.get_unchecked(board_id, "display token resolved for this board")
                if token
                else store.get(board_id, principal)
            )
        except SemanticError as err:
            st.error(plain(err))
            return
        left, right = st.columns([3, 2])
        with left.container(key="kiosk_title"):
            st.text(board.title)  # the title is the owner's text: plain, never HTML or Markdown
        day = as_of(ctx.warehouse())
        with right.container(key="kiosk_updated"):
            st.text(
                ctx.t("board.updated", time=dt.datetime.now().strftime("%H:%M:%S"), date=day or "—"),
                width="stretch",
                text_alignment="right",
            )
        grid(board, principal, big=True)

    screen_body()
    st.stop()
