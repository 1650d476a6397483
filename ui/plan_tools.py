"""The spreading tools of the budget planning page: a yearly or quarterly total of one line spread to its
months (proportional to last year, equally, or by a profile), and finance's top-down from a company total to
departments by share. Both save through the store with the revision the grid was opened at."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

import pandas as pd
import streamlit as st

from data import budget
from ui import context as ctx
from ui import plan_common as pc
from ui import plan_grid

PERIODS = {"year": range(1, 13), "Q1": range(1, 4), "Q2": range(4, 7), "Q3": range(7, 10), "Q4": range(10, 13)}


def _amount(text: str) -> Decimal | None:
    try:
        value = Decimal(str(text).replace(",", "").strip())
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def profile_label(name: str) -> str:
    labels = getattr(budget, "PROFILE_LABELS", {}).get(name)
    if isinstance(labels, dict):
        return labels.get(ctx.lang()) or labels.get("en") or name
    return ctx.t(f"plan.profile.{name}") if ctx.t(f"plan.profile.{name}") != f"plan.profile.{name}" else name


def spread_tool(version, department: str) -> None:
    me = ctx.principal()
    lines = pc.safely(budget.lines, version.name, me, department)
    if lines is None or lines.empty:
        return
    pairs = sorted(set(zip(lines["account"], lines["region"], strict=True)))
    a, b, c, d = st.columns(4)
    pair = a.selectbox(
        ctx.t("plan.line"),
        pairs,
        format_func=lambda p: f"{ctx.member_label('account', p[0])} · {ctx.member_label('region', p[1])}",
        key="bp_sp_line",
    )
    period = b.selectbox(
        ctx.t("plan.period"), list(PERIODS), format_func=lambda p: ctx.t(f"plan.period.{p}"), key="bp_sp_period"
    )
    total_text = c.text_input(ctx.t("plan.spread_total"), key="bp_sp_total")
    methods = ["last_year", "equal", *[p for p in budget.PROFILES if p != "equal"]]
    method = d.selectbox(
        ctx.t("plan.method"),
        methods,
        format_func=lambda m: ctx.t(f"plan.method.{m}") if m in ("last_year", "equal") else profile_label(m),
        key="bp_sp_method",
    )
    if not st.button(ctx.t("plan.spread"), key="bp_sp_go"):
        return
    total = _amount(total_text)
    if total is None:
        st.error(ctx.t("plan.not_amount", text=total_text[:40]))
        return
    months = list(PERIODS[period])
    if method == "last_year":
        actual = pc.actuals(version.year - 1, department)
        if actual is None:
            return
        mine = actual[(actual["account"] == pair[0]) & (actual["region"] == pair[1])]
        by_month = {pd.Timestamp(m).month: v for m, v in zip(mine["month"], mine["amount"], strict=True)}
        weights = [by_month.get(m, Decimal(0)) for m in months]
    elif method == "equal":
        weights = [Decimal(1)] * len(months)
    else:
        profile = budget.PROFILES[method]
        weights = [Decimal(str(profile[m - 1])) for m in months]
    saved = pc.safely(
        budget.spread_into,
        version.name,
        department,
        pair[0],
        pair[1],
        me,
        total=total,
        period=period,
        weights=weights,
        expected_revision=plan_grid.opened_revision(version, department),
    )
    if saved is not None:
        plan_grid.reload(version, department)
        st.session_state["bp_done"] = ctx.t("plan.saved", n=len(saved.changes))
        st.rerun()


def top_down_tool(version) -> None:
    """Finance: a company total to departments by share (default: their current shares)."""
    statuses = pc.safely(budget.departments, version.name)
    if not statuses:
        return
    lines = pc.safely(budget.lines, version.name, ctx.principal())
    if lines is None or lines.empty:
        return
    totals = {d: Decimal(str(v)) for d, v in lines.groupby("department")["amount"].sum().items()}
    shares = budget.top_down_shares(totals)
    current = sum(totals.values(), Decimal(0))
    total_text = st.text_input(ctx.t("plan.company_total"), value=f"{current:.2f}", key="bp_td_total")
    frame = pd.DataFrame(
        {
            "department": list(shares),
            "label": [pc.dept(d) for d in shares],
            "now": [float(totals.get(d, 0)) for d in shares],
            "share": [float(s) * 100 for s in shares.values()],
        }
    )
    edited = st.data_editor(
        frame,
        column_config={
            "department": None,
            "label": st.column_config.TextColumn(ctx.t("plan.department"), disabled=True),
            "now": st.column_config.NumberColumn(ctx.t("plan.current_total"), format="accounting", disabled=True),
            "share": st.column_config.NumberColumn(ctx.t("plan.share_pct"), format="%.2f%%", min_value=0.0),
        },
        hide_index=True,
        num_rows="fixed",
        key=f"bp_td_shares|{version.name}",
    )
    if not st.button(ctx.t("plan.apply_top_down"), key="bp_td_go"):
        return
    total = _amount(total_text)
    if total is None:
        st.error(ctx.t("plan.not_amount", text=total_text[:40]))
        return
    chosen = {d: Decimal(str(round(s, 6))) / 100 for d, s in zip(edited["department"], edited["share"], strict=True)}
    drift = Decimal(1) - sum(chosen.values(), Decimal(0))
    if abs(drift) <= Decimal("0.0001") and chosen:  # the last department takes what rounding of the shown % left
        last = list(chosen)[-1]
        chosen[last] += drift
    expected = {s.department: plan_grid.opened_revision(version, s.department) for s in statuses}
    saved = pc.safely(budget.top_down, version.name, ctx.principal(), total=total, shares=chosen, expected=expected)
    if saved is not None:
        for s in statuses:
            plan_grid.reload(version, s.department)
        st.session_state["bp_done"] = ctx.t("plan.top_down_done", total=pc.money(total))
        st.rerun()
