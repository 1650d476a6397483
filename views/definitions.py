"""Definitions (指标定义): the custom metrics and groupings users made in Explore.

Mine: share a draft with roles, save a new version, rename or delete it (refused while a tile uses
it). Shared with me: drafts others shared with my roles. Review (the certify_metrics permission):
each draft waiting for a certifier, with what changed, its SQL and sample numbers; certifying makes
it a library metric everyone granted its ingredients sees, listed first. Certified: all of them, and
how to export them to the library YAML in git."""

from __future__ import annotations

import streamlit as st

from data import custom_store
from semantic.authorize import allowed
from ui import context as ctx
from ui import custom_panels as panels
from ui.safe import plain


def render() -> None:
    st.title(ctx.t("page.definitions"))
    st.caption(ctx.t("defs.intro"))
    if "defs_done" in st.session_state:
        st.success(plain(st.session_state.pop("defs_done")))
    me = ctx.principal()
    everything = custom_store.definitions()
    mine = [d for d in everything if d.info.author == me.username]
    # another user's definition is listed only when the one authorisation lets this user run it
    theirs = [d for d in everything if d.info.author != me.username and panels.may_use(d)]
    shared = [d for d in theirs if not d.info.certified]
    certified = [d for d in mine + theirs if d.info.certified]
    certifier = allowed(me, "certify_metrics", library=ctx.library())
    names = [ctx.t("defs.tab.mine", n=len(mine)), ctx.t("defs.tab.shared", n=len(shared))]
    waiting = custom_store.pending() if certifier else ()
    if certifier:
        names.append(ctx.t("defs.tab.review", n=len(waiting)))
    names.append(ctx.t("defs.tab.certified", n=len(certified)))
    tabs = st.tabs(names)
    with tabs[0]:
        if not mine:
            st.info(ctx.t("defs.none_mine"))
        for definition in mine:
            with st.expander(panels.title(definition)):
                panels.overview(definition)
                panels.history(definition.name)
                panels.usage(definition.name)
                panels.sharing(definition, definition.name)
                with st.popover(ctx.t("defs.edit")):
                    panels.editing(definition, definition.name)
                with st.popover(ctx.t("defs.rename_or_delete")):
                    panels.removal(definition, definition.name)
    with tabs[1]:
        if not shared:
            st.info(ctx.t("defs.none_shared"))
        for definition in shared:
            with st.expander(panels.title(definition)):
                panels.overview(definition)
                panels.usage(definition.name)
    if certifier:
        with tabs[2]:
            if not waiting:
                st.info(ctx.t("defs.none_waiting"))
            for version in waiting:
                with st.container(border=True):
                    panels.review(version, f"{version.name}_{version.version}")
    with tabs[-1]:
        st.caption(ctx.t("defs.export_hint"))
        for definition in certified:
            with st.expander(panels.title(definition)):
                panels.overview(definition)
                panels.history(definition.name)
                panels.usage(definition.name)


ctx.guard(render)
