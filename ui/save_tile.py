"""'Save as tile': put a query on one of your boards (or a new one). The tile stores the query and its
chart setting, never the data or the SQL; Explore and Ask both offer it."""

from __future__ import annotations

import dataclasses

import streamlit as st

from semantic.errors import SemanticError
from ui import context as ctx
from ui.safe import plain


def save_tile_form(query, chart: str, title: str, key: str) -> None:
    from boards import store

    me = ctx.principal()
    own = [b for b in store.visible(me) if store.can_edit(b, me)]
    with st.expander(ctx.t("board.save_tile")), st.form(f"save_tile_{key}"):
        target = st.selectbox(
            ctx.t("board.to_board"),
            [None] + own,
            format_func=lambda b: ctx.t("board.new") if b is None else b.title,
            key=f"tile_board_{key}",
        )
        name = st.text_input(ctx.t("board.title"), title, key=f"new_tile_name_{key}")
        if st.form_submit_button(ctx.t("board.save_tile")):
            tile = store.Tile(query=query.with_(limit=None), title=name, chart=chart)
            board = target or store.Board(title=name, owner=me.username)
            try:
                saved = store.save(dataclasses.replace(board, tiles=board.tiles + (tile,)), me)
            except SemanticError as err:
                ctx.show_error(err)
            else:
                st.success(plain(ctx.t("board.tile_saved", board=saved.title)))
