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
from ui import shared
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


# A screen keeps its last numbers when the server cannot answer (a restart, a dropped network):
# the page's own timer notices that "updated" has not changed for 2.5 refreshes and says since when,
# in the screen's language (the text comes from the hidden kiosk_stale element; textContent only).
# Streamlit's frontend reconnects by itself; the first answer replaces the numbers and the note.
STALE_WATCH = """<script>
(() => {
  if (window.concordStaleWatch) return;
  let seen = null, since = Date.now();
  window.concordStaleWatch = setInterval(() => {
    const doc = window.document, updated = doc.querySelector('.st-key-kiosk_updated');
    if (!updated) return;
    const text = updated.textContent, every = (updated.closest('[class*="st-key-kiosk_every_"]') || updated)
      .className.match(/st-key-kiosk_every_(\\d+)/);
    if (text !== seen) { seen = text; since = Date.now(); }
    const late = Date.now() - since > 2500 * (every ? Number(every[1]) : 60);
    let note = doc.getElementById('concord-stale');
    if (late && !note) {
      note = doc.createElement('div');
      note.id = 'concord-stale';
      note.setAttribute('role', 'status');
      const template = (doc.querySelector('.st-key-kiosk_stale') || {}).textContent || 'Stale since {time}';
      const at = new Date(since);
      const pad = (n) => String(n).padStart(2, '0');
      note.textContent = template.replace('{time}', pad(at.getHours()) + ':' + pad(at.getMinutes()) + ':' + pad(at.getSeconds()));
      doc.body.appendChild(note);
    } else if (!late && note) {
      note.remove();
    }
  }, 1000);
})();
</script>"""
STALE_CSS = """<style>
.st-key-kiosk_stale {display: none !important;}
[data-baseweb="modal"], [data-testid="stDialog"] {display: none !important;}  /* Streamlit's "Connection error" box */
#concord-stale {position: fixed; top: 0; right: 0; width: 46vw; height: var(--screen-head); z-index: 1000;
  display: flex; align-items: center; justify-content: flex-end; padding: 0 1.4vw; box-sizing: border-box;
  background: #b45309; color: #fff; font-size: clamp(18px, 2vh, 30px); font-weight: 600; text-align: right;}
</style>"""


def _principal(params: dict, token: str | None, board_ids: list[int], sign_in):
    """Who the screen shows the board as. A token is resolved (and audited) when the screen opens;
    later runs of the same session ask tokens.check again (nothing written), so a revoked, expired
    or suspended link stops at the next refresh."""
    if not board_ids:
        raise BoardError("a screen link needs board=ID (a number)")
    if not token:
        principal = sign_in()
        _language(params, token)  # signing in sets the user's own language; the link's wins
        return principal
    if len(board_ids) != 1 or params.get("playlist"):
        raise BoardError("a screen link shows exactly one board")
    if st.session_state.get("kiosk_token") == token:
        return tokens.check(token, board_ids[0]).principal
    screen = tokens.resolve(token, board_ids[0])
    st.session_state["kiosk_token"] = token
    return screen.principal


def _board(board_id: int, principal, token: str | None):
    """The board as it is now, read at most once a second for all the screens of this process."""
    board = shared.memo(("board", board_id), lambda: store.get_unchecked(board_id, "checked below"), ttl=1.0)
    if not token and not store.can_view(board, principal):  # a token was checked for this board by tokens
        raise BoardError(f"board {board_id} is not shared with you.")
    return board


def _token_state(token: str | None, board_id: int) -> str:
    """'' while the link works, else why not: asked at most once a second per link for all screens."""
    if not token:
        return ""

    def ask() -> str:
        try:
            tokens.check(token, board_id)
            return ""
        except BoardError as err:
            return str(err)

    return shared.memo(("token", tokens.digest(token), board_id), ask, ttl=1.0)


def _data_date(lang: str) -> str:
    version = ctx.data_version()
    day = shared.memo(("as_of", version), lambda: as_of(ctx.warehouse())) if version else None
    return period_label(day, "day", lang) if day else "—"


def show(params: dict, sign_in) -> None:
    st.markdown(CHROME, unsafe_allow_html=True)
    st.markdown(STALE_CSS, unsafe_allow_html=True)
    board_ids = _ids(params.get("board"))
    token = params.get("token")
    _language(params, token)
    try:
        principal = _principal(params, token, board_ids, sign_in)
        st.session_state[ctx.PRINCIPAL_KEY] = principal
        playlist = board_ids if token else (_ids(params.get("playlist")) or board_ids)
        first = _board(playlist[0], principal, token)
    except SemanticError as err:  # a bad link, token or board: one line, never a traceback
        st.session_state.pop(ctx.PRINCIPAL_KEY, None)
        st.session_state.pop("kiosk_token", None)
        st.error(plain(ctx.said(err)))
        st.stop()
    rotate = max(5, int(params.get("rotate", "30"))) if str(params.get("rotate", "30")).isdigit() else 30
    dark = first.theme == "dark" or params.get("theme") == "dark"
    st.session_state["kiosk_dark"] = dark
    if dark:
        st.markdown(DARK, unsafe_allow_html=True)
    # the screen checks every refresh, and at each turn when boards or pages take turns
    turns = len(playlist) > 1 or len(pages(first)) > 1
    every = min(first.refresh_seconds, rotate) if turns else first.refresh_seconds

    def view() -> tuple:
        """What the screen shows now: when this changes, the board is drawn again; else nothing is."""
        slot = int(time.time() // rotate)
        board_id = playlist[slot % len(playlist)]
        board = _board(board_id, principal, token)
        page = (slot // len(playlist)) % len(pages(board))
        data = ctx.data_version()  # None while the engine does not answer: the tiles keep their last numbers
        return (board_id, board.version, page, data, ctx.lang(), _token_state(token, playlist[0]), board)

    try:
        now = view()
    except SemanticError as err:
        st.error(plain(ctx.said(err)))
        st.stop()
    board, page = now[-1], now[2]
    st.session_state["kiosk_view"] = now[:-1]
    screens = pages(board)
    lang = ctx.lang()
    with st.container(key="kiosk_head"):
        left, right = st.columns([3, 2], vertical_alignment="center")
        with left.container(key="kiosk_title"):
            st.text(board.title)  # the title is the owner's text: plain, never HTML or Markdown
        with right.container(key=f"kiosk_every_{every}"):
            _updated(view, every, page, len(screens), lang)
    with st.container(key="kiosk_stale"):
        st.text(ctx.t("screen.stale"))
    st.html(STALE_WATCH, unsafe_allow_javascript=True)
    with st.container(key="screen_grid"):
        grid(board, principal, big=True, shown=screens[page])
    st.stop()


def _updated(view, every: int, page: int, of: int, lang: str) -> None:
    """The only part of a screen that runs at each refresh: it asks whether what the screen shows has
    changed (the board, its page, the data, the link) and draws the board again only when it has;
    otherwise it writes the time of the check, so the screen says it is live."""

    @st.fragment(run_every=dt.timedelta(seconds=every))
    def check() -> None:
        try:
            changed = view()[:-1] != st.session_state.get("kiosk_view")
        except SemanticError:
            changed = True  # the full run says why (a revoked link, a board no longer shared)
        if changed:
            st.rerun()
        updated = ctx.t("board.updated", time=dt.datetime.now().strftime("%H:%M:%S"), date=_data_date(lang))
        if of > 1:
            updated += " · " + ctx.t("screen.page", n=page + 1, of=of)
        with st.container(key="kiosk_updated"):
            st.text(updated, width="stretch", text_alignment="right")

    check()
