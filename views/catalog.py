"""Metric catalog (指标中心): one entry per metric the user may see, searchable in both languages."""

from __future__ import annotations

import streamlit as st

from semantic.catalog import catalog
from ui import context as ctx
from ui.i18n import label
from ui.safe import plain


def render() -> None:
    st.title(ctx.t("page.catalog"))
    lang = ctx.lang()
    entries = catalog(ctx.principal(), ctx.library())
    needle = st.text_input(ctx.t("catalog.search"), key="catalog_search")
    shown = [e for e in entries if e.matches(needle)]
    st.caption(ctx.t("catalog.count", n=len(shown)))
    for e in shown:
        spec = ctx.library().metrics[e.name]
        # the label alone, and "Certified" in words: an emoji is an empty box where no emoji font is installed
        # a user's draft says so and whose it is; its label and description are a user's text: plain
        shown = e.label.get(lang) or e.label["en"]
        title = (plain(shown) if e.name in ctx.library().custom else shown) + (
            f" · :green[{ctx.t('catalog.certified')}]" if e.certified else ""
        )
        if e.draft_owner:
            title += f" · :orange[{plain(ctx.custom_mark(e.name))}]"
        with st.expander(title):
            other = "en" if lang == "zh" else "zh"
            said = {k: plain(v) if e.name in ctx.library().custom else v for k, v in e.description.items()}
            st.markdown(f"**{said.get(lang, '')}**  \n{said.get(other, '')}")
            rows = {
                ctx.t("catalog.name"): e.name,
                ctx.t("catalog.formula"): (e.formula or {}).get(lang, "") if e.formula else "",
                ctx.t("catalog.good"): ctx.t(f"catalog.good_{spec.good}"),
                ctx.t("catalog.change"): ctx.t(f"catalog.change_{spec.change_kind}"),
                ctx.t("catalog.owner"): e.owner,
                ctx.t("catalog.reads"): ", ".join(e.reads),
                ctx.t("catalog.dimensions"): ", ".join(
                    label(ctx.library().dimensions[d].label, lang) for d in e.dimensions
                ),
                ctx.t("catalog.roles"): ", ".join(ctx.role_label(r) for r in e.roles),
                ctx.t("catalog.tags"): ", ".join(e.tags),
                ctx.t("catalog.synonyms"): " / ".join(", ".join(e.synonyms.get(k, ())) for k in ("zh", "en")),
                ctx.t("catalog.certified"): ctx.t("catalog.yes") if e.certified else "—",
            }
            st.table({k: [v] for k, v in rows.items()})
            st.caption(ctx.t("catalog.sample_sql"))
            st.code(e.sample_sql, language="sql")


ctx.guard(render)
