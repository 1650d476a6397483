"""The budget round on the planning page: a department head submits (seeing finance's comments per line);
finance sees every department's status, comments on, returns or accepts each line and submits the version;
the CFO approves (locks the cells), returns with a comment or locks; an approved version takes transfers;
every change with before and after."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

import pandas as pd
import streamlit as st

from data import budget
from ui import context as ctx
from ui import plan_common as pc
from ui.safe import plain
from ui.table import show


def _done(key: str, **values) -> None:
    st.session_state["bp_done"] = ctx.t(key, **values)
    st.rerun()


def comments_table(version, department: str | None) -> None:
    notes = budget.comments(version.name, department)
    if not notes:
        st.caption(ctx.t("plan.no_comments"))
        return
    frame = pd.DataFrame(
        [
            {
                "department": pc.dept(n.department),
                "account": ctx.member_label("account", n.account),
                "verdict": ctx.t(f"plan.verdict.{n.verdict}"),
                "text": n.text,
                "author": ctx.person(n.author),
                "at": pc.when(n.at),
            }
            for n in notes
        ]
    )
    show(
        frame,
        labels={
            "department": ctx.t("plan.department"),
            "account": ctx.t("plan.account"),
            "verdict": ctx.t("plan.verdict"),
            "text": ctx.t("plan.comment"),
            "author": ctx.t("plan.by"),
            "at": ctx.t("plan.at"),
        },
        key=f"bp_comments|{department}",
    )


def statuses_table(version) -> list:
    statuses = budget.departments(version.name)
    frame = pd.DataFrame(
        [
            {
                "department": pc.dept(s.department),
                "status": pc.status(s.status),
                "revision": str(s.revision),
                "saved_by": ctx.person(s.saved_by) if s.saved_by else "—",
                "saved_at": pc.when(s.saved_at),
            }
            for s in statuses
        ]
    )
    if not frame.empty:
        show(
            frame,
            labels={
                "department": ctx.t("plan.department"),
                "status": ctx.t("plan.status"),
                "revision": ctx.t("plan.revision"),
                "saved_by": ctx.t("plan.saved_by"),
                "saved_at": ctx.t("plan.saved_at"),
            },
            key="bp_statuses",
        )
    return list(statuses)


def department_head(version, own: str) -> None:
    mine = next((s for s in budget.departments(version.name) if s.department == own), None)
    state = pc.status(mine.status) if mine else "—"
    st.markdown(ctx.t("plan.your_status", dept=pc.dept(own), status=state))
    comments_table(version, own)
    if version.status == "draft" and mine is not None and mine.status in ("open", "returned"):
        if st.button(ctx.t("plan.submit_department", dept=pc.dept(own)), type="primary", key="bp_submit_dept"):
            pc.safely(budget.submit, version.name, own, ctx.principal())
            if _submitted(version, own):
                _done("plan.department_submitted", dept=pc.dept(own))


def _submitted(version, department: str) -> bool:
    return any(s.department == department and s.status == "submitted" for s in budget.departments(version.name))


def finance(version) -> None:
    me = ctx.principal()
    statuses = statuses_table(version)
    if version.status != "draft":
        st.caption(ctx.t("plan.version_is", status=pc.status(version.status)))
    else:
        departments = [s.department for s in statuses]
        if departments:
            a, b = st.columns(2)
            department = a.selectbox(
                ctx.t("plan.review_department"), departments, format_func=pc.dept, key="bp_rev_dept"
            )
            lines = pc.safely(budget.lines, version.name, me, department)
            accounts = sorted(set(lines["account"])) if lines is not None and not lines.empty else []
            account = b.selectbox(
                ctx.t("plan.account"), accounts, format_func=lambda v: ctx.member_label("account", v), key="bp_rev_acct"
            )
            text = st.text_input(ctx.t("plan.comment"), key="bp_rev_text")
            c = st.columns(3)
            for i, verdict in enumerate(("accept", "return", "comment")):
                if c[i].button(ctx.t(f"plan.do.{verdict}"), key=f"bp_rev_{verdict}", disabled=account is None):
                    done = pc.safely(
                        budget.review, version.name, department, account, me, verdict=verdict, text=text.strip()
                    )
                    if done is not None or _reviewed(version, department, account, verdict):
                        _done(f"plan.reviewed.{verdict}", dept=pc.dept(department), account=account)
        waiting = [s.department for s in statuses if s.status == "submitted"]
        if waiting:
            st.caption(ctx.t("plan.accept_whole"))
            row = st.columns(max(len(waiting), 3))
            for i, department in enumerate(waiting):
                label = ctx.t("plan.accept_department", dept=pc.dept(department))
                if row[i].button(label, key=f"bp_rev_all|{department}"):
                    _accept_all(version, department)
        comments_table(version, None)
        ready = bool(statuses) and all(s.status == "accepted" for s in statuses)
        if not ready:
            st.caption(ctx.t("plan.not_ready"))
        if st.button(ctx.t("plan.submit_version"), type="primary", disabled=not ready, key="bp_submit_version"):
            pc.safely(budget.submit_version, version.name, me)
            if budget.find(version.name).status == "submitted":
                _done("plan.version_submitted", name=version.name)


def _accept_all(version, department: str) -> None:
    """Accept each line (account) of a submitted department; stops at the first refusal (shown)."""
    lines = pc.safely(budget.lines, version.name, ctx.principal(), department)
    if lines is None:
        return
    for account in sorted(set(lines["account"])):
        if pc.safely(budget.review, version.name, department, account, ctx.principal(), verdict="accept") is None:
            if not _reviewed(version, department, account, "accept"):
                return
    _done("plan.department_accepted", dept=pc.dept(department))


def _reviewed(version, department: str, account: str, verdict: str) -> bool:
    return any(c.account == account and c.verdict == verdict for c in budget.comments(version.name, department))


def approver(version) -> None:
    me = ctx.principal()
    st.markdown(ctx.t("plan.version_status", name=plain(version.name), status=pc.status(version.status)))
    _totals(version)
    if version.status == "submitted":
        text = st.text_input(ctx.t("plan.return_comment"), key="bp_cfo_text")
        a, b = st.columns(2)
        if a.button(ctx.t("plan.approve"), type="primary", key="bp_approve"):
            pc.safely(budget.approve, version.name, me)
            if budget.find(version.name).status == "approved":
                _done("plan.approved", name=version.name)
        if b.button(ctx.t("plan.return_version"), key="bp_return"):
            if not text.strip():
                st.error(ctx.t("plan.return_needs_comment"))
            else:
                pc.safely(budget.return_version, version.name, me, text.strip())
                if budget.find(version.name).status == "draft":
                    _done("plan.returned", name=version.name)
    elif version.status == "approved":
        if st.button(ctx.t("plan.lock"), key="bp_lock"):
            pc.safely(budget.lock, version.name, me)
            if budget.find(version.name).status == "locked":
                _done("plan.locked", name=version.name)
    else:
        st.caption(ctx.t("plan.nothing_to_approve"))


def _totals(version) -> None:
    """What the approver decides on: each department's total beside its seed, and the version's total."""
    lines = pc.safely(budget.lines, version.name, ctx.principal())
    if lines is None or lines.empty:
        return
    frame = lines.groupby("department")[["amount", "seed"]].sum().map(float)
    frame.loc[ctx.t("plan.total_row")] = frame.sum()
    frame["change"] = frame["amount"] - frame["seed"]
    frame["pct"] = [(c / b if b else None) for c, b in zip(frame["change"], frame["seed"], strict=True)]
    frame = frame.reset_index(names="department")
    frame["department"] = frame["department"].map(pc.dept)
    show(
        frame,
        labels={
            "department": ctx.t("plan.department"),
            "amount": ctx.t("plan.total"),
            "seed": ctx.t("plan.seed_total"),
            "change": ctx.t("plan.vs_seed"),
            "pct": ctx.t("plan.vs_seed_pct"),
        },
        formats={"amount": "currency", "seed": "currency", "change": "currency", "pct": "percent"},
        key="bp_approver_totals",
    )


def _cell_picker(version, lines: pd.DataFrame, prefix: str):
    cols = st.columns(4)
    departments = sorted(set(lines["department"]))
    department = cols[0].selectbox(ctx.t("plan.department"), departments, format_func=pc.dept, key=f"{prefix}_d")
    mine = lines[lines["department"] == department]
    account = cols[1].selectbox(
        ctx.t("plan.account"),
        sorted(set(mine["account"])),
        format_func=lambda v: ctx.member_label("account", v),
        key=f"{prefix}_a",
    )
    region = cols[2].selectbox(
        ctx.t("plan.region"),
        sorted(set(mine[mine["account"] == account]["region"])),
        format_func=lambda v: ctx.member_label("region", v),
        key=f"{prefix}_r",
    )
    months = sorted(set(mine["month"]))
    month = cols[3].selectbox(ctx.t("plan.month"), months, format_func=pc.month_text, key=f"{prefix}_m")
    return budget.Cell(department, account, region, month)


def transfers(version, planner: bool) -> None:
    me = ctx.principal()
    if planner and version.status == "approved":
        lines = pc.safely(budget.lines, version.name, me)
        if lines is not None and not lines.empty:
            st.markdown(ctx.t("plan.transfer_from"))
            source = _cell_picker(version, lines, "bp_tr_src")
            st.markdown(ctx.t("plan.transfer_to"))
            target = _cell_picker(version, lines, "bp_tr_dst")
            a, b = st.columns([1, 3])
            amount_text = a.text_input(ctx.t("plan.amount"), key="bp_tr_amount")
            note = b.text_input(ctx.t("plan.note"), key="bp_tr_note")
            if st.button(ctx.t("plan.transfer"), type="primary", key="bp_tr_go"):
                try:
                    amount = Decimal(amount_text.replace(",", "").strip())
                except InvalidOperation:
                    st.error(ctx.t("plan.not_amount", text=amount_text[:40]))
                else:
                    made = pc.safely(
                        budget.transfer, version.name, me, source=source, target=target, amount=amount, note=note
                    )
                    if made is not None:
                        _done("plan.transferred", amount=pc.money(amount))
    elif version.status != "approved":
        st.caption(ctx.t("plan.transfers_only_approved"))
    moved = budget.transfers(version.name)
    if not moved:
        st.caption(ctx.t("plan.no_transfers"))
        return

    def where(cell) -> str:
        return " · ".join(
            (pc.dept(cell.department), ctx.member_label("account", cell.account),
             ctx.member_label("region", cell.region), pc.month_text(cell.month))
        )  # fmt: skip

    frame = pd.DataFrame(
        [
            {
                "source": where(t.source),
                "target": where(t.target),
                "amount": float(t.amount),
                "note": t.note,
                "by": ctx.person(t.by),
                "at": pc.when(t.at),
            }
            for t in moved
        ]
    )
    show(
        frame,
        labels={
            "source": ctx.t("plan.from"),
            "target": ctx.t("plan.to"),
            "amount": ctx.t("plan.amount"),
            "note": ctx.t("plan.note"),
            "by": ctx.t("plan.by"),
            "at": ctx.t("plan.at"),
        },
        formats={"amount": "currency"},
        key="bp_transfers",
    )


def _number(value) -> float | None:
    try:
        return None if value is None or value == "" else float(value)
    except (TypeError, ValueError):
        return None


def changes(version, department: str | None) -> None:
    rows = budget.changes(version.name, department)
    if not rows:
        st.caption(ctx.t("plan.no_changes"))
        return
    frame = pd.DataFrame(
        [
            {
                "at": pc.when(c.at),
                "who": ctx.person(c.who),
                "action": ctx.t(f"plan.action.{c.action}")
                if ctx.t(f"plan.action.{c.action}") != f"plan.action.{c.action}"
                else c.action,
                "department": pc.dept(c.department) if c.department else "—",
                "account": ctx.member_label("account", c.account) if c.account else "—",
                "region": ctx.member_label("region", c.region) if c.region else "—",
                "cell_month": pc.month_text(c.month) if c.month else "—",
                "before": _number(c.before),
                "after": _number(c.after),
                "note": c.note or "",
            }
            for c in reversed(rows)
        ]
    )
    show(
        frame,
        labels={
            "at": ctx.t("plan.at"),
            "who": ctx.t("plan.by"),
            "action": ctx.t("plan.action"),
            "department": ctx.t("plan.department"),
            "account": ctx.t("plan.account"),
            "region": ctx.t("plan.region"),
            "cell_month": ctx.t("plan.month"),
            "before": ctx.t("plan.before"),
            "after": ctx.t("plan.after"),
            "note": ctx.t("plan.note"),
        },
        formats={"before": "currency", "after": "currency"},
        key="bp_changes",
    )
