"""The department grid of the budget planning page: months across, account × region down, only the months
editable; totals, seed and last year beside it, recomputed from the edited grid on every run; Save with the
revision the grid was opened at (a stale save is refused, the edits stay in the grid); the Excel round trip."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

import pandas as pd
import streamlit as st

from data import budget
from data.budget import excel
from semantic import SemanticError
from ui import context as ctx
from ui import plan_common as pc
from ui.safe import plain
from ui.table import show

CENT = Decimal("0.01")


def _key(version, department: str) -> str:
    return f"{version.name}|{department}"


def opened_revision(version, department: str) -> int:
    """The revision this session opened the grid at (kept until a save or a reload)."""
    store = st.session_state.setdefault("bp_opened", {})
    key = _key(version, department)
    if key not in store:
        store[key] = budget.grid_revision(version.name, department)
    return store[key]


def reload(version, department: str) -> None:
    """Forget the opened revision and this grid's edits: the next run opens the stored lines afresh."""
    st.session_state.setdefault("bp_opened", {}).pop(_key(version, department), None)
    gen = st.session_state.setdefault("bp_gen", {})
    gen[_key(version, department)] = gen.get(_key(version, department), 0) + 1


def editor_key(version, department: str) -> str:
    gen = st.session_state.get("bp_gen", {}).get(_key(version, department), 0)
    return f"bp_grid|{version.name}|{department}|{gen}"


def wide(lines: pd.DataFrame, column: str) -> pd.DataFrame:
    """account, region, m01..m12 of `column` (floats for the grid), rows sorted."""
    if lines.empty:
        return pd.DataFrame(columns=["account", "region", *pc.MONTH_COLUMNS])
    frame = lines.assign(m=lines["month"].map(lambda d: f"m{pd.Timestamp(d).month:02d}"))
    frame[column] = frame[column].astype(float)
    out = frame.pivot_table(index=["account", "region"], columns="m", values=column, aggfunc="sum").reset_index()
    for col in pc.MONTH_COLUMNS:
        if col not in out.columns:
            out[col] = 0.0
    return out[["account", "region", *pc.MONTH_COLUMNS]].sort_values(["account", "region"]).reset_index(drop=True)


def actual_months(version) -> list[int]:
    """The months of a forecast that are actuals (1..switch_month): read-only in the grid and the upload."""
    return list(range(1, int(version.switch_month or 0) + 1)) if version.kind == "forecast" else []


def with_actuals(amounts: pd.DataFrame, actual: pd.DataFrame | None, months: list[int]) -> pd.DataFrame:
    """The grid with the actual months showing the actual expense (what the layer reads for them), 0 where
    a line had none."""
    if not months or actual is None:
        return amounts
    now = wide(actual, "amount").set_index(["account", "region"])
    index = pd.MultiIndex.from_frame(amounts[["account", "region"]])
    out = amounts.copy()
    for m in months:
        col = pc.MONTH_COLUMNS[m - 1]
        out[col] = now[col].reindex(index).fillna(0.0).to_numpy() if col in now else 0.0
    return out


def long_with_actuals(lines: pd.DataFrame, actual: pd.DataFrame | None, months: list[int]) -> pd.DataFrame:
    """`lines` (month, account, region, amount, seed) with the amount of each month of actuals replaced by
    the actual expense of its line (0 where it had none)."""
    if actual is None:
        return lines
    spent = {
        (a, r, pd.Timestamp(m).month): Decimal(str(v)).quantize(CENT)
        for m, a, r, v in zip(actual["month"], actual["account"], actual["region"], actual["amount"], strict=True)
    }
    out = lines.copy()
    out["amount"] = [
        spent.get((a, r, pd.Timestamp(m).month), Decimal("0.00")) if pd.Timestamp(m).month in months else v
        for m, a, r, v in zip(out["month"], out["account"], out["region"], out["amount"], strict=True)
    ]
    return out


def changed_cells(version, department: str, before: pd.DataFrame, after: pd.DataFrame) -> dict:
    """{Cell: Decimal} of the month cells that differ between the opened grid and the edited one. A cell
    emptied in the grid counts as not changed (the store keeps it); the store refuses a negative one."""
    out = {}
    for i in range(len(before)):
        account, region = before.at[i, "account"], before.at[i, "region"]
        for m, col in enumerate(pc.MONTH_COLUMNS, start=1):
            new = after.at[i, col]
            if new is None or pd.isna(new):
                continue
            try:
                amount = Decimal(str(new)).quantize(CENT, rounding=ROUND_HALF_UP)
            except InvalidOperation:
                amount = str(new)
            if amount != Decimal(str(before.at[i, col])).quantize(CENT, rounding=ROUND_HALF_UP):
                out[budget.Cell(department, account, region, dt.date(version.year, m, 1))] = amount
    return out


def summary(edited: pd.DataFrame, seed: pd.DataFrame, last: pd.DataFrame) -> pd.DataFrame:
    """Per line: total of the edited months, seed total, vs seed (amount, %), last year; a totals row last."""
    keys = ["account", "region"]
    out = edited[keys].copy()
    out["total"] = edited[pc.MONTH_COLUMNS].fillna(0).astype(float).sum(axis=1)
    seeds = seed.set_index(keys)[pc.MONTH_COLUMNS].sum(axis=1) if not seed.empty else pd.Series(dtype=float)
    lasts = last.set_index(keys)[pc.MONTH_COLUMNS].sum(axis=1) if not last.empty else pd.Series(dtype=float)
    index = pd.MultiIndex.from_frame(out[keys])
    out["seed"] = seeds.reindex(index).fillna(0).to_numpy()
    out["last_year"] = lasts.reindex(index).fillna(0).to_numpy()
    out["account"] = out["account"].map(lambda v: ctx.member_label("account", v))
    out["region"] = out["region"].map(lambda v: ctx.member_label("region", v))
    total = {"account": ctx.t("plan.total_row"), "region": ""}
    total |= {c: out[c].sum() for c in ("total", "seed", "last_year")}
    out = pd.concat([out, pd.DataFrame([total])], ignore_index=True)
    out["vs_seed"] = out["total"] - out["seed"]
    out["vs_seed_pct"] = [(d / s if s else None) for d, s in zip(out["vs_seed"], out["seed"], strict=True)]
    return out


def grid(version, department: str, editable: bool) -> None:
    """The grid of one department of `version`."""
    me = ctx.principal()
    lines = pc.safely(budget.lines, version.name, me, department)
    if lines is None:
        return
    if lines.empty:
        st.info(ctx.t("plan.no_lines"))
        return
    revision = opened_revision(version, department)
    amounts, seed = wide(lines, "amount"), wide(lines, "seed")
    closed = actual_months(version)
    if closed:
        amounts = with_actuals(amounts, pc.actuals(version.year, department), closed)
    actual = pc.actuals(version.year - 1, department)
    last = wide(actual.assign(month=actual["month"]), "amount") if actual is not None else seed.iloc[0:0]
    config = {
        "account": st.column_config.TextColumn(ctx.t("plan.account"), disabled=True),
        "region": st.column_config.TextColumn(ctx.t("plan.region"), disabled=True),
    }
    for m, col in enumerate(pc.MONTH_COLUMNS, start=1):
        if m in closed:  # a forecast's months of actuals: shown, never edited
            label = ctx.t("plan.actual_month", month=pc.month_label(m))
            help_ = ctx.t("plan.actual_month_help", version=version.name)
            config[col] = st.column_config.NumberColumn(label, format="accounting", disabled=True, help=help_)
        else:
            config[col] = st.column_config.NumberColumn(pc.month_label(m), format="accounting", step=0.01)
    shown = amounts.copy()
    shown["account"] = shown["account"].map(lambda v: ctx.member_label("account", v))
    shown["region"] = shown["region"].map(lambda v: ctx.member_label("region", v))
    st.caption(ctx.t("plan.grid_help" if editable else "plan.grid_read_only"))
    if closed:
        st.caption(
            ctx.t("plan.forecast_actuals", upto=pc.month_label(closed[-1]), first=pc.month_label(closed[-1] + 1))
        )
    edited = st.data_editor(
        shown,
        column_config=config,
        disabled=not editable or ["account", "region", *(pc.MONTH_COLUMNS[m - 1] for m in closed)],
        hide_index=True,
        num_rows="fixed",
        width="stretch",
        key=editor_key(version, department),
    )
    edited = edited.assign(account=amounts["account"], region=amounts["region"])
    table = summary(edited, seed, last)
    foot = table.iloc[-1]
    k = st.columns(4)
    k[0].metric(ctx.t("plan.grid_total"), pc.money(foot["total"]))
    k[1].metric(ctx.t("plan.seed_total"), pc.money(foot["seed"]))
    pct = foot["vs_seed_pct"]
    k[2].metric(
        ctx.t("plan.vs_seed"),
        pc.money(foot["vs_seed"]),
        None if pct is None else f"{pct * 100:+.1f}%",
        delta_color="off",  # more or less than the seed is neither good nor bad news by itself
    )
    k[3].metric(ctx.t("plan.last_year_total", year=version.year - 1), pc.money(foot["last_year"]))
    show(
        table,
        labels={
            "account": ctx.t("plan.account"),
            "region": ctx.t("plan.region"),
            "total": ctx.t("plan.total"),
            "seed": ctx.t("plan.seed_total"),
            "last_year": ctx.t("plan.last_year_total", year=version.year - 1),
            "vs_seed": ctx.t("plan.vs_seed"),
            "vs_seed_pct": ctx.t("plan.vs_seed_pct"),
        },
        formats={c: "currency" for c in ("total", "seed", "last_year", "vs_seed")} | {"vs_seed_pct": "percent"},
        key=f"bp_sum|{version.name}|{department}",
    )
    if not editable:
        return
    changes = changed_cells(version, department, amounts, edited)
    note = st.text_input(ctx.t("plan.save_note"), key=f"bp_note|{version.name}|{department}")
    a, b = st.columns([1, 3])
    if a.button(ctx.t("plan.save", n=len(changes)), type="primary", disabled=not changes, key="bp_save"):
        saved = pc.safely(
            budget.save, version.name, department, changes, me, expected_revision=revision, note=note.strip()
        )
        if saved is not None:
            reload(version, department)
            st.session_state["bp_done"] = ctx.t("plan.saved", n=len(saved.changes))
            st.rerun()
        else:
            st.warning(ctx.t("plan.edits_kept"))
    if b.button(ctx.t("plan.reload"), key="bp_reload"):
        reload(version, department)
        st.rerun()


def excel_round_trip(version, department: str) -> None:
    """Download the grid as a template; upload it back, see exactly which cells change, then save."""
    me = ctx.principal()
    lines = pc.safely(budget.lines, version.name, me, department)
    if lines is None or lines.empty:
        return
    if actual_months(version):  # the template shows a forecast's months of actuals as the grid does
        lines = long_with_actuals(lines, pc.actuals(version.year, department), actual_months(version))
    actual = pc.actuals(version.year - 1, department)
    data = excel.template(version, department, lines, None, actual, lang=ctx.lang())
    st.download_button(
        ctx.t("plan.download"),
        data,
        file_name=f"{version.name} - {department}.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        key="bp_download",
    )
    upload = st.file_uploader(ctx.t("plan.upload"), type=["xlsx"], key=f"bp_upload|{version.name}|{department}")
    if upload is None:
        return
    known = set(zip(lines["account"], lines["region"], strict=True))
    try:
        cells = excel.read_upload(upload.getvalue(), version.name, version.year, department, known)
        cells = _outside_actuals(version, lines, cells)
        if cells is None:
            return
        changes = budget.diff(version.name, department, cells)
    except (SemanticError, ValueError) as err:
        st.error(plain(ctx.said(err) if isinstance(err, SemanticError) else str(err)))
        return
    if not changes:
        st.info(ctx.t("plan.upload_no_changes"))
        return
    frame = pd.DataFrame(
        [
            {
                "account": ctx.member_label("account", c.cell.account),
                "region": ctx.member_label("region", c.cell.region),
                "cell_month": pc.month_text(c.cell.month),
                "before": float(c.before),
                "after": float(c.after),
            }
            for c in changes
        ]
    )
    st.caption(ctx.t("plan.upload_changes", n=len(changes)))
    show(
        frame,
        labels={
            "account": ctx.t("plan.account"),
            "region": ctx.t("plan.region"),
            "cell_month": ctx.t("plan.month"),
            "before": ctx.t("plan.before"),
            "after": ctx.t("plan.after"),
        },
        formats={"before": "currency", "after": "currency"},
        key="bp_upload_changes",
    )
    if st.button(ctx.t("plan.save_upload", n=len(changes)), type="primary", key="bp_save_upload"):
        amounts = {c.cell: c.after for c in changes}
        saved = pc.safely(
            budget.save,
            version.name,
            department,
            amounts,
            me,
            expected_revision=opened_revision(version, department),
            note=ctx.t("plan.upload_note"),
        )
        if saved is not None:
            reload(version, department)
            st.session_state["bp_done"] = ctx.t("plan.saved", n=len(saved.changes))
            st.rerun()


def _outside_actuals(version, lines: pd.DataFrame, cells: dict) -> dict | None:
    """An upload's cells without a forecast's months of actuals: left as downloaded they are dropped; a
    changed one is refused in one line naming it (None)."""
    closed = actual_months(version)
    if not closed:
        return cells
    stored = {
        (a, r, pd.Timestamp(m).month): Decimal(str(v)).quantize(CENT)
        for m, a, r, v in zip(lines["month"], lines["account"], lines["region"], lines["amount"], strict=True)
    }
    out = {}
    for cell, value in sorted(cells.items(), key=lambda kv: (kv[0].account, kv[0].region, kv[0].month)):
        if cell.month.month not in closed:
            out[cell] = value
        elif Decimal(str(value)).quantize(CENT) != stored.get((cell.account, cell.region, cell.month.month)):
            line = f"{ctx.member_label('account', cell.account)} / {ctx.member_label('region', cell.region)}"
            where = ctx.t("plan.upload_actual_month", line=line, month=pc.month_text(cell.month),
                          version=version.name, upto=pc.month_label(closed[-1]))  # fmt: skip
            st.error(plain(where))
            return None
    return out
