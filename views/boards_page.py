"""Boards: shared KPI boards of saved tiles; owners edit, others view; screen links."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import os

import segno
import streamlit as st

from auth.accounts import load_users
from boards import pins, store, tokens
from boards.store import Board
from semantic.authorize import allowed
from semantic.errors import SemanticError
from semantic.policy import access_for, load_policy
from ui import context as ctx
from ui.rules import parse_rules, rules_text
from ui.safe import plain
from ui.tiles import cross_filter, grid, set_cross_filter

OPENED = "board_editor_opened"  # session: board id -> the version the editor opened
FLASH = "boards_flash"  # session: a success message to show after the rerun that follows an action


def flash(message: str) -> None:
    st.session_state[FLASH] = message


def opened_version(board: Board) -> int:
    """The version of `board` this user's editor opened, remembered until a successful save
    or an explicit reload, so a save made in between (another tab, another user) is refused
    instead of silently overwritten."""
    return st.session_state.setdefault(OPENED, {}).setdefault(board.id, board.version)


def forget_editor(board: Board) -> None:
    """Next time the editor opens the board as stored now: its version and inputs."""
    st.session_state.setdefault(OPENED, {}).pop(board.id, None)
    prefix = f"ed_{board.id}_"
    for key in [k for k in st.session_state if isinstance(k, str) and k.startswith(prefix)]:
        del st.session_state[key]


def editor(board: Board) -> None:
    me = ctx.principal()
    roles = list(load_policy(ctx.library()).roles)
    version = opened_version(board)
    k = f"ed_{board.id}_"  # every input is keyed: a rerun keeps what the user typed
    with st.expander(ctx.t("board.edit"), expanded=version != board.version):
        with st.form(f"edit_{board.id}"):
            title = st.text_input(ctx.t("board.title"), board.title, key=k + "title")
            description = st.text_area(ctx.t("board.description"), board.description, key=k + "description")
            sharing = st.radio(
                ctx.t("board.sharing"),
                store.SHARING,
                index=store.SHARING.index(board.sharing),
                format_func=lambda s: ctx.t(f"board.sharing.{s}"),
                horizontal=True,
                key=k + "sharing",
            )
            shared = st.multiselect(
                ctx.t("board.roles"),
                roles,
                [r for r in board.shared_roles if r in roles],
                format_func=ctx.frozen(ctx.role_label, roles),
                placeholder=ctx.t("board.choose_roles"),
                key=k + "shared",
            )
            a, b, c = st.columns(3)
            columns = a.slider(ctx.t("board.columns"), 1, 4, board.columns, key=k + "columns")
            refresh = b.number_input(ctx.t("board.refresh"), 5, 86400, board.refresh_seconds, key=k + "refresh")
            theme = c.selectbox(
                ctx.t("board.theme"),
                ("light", "dark"),
                index=("light", "dark").index(board.theme),
                format_func=lambda theme: ctx.t(f"board.theme.{theme}"),
                key=k + "theme",
            )
            regions = ctx.members("region")  # the engine failing: the last list
            region = st.multiselect(
                ctx.t("board.filters"),
                regions,
                [r for r in board.filters.get("region", []) if r in regions],
                format_func=lambda r: ctx.member_label("region", r),
                placeholder=ctx.t("board.all_regions"),
                key=k + "region",
            )
            p1, p2 = st.columns(2)
            since = p1.date_input(ctx.t("period.from"), value=_day(board.filters.get("time_from")), key=k + "from")
            until = p2.date_input(ctx.t("period.to"), value=_day(board.filters.get("time_to")), key=k + "to")
            tiles = []
            for i, tile in enumerate(board.tiles):
                with st.container(key=f"tile_title_edit_{tile.id}"):  # bold by the tiles' style sheet
                    st.text(f"{i + 1}. {tile.title or ', '.join(tile.query.metrics)}")
                x, y, z, w = st.columns([3, 1, 1, 1])
                t = f"{k}{tile.id}_"
                name = x.text_input(ctx.t("board.title"), tile.title, key=t + "title")
                width = y.number_input(ctx.t("board.tile_width"), 1, 4, min(tile.width, columns), key=t + "width")
                up = z.checkbox(ctx.t("board.up"), key=t + "up")
                remove = w.checkbox(ctx.t("board.remove_tile"), key=t + "remove")
                rules = st.text_area(ctx.t("board.tile_rules"), rules_text(tile.rules), key=t + "rules")
                if not remove:
                    tiles.append((up, tile, name, int(width), rules))
            if st.form_submit_button(ctx.t("board.save"), type="primary"):
                try:
                    changed = [
                        dataclasses.replace(tile, title=name, width=width, rules=parse_rules(rules))
                        for _, tile, name, width, rules in tiles
                    ]
                    for i in range(1, len(tiles)):
                        if tiles[i][0]:
                            changed[i - 1], changed[i] = changed[i], changed[i - 1]
                    new = dataclasses.replace(
                        board,
                        title=title,
                        description=description,
                        sharing=sharing,
                        shared_roles=tuple(shared),
                        columns=columns,
                        refresh_seconds=int(refresh),
                        theme=theme,
                        filters=_filters(region, since, until),
                        tiles=tuple(changed),
                        version=version,
                    )
                    store.save(new, me)
                except SemanticError as err:  # refused (edited meanwhile, not allowed) or a bad rule
                    st.error(plain(ctx.t("board.refused", reason=str(err))))
                else:
                    forget_editor(board)
                    st.rerun()
        if version != board.version and st.button(ctx.t("board.reload"), key=f"reload_{board.id}"):
            forget_editor(board)
            st.rerun()
        a, b = st.columns(2)
        pin_roles = sorted(access_for(me, ctx.library()).pins_for)
        if pin_roles:
            pin_role = a.selectbox(
                ctx.t("board.pin"),
                pin_roles,
                index=None,
                placeholder=ctx.t("board.choose_role"),
                format_func=ctx.frozen(ctx.role_label, pin_roles),
                key=f"pin_{board.id}",
            )
            if a.button(ctx.t("board.pin_go"), key=f"pinb_{board.id}", disabled=pin_role is None):
                try:
                    pins.pin(pin_role, board.id, me)
                    a.success(plain(ctx.t("board.pinned_to", role=ctx.role_label(pin_role))))
                except SemanticError as err:
                    a.error(plain(err))
        else:
            a.caption(ctx.t("board.pin_none"))
        b.download_button(
            ctx.t("board.export"),
            store.export_json(board),
            file_name=f"board-{board.id}.json",
            mime="application/json",
            key=f"exp_{board.id}",
        )
        sure = b.checkbox(ctx.t("board.delete_sure"), key=f"delok_{board.id}")
        if b.button(ctx.t("board.delete"), key=f"del_{board.id}", disabled=not sure):
            try:
                store.delete(board.id, me)
            except SemanticError as err:
                b.error(plain(err))
            else:
                flash(ctx.t("board.deleted", title=board.title))
                st.session_state.pop("board_pick", None)
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


def screen_choices(board: Board) -> dict[str, dict[str, list[str]]]:
    """The display roles a link may use for this owner, each with the values it may choose for
    every user attribute the role's row filter reads (e.g. {"sales_rep": {"region": ["East", ...]}}).
    A role is offered only when authorize(create_token) allows it with some choice."""
    me = ctx.principal()
    out: dict[str, dict[str, list[str]]] = {}
    for role in load_policy(ctx.library()).roles:
        needs = tokens.needed_attributes(role)
        base = {}
        choices: dict[str, list[str]] = {}
        for name in needs:
            try:  # a dimension none of the owner's metrics reach (a sales lead and department) offers nothing
                values = ctx.members(name) if name in ctx.library().dimensions else []
            except SemanticError:
                values = []
            ok = [str(v) for v in values if allowed(me, "create_token", (board, role, {**base, name: str(v)}))]
            if not ok:
                break
            choices[name], base[name] = ok, ok[0]
        else:
            if allowed(me, "create_token", (board, role, base)):
                out[role] = choices
    return out


def public_url(path: str) -> str:
    """`path` as a full address a TV can open: CONCORD_PUBLIC_URL if set, else the address
    this browser reached the app at (Host, X-Forwarded-Host/Proto behind a proxy)."""
    base = os.environ.get("CONCORD_PUBLIC_URL", "").rstrip("/")
    if not base:
        headers = st.context.headers or {}
        host = headers.get("X-Forwarded-Host") or headers.get("Host") or "localhost:8501"
        proto = headers.get("X-Forwarded-Proto") or "http"
        base = f"{proto.split(',')[0].strip()}://{host.split(',')[0].strip()}"
    return f"{base}{path}"


def qr_png(url: str) -> bytes:
    out = io.BytesIO()
    segno.make(url, error="m").save(out, kind="png", scale=6, border=2)
    return out.getvalue()


def screens(board: Board) -> None:
    me = ctx.principal()
    with st.expander(ctx.t("board.screens")):
        offered = screen_choices(board)
        if not offered:
            st.info(ctx.t("board.no_screen_roles"))
        else:
            a, b = st.columns([2, 1])
            role = a.selectbox(
                ctx.t("board.display_role"),
                list(offered),
                format_func=ctx.frozen(ctx.role_label, list(offered)),  # labels fixed in this run's language
                key=f"dr_{board.id}_{ctx.lang()}",
            )
            days = b.number_input(ctx.t("board.days"), 1, 366, tokens.DEFAULT_DAYS, key=f"dd_{board.id}")
            attributes = {}
            for name, values in offered[role].items():
                attributes[name] = st.selectbox(
                    ctx.t("board.screen_attribute", role=ctx.role_label(role), what=ctx.dimension_label(name)),
                    values,
                    format_func=lambda v, d=name: ctx.member_label(d, v),
                    key=f"da_{board.id}_{role}_{name}",
                )
            if st.button(ctx.t("board.create_link"), key=f"mk_{board.id}"):
                try:
                    token = tokens.create(board.id, role, me, int(days), attributes)
                except SemanticError as err:
                    st.error(plain(err))
                else:
                    url = public_url(f"/?board={board.id}&kiosk=1&token={token}")
                    st.info(ctx.t("board.link_once"))
                    st.code(url, language=None, wrap_lines=True)
                    st.image(qr_png(url), caption=ctx.t("board.qr"), width=220)
        for row in tokens.listed(board.id):
            x, y = st.columns([5, 1])
            who = ctx.role_label(row["display_role"]) + "".join(
                f" · {ctx.dimension_label(k)}: {ctx.member_label(k, v)}" for k, v in sorted(row["attributes"].items())
            )
            state = ctx.t(f"board.link_{row['status']}", date=row["expires_at"][:10])
            used = row["last_used_at"][:16].replace("T", " ") if row["last_used_at"] else "—"
            x.caption(plain(ctx.t("board.link_row", id=row["id"], who=who, state=state, used=used)))
            if not row["revoked_at"] and y.button(ctx.t("board.revoke"), key=f"rv_{row['id']}"):
                try:
                    tokens.revoke(row["id"], me)
                except SemanticError as err:
                    y.error(plain(err))
                else:
                    st.rerun()


def render() -> None:
    st.title(ctx.t("page.boards"))
    me = ctx.principal()
    if FLASH in st.session_state:
        st.success(plain(st.session_state.pop(FLASH)))
    with st.expander(ctx.t("board.import")):
        upload = st.file_uploader("JSON", type=["json"], key="import_board")
        if upload is not None and st.button(ctx.t("board.import"), key="import_go"):
            try:
                made = store.import_json(upload.getvalue().decode("utf-8", errors="replace"), me)
            except SemanticError as err:
                st.error(plain(err))
            else:  # open exactly the imported board: the picker forgets its old choice
                flash(ctx.t("board.imported", title=made.title))
                st.session_state.pop("board_pick", None)
                st.query_params["id"] = str(made.id)
                st.rerun()
    boards = store.visible(me)
    if not boards:
        st.info(ctx.t("board.none"))
        return
    ids = [b.id for b in boards]
    wanted = st.query_params.get("id")
    index = ids.index(int(wanted)) if wanted and wanted.isdigit() and int(wanted) in ids else 0
    people = {name: user.name for name, user in load_users().items()}  # owners as people know them
    board = st.selectbox(
        ctx.t("board.pick"),
        boards,
        index=index,
        format_func=lambda b: f"{b.title} ({people.get(b.owner, b.owner)})",
        key="board_pick",
    )
    st.query_params["id"] = str(board.id)
    if board.description:
        st.text(board.description)
    st.link_button(ctx.t("board.open_screen"), f"/?board={board.id}&kiosk=1")
    _, selected = cross_filter(board)
    if selected:
        shown = "; ".join(
            f"{ctx.dimension_label(d)}: {', '.join(ctx.member_label(d, v) for v in vs)}" for d, vs in selected.items()
        )
        if st.button(f"✕ {plain(ctx.t('drill.selection'))}: {plain(shown)}", key=f"xf_{board.id}"):
            set_cross_filter(board, None, {})
            st.rerun()
    grid(board, me)
    if store.can_edit(board, me):
        editor(board)


ctx.guard(render)
