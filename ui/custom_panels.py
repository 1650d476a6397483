"""The pieces of the Definitions page (指标定义): one custom metric or grouping, its history, who uses
it, sharing, editing, and a certifier's review (what changed, the SQL, sample numbers, then certify).

Every action goes through data.custom_store, which asks semantic.authorize and semantic.custom.check
first; a refusal is one line on the page and nothing changes."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from data import custom_store
from semantic import service
from semantic.custom.model import CustomInfo, Definition
from semantic.custom.overlay import build
from semantic.errors import SemanticError
from semantic.model.loader import default_library
from semantic.query import make_query
from ui import context as ctx
from ui.custom_form import in_words, show_result
from ui.i18n import label
from ui.safe import plain

person = ctx.person  # one display name per login, shared with the tiles' marks


def when(stamp: str | None) -> str:
    """A stored UTC timestamp in the server's time zone, as other pages show times: '2025-07-01 14:05'."""
    if not stamp:
        return ""
    try:
        moment = dt.datetime.fromisoformat(stamp)
    except ValueError:
        return stamp[:16].replace("T", " ")
    moment = moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
    return moment.astimezone().strftime("%Y-%m-%d %H:%M")


def may_use(definition: Definition) -> bool:
    """Whether the signed-in user may run `definition` (a metric, or a metric grouped by the grouping), asked
    of semantic.authorize: shared with them or certified, and everything it reads granted to them."""
    from semantic.authorize import allowed

    lib, me = ctx.library(), ctx.principal()
    if definition.name not in lib.metrics and definition.name not in lib.dimensions:
        return False  # no longer fits the library (a base renamed in the YAML): nothing to run
    if definition.info.kind == "metric":
        query = make_query(metrics=(definition.name,))
    else:
        metric = ctx.a_metric_by(definition.name, lib)
        if metric is None:
            return False
        query = make_query(metrics=(metric,), group_by=(definition.name,))
    return allowed(me, "query", query, library=lib)


def status_text(info: CustomInfo) -> str:
    if info.certified:
        text = ctx.t("custom.certified_mark", who=person(info.certified_by or ""))
        return text + (f" · {ctx.t('defs.pending', n=info.pending_version)}" if info.pending_version else "")
    return ctx.t("custom.draft_mark", owner=info.owner_text.split("·")[0].strip())


def title(definition: Definition) -> str:
    spec = definition.spec
    return f"{plain(label(spec.label, ctx.lang()))} · `{definition.name}` · {plain(status_text(definition.info))}"


def overview(definition: Definition) -> None:
    spec, lang = definition.spec, ctx.lang()
    words = in_words(spec, ctx.library(), lang) if definition.info.kind == "metric" else grouping_words(spec)
    st.markdown(f"**{plain(words)}**")
    if spec.description.get(lang) != spec.label.get(lang):
        st.caption(plain(spec.description.get(lang)))
    if definition.info.note:
        st.caption(plain(ctx.t("defs.note_was", note=definition.info.note)))
    shared = ", ".join(ctx.role_label(r) for r in definition.info.shared_with) or ctx.t("defs.only_author")
    st.caption(plain(ctx.t("defs.shared_with", roles=shared)))


def grouping_words(spec) -> str:
    lang = ctx.lang()
    if spec.buckets:
        parts = [
            f"{label(b.label, lang)}: {', '.join(ctx.member_label(spec.base, m) for m in b.members)}"
            for b in spec.buckets
        ]
    else:
        parts = [f"{label(b.label, lang)} < {b.below:g}" for b in spec.bands]
    other = label(spec.other, lang) if spec.other else "—"
    return f"{ctx.dimension_label(spec.base)} → " + "; ".join(parts) + f"; {ctx.t('custom.other')}: {other}"


def history(name: str) -> None:
    rows = [
        {
            ctx.t("defs.version"): v.version,
            ctx.t("defs.saved_by"): person(v.saved_by),
            ctx.t("defs.saved_at"): when(v.saved_at),
            ctx.t("defs.comment"): v.comment,
            ctx.t("defs.certified"): (
                f"{person(v.certification.certified_by)} {when(v.certification.certified_at)[:10]}"
                if v.certification
                else ""
            ),
        }
        for v in custom_store.history(name)
    ]
    st.dataframe(pd.DataFrame(rows), hide_index=True)


def usage(name: str) -> None:
    tiles = custom_store.tiles_using(name)
    if not tiles:
        st.caption(ctx.t("defs.unused"))
        return
    st.caption(ctx.t("defs.used_by_one" if len(tiles) == 1 else "defs.used_by", n=len(tiles)))
    st.text(
        "\n".join(
            ctx.t("defs.tile_use", board=t.board_title, owner=person(t.owner), tile=t.tile_label or "—") for t in tiles
        )
    )


def sharing(definition: Definition, key: str) -> None:
    from semantic.policy import default_policy

    roles = list(default_policy(default_library()).roles)
    chosen = st.multiselect(
        ctx.t("defs.share_with"),
        roles,
        default=[r for r in definition.info.shared_with if r in roles],
        format_func=ctx.frozen(ctx.role_label, roles),
        key=f"share_{key}_{ctx.lang()}",
    )
    if st.button(ctx.t("defs.share"), key=f"share_btn_{key}"):
        act(lambda: custom_store.share(definition.name, chosen, ctx.principal()), ctx.t("defs.shared"))


def editing(definition: Definition, key: str) -> None:
    """A new version: labels, description and the one field that makes the definition."""
    spec, latest = definition.spec, custom_store.latest(definition.name)
    spec = latest.spec
    changes: dict = {}
    a, b = st.columns(2)
    en = a.text_input(ctx.t("custom.label_en"), spec.label.en, key=f"ed_en_{key}")
    zh = b.text_input(ctx.t("custom.label_zh"), spec.label.zh, key=f"ed_zh_{key}")
    changes["label"] = {"en": en.strip() or spec.label.en, "zh": zh.strip() or spec.label.zh}
    if definition.info.kind == "metric" and spec.type == "derived":
        changes["expr"] = st.text_input(ctx.t("custom.formula"), spec.expr, key=f"ed_expr_{key}")
    elif definition.info.kind == "metric" and spec.type == "filtered":
        changes["where"] = st.text_input(ctx.t("defs.filter"), spec.where, key=f"ed_where_{key}")
    comment = st.text_input(ctx.t("defs.comment"), key=f"ed_comment_{key}")
    if st.button(ctx.t("defs.save_version"), key=f"ed_save_{key}"):
        from semantic.custom.check import parse_formula, resolver
        from semantic.policy import access_for

        def save():
            if "expr" in changes:  # read like the New metric form: names or labels, no SQL
                resolve, choices = resolver(ctx.library(), access_for(ctx.principal(), ctx.library()).metrics)
                changes["expr"] = parse_formula(changes["expr"], resolve, choices).sql(dialect="duckdb")
            new = type(spec).model_validate({**spec.model_dump(), **changes})
            kind = definition.info.kind
            return custom_store.save(
                kind, definition.name, new, ctx.principal(), expected_version=latest.version, comment=comment
            )

        act(save, ctx.t("defs.saved_version"))


def removal(definition: Definition, key: str) -> None:
    a, b, c = st.columns([2, 1, 1])
    new = a.text_input(ctx.t("defs.new_name"), key=f"rn_{key}")
    if b.button(ctx.t("defs.rename"), key=f"rn_btn_{key}") and new.strip():
        act(lambda: custom_store.rename(definition.name, new.strip(), ctx.principal()), ctx.t("defs.renamed"))
    if c.button(ctx.t("defs.delete"), key=f"del_{key}"):
        act(lambda: custom_store.delete(definition.name, ctx.principal()), ctx.t("defs.deleted"))


def review(version, key: str) -> None:
    """A certifier's review of one pending version: what changed since the certified one, its SQL and
    sample numbers run as the certifier, who uses it; then a note and Certify."""
    me = ctx.principal()
    effective = next((d for d in custom_store.definitions() if d.name == version.name), None)
    st.markdown(
        f"**{plain(label(version.spec.label, ctx.lang()))}** · `{version.name}` · "
        + plain(ctx.t("defs.version_n", n=version.version))
    )
    st.caption(plain(ctx.t("defs.by", who=person(version.saved_by), at=when(version.saved_at))))
    described = version.spec.description.get(ctx.lang())
    if described and described != version.spec.label.get(ctx.lang()):  # the author's own words for it
        st.caption(plain(described))
    if effective is not None:
        shared = ", ".join(ctx.role_label(r) for r in effective.info.shared_with) or ctx.t("defs.only_author")
        st.caption(plain(ctx.t("defs.shared_with", roles=shared)))
    base = effective.info.version if effective is not None and effective.info.certified else None
    if base is not None:
        changes = custom_store.diff(version.name, base, version.version)
        st.caption(ctx.t("defs.changes", a=base, b=version.version))
        frame = pd.DataFrame(
            [
                {ctx.t("defs.field"): c.field, ctx.t("defs.before"): str(c.before), ctx.t("defs.after"): str(c.after)}
                for c in changes
            ]
        )
        st.dataframe(frame, hide_index=True)
    candidate = Definition(
        info=CustomInfo(name=version.name, kind=version.kind, author=me.username, version=version.version),
        spec=version.spec,
    )
    others = tuple(d for d in custom_store.definitions() if d.name != version.name)
    library, problems = build(build(default_library(), others)[0], [candidate])
    if version.name in problems:
        st.error(plain(problems[version.name]))
        return
    if version.kind == "metric":
        spec = version.spec
        st.caption(plain(in_words(spec, library, ctx.lang())))
        base = (spec.base,) if spec.type in ("filtered", "share") and spec.base else ()  # next to what it builds on
        group = (spec.across,) if spec.type == "share" else ("metric_time__quarter",)  # a share of one total is 100%
        sample(make_query(metrics=(version.name,) + base, group_by=group), library, key)
    usage(version.name)
    note = st.text_input(ctx.t("defs.note"), key=f"note_{key}")
    if st.button(ctx.t("defs.certify"), type="primary", key=f"certify_{key}"):
        act(lambda: custom_store.certify(version.name, version.version, me, note), ctx.t("defs.certified_now"))


def sample(query, library, key: str) -> None:
    try:
        result = service.run(
            query, ctx.principal(), warehouse=ctx.warehouse(), library=library, source="page:definitions"
        )
    except SemanticError as err:
        st.error(plain(ctx.said(err)))
        return
    show_result(result, library)


def act(do, done: str) -> None:
    try:
        do()
    except SemanticError as err:
        st.error(plain(ctx.said(err)))
        return
    st.session_state["defs_done"] = done
    st.rerun()
