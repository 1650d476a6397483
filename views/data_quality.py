"""Data quality (数据治理): each declared check with its status, failing rows, a
sample and when it last ran (from this page or from `python -m semantic check`)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from data import quality_runs
from semantic.authorize import allowed
from semantic.quality import load_checks, run_checks
from ui import context as ctx
from ui.i18n import label
from ui.safe import plain
from ui.table import show

COLOURS = {"pass": "#15803d", "fail": "#b91c1c", "error": "#b45309"}  # constant colours, never user text
BADGES = {"pass": "green", "fail": "red", "error": "orange"}


def render() -> None:
    st.title(ctx.t("page.quality"))
    if not allowed(ctx.principal(), "check_data_quality", library=ctx.library()):  # policies.yml grants it
        st.error(ctx.t("quality.refused", roles=", ".join(ctx.principal().roles) or "—"))
        return
    lang = ctx.lang()
    if st.button(ctx.t("quality.run"), type="primary", key="q_run"):
        with st.spinner(ctx.t("quality.running")):
            quality_runs.record(run_checks(ctx.warehouse()))
    last = quality_runs.latest()
    checks = load_checks()
    rows, status = [], ctx.t("quality.status")
    for name, check in checks.items():
        run = last.get(name)
        rows.append(
            {
                status: ctx.t(f"quality.state.{run['status']}") if run else "—",
                ctx.t("quality.check"): label(check.label, lang),
                ctx.t("quality.rule"): label(check.description, lang),
                ctx.t("quality.failing"): run["failing_rows"] if run else None,
                ctx.t("quality.blocking"): ctx.t("quality.blocking_yes") if check.blocking else "",
                ctx.t("quality.last_run"): run["ran_at"].replace("T", " ")[:16] + " UTC"
                if run
                else ctx.t("quality.never"),
            }
        )
    palette = {ctx.t(f"quality.state.{s}"): colour for s, colour in COLOURS.items()}
    show(pd.DataFrame(rows), colours={status: palette}, formats={ctx.t("quality.failing"): "count"})
    for name, check in checks.items():
        run = last.get(name)
        if run and run["status"] != "pass":
            state = ctx.t(f"quality.state.{run['status']}")
            failing = "—" if run["failing_rows"] is None else f"{run['failing_rows']:,}"
            with st.expander(f"{state} · {label(check.label, lang)} · {failing}"):
                st.badge(state, color=BADGES[run["status"]])
                if run["message"]:
                    st.error(plain(run["message"]))
                show(pd.DataFrame(run["sample"]))


ctx.guard(render)
