"""Office-screen mode: /?board=ID&kiosk=1[&token=…][&lang=zh][&playlist=1,2,3&rotate=30]

Full screen (no sidebar, menu or header), the tiles filling the screen (rows share its
height, each chart takes its tile's height), text sized to be read from across the room,
a light or dark theme, "updated HH:MM:SS" and the data date in the screen's language,
refreshed in place every N seconds by a fragment (no page reload flicker). A board of more
than eight tiles shows its rows in pages of at most eight tiles that take turns every
`rotate` seconds. With a display token the screen needs no login and shows that one
board only, as the token's display role; without a token the signed-in user's own
policy applies (and a playlist may rotate).

The screen's language: ?lang=zh|en; else, with a token, the TV browser's language;
else the signed-in user's own."""

from __future__ import annotations

import datetime as dt
import time

import streamlit as st

from boards import store, tokens
from boards.store import BoardError
from semantic.detail import as_of
from semantic.errors import SemanticError
from ui import context as ctx
from ui.charts import period_label
from ui.safe import plain
from ui.tiles import grid, pages

# Sizes are in viewport units (clamped), so the same screen reads the same on a 1920x1080 and a
# 1280x720 TV: tile titles, labels and alerts >= 20 px at 1080 lines; charts draw their own text
# (ui.charts.for_screen). The header and the grid are fixed to the viewport, so nothing scrolls.
CHROME = """<style>
:root {--screen-head: clamp(56px, 7.5vh, 100px); --screen-gap: clamp(8px, 1.1vh, 16px);}
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], header, [data-testid="stToolbar"],
[data-testid="stDecoration"], footer {display: none !important;}
.block-container, [data-testid="stMainBlockContainer"] {padding: 0 !important; max-width: 100% !important;}
[data-testid="stMain"] {overflow: hidden !important;}
[data-stale="true"] {opacity: 1 !important; transition: none !important;}  /* no dimming at every refresh */
.st-key-kiosk_head {position: fixed; top: 0; left: 1.4vw; right: 1.4vw; height: var(--screen-head);
  z-index: 10; justify-content: center; width: auto !important;}
.st-key-kiosk_title [data-testid="stText"] {font-size: clamp(28px, 3.8vh, 60px); font-weight: 700; line-height: 1.15;
  white-space: nowrap; overflow: hidden; text-overflow: ellipsis;}
.st-key-kiosk_updated [data-testid="stText"] {font-size: clamp(20px, 2.3vh, 34px); opacity: .8; white-space: nowrap;}
.st-key-screen_grid {position: fixed; top: var(--screen-head); bottom: var(--screen-gap); left: 1.4vw; right: 1.4vw;
  gap: var(--screen-gap) !important; overflow: hidden; width: auto !important;}
.st-key-screen_grid > [data-testid="stLayoutWrapper"], [class*="st-key-screen_row_"] > [data-testid="stLayoutWrapper"],
[class*="st-key-screen_row_"] > * > [data-testid="stHorizontalBlock"] > [data-testid="stColumn"] > [data-testid="stVerticalBlock"]
  > [data-testid="stLayoutWrapper"] {flex: 1 1 0 !important; min-height: 0 !important;}
[class*="st-key-screen_row_"] {height: 100%; min-height: 0;}
[class*="st-key-screen_row_"] > * > [data-testid="stHorizontalBlock"] {height: 100%; align-items: stretch;}
[class*="st-key-screen_row_"] > * > [data-testid="stHorizontalBlock"] > [data-testid="stColumn"] > [data-testid="stVerticalBlock"]
  {height: 100%;}
[class*="st-key-screen_tile_"] {height: 100%; min-height: 0; overflow: hidden; padding: clamp(10px, 1.4vh, 22px) !important;}
[class*="st-key-screen_tile_"] > [data-testid="stElementContainer"]:has([data-testid="stPlotlyChart"])
  {flex: 1 1 0 !important; min-height: 0 !important; height: auto !important;}
[class*="st-key-screen_tile_"] [data-testid="stPlotlyChart"], [class*="st-key-screen_tile_"] .js-plotly-plot
  {height: 100% !important;}
[class*="st-key-tile_title_"] [data-testid="stText"] {font-size: clamp(20px, 2.5vh, 38px); line-height: 1.2;}
[class*="st-key-screen_tile_"] [data-testid="stMetric"] {container-type: inline-size;}
[class*="st-key-screen_tile_"] [data-testid="stMetricValue"], [class*="st-key-screen_tile_"] [data-testid="stMetricValue"] p
  {font-size: clamp(36px, min(9vh, 19cqw), 140px) !important; font-weight: 700; line-height: 1.1;}
[class*="st-key-screen_tile_"] > [data-testid="stLayoutWrapper"]:has([data-testid="stMetric"])
  {flex: 1 1 0 !important; min-height: 0 !important; display: flex !important; flex-direction: column !important;}
[class*="st-key-screen_tile_"] > [data-testid="stLayoutWrapper"] > [data-testid="stHorizontalBlock"]:has([data-testid="stMetric"])
  {align-items: flex-end; flex: 0 0 auto !important; margin: auto 0;}  /* centred in the tile, values on one line */
[data-testid="stMetricLabel"], [data-testid="stMetricLabel"] p {font-size: clamp(20px, 2.3vh, 34px) !important; opacity: .8;}
[data-testid="stMetricLabel"] * {white-space: normal !important; overflow: visible !important; text-overflow: clip !important;}
[data-testid="stMetricDelta"], [data-testid="stMetricDelta"] div {font-size: clamp(20px, 2.3vh, 34px) !important;}
[class*="st-key-screen_tile_"] [data-testid="stAlert"] p,
[class*="st-key-screen_tile_"] [data-testid="stCaptionContainer"],
[class*="st-key-screen_tile_"] [data-testid="stMarkdownContainer"] p:not([data-testid="stMetricValue"] p) {font-size: clamp(20px, 2.3vh, 32px) !important;}
[class*="st-key-screen_tile_"] [data-testid="stAlert"] > div {padding: 0.4em 0.8em;}
[class*="st-key-screen_tile_"] [data-testid="stAlert"] [data-testid="stIconMaterial"] {font-size: clamp(20px, 2.3vh, 32px);}
</style>"""
DARK = """<style>
.stApp, [data-testid="stAppViewContainer"] {background: #0b1220 !important; color: #e5e7eb !important;}
[data-testid="stMarkdownContainer"], [data-testid="stMetricValue"], [data-testid="stMetricLabel"],
[data-testid="stText"], [data-testid="stText"] *, h1, h2, h3, p {color: #e5e7eb !important;}
[data-testid="stAlertContainer"]:has([data-testid="stAlertContentError"]) {background: rgba(239, 68, 68, 0.22);}
[data-testid="stAlertContainer"]:has([data-testid="stAlertContentWarning"]) {background: rgba(245, 158, 11, 0.22);}
[data-testid="stAlertContainer"]:has([data-testid="stAlertContentSuccess"]) {background: rgba(34, 197, 94, 0.2);}
[data-testid="stAlertContentError"] *, [data-testid="stAlertContentError"] p {color: #fecaca !important;}
[data-testid="stAlertContentWarning"] *, [data-testid="stAlertContentWarning"] p {color: #fde68a !important;}
[data-testid="stAlertContentSuccess"] *, [data-testid="stAlertContentSuccess"] p {color: #bbf7d0 !important;}
[class*="st-key-screen_tile_"] {border-color: rgba(229, 231, 235, 0.18) !important; background: #111a2e;}
</style>"""


def _ids(text: str | None) -> list[int]:
    return [int(p) for p in (text or "").split(",") if p.strip().isdigit()]


def _language(params: dict, token: str | None) -> None:
    """?lang= wins; a token screen otherwise speaks its browser's language; a signed-in one its user's."""
    asked = params.get("lang")
    if asked in ("en", "zh"):
        st.session_state["lang"] = asked
    elif token and "lang" not in st.session_state:
        st.session_state["lang"] = "zh" if str(st.context.locale or "").lower().startswith("zh") else "en"


def show(params: dict, sign_in) -> None:
    st.markdown(CHROME, unsafe_allow_html=True)
    board_ids = _ids(params.get("board"))
    token = params.get("token")
    _language(params, token)
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
            _language(params, token)  # signing in sets the user's own language; the link's wins
            playlist = _ids(params.get("playlist")) or board_ids
            first = store.get(playlist[0], st.session_state[ctx.PRINCIPAL_KEY])
    except SemanticError as err:  # a bad link, token or board: one line, never a traceback
        st.session_state.pop(ctx.PRINCIPAL_KEY, None)
        st.error(plain(ctx.said(err)))
        st.stop()
    rotate = max(5, int(params.get("rotate", "30"))) if str(params.get("rotate", "30")).isdigit() else 30
    dark = first.theme == "dark" or params.get("theme") == "dark"
    st.session_state["kiosk_dark"] = dark
    if dark:
        st.markdown(DARK, unsafe_allow_html=True)
    # the fragment runs every refresh, and at each turn when boards or pages take turns
    turns = len(playlist) > 1 or len(pages(first)) > 1
    every = min(first.refresh_seconds, rotate) if turns else first.refresh_seconds

    @st.fragment(run_every=dt.timedelta(seconds=every))
    def screen_body() -> None:
        principal = st.session_state[ctx.PRINCIPAL_KEY]
        slot = int(time.time() // rotate)
        board_id = playlist[slot % len(playlist)]
        try:
            board = (
                store.get_unchecked(board_id, "display token resolved for this board")
                if token
                else store.get(board_id, principal)
            )
        except SemanticError as err:
            st.error(plain(ctx.said(err)))
            return
        screens = pages(board)
        page = (slot // len(playlist)) % len(screens)
        day = as_of(ctx.warehouse())
        lang = ctx.lang()
        updated = ctx.t(
            "board.updated",
            time=dt.datetime.now().strftime("%H:%M:%S"),
            date=period_label(day, "day", lang) if day else "—",
        )
        if len(screens) > 1:
            updated += " · " + ctx.t("screen.page", n=page + 1, of=len(screens))
        with st.container(key="kiosk_head"):
            left, right = st.columns([3, 2], vertical_alignment="center")
            with left.container(key="kiosk_title"):
                st.text(board.title)  # the title is the owner's text: plain, never HTML or Markdown
            with right.container(key="kiosk_updated"):
                st.text(updated, width="stretch", text_alignment="right")
        with st.container(key="screen_grid"):
            grid(board, principal, big=True, shown=screens[page])

    screen_body()
    st.stop()
