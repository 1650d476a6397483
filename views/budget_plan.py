"""Budget planning (预算编制): versions seeded from last year's actuals or another version; each department's
grid (a department head sees only their own); spreading and top-down; the Excel round trip; the round of
submit, review, approve and lock; transfers within an approved budget; every change with before and after.

Who may do what is asked of semantic.authorize (plan_budget, approve_budget, edit_budget_lines); the store
(data.budget) asks again on every write."""

from __future__ import annotations

import streamlit as st

from data import budget
from ui import context as ctx
from ui import plan_common as pc
from ui import plan_flow, plan_grid, plan_tools, plan_versions
from ui.safe import plain


def _department(version, planner: bool, own: str | None) -> str | None:
    """The department whose grid shows: a department head's own (no picker); finance picks one."""
    if not planner:
        return own
    names = [s.department for s in budget.departments(version.name)]
    if not names:
        return None
    return st.selectbox(ctx.t("plan.department"), names, format_func=pc.dept, key="bp_dept")


def render() -> None:
    title = ctx.t("page.budget_plan")
    planner, approver, own = pc.roles()
    if not (planner or approver or own):
        ctx.no_access(title, pc.granting())
        return
    st.title(title)
    st.caption(ctx.t("plan.intro"))
    notice = st.empty()  # always there, so the tabs keep their place (and the open tab) after a rerun
    if "bp_done" in st.session_state:
        notice.success(plain(st.session_state.pop("bp_done")))
    names = [ctx.t("plan.tab.grid"), ctx.t("plan.tab.round")]
    if planner or approver:
        names.insert(0, ctx.t("plan.tab.versions"))
    names += [ctx.t("plan.tab.transfers"), ctx.t("plan.tab.changes")]
    tabs = dict(zip(["versions", "grid", "round", "transfers", "changes"][-len(names) :], st.tabs(names), strict=True))
    if "versions" in tabs:
        with tabs["versions"]:
            plan_versions.listing()
            if planner:
                with st.expander(ctx.t("plan.new_version"), expanded=not budget.versions()):
                    plan_versions.new_version()
    version = None
    with tabs["grid"]:
        version = pc.pick_version("plan.version", "bp_version_pick")
        if version is not None:
            department = _department(version, planner, own)
            if department:
                status = next((s for s in budget.departments(version.name) if s.department == department), None)
                open_ = version.status == "draft" and (planner or (status and status.status in ("open", "returned")))
                if status is not None:
                    st.caption(
                        ctx.t("plan.department_status", dept=pc.dept(department), status=pc.status(status.status))
                    )
                plan_grid.grid(version, department, bool(open_))
                if open_:
                    with st.expander(ctx.t("plan.spread_title")):
                        plan_tools.spread_tool(version, department)
                    if planner:
                        with st.expander(ctx.t("plan.top_down_title")):
                            plan_tools.top_down_tool(version)
                    with st.expander(ctx.t("plan.excel_title")):
                        plan_grid.excel_round_trip(version, department)
    if version is None:
        return
    with tabs["round"]:
        if own:
            plan_flow.department_head(version, own)
        if planner:
            plan_flow.finance(version)
        if approver:
            st.divider()
            plan_flow.approver(version)
    with tabs["transfers"]:
        plan_flow.transfers(version, planner)
    with tabs["changes"]:
        plan_flow.changes(version, own)


ctx.guard(render)
