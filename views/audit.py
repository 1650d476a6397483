"""Audit log (admins): every query, login, lockout and screen-token use."""
from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from semantic.policy import access_for
from ui import context as ctx


def render() -> None:
    from auth.audit import read_events

    st.title(ctx.t("page.audit"))
    if not access_for(ctx.principal(), ctx.library()).manages_users:  # the page is hidden too; this is the lock
        st.error(ctx.t("error.page", message="administrators only"))
        return
    a, b, c = st.columns(3)
    since = a.date_input(ctx.t("audit.since"), dt.date.today() - dt.timedelta(days=7), key="audit_since")
    user = b.text_input(ctx.t("audit.user"), key="audit_user").strip() or None
    kind = c.selectbox(ctx.t("audit.kind"), [None, "query", "login_ok", "login_failed", "lockout", "logout",
                                              "token_use"], key="audit_kind")
    events = read_events(since, username=user, kind=kind)
    if not events:
        st.info(ctx.t("audit.none"))
        return
    st.dataframe(pd.DataFrame(events), hide_index=True, width="stretch")


ctx.guard(render)
