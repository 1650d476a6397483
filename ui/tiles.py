"""Drawing a board's tiles: each tile's query runs under the viewer's own policy;
a tile the viewer may not see is locked (never an error page, never the
number); a failing query keeps the last good numbers, marked stale."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from boards import alerts
from boards.schema import with_board_filters
from boards.store import Board, Tile
from semantic import PolicyError, SemanticError
from ui import charts, screen_charts, shared, table
from ui import context as ctx
from ui.cards import number_cards
from ui.safe import plain

TILE_ROWS = 5_000  # a tile with more rows says so instead of drawing a chart no one can read
LEVEL_ICONS = {"critical": ":material/error:", "warning": ":material/warning:", "good": ":material/check_circle:"}
TILE_CSS = "<style>[class*='st-key-tile_title_'] [data-testid='stText'] {font-weight: 700;}</style>"


XFILTER = "board_cross_filter"  # session: board id -> (source tile id, {dimension: members})


def cross_filter(board: Board) -> tuple[int | None, dict]:
    return st.session_state.get(XFILTER, {}).get(board.id, (None, {}))


def set_cross_filter(board: Board, tile_id: int | None, selected: dict) -> None:
    st.session_state.setdefault(XFILTER, {})[board.id] = (tile_id, selected)
    if not selected:  # new chart keys, so no chart still holds the old selection
        st.session_state[_generation_key(board)] = _generation(board) + 1


def _generation_key(board: Board) -> str:
    return f"xf_generation_{board.id}"


def _generation(board: Board) -> int:
    """How many times the board's selection was cleared; part of every tile chart's key."""
    return st.session_state.get(_generation_key(board), 0)


def tile_query(tile: Tile, board: Board):
    """The tile's query with the board's filters, and a selection made on another
    tile (cross-filter), applied as the board applies its own (boards.schema.with_board_filters)."""
    source, selected = cross_filter(board)
    filters = dict(board.filters or {})
    if source is not None and source != tile.id:
        filters.update(selected)
    return with_board_filters(tile.query, filters, ctx.library())


def draw(board: Board, tile: Tile, principal, big: bool = False) -> None:
    """One tile, as `principal` sees it. Rendering records nothing: alerts are evaluated on
    a schedule under each rule's fixed principal; here the level only colours the viewer's
    own numbers."""
    key = f"last_good_{board.id}_{tile.id}"
    lang = ctx.lang()
    with st.container(border=True, key=f"{'screen' if big else 'board'}_tile_{board.id}_{tile.id}"):
        if tile.title:
            with st.container(key=f"tile_title_{board.id}_{tile.id}"):
                st.text(tile.title)  # the owner's text: plain, never HTML or Markdown
        marks = ctx.custom_marks(tile.query.metrics + tile.query.group_by)  # draft or certified, always said
        if marks:
            with st.container(key=f"tile_custom_{board.id}_{tile.id}"):
                st.caption(plain(" · ".join(marks)))
        try:
            capped = ctx.run_capped(tile_query(tile, board), principal, max_rows=TILE_ROWS, source=f"board:{board.id}")
            if capped.truncated:
                st.info(ctx.t("board.too_many_rows", n=f"{TILE_ROWS:,}"))
                return
            frame, data_key = capped.frame, (capped.sql, capped.version)
            st.session_state[key] = (frame, dt.datetime.now())
            stale = None
        except PolicyError as err:
            st.markdown(f":material/lock: {plain(ctx.t('board.locked'))}")  # an icon, not an emoji a TV may lack
            if not big:  # the page says why, in the viewer's words; a wall screen just says it is locked
                st.caption(plain(ctx.said(err)))
            return
        except SemanticError as err:
            if key not in st.session_state:
                st.warning(plain(ctx.said(err)))
                return
            frame, since = st.session_state[key]
            stale, data_key = since, None
        if stale is not None:
            st.caption(f":material/warning: {plain(ctx.t('board.stale', since=stale.strftime('%H:%M')))}")
        values = frame.iloc[0].to_dict() if len(frame) == 1 else {}
        level, breaches = alerts.level_of(tile, values)  # the viewer's own numbers; recording is boards.evaluate's
        if level:
            ctx.show_breaches(breaches, icons=LEVEL_ICONS)
        _body(board, tile, frame, lang, big, data_key)


def rows(board: Board) -> list[list[Tile]]:
    """Tiles in order, wrapped into rows of at most `columns` units of width."""
    out: list[list[Tile]] = []
    used = board.columns
    for tile in board.tiles:
        if used + tile.width > board.columns:
            out.append([])
            used = 0
        out[-1].append(tile)
        used += tile.width
    return out


SCREEN_TILES = 8  # tiles a screen shows at once; a board with more shows its rows in pages that take turns


def pages(board: Board, most: int = SCREEN_TILES) -> list[list[list[Tile]]]:
    """A board's rows grouped into screen pages of at most `most` tiles (whole rows; a row is never split)."""
    out: list[list[list[Tile]]] = []
    count = most
    for row in rows(board):
        if count + len(row) > most:
            out.append([])
            count = 0
        out[-1].append(row)
        count += len(row)
    return out or [[]]


def grid(board: Board, principal, big: bool = False, shown: list[list[Tile]] | None = None) -> None:
    """The board's tiles row by row (`shown`: only these rows, a screen's page). On a screen each row
    is a keyed container (screen_row_N) the kiosk's style sheet gives an equal share of the height."""
    st.html(TILE_CSS)
    for i, row in enumerate(rows(board) if shown is None else shown):
        spare = board.columns - sum(t.width for t in row)
        with st.container(key=f"screen_row_{i}") if big else st.container():
            cells = st.columns([t.width for t in row] + ([spare] if spare else []))
            for cell, tile in zip(cells, row):
                with cell:
                    draw(board, tile, principal, big=big)


def _figure(board: Board, tile: Tile, frame: pd.DataFrame, kind: str, formats: dict, lang: str, big: bool, dark: bool):
    """The tile's chart (None: shown as a table); on a screen, large text and fewer period ticks on a narrow tile."""
    q = tile.query
    fig = charts.figure(
        frame,
        kind,
        q.group_by,
        q.metrics,
        metric_label=ctx.metric_label,
        member_label=ctx.member_label,
        formats=formats,
        dark=dark,
        lang=lang,
        compare=q.compare,
    )
    if fig is None:
        return None
    fig.update_layout(height=360 if big else 300)
    if not big:
        return fig
    when = next((k for k in q.group_by if charts.is_time(k)), None)
    if when and when in frame.columns:  # fewer period ticks on a narrow tile, so large ones stay level
        most = max(3, min(12, round(12 * tile.width / max(board.columns, 1))))
        charts.time_axis(fig, frame[when], charts.split_grain(when), lang, most=most)
    return screen_charts.for_screen(fig, dark, lang)


def _body(board: Board, tile: Tile, frame: pd.DataFrame, lang: str, big: bool, data_key=None) -> None:
    """`data_key` names the data (compiled SQL and warehouse version): the figure drawn from it is
    built once and shared by every session showing it (ui.shared), as a hundred screens on one board do."""
    lib = ctx.library()
    q = tile.query
    formats = {m: lib.metrics[m].format for m in q.metrics if m in lib.metrics}
    if not q.group_by and len(frame) == 1:
        number_cards(
            frame.iloc[0], q.metrics, q.compare, lang, tile.title
        )  # on a screen the kiosk's style sheet makes these large
        return
    kind = tile.chart if tile.chart != "auto" else charts.choose(q.group_by, q.metrics, formats, len(frame))
    dark = bool(st.session_state.get("kiosk_dark"))

    def build():
        return _figure(board, tile, frame, kind, formats, lang, big, dark)

    shape = (kind, tile.width, board.columns, q.group_by, q.metrics, q.compare, lang, big, dark)
    fig = shared.memo(("tile_figure", data_key, shape), build) if data_key else build()
    if fig is None:
        table.show(frame, key=f"table_{'screen' if big else 'board'}_{board.id}_{tile.id}")  # labels, formats, members
    elif big:  # a screen is for looking, not selecting: the chart takes the tile's height
        st.plotly_chart(
            fig,
            config={"displayModeBar": False, "responsive": True, "staticPlot": False},
            key=f"screen_{board.id}_{tile.id}",
            theme=None,  # Streamlit's theme would shrink the text and paint a dark screen white
            height="stretch",
        )
    else:
        event = st.plotly_chart(
            fig,
            on_select="rerun",
            selection_mode=("points", "box", "lasso"),
            key=f"tile_{board.id}_{tile.id}_{_generation(board)}",
        )
        dim = next((k for k in q.group_by if not charts.is_time(k)), None)
        chosen = charts.selected_members(event, dim)
        source, current = cross_filter(board)
        if chosen and (source, current) != (tile.id, {dim: chosen}):
            set_cross_filter(board, tile.id, {dim: chosen})
            st.rerun()
