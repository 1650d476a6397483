"""Sources (数据源): every source in concord.toml, its last sync, the next, what went wrong, and "Sync now".

What a source is and where its password lives stays in concord.toml (never shown: the URL carries
no password, the password file's path is left out). The numbers come from the sync runs in the
metadata store (data.sync.runs), written by the app, its schedule and cron alike."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from data import config, schedule, sync
from semantic.authorize import allowed
from semantic.errors import SemanticError
from ui import context as ctx
from ui.i18n import label
from ui.safe import plain
from ui.table import show

STATES = {"ok": "green", "failed": "red", "running": "blue"}  # constant colours, never user text


def _when(text: str | None) -> str:
    if not text:
        return "—"
    when = dt.datetime.fromisoformat(text)
    when = when if when.tzinfo else when.replace(tzinfo=dt.UTC)
    return when.astimezone().strftime("%Y-%m-%d %H:%M")


def _took(run) -> str:
    """When a run started and how long it took: "2026-11-26 14:05 · 3.2 s"."""
    if run.seconds is None:
        return _when(run.started_at)
    return f"{_when(run.started_at)} · {ctx.t('sources.seconds', s=f'{run.seconds:,.1f}')}"


def _where(source) -> str:
    shown = source.shown()
    return shown.get("url") or shown.get("path") or "—"


def _runs_table(runs) -> None:
    rows = [
        {
            ctx.t("sources.col.started"): _when(r.started_at),
            ctx.t("sources.col.status"): ctx.t(f"sources.state.{r.status}"),
            ctx.t("sources.col.who"): r.who,
            ctx.t("sources.col.read"): r.rows_read,
            ctx.t("sources.col.inserted"): r.inserted,
            ctx.t("sources.col.updated"): r.updated,
            ctx.t("sources.col.deleted"): r.deleted,
            ctx.t("sources.col.seconds"): r.seconds,
            ctx.t("sources.col.error"): r.error,
        }
        for r in runs
    ]
    counts = ("read", "inserted", "updated", "deleted")
    show(
        pd.DataFrame(rows),
        formats={ctx.t(f"sources.col.{c}"): "count" for c in counts} | {ctx.t("sources.col.seconds"): "number"},
    )


def _source(name: str, source, last, last_ok, every: int) -> None:
    with st.container(border=True, key=f"source_{name}"):
        head, button = st.columns([5, 1])
        state = last.status if last else "never"
        head.subheader(name, anchor=False)
        head.caption(plain(f"{ctx.t(f'sources.kind.{source.kind}')} · {_where(source)} · {', '.join(source.tables)}"))
        if state != "never":
            head.badge(ctx.t(f"sources.state.{state}"), color=STATES[state])
        running = state == "running" or schedule.busy(name)
        if button.button(ctx.t("sources.sync_now"), key=f"sync_{name}", disabled=running, type="primary"):
            try:
                source.password()  # an unset password variable is said here, not lost in a thread
                if schedule.sync_in_background(name, who=ctx.principal().username):
                    st.toast(ctx.t("sources.started", name=name))
                st.rerun()
            except SemanticError as err:
                st.error(plain(ctx.said(err)))
        upcoming = schedule.next_run(every, last)
        facts = (
            ("sources.last_sync", _took(last) if last else ctx.t("sources.never")),
            ("sources.last_ok", _when(last_ok.finished_at) if last_ok else ctx.t("sources.never")),
            ("sources.data_date", (last_ok.as_of or "—") if last_ok else "—"),
            ("sources.next_run", _when(upcoming.isoformat()) if upcoming else ctx.t("sources.manual")),
        )
        for column, (key, value) in zip(st.columns(4), facts, strict=True):
            column.caption(ctx.t(key))
            column.markdown(f"**{value}**")  # dates and words of ours, never user text
        if last and last.status == "failed":
            st.error(plain(f"{ctx.t('sources.failed')}: {last.error}"))
        if last and last.tables:
            st.caption(ctx.t("sources.tables"))
            tables = ctx.library().tables
            show(
                pd.DataFrame(
                    [
                        {
                            ctx.t("sources.col.table"): label(tables[t].label, ctx.lang()) if t in tables else t,
                            **{ctx.t(f"sources.col.{k}"): v for k, v in n.items()},
                        }
                        for t, n in last.tables.items()
                    ]
                ),
                formats={ctx.t(f"sources.col.{k}"): "count" for k in ("read", "inserted", "updated", "deleted")},
            )
        if last and last.reconciliation:
            ok = all(r.get("ok", True) for r in last.reconciliation.values())
            st.caption(ctx.t("sources.reconciled_ok" if ok else "sources.reconciled_not"))
        with st.expander(ctx.t("sources.history")):
            _runs_table(sync.runs.history(name, 20))


def render() -> None:
    st.title(ctx.t("page.sources"))
    if not allowed(ctx.principal(), "manage_sources", library=ctx.library()):  # policies.yml grants it
        st.error(ctx.t("sources.refused"))
        return
    if (
        not ctx.duckdb_only()
    ):  # a sync writes the DuckDB warehouse: on PostgreSQL or Spark it would write the wrong place
        return
    try:
        settings = config.settle()
    except SemanticError as err:
        st.error(plain(ctx.said(err)))
        return
    if not settings.sources:
        st.info(ctx.t("sources.none"))
        return
    every = settings.sync.every_minutes
    st.caption(ctx.t("sources.every", n=every) if every else ctx.t("sources.no_schedule"))
    last, last_ok = sync.runs.latest(), sync.runs.latest(ok_only=True)
    for name, source in settings.sources.items():
        _source(name, source, last.get(name), last_ok.get(name), every)
    if any(r.status == "running" for r in last.values()) or any(schedule.busy(n) for n in settings.sources):
        _follow()


@st.fragment(run_every=2)
def _follow() -> None:
    """While a sync runs, look again every 2 s and redraw the page when it has finished."""
    if not any(r.status == "running" for r in sync.runs.latest().values()) and not any(
        schedule.busy(n) for n in config.settle().sources
    ):
        st.rerun()
    st.caption(ctx.t("sources.running"))


render()
