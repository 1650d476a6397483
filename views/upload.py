"""Upload a file (数据上传): a CSV or Excel file into a warehouse table, for users granted load_files.
Layout only: reading, mapping, the preview, loading and restoring are data.load's (the same as
`python -m data.load`); the warehouse changes only through data.publish, after Confirm."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from data import load
from data.load.mapping import IGNORE
from semantic.authorize import allowed
from ui import context as ctx
from ui.i18n import label
from ui.load_messages import reason
from ui.load_messages import said as load_said
from ui.safe import plain
from ui.table import show

FLASH = "upload_flash"
ROUND = "upload_round"  # the uploader's key changes after a load, so the loaded file is not offered again
CACHE = "upload_preview"  # (what it was read with, Preview): one file at a time
SHOWN_ERRORS = 200


def render() -> None:
    st.title(ctx.t("page.upload"))
    who = ctx.principal()
    if not allowed(who, "load_files", library=ctx.library()):  # policies.yml grants it
        st.error(ctx.t("upload.refused", roles=", ".join(who.roles) or "—"))
        return
    if not ctx.duckdb_only():  # a load writes the DuckDB warehouse, never the engine the numbers come from
        return
    kind, said = st.session_state.pop(FLASH, (None, None))
    if kind == "ok":
        st.success(plain(said))
    st.caption(ctx.t("upload.intro"))
    library, lang = ctx.library(), ctx.lang()
    tables = sorted(library.warehouse_tables)  # not a planning table (budget versions live in the store)
    table = st.selectbox(
        ctx.t("upload.table"),
        tables,
        index=tables.index("budgets") if "budgets" in tables else 0,
        format_func=lambda name: f"{label(library.tables[name].label, lang)} ({name})",
        key=f"upload_table_{lang}",  # labels follow a language switch
    )
    file = st.file_uploader(
        ctx.t("upload.file"),
        type=["csv", "txt", "xlsx", "xlsm", "xls"],
        key=f"upload_file_{st.session_state.get(ROUND, 0)}",
    )
    if file is not None:
        _file(file, table, who.username)
    _history(who.username)


def _file(file, table: str, username: str) -> None:
    data = file.getvalue()
    state = f"upload_state_{table}_{file.file_id}"
    kept = st.session_state.setdefault(state, {"mapping": None, "sheet": None})
    columns = list(ctx.library().tables[table].columns)
    with st.expander(ctx.t("upload.set")):
        left, right = st.columns(2)
        set_column = left.selectbox(
            ctx.t("upload.set_column"),
            [None, *columns],
            format_func=lambda c: c or ctx.t("upload.none"),
            key=f"{state}_setc",
        )
        set_value = right.text_input(ctx.t("upload.set_value"), key=f"{state}_setv")
    constants = {set_column: set_value} if set_column and set_value.strip() else None
    try:
        p = _preview(data, file, table, kept, constants)
    except load.LoadError as err:
        st.error(plain(load_said(err, ctx.lang())))
        return
    if len(p.sheets) > 1:
        sheet = st.selectbox(ctx.t("upload.sheet"), p.sheets, index=p.sheets.index(p.sheet), key=f"{state}_sheet")
        if sheet != p.sheet:
            kept.update(sheet=sheet, mapping=None)
            st.rerun()
    _mapping(p, columns, kept)
    _notes(p)
    st.subheader(ctx.t("upload.preview", rows=p.rows.num_rows))
    show(pd.DataFrame(p.first_rows(), columns=list(p.columns)))
    if p.errors:
        st.error(ctx.t("upload.errors", n=len(p.errors)))
        rows = [
            {ctx.t("upload.col.line"): n, ctx.t("upload.col.reason"): reason(why, ctx.lang())}
            for n, why in p.errors[:SHOWN_ERRORS]
        ]
        show(pd.DataFrame(rows))
    elif p.effect is not None:
        e = p.effect
        if e.years:
            st.info(ctx.t("upload.effect_years", written=e.written, replaced=e.replaced, table=table,
                          years=", ".join(map(str, e.years))))  # fmt: skip
        else:
            st.info(ctx.t("upload.effect_keys", written=e.written, added=e.added, replaced=e.replaced))
    if st.button(ctx.t("upload.confirm"), type="primary", disabled=not p.ok, key="upload_confirm"):
        try:
            record = load.apply(p, username, warehouse=ctx.warehouse().path)
        except load.LoadError as err:
            st.error(plain(load_said(err, ctx.lang())))
            return
        st.session_state.pop(state, None)
        st.session_state[ROUND] = st.session_state.get(ROUND, 0) + 1  # a fresh, empty uploader
        message = ctx.t("upload.loaded", written=record.rows_written, replaced=record.rows_replaced, id=record.id)
        st.session_state[FLASH] = ("ok", message)
        st.rerun()


def _preview(data: bytes, file, table: str, kept: dict, constants: dict | None):
    """The preview, read again only when the file, a choice or the warehouse changed (a big workbook takes
    seconds to read; the page reruns on every click)."""
    wh = ctx.warehouse()
    key = (file.file_id, table, repr(kept["mapping"]), kept["sheet"], repr(constants), wh.version())
    cached = st.session_state.get(CACHE)
    if cached is not None and cached[0] == key:
        return cached[1]
    p = load.preview(data, file.name, table, kept["mapping"], kept["sheet"], constants=constants, warehouse=wh)
    st.session_state[CACHE] = (key, p)
    return p


def _notes(p) -> None:
    facts = p.facts
    if "unit" in facts:
        st.caption(ctx.t("upload.note.unit", unit=f"{facts['unit']:,}"))
    if "months" in facts:
        count, month, value = facts["months"]
        st.caption(ctx.t("upload.note.months", n=count, month=month, value=value))
    if "merged" in facts:
        st.caption(plain(ctx.t("upload.note.merged", cells=", ".join(facts["merged"]))))


def _mapping(p, columns: list[str], kept: dict) -> None:
    """The mapping, editable: a changed column re-reads the file with it."""
    st.subheader(ctx.t("upload.mapping"))
    editable = [c for c in p.choices if c.how not in ("month", "total")]
    fixed = [c for c in p.choices if c.how in ("month", "total")]
    head, col, how = ctx.t("upload.col.header"), ctx.t("upload.col.column"), ctx.t("upload.col.how")
    frame = pd.DataFrame(
        [{head: c.header, col: c.column or IGNORE, how: ctx.t(f"upload.how.{c.how}")} for c in editable]
    )
    edited = st.data_editor(
        frame,
        column_config={
            head: st.column_config.TextColumn(head, disabled=True),
            col: st.column_config.SelectboxColumn(col, options=[IGNORE, *columns], required=True),
            how: st.column_config.TextColumn(how, disabled=True),
        },
        hide_index=True,
        width="stretch",
        key=f"upload_map_{p.sha256[:12]}_{p.table}_{p.sheet}",
    )
    chosen = dict(zip(edited[head], edited[col], strict=True))
    if chosen != {c.header: c.column or IGNORE for c in editable}:
        kept["mapping"] = chosen
        st.rerun()
    months = [c.header for c in fixed if c.how == "month"]
    shown = [f"{months[0]} … {months[-1]}: {ctx.t('upload.how.month')} ({len(months)})"] if months else []
    shown += [f"{c.header}: {ctx.t(f'upload.how.{c.how}')}" for c in fixed if c.how != "month"]
    if shown:
        st.caption(plain(" · ".join(shown)))


def _history(username: str) -> None:
    st.subheader(ctx.t("upload.history"))
    records = load.history()
    if not records:
        st.caption(ctx.t("upload.no_history"))
        return
    tables = ctx.library().tables
    rows = [
        {
            ctx.t("upload.col.id"): r.id,
            ctx.t("upload.col.when"): r.started_at.replace("T", " ")[:16],
            ctx.t("upload.col.kind"): ctx.t(f"upload.kind.{r.kind}"),
            ctx.t("upload.col.table"): label(tables[r.table].label, ctx.lang()) if r.table in tables else r.table,
            ctx.t("upload.col.file"): r.file_name,
            ctx.t("upload.col.who"): r.who,
            ctx.t("upload.col.written"): r.rows_written,
            ctx.t("upload.col.replaced"): r.rows_replaced,
            ctx.t("upload.col.status"): ctx.t(f"upload.status.{r.status}"),
        }
        for r in records
    ]
    show(pd.DataFrame(rows), formats={ctx.t("upload.col.written"): "count", ctx.t("upload.col.replaced"): "count"})
    latest = {}
    for r in records:  # newest first: the latest applied load of each table is the one that can be undone
        if r.status == "applied" and r.table not in latest:
            latest[r.table] = r
    for r in latest.values():
        if st.button(ctx.t("upload.restore", id=r.id), key=f"upload_restore_{r.id}"):
            try:
                load.restore(r.id, username, warehouse=ctx.warehouse().path)
            except load.LoadError as err:
                st.error(plain(load_said(err, ctx.lang())))
                return
            st.session_state[FLASH] = ("ok", ctx.t("upload.restored", id=r.id))
            st.rerun()


ctx.guard(render)
