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

ICONS = {"pass": "✅", "fail": "❌", "error": "⚠️"}


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
    rows = []
    for name, check in checks.items():
        run = last.get(name)
        rows.append(
            {
                ctx.t("quality.status"): ICONS.get(run["status"], "") if run else "—",
                ctx.t("quality.check"): label(check.label, lang),
                ctx.t("quality.rule"): label(check.description, lang),
                ctx.t("quality.failing"): run["failing_rows"] if run else None,
                ctx.t("quality.blocking"): "●" if check.blocking else "",
                ctx.t("quality.last_run"): run["ran_at"].replace("T", " ")[:16] + " UTC"
                if run
                else ctx.t("quality.never"),
                "name": name,
            }
        )
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
    for name, check in checks.items():
        run = last.get(name)
        if run and run["status"] != "pass":
            with st.expander(f"{ICONS[run['status']]} {label(check.label, lang)} · {run['failing_rows']}"):
                if run["message"]:
                    st.error(plain(run["message"]))
                st.dataframe(pd.DataFrame(run["sample"]), hide_index=True, width="stretch")


ctx.guard(render)
