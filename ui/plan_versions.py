"""Versions on the budget planning page: every version with its year, kind, status and each department's
status; and finance's New version form: seeded from last year's actuals (asked of the semantic layer as the
user) or another version, with growth drivers and one-off adjustments, previewed by department before it is
created."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

import pandas as pd
import streamlit as st

from data import budget
from semantic import SemanticError
from ui import context as ctx
from ui import plan_common as pc
from ui.table import show

ACTUALS = "__actuals__"


def listing() -> None:
    versions = sorted(budget.versions(), key=lambda v: (-v.year, v.name))
    if not versions:
        st.info(ctx.t("plan.no_versions"))
        return
    rows = []
    for v in versions:
        row = {
            "name": v.name,
            "year": str(v.year),
            "kind": ctx.t(f"plan.kind.{v.kind}")
            + (f" ({v.switch_month}+{12 - v.switch_month})" if v.switch_month else ""),
            "status": pc.status(v.status),
            "by": ctx.person(v.created_by) if v.created_by else "—",
            "at": pc.when(v.created_at),
        }
        for d in budget.departments(v.name):
            row[d.department] = pc.status(d.status)
        rows.append(row)
    frame = pd.DataFrame(rows).fillna("—")
    labels = {
        "name": ctx.t("plan.version"),
        "year": ctx.t("plan.year"),
        "kind": ctx.t("plan.kind"),
        "status": ctx.t("plan.status"),
        "by": ctx.t("plan.created_by"),
        "at": ctx.t("plan.created_at"),
    }
    labels |= {c: pc.dept(c) for c in frame.columns if c not in labels}
    show(frame, labels=labels, key="bp_versions")


def _decimal(value) -> Decimal | None:
    if value is None or (isinstance(value, float) and pd.isna(value)) or str(value).strip() == "":
        return None
    try:
        out = Decimal(str(value).replace(",", "").strip())
    except InvalidOperation:
        return None
    return out if out.is_finite() else None


def _drivers(company: float, rows: pd.DataFrame) -> list:
    out = [budget.Driver("all", "", Decimal(str(company)))] if company else []
    for r in rows.itertuples(index=False):
        pct = _decimal(r.pct)
        if r.dimension and r.member and pct is not None:
            out.append(budget.Driver(str(r.dimension), str(r.member), pct))
    return out


def _adjustments(rows: pd.DataFrame, year: int) -> list:
    out = []
    for r in rows.itertuples(index=False):
        amount = _decimal(r.amount)
        if amount is None or not (r.department and r.account and r.region and r.month):
            continue
        out.append(
            budget.Adjustment(dt.date(year, int(r.month), 1), r.department, r.account, r.region, amount, r.note or "")
        )
    return out


def new_version() -> None:
    """Finance's form: name, year, kind, seed, drivers, adjustments; a preview by department, then Create."""
    me = ctx.principal()
    last_day = ctx.as_of() or dt.date.today()
    a, b, c, d = st.columns(4)
    year = a.number_input(ctx.t("plan.year"), 2000, 2100, last_day.year + 1, key="bp_new_year")
    name = b.text_input(ctx.t("plan.name"), value=f"Budget FY{year}", key="bp_new_name")
    kind = c.selectbox(
        ctx.t("plan.kind"), ["budget", "forecast"], format_func=lambda k: ctx.t(f"plan.kind.{k}"), key="bp_new_kind"
    )
    switch = 0
    if kind == "forecast":
        switch = d.selectbox(
            ctx.t("plan.switch_month"), list(range(1, 12)), format_func=pc.month_label, key="bp_new_switch"
        )
    others = [v.name for v in budget.versions()]
    sources = [ACTUALS, *others]
    source = st.selectbox(
        ctx.t("plan.seed_from"),
        sources,
        format_func=lambda s: ctx.t("plan.seed_actuals", year=int(year) - 1) if s == ACTUALS else s,
        key="bp_new_source",
    )
    company = st.number_input(
        ctx.t("plan.company_growth"), -100.0, 1000.0, 0.0, 0.5, format="%.2f", key="bp_new_growth"
    )
    st.caption(ctx.t("plan.drivers_help"))
    drivers = st.data_editor(
        pd.DataFrame(
            {"dimension": pd.Series(dtype=str), "member": pd.Series(dtype=str), "pct": pd.Series(dtype=float)}
        ),
        column_config={
            "dimension": st.column_config.SelectboxColumn(
                ctx.t("plan.driver_dimension"), options=["department", "account", "region"]
            ),
            "member": st.column_config.TextColumn(ctx.t("plan.driver_member")),
            "pct": st.column_config.NumberColumn(ctx.t("plan.driver_pct"), format="%.2f"),
        },
        num_rows="dynamic",
        hide_index=True,
        key="bp_new_drivers",
    )
    st.caption(ctx.t("plan.adjust_help"))
    adjust = st.data_editor(
        pd.DataFrame(
            {
                "month": pd.Series(dtype="Int64"),
                "department": pd.Series(dtype=str),
                "account": pd.Series(dtype=str),
                "region": pd.Series(dtype=str),
                "amount": pd.Series(dtype=float),
                "note": pd.Series(dtype=str),
            }
        ),
        column_config={
            "month": st.column_config.NumberColumn(ctx.t("plan.month"), min_value=1, max_value=12, step=1),
            "department": st.column_config.TextColumn(ctx.t("plan.department")),
            "account": st.column_config.TextColumn(ctx.t("plan.account")),
            "region": st.column_config.TextColumn(ctx.t("plan.region")),
            "amount": st.column_config.NumberColumn(ctx.t("plan.amount"), format="%.2f"),
            "note": st.column_config.TextColumn(ctx.t("plan.note")),
        },
        num_rows="dynamic",
        hide_index=True,
        key="bp_new_adjust",
    )
    note = st.text_input(ctx.t("plan.note"), key="bp_new_note")
    if source == ACTUALS:
        base = pc.actuals(int(year) - 1)
    else:
        base = pc.safely(budget.lines, source, me)
    if base is None:
        return
    if base.empty:
        st.info(ctx.t("plan.seed_empty"))
        return
    base = base[["month", "department", "account", "region", "amount"]]
    try:
        seeded = budget.seed_lines(base, int(year), _drivers(company, drivers), _adjustments(adjust, int(year)))
    except SemanticError as err:
        pc.fail(err)
        return
    st.subheader(ctx.t("plan.preview"))
    was = base.groupby("department")["amount"].sum().map(lambda v: float(v))
    now = seeded.groupby("department")["amount"].sum().map(lambda v: float(v))
    preview = pd.DataFrame({"base": was, "new": now}).fillna(0.0)
    preview.loc[ctx.t("plan.total_row")] = preview.sum()
    preview["change"] = preview["new"] - preview["base"]
    preview["pct"] = [(c / b if b else None) for c, b in zip(preview["change"], preview["base"], strict=True)]
    preview = preview.reset_index(names="department")
    preview["department"] = preview["department"].map(pc.dept)
    show(
        preview,
        labels={
            "department": ctx.t("plan.department"),
            "base": ctx.t("plan.base_total"),
            "new": ctx.t("plan.new_total"),
            "change": ctx.t("plan.change"),
            "pct": ctx.t("plan.change_pct"),
        },
        formats={"base": "currency", "new": "currency", "change": "currency", "pct": "percent"},
        key="bp_preview",
    )
    if st.button(ctx.t("plan.create"), type="primary", key="bp_create"):
        based_on = f"actuals {int(year) - 1}" if source == ACTUALS else source
        made = pc.safely(
            budget.create,
            name.strip(),
            int(year),
            me,
            lines=seeded,
            kind=kind,
            switch_month=int(switch),
            based_on=based_on,
            note=note.strip(),
        )
        if made is not None:
            st.session_state["bp_version"] = made.name
            st.session_state["bp_done"] = ctx.t("plan.created", name=made.name)
            st.rerun()
