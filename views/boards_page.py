"""Boards: shared KPI boards of saved tiles; owners edit, others view; screen links."""
from __future__ import annotations

import dataclasses
import datetime as dt

import streamlit as st

from boards import store, tokens
from boards.store import Board, BoardError, Rule
from semantic.detail import members
from semantic.policy import load_policy
from ui import context as ctx
from ui.tiles import cross_filter, grid, set_cross_filter


def parse_rules(text: str) -> tuple[Rule, ...]:
    rules = []
    for line in text.splitlines():
        parts = line.split()
        if not parts:
            continue
        if len(parts) < 4:
            raise BoardError(f"rule '{line}': write metric op value level [webhook], e.g. dso > 60 critical.")
        try:
            value = float(parts[2])
        except ValueError:
            raise BoardError(f"rule '{line}': '{parts[2]}' is not a number.") from None
        rules.append(Rule(parts[0], parts[1], value, parts[3], parts[4] if len(parts) > 4 else ""))
    return tuple(rules)


def editor(board: Board) -> None:
    me = ctx.principal()
    roles = list(load_policy(ctx.library()).roles)
    with st.expander(ctx.t("board.edit")):
        with st.form(f"edit_{board.id}"):
            title = st.text_input(ctx.t("board.title"), board.title)
            description = st.text_area(ctx.t("board.description"), board.description)
            sharing = st.radio(ctx.t("board.sharing"), store.SHARING, index=store.SHARING.index(board.sharing),
                               format_func=lambda s: ctx.t(f"board.sharing.{s}"), horizontal=True)
            shared = st.multiselect(ctx.t("board.roles"), roles, list(board.shared_roles))
            a, b, c = st.columns(3)
            columns = a.slider(ctx.t("board.columns"), 1, 4, board.columns)
            refresh = b.number_input(ctx.t("board.refresh"), 5, 86400, board.refresh_seconds)
            theme = c.selectbox(ctx.t("board.theme"), ("light", "dark"), index=("light", "dark").index(board.theme))
            region = st.multiselect(ctx.t("board.filters"), members("region", me, warehouse=ctx.warehouse()),
                                    list(board.filters.get("region", [])))
            p1, p2 = st.columns(2)
            since = p1.date_input(ctx.t("period.from"), value=_day(board.filters.get("time_from")))
            until = p2.date_input(ctx.t("period.to"), value=_day(board.filters.get("time_to")))
            tiles = []
            for i, tile in enumerate(board.tiles):
                st.markdown(f"**{i + 1}. {tile.title or ', '.join(tile.query.metrics)}**")
                x, y, z, w = st.columns([3, 1, 1, 1])
                name = x.text_input(ctx.t("board.title"), tile.title, key=f"tt_{tile.id}")
                width = y.number_input(ctx.t("board.tile_width"), 1, 4, min(tile.width, columns), key=f"tw_{tile.id}")
                up = z.checkbox(ctx.t("board.up"), key=f"tu_{tile.id}")
                remove = w.checkbox(ctx.t("board.remove_tile"), key=f"tr_{tile.id}")
                rules = st.text_area(ctx.t("board.tile_rules"), "\n".join(
                    f"{r.metric} {r.op} {r.value:g} {r.level} {r.webhook}".strip() for r in tile.rules), key=f"tl_{tile.id}")
                if not remove:
                    tiles.append((up, dataclasses.replace(tile, title=name, width=int(width), rules=parse_rules(rules))))
            if st.form_submit_button(ctx.t("board.save"), type="primary"):
                ordered = [t for _, t in tiles]
                for i in range(1, len(tiles)):
                    if tiles[i][0]:
                        ordered[i - 1], ordered[i] = ordered[i], ordered[i - 1]
                new = dataclasses.replace(board, title=title, description=description, sharing=sharing,
                                          shared_roles=tuple(shared), columns=columns, refresh_seconds=int(refresh),
                                          theme=theme, filters=_filters(region, since, until), tiles=tuple(ordered))
                saved = store.save(new, me)
                st.success(ctx.t("board.saved", v=saved.version))
                st.rerun()
        a, b = st.columns(2)
        pin_role = a.selectbox(ctx.t("board.pin"), [None] + roles, key=f"pin_{board.id}")
        if pin_role and a.button(ctx.t("board.pin"), key=f"pinb_{board.id}"):
            store.pin(pin_role, board.id, me)
        b.download_button(ctx.t("board.export"), store.export_json(board), file_name=f"board-{board.id}.json",
                          mime="application/json", key=f"exp_{board.id}")
        if b.button(ctx.t("board.delete"), key=f"del_{board.id}"):
            store.delete(board.id, me)
            st.query_params.clear()
            st.rerun()
    screens(board)


def _day(text: str | None) -> dt.date | None:
    return dt.date.fromisoformat(text) if text else None


def _filters(region, since, until) -> dict:
    """Board-level filters: regions for every tile they apply to, and a period for all tiles."""
    out = {"region": list(region)} if region else {}
    if since:
        out["time_from"] = since.isoformat()
    if until:
        out["time_to"] = until.isoformat()
    return out


def screens(board: Board) -> None:
    me = ctx.principal()
    with st.expander(ctx.t("board.screens")):
        roles = list(load_policy(ctx.library()).roles)
        a, b, c = st.columns([2, 1, 1])
        role = a.selectbox(ctx.t("board.display_role"), roles, key=f"dr_{board.id}")
        days = b.number_input(ctx.t("board.days"), 1, 366, tokens.DEFAULT_DAYS, key=f"dd_{board.id}")
        if c.button(ctx.t("board.create_link"), key=f"mk_{board.id}"):
            token = tokens.create(board.id, role, me, int(days))
            st.info(ctx.t("board.link_once"))
            st.code(f"/?board={board.id}&kiosk=1&token={token}")
        for row in tokens.listed(board.id):
            x, y = st.columns([5, 1])
            state = "revoked" if row["revoked_at"] else f"until {row['expires_at'][:10]}"
            x.caption(f"#{row['id']} · {row['display_role']} · {state} · last used {row['last_used_at'] or '—'}")
            if not row["revoked_at"] and y.button(ctx.t("board.revoke"), key=f"rv_{row['id']}"):
                tokens.revoke(row["id"], me)
                st.rerun()


def render() -> None:
    st.title(ctx.t("page.boards"))
    me = ctx.principal()
    boards = store.visible(me)
    with st.expander(ctx.t("board.import")):
        upload = st.file_uploader("JSON", type=["json"], key="import_board")
        if upload is not None and st.button(ctx.t("board.import"), key="import_go"):
            try:
                made = store.import_json(upload.getvalue().decode("utf-8", errors="replace"), me)
                st.query_params["id"] = str(made.id)
                st.rerun()
            except BoardError as err:
                st.error(str(err))
    if not boards:
        st.info(ctx.t("board.none"))
        return
    ids = [b.id for b in boards]
    wanted = st.query_params.get("id")
    index = ids.index(int(wanted)) if wanted and wanted.isdigit() and int(wanted) in ids else 0
    board = st.selectbox(ctx.t("board.pick"), boards, index=index, format_func=lambda b: f"{b.title} · {b.owner}",
                         key="board_pick")
    st.query_params["id"] = str(board.id)
    if board.description:
        st.caption(board.description)
    st.link_button(ctx.t("board.open_screen"), f"/?board={board.id}&kiosk=1")
    source, selected = cross_filter(board)
    if selected:
        shown = "; ".join(f"{ctx.dimension_label(d)}: {', '.join(ctx.member_label(d, v) for v in vs)}"
                          for d, vs in selected.items())
        if st.button(f"✕ {ctx.t('drill.selection')}: {shown}", key=f"xf_{board.id}"):
            set_cross_filter(board, None, {})
            st.rerun()
    grid(board, me)
    if store.can_edit(board, me):
        editor(board)


ctx.guard(render)
