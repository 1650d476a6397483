"""Explore's "New metric" and "New grouping" forms (自助建模): a form, never SQL.

A metric is a filtered version of a granted metric, a formula over granted metrics and
constants, or a share of total across a dimension's members; a grouping puts a dimension's
members into buckets, or a numeric dimension's values into bands. "Preview" checks the
definition exactly as saving would (semantic.custom.check) and shows it in words, its SQL
and its first numbers, run as the signed-in user; "Save draft" stores it (data.custom_store)
as a draft only its author sees until it is shared or certified.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st
from sqlglot import exp

from semantic import service
from semantic.custom.check import GroupingDraft, MetricDraft, grouping_spec, metric_spec, validate
from semantic.custom.model import CustomInfo, Definition
from semantic.detail import members
from semantic.errors import SemanticError
from semantic.policy import access_for
from semantic.query import make_query, member_filter
from ui import context as ctx
from ui import table
from ui.i18n import label
from ui.safe import plain

FORMATS = (None, "currency", "percent", "count", "number", "days")
KINDS = ("filtered", "formula", "share")


def draft_definition(kind: str, name: str, spec, version: int = 1) -> Definition:
    me = ctx.principal()
    info = CustomInfo(
        name=name,
        kind=kind,
        author=me.username,
        author_label=short_name(me.display_name or me.username),
        version=version,
    )
    return Definition(info=info, spec=spec)


def short_name(display: str) -> str:
    """'Zhou Min · Head of Sales' -> 'Zhou Min': how a draft names its owner."""
    return display.split("·")[0].strip() or display


def new_metric(state, key: str = "new_metric") -> str | None:
    """The New metric form; the saved metric's name once saved, else None. Widget keys carry the
    language: a widget keeps its value by its label, so a language switch would break it otherwise."""
    key = f"{key}_{ctx.lang()}"
    lib, me = ctx.library(), ctx.principal()
    access = access_for(me, lib)
    visible = [m for m in ctx.visible_metrics()]
    kind = st.radio(
        ctx.t("custom.kind"),
        KINDS,
        format_func=ctx.frozen(lambda k: ctx.t(f"custom.kind.{k}"), KINDS),
        horizontal=True,
        key=f"{key}_kind",
    )
    st.caption(ctx.t(f"custom.kind.{kind}.help"))
    fields: dict = {"kind": kind}
    if kind in ("filtered", "share"):
        fields["base"] = st.selectbox(
            ctx.t("custom.base"), visible, format_func=ctx.frozen(ctx.metric_label, visible), key=f"{key}_base_{kind}"
        )
    if kind == "filtered" and fields["base"]:
        fields["where"] = _member_filter(lib, access, fields["base"], key)
    elif kind == "share" and fields["base"]:
        dims = [d for d in lib.dimensions if d in access.dimensions and lib.applies(fields["base"], d)]
        fields["across"] = st.selectbox(
            ctx.t("custom.across"), dims, format_func=ctx.frozen(ctx.dimension_label, dims), key=f"{key}_across"
        )
    elif kind == "formula":
        fields["formula"] = st.text_input(
            ctx.t("custom.formula"), placeholder="gross_profit - 3% * revenue", key=f"{key}_formula"
        )
        with st.popover(ctx.t("custom.formula.names")):
            st.dataframe(
                pd.DataFrame(
                    {ctx.t("custom.name"): visible, ctx.t("custom.label"): [ctx.metric_label(m) for m in visible]}
                ),
                hide_index=True,
            )
    a, b = st.columns(2)
    fields["name"] = a.text_input(ctx.t("custom.name"), placeholder="online_revenue", key=f"{key}_name").strip()
    fields["format"] = b.selectbox(
        ctx.t("custom.format"),
        FORMATS,
        format_func=ctx.frozen(lambda f: ctx.t(f"custom.format.{f or 'auto'}"), FORMATS),
        key=f"{key}_format",
    )
    c, d = st.columns(2)
    fields["label_en"] = c.text_input(ctx.t("custom.label_en"), key=f"{key}_label_en")
    fields["label_zh"] = d.text_input(ctx.t("custom.label_zh"), key=f"{key}_label_zh")
    fields["description"] = st.text_area(ctx.t("custom.description"), key=f"{key}_description", height=68)
    return _preview_and_save("metric", fields, state, key)


def _member_filter(lib, access, base: str, key: str) -> str | None:
    dims = [d for d in lib.dimensions if d in access.dimensions and lib.applies(base, d)]
    a, b, c = st.columns([1.2, 2.4, 1])
    dim = a.selectbox(
        ctx.t("custom.filter_on"), dims, format_func=ctx.frozen(ctx.dimension_label, dims), key=f"{key}_fdim"
    )
    if not dim:
        return None
    try:
        values = members(dim, ctx.principal(), warehouse=ctx.warehouse())
    except SemanticError as err:
        st.warning(plain(ctx.said(err)))
        return None
    picked = b.multiselect(
        ctx.t("custom.keep"),
        values,
        format_func=ctx.frozen(lambda v: ctx.member_label(dim, v), values),
        placeholder=ctx.t("explore.placeholder"),
        key=f"{key}_fvals_{dim}",
    )
    leave_out = c.toggle(ctx.t("custom.leave_out"), key=f"{key}_fnot")
    if not picked:
        return None
    where = member_filter({dim: picked})
    return exp.not_(exp.paren(exp.maybe_parse(where))).sql(dialect="duckdb") if leave_out else where


def new_grouping(state, key: str = "new_grouping") -> str | None:
    key = f"{key}_{ctx.lang()}"
    lib, me = ctx.library(), ctx.principal()
    access = access_for(me, lib)
    dims = [d for d in lib.dimensions if d in access.dimensions and not getattr(lib.dimensions[d], "base", None)]
    base = st.selectbox(
        ctx.t("custom.group_base"), dims, format_func=ctx.frozen(ctx.dimension_label, dims), key=f"{key}_base"
    )
    mode = st.radio(
        ctx.t("custom.group_mode"),
        ("buckets", "bands"),
        format_func=ctx.frozen(lambda m: ctx.t(f"custom.group_mode.{m}"), ("buckets", "bands")),
        horizontal=True,
        key=f"{key}_mode",
    )
    fields: dict = {"base": base}
    count = int(st.number_input(ctx.t("custom.group_count"), 1, 12, 2, key=f"{key}_count"))
    if mode == "buckets":
        try:
            values = members(base, me, warehouse=ctx.warehouse()) if base else []
        except SemanticError as err:
            st.warning(plain(ctx.said(err)))
            values = []
        buckets = []
        for i in range(count):
            a, b = st.columns([1, 3])
            name = a.text_input(ctx.t("custom.bucket_label", n=i + 1), key=f"{key}_bl{i}")
            chosen = b.multiselect(
                ctx.t("custom.bucket_members", n=i + 1),
                values,
                format_func=ctx.frozen(lambda v, d=base: ctx.member_label(d, v), values),
                placeholder=ctx.t("explore.placeholder"),
                key=f"{key}_bm{i}_{base}",
            )
            if name.strip() or chosen:
                buckets.append((name, tuple(chosen)))
        fields["buckets"] = tuple(buckets)
    else:
        bands = []
        for i in range(count):
            a, b = st.columns([2, 1])
            name = a.text_input(ctx.t("custom.band_label", n=i + 1), key=f"{key}_nl{i}")
            below = b.number_input(ctx.t("custom.band_below"), value=100.0 * (i + 1), key=f"{key}_nb{i}")
            if name.strip():
                bands.append((name, float(below)))
        fields["bands"] = tuple(bands)
    fields["other"] = st.text_input(ctx.t("custom.other"), placeholder=ctx.t("custom.other.default"), key=f"{key}_o")
    a, b, c = st.columns(3)
    fields["name"] = a.text_input(ctx.t("custom.name"), placeholder="city_tier", key=f"{key}_name").strip()
    fields["label_en"] = b.text_input(ctx.t("custom.label_en"), key=f"{key}_label_en")
    fields["label_zh"] = c.text_input(ctx.t("custom.label_zh"), key=f"{key}_label_zh")
    fields["description"] = st.text_area(ctx.t("custom.description"), key=f"{key}_description", height=68)
    return _preview_and_save("grouping", fields, state, key)


def checked(kind: str, fields: dict) -> tuple[Definition, object]:
    """The definition and the library with it, checked as saving checks it (raises SemanticError)."""
    me = ctx.principal()
    if kind == "metric":
        spec = metric_spec(MetricDraft(**fields), me)
    else:
        spec = grouping_spec(GroupingDraft(**fields), me)
    definition = draft_definition(kind, fields["name"], spec)
    return definition, validate(definition, me)


def _preview_and_save(kind: str, fields: dict, state, key: str) -> str | None:
    a, b = st.columns(2)
    previewing = a.toggle(ctx.t("custom.preview"), key=f"{key}_preview")
    save = b.button(ctx.t("custom.save"), type="primary", key=f"{key}_save")
    if not (previewing or save):
        return None
    try:
        definition, extended = checked(kind, fields)
    except (SemanticError, ValueError) as err:
        st.error(plain(ctx.said(err) if isinstance(err, SemanticError) else str(err)))
        return None
    if previewing:
        preview(definition, extended, state)
    if save:
        from data import custom_store

        try:
            custom_store.save(kind, definition.name, definition.spec, ctx.principal(), expected_version=None)
        except SemanticError as err:
            st.error(plain(ctx.said(err)))
            return None
        return definition.name
    return None


def preview(definition: Definition, library, state) -> None:
    """The definition in words, its SQL and its first numbers, as the signed-in user sees them."""
    spec = definition.spec
    lang = ctx.lang()
    if definition.info.kind == "metric":
        st.markdown(
            f"**{plain(label(spec.label, lang))}** · {plain(ctx.t('custom.adds_up.' + str(library.additive(definition.name))))}"
        )
        st.caption(plain(in_words(spec, library, lang)))
        group = (
            (spec.across,)
            if spec.type == "share"
            else tuple(g for g in state.group_by if library.applies(definition.name, g))
        )
        metrics = (definition.name,) + ((spec.base,) if spec.type in ("filtered", "share") else ())
        query = make_query(
            metrics=metrics,
            group_by=group or ("metric_time__month",),
            time_from=state.time_from,
            time_to=state.time_to,
            limit=20,
        )
    else:
        metric = ctx.a_metric_by(spec.base, library)
        if metric is None:
            return
        query = make_query(
            metrics=(metric,), group_by=(definition.name,), time_from=state.time_from, time_to=state.time_to
        )
    try:
        result = service.run(
            query, ctx.principal(), warehouse=ctx.warehouse(), library=library, source="page:custom_preview", cache=None
        )
    except SemanticError as err:
        st.error(plain(ctx.said(err)))
        return
    show_result(result, library)


def show_result(result, library) -> None:
    """A result as every table in the app shows one (ui.table): labels, ¥ amounts, periods, members;
    tall enough for its rows, with its SQL under it."""
    shown, config = table.spec(result.frame, ctx.lang(), library)
    st.dataframe(shown, column_config=config, hide_index=True, height=35 * (min(len(shown), 13) + 1) + 3)
    with st.expander(ctx.t("explore.show_sql")):
        st.code(result.sql, language="sql")


def in_words(spec, library, lang: str) -> str:
    """'Revenue where Channel is Online', 'Gross profit − 0.03 × Revenue', 'Revenue as a share of all Regions'."""

    def metric(name: str) -> str:
        return label(library.metrics[name].label, lang) if name in library.metrics else name

    if spec.type == "derived":
        tree = exp.maybe_parse(spec.expr)
        return (
            tree.transform(lambda n: exp.column(f"[{metric(n.name)}]") if isinstance(n, exp.Column) else n)
            .sql()
            .replace('"', "")
        )
    if spec.type == "filtered":
        return ctx.t("custom.words.filtered", base=metric(spec.base), where=where_words(spec.where, library, lang))
    if spec.type == "share":
        return ctx.t(
            "custom.words.share", base=metric(spec.base), across=label(library.dimensions[spec.across].label, lang)
        )
    return ""


def where_words(where: str, library, lang: str) -> str:
    """ "channel IN ('Online')" -> 'Channel is Online' (渠道为线上); NOT, AND and OR in words too; any
    other condition with its dimension names shown as their labels."""
    try:
        tree = exp.maybe_parse(where, dialect="duckdb")
    except Exception:  # noqa: BLE001 - stored text the checker accepted; shown as it is when unreadable
        return where
    return _condition(tree, library, lang)


def _condition(node, library, lang: str) -> str:
    if isinstance(node, exp.Paren):
        return _condition(node.this, library, lang)
    if isinstance(node, (exp.And, exp.Or)):
        joiner = ctx.t("custom.words.and" if isinstance(node, exp.And) else "custom.words.either")
        return joiner.join(_condition(part, library, lang) for part in (node.left, node.right))
    negated = isinstance(node, exp.Not)
    inner = node.this.unnest() if negated else node
    if isinstance(inner, (exp.In, exp.EQ, exp.NEQ)) and isinstance(inner.this, exp.Column):
        dim = inner.this.name
        values = inner.expressions if isinstance(inner, exp.In) else [inner.expression]
        if dim in library.dimensions and values and all(isinstance(v, exp.Literal) for v in values):
            members = ctx.t("custom.words.or").join(ctx.member_label(dim, v.this) for v in values)
            key = "custom.words.is_not" if negated != isinstance(inner, exp.NEQ) else "custom.words.is"
            return ctx.t(key, dim=label(library.dimensions[dim].label, lang), members=members)

    def named(n):
        if isinstance(n, exp.Column) and n.name in library.dimensions:
            return exp.column(f"[{label(library.dimensions[n.name].label, lang)}]")
        return n

    return node.transform(named).sql().replace('"', "")
