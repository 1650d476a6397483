"""What the budget planning page's parts share: who may do what (asked of semantic.authorize), month and
status labels, money as the rest of the app shows it, and the last year's actuals through the semantic layer."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pandas as pd
import streamlit as st

from data import budget
from semantic import SemanticError
from semantic.authorize import allowed
from semantic.query import make_query, member_filter
from ui import context as ctx
from ui.fmt import format_value

MONTH_COLUMNS = [f"m{m:02d}" for m in range(1, 13)]
EN_MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
SOURCE = "page:budget_plan"


def roles() -> tuple[bool, bool, str | None]:
    """(plans: plan_budget, approves: approve_budget, own department a department head may edit or None)."""
    me, lib = ctx.principal(), ctx.library()
    planner = allowed(me, "plan_budget", library=lib)
    approver = allowed(me, "approve_budget", library=lib)
    own = me.attributes.get("department")
    edits = bool(own) and allowed(me, "edit_budget_lines", own, library=lib)
    return planner, approver, own if edits and not planner else None


def granting() -> list[str]:
    """The roles of policies.yml that open the page (plan_budget, approve_budget or a department's
    edit_budget_lines), each asked of semantic.authorize as a user holding only that role."""
    from semantic import Principal
    from semantic.policy import attributes_needed, default_policy

    lib = ctx.library()
    policy = default_policy(lib)
    out = []
    for role in policy.roles:
        who = Principal(f"role:{role}", (role,), {a: "-" for a in attributes_needed(policy, (role,))})
        actions = (("plan_budget", None), ("approve_budget", None), ("edit_budget_lines", "-"))
        if any(allowed(who, action, resource, library=lib) for action, resource in actions):
            out.append(role)
    return out


def month_label(m: int) -> str:
    return f"{m}月" if ctx.lang() == "zh" else EN_MONTHS[m - 1]


def month_text(day) -> str:
    """2026-03-01 as 'Mar 2026' / '2026年3月' (never 00:00:00)."""
    day = pd.Timestamp(day)
    return f"{day.year}年{day.month}月" if ctx.lang() == "zh" else f"{EN_MONTHS[day.month - 1]} {day.year}"


def when(value) -> str:
    """A stored time as 'YYYY-MM-DD HH:MM' (no seconds), '—' when empty."""
    if value is None or value == "" or (isinstance(value, float) and pd.isna(value)):
        return "—"
    try:
        return pd.Timestamp(value).strftime("%Y-%m-%d %H:%M")
    except (ValueError, TypeError):
        return str(value)


def money(value) -> str:
    return format_value(None if value is None else float(value), "currency", ctx.lang(), short=False)


def short_money(value) -> str:
    return format_value(None if value is None else float(value), "currency", ctx.lang(), short=True)


def status(value: str) -> str:
    return ctx.t(f"plan.status.{value}")


def dept(value: str) -> str:
    return ctx.member_label("department", value)


def fail(err: Exception) -> None:
    """A refusal from the store or the layer as one line in the user's language."""
    ctx.show_error(err)


def pick_version(label_key: str, key: str, keep=None):
    """A selectbox of versions (newest first) filtered by `keep`; None (having said so) when there is none."""
    versions = [v for v in sorted(budget.versions(), key=lambda v: (-v.year, v.name)) if keep is None or keep(v)]
    if not versions:
        st.info(ctx.t("plan.no_versions"))
        return None
    names = [v.name for v in versions]
    chosen = st.session_state.get("bp_version")
    index = names.index(chosen) if chosen in names else 0
    shown = {v.name: f"{v.name} · {v.year} · {ctx.t('plan.kind.' + v.kind)} · {status(v.status)}" for v in versions}
    # one widget per language: a selectbox shows the label it was made with, so a switch of language
    # would leave '… · Budget · Draft' in a Chinese page; the choice itself is kept in bp_version
    name = st.selectbox(ctx.t(label_key), names, index=index, format_func=shown.get, key=f"{key}|{ctx.lang()}")
    st.session_state["bp_version"] = name
    return next(v for v in versions if v.name == name)


def actuals(year: int, department: str | None = None) -> pd.DataFrame | None:
    """Expense of `year` by month, department, account and region, asked of the semantic layer as the user
    (their row policy applies): columns month (date), department, account, region, amount (Decimal)."""
    where = member_filter({"department": [department]}) if department else None
    query = make_query(
        metrics=("expense",),
        group_by=("metric_time__month", "department", "account", "region"),
        time_from=dt.date(year, 1, 1),
        time_to=dt.date(year, 12, 31),
        where=where,
    )
    result = ctx.ask(query, SOURCE, max_rows=ctx.EXPORT_ROWS)
    if result is None:
        return None
    frame = result.frame.rename(columns={"metric_time__month": "month", "expense": "amount"})
    if frame.empty:
        return pd.DataFrame(columns=["month", "department", "account", "region", "amount"])
    frame["month"] = pd.to_datetime(frame["month"]).dt.date
    frame["amount"] = frame["amount"].map(lambda v: Decimal(str(v)).quantize(Decimal("0.01")))
    return frame[["month", "department", "account", "region", "amount"]]


def safely(action, *args, **kw):
    """Run a store action; a refusal (the store's or the layer's) is shown in one line and None returned."""
    try:
        return action(*args, **kw)
    except SemanticError as err:
        fail(err)
        return None
