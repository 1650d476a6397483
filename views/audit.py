"""Audit log (users granted manage_users): every query, login, slow-down, unlock
and screen-token use; and the sign-in slow-downs in force, each with an Unlock button."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from semantic.authorize import allowed, authorize
from semantic.compile.spoken import spoken
from semantic.errors import PolicyError
from ui import context as ctx
from ui.table import show


def render() -> None:
    from auth.audit import read_events

    st.title(ctx.t("page.audit"))
    try:  # the page is hidden too; this is the lock
        authorize(ctx.principal(), "manage_users", library=ctx.library())
    except PolicyError as err:
        st.error(ctx.t("error.page", message=str(err)))
        return
    slowed_down()
    screen_links()
    a, b, c = st.columns(3)
    since = a.date_input(ctx.t("audit.since"), dt.date.today() - dt.timedelta(days=7), key="audit_since")
    user = b.text_input(ctx.t("audit.user"), key="audit_user").strip() or None
    kind = c.selectbox(
        ctx.t("audit.kind"),
        KINDS,
        index=None,
        format_func=lambda k: ctx.t(f"audit.kind.{k}"),
        placeholder=ctx.t("audit.all_kinds"),
        key="audit_kind",
    )
    events = read_events(since, username=user, kind=kind)
    if not events:
        st.info(ctx.t("audit.none"))
        return
    table(pd.DataFrame(events))


KINDS = ("query", "login_ok", "login_cookie", "login_failed", "login_refused", "lockout", "unlock", "logout")
KINDS += ("token_use", "account")
# the budget round (data/budget): each change's before and after are in the version's Changes tab
KINDS += tuple(f"budget_{a}" for a in ("create", "save", "spread", "top_down", "submit", "review"))
KINDS += tuple(f"budget_{a}" for a in ("submit_version", "approve", "return", "lock", "transfer"))
# who did what first (the message says to whom and by whom), then the query's details
SHOWN = ("at", "kind", "username", "outcome", "message", "source", "roles", "metrics", "dimensions", "where_text")
SHOWN += ("time_from", "time_to", "rows", "duration_ms")
OUTCOMES = ("ok", "refused", "error")


def table(frame: pd.DataFrame) -> None:
    """The events through the one table helper (ui.table.show): headers and kinds in the user's language
    (the id column is not shown), dates as dates, counts and durations as right-aligned numbers; an
    empty text cell is empty, an empty number or date "—", never "None"."""
    frame = frame[[c for c in SHOWN if c in frame.columns]].copy()
    frame["at"] = frame["at"].str.slice(0, 19).str.replace("T", " ")
    text = [c for c in frame.columns if c not in NUMBERS + DATES]
    frame[text] = frame[text].astype(object).where(frame[text].notna(), "")
    show(
        frame,
        key="audit_events",
        labels={c: ctx.t(f"audit.col.{c}") for c in frame.columns},
        formats={"rows": "count", "duration_ms": "number"} | {c: "date" for c in DATES},
        values={
            "kind": lambda k: ctx.t(f"audit.kind.{k}") if k in KINDS else k,
            "outcome": lambda o: ctx.t(f"audit.outcome.{o}") if o in OUTCOMES else o,
            "metrics": lambda names: _names(names, ctx.metric_label),
            "dimensions": lambda names: _names(names, ctx.dimension_label),
            "roles": lambda names: _names(names, ctx.role_label),
            "source": _source,
            "where_text": lambda where: spoken(where, ctx.library(), ctx.lang()),  # members by their labels
        },
        widths={"message": "medium"},
    )


def _names(text: str, label) -> str:
    """A comma-separated list of names (metrics, dimensions, roles) as their labels."""
    return ("、" if ctx.lang() == "zh" else ", ").join(label(n) for n in str(text or "").split(",") if n)


SOURCES = {  # where a recorded event came from, as people say it
    "app": {"en": "Sign-in", "zh": "登录"},
    "app:audit": {"en": "Audit log", "zh": "审计日志"},
    "drill_through": {"en": "Underlying rows", "zh": "明细数据"},
    "members": {"en": "Filter choices", "zh": "筛选选项"},
    "kiosk": {"en": "Office screen", "zh": "大屏"},
    "cli": {"en": "Command line", "zh": "命令行"},
    "cli:query": {"en": "Command line", "zh": "命令行"},
    "board": {"en": "Board {n}", "zh": "看板 {n}"},
    "alert": {"en": "Alert check, board {n}", "zh": "预警检查，看板 {n}"},
    "export": {"en": "{what} (download)", "zh": "{what}（下载）"},
}


def _source(source: str) -> str:
    """'page:explore' as the page's title (Explore / 自助分析), 'board:3' as 'Board 3', a download
    as '… (download)'; an unknown source as recorded."""
    lang, source = ctx.lang(), str(source or "")
    if source.endswith(":export"):
        return SOURCES["export"][lang].format(what=_source(source.removesuffix(":export")))
    if source in SOURCES:
        return SOURCES[source][lang]
    kind, _, name = source.partition(":")
    if kind == "page" and ctx.t(f"page.{name}") != f"page.{name}":
        return ctx.t(f"page.{name}")
    if kind in ("board", "alert") and name.isdigit():
        return SOURCES[kind][lang].format(n=name)
    return source


NUMBERS = ("rows", "duration_ms")
DATES = ("time_from", "time_to")


def slowed_down() -> None:
    """Who is slowed down now, from where and until when; Unlock forgets that user's failures."""
    from auth import audit, throttle
    from auth.login import local_time
    from auth.messages import say

    lang = ctx.lang()
    rows = throttle.slowed_users()
    if not rows:
        st.caption(say("none_slowed", lang))
        return
    st.subheader(say("slowed_title", lang))
    for i, (username, address, wait) in enumerate(rows):
        left, right = st.columns([4, 1])
        left.text(
            say(
                "slowed_row", lang, user=username, address=address, until=local_time(wait.until), failures=wait.failures
            )
        )
        if right.button(say("unlock", lang), key=f"unlock_{i}_{username}"):
            authorize(ctx.principal(), "manage_users", library=ctx.library())
            cleared = throttle.unlock(username)
            audit.record_login(
                username,
                "unlock",
                f"{cleared} failed attempts cleared by {ctx.principal().username}",
                source="app:audit",
            )
            st.rerun()


SCREEN_TEXT = {
    "en": {
        "title": "Screen links",
        "none": "No screen links.",
        "revoke": "Revoke",
        "row": "#{id} · board {board} · {role} · by {creator} · {status} · until {expires} · last used {used}",
    },
    "zh": {
        "title": "大屏链接",
        "none": "没有大屏链接。",
        "revoke": "撤销",
        "row": "#{id} · 看板 {board} · {role} · 创建人 {creator} · {status} · 有效至 {expires} · 最近使用 {used}",
    },
}


def screen_links() -> None:
    """Every screen link of every board, for users granted manage_tokens; each active one can be revoked
    (a link of a disabled creator shows as suspended)."""
    from boards import tokens

    me = ctx.principal()
    if not allowed(me, "manage_tokens", library=ctx.library()):
        return
    say = SCREEN_TEXT[ctx.lang()]
    st.subheader(say["title"])
    rows = tokens.all_tokens(me)
    if not rows:
        st.caption(say["none"])
        return
    for row in rows:
        left, right = st.columns([5, 1])
        status = row["status"] + (f" ({row['suspended']})" if row["suspended"] else "")
        left.text(
            say["row"].format(
                id=row["id"],
                board=row["board_title"] or row["board_id"],
                role=row["display_role"],
                creator=row["created_by"],
                status=status,
                expires=(row["expires_at"] or "")[:10],
                used=row["last_used_at"] or "—",
            )
        )
        if not row["revoked_at"] and right.button(say["revoke"], key=f"revoke_token_{row['id']}"):
            tokens.revoke(row["id"], me)
            st.rerun()


ctx.guard(render)
