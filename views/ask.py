"""Ask (问数): type a question in Chinese or English, get the number, the chart, the table and the exact
query, under your own policy. semantic.ask reads the question (offline, from the library and your own
rows); the Query then runs the normal path (policy, cache, audit with the question's words). The
chips show what each word was read as; taking one out asks again without it."""

from __future__ import annotations

import json
from urllib.parse import urlencode

import streamlit as st

from data import ask_history
from semantic.ask import interpret
from semantic.ask.edit import choose, edited, removable, without
from semantic.detail import members
from semantic.errors import SemanticError
from ui import charts
from ui import context as ctx
from ui.ask import chip, explore_params, sentence
from ui.cards import number_cards
from ui.i18n import label
from ui.safe import plain
from ui.save_tile import save_tile_form
from ui.table import show

MAX_CHARS = 300


def _labels(library, lang: str):
    """Label functions in the question's language (the answer is said in it)."""

    def metric(name: str) -> str:
        spec = library.metrics.get(name.split("__")[0])
        return label(spec.label, lang) if spec else name

    def member(dim: str, key) -> str:
        spec = library.dimensions.get(dim)
        return label(spec.members[str(key)], lang) if spec and str(key) in spec.members else str(key)

    return metric, member


def _examples(username: str) -> None:
    recent, popular = ask_history.recent(username), ask_history.popular(username)
    if not (recent or popular):
        st.caption(ctx.t("ask.try"))
        return
    left, right = st.columns(2)
    for column, title, items in (
        (left, ctx.t("ask.recent"), recent),
        (right, ctx.t("ask.popular"), [f"{q}" for q, _ in popular]),
    ):
        column.caption(title)
        for i, question in enumerate(items):
            if column.button(question, key=f"ask_again_{title}_{i}", type="tertiary"):
                st.query_params["q"] = question
                st.rerun()


def render() -> None:
    st.title(ctx.t("page.ask"))
    me, library = ctx.principal(), ctx.library()
    asked = st.query_params.get("q", "")
    with st.form("ask_form", border=False):
        text = st.text_input(ctx.t("ask.box"), value=asked, max_chars=MAX_CHARS, placeholder=ctx.t("ask.placeholder"))
        if st.form_submit_button(ctx.t("ask.go"), type="primary") and text != asked:
            st.query_params["q"] = text
            st.rerun()
    if not asked.strip():
        _examples(me.username)
        return
    try:
        reading = ctx.kept(  # the engine failing: the last reading (its words read from members) and answer
            ("interpret", asked), lambda: interpret(asked, me, warehouse=ctx.warehouse(), library=library)
        )
    except SemanticError as err:
        ctx.show_error(err)
        return
    if reading.refused:  # the interpreter asked semantic.authorize; a refusal says why, never the number
        st.warning(plain(reading.message))  # names what was not understood, or asks which metric
        ask_history.record(me.username, asked, reading.lang, None, reading.refusal)
        no_metric = reading.spans and not any(x.kind == "metric" for x in reading.spans)
        if reading.refusal == "not_understood" and not reading.not_understood and no_metric:
            _which_metric(asked, reading, library)  # everything understood but the metric: offer them
        return
    reading = _edited(reading, library)
    ask_history.record(me.username, asked, reading.lang, reading.query.model_dump_json(exclude_none=True), None)
    result = ctx.ask(reading.query, "page:ask", question=asked)
    if result is None:
        return
    _answer(reading, result, library)


def _which_metric(asked: str, reading, library) -> None:
    """A question without a metric: the metrics the user may see, certified first, one click each."""
    metric, _ = _labels(library, reading.lang)
    visible = list(ctx.visible_metrics())
    ranked = sorted(visible, key=lambda m: (not library.metrics[m].certified, visible.index(m)))[:8]
    picked = st.pills(ctx.t("ask.which_metric"), ranked, format_func=metric, key=f"ask_which_{abs(hash(asked))}")
    if picked:
        st.query_params["q"] = f"{asked} {metric(picked)}"
        st.rerun()


def _edited(reading, library):
    """The chips: every part of the reading, each removable but the only metric; an ambiguous word's
    other meanings."""
    metric, member = _labels(library, reading.lang)
    spans = reading.spans
    if spans:
        names = {i: chip(s, library, reading.lang, member, metric) for i, s in enumerate(spans)}
        may_drop = set(removable(reading))
        needed = [i for i, s in enumerate(spans) if s not in may_drop]
        key = f"ask_chips_{abs(hash(reading.text))}"
        kept = st.pills(
            ctx.t("ask.read_as"),
            list(names),
            selection_mode="multi",
            default=list(names),
            format_func=names.get,
            key=key,
            on_change=_keep_needed,
            args=(key, needed),
        )
        dropped = tuple(s for i, s in enumerate(spans) if i not in (kept or []) and s in may_drop)
        try:
            reading = without(reading, dropped)
        except SemanticError as err:
            ctx.show_error(err)
    for word, chosen, others in reading.alternatives:
        others = [o for o in others if o in library.metrics]  # a member of the same name is not a meaning to swap to
        if chosen in reading.query.metrics and others:
            picked = st.pills(  # ambiguity is shown, not guessed: the other meanings, one click each
                ctx.t("ask.meaning", word=word),
                [chosen, *others],
                default=chosen,
                format_func=metric,
                key=f"ask_alt_{word}",
            )
            reading = choose(reading, chosen, picked or chosen)
    if reading.not_understood:
        st.caption(plain(ctx.t("ask.not_understood", words="、".join(reading.not_understood))))
    try:
        return _editor(reading, library)
    except SemanticError as err:
        ctx.show_error(err)
        return reading


GRAINS = (None, "day", "week", "month", "quarter", "year")
COMPARES = (None, "prior_period", "prior_year")


def _editor(reading, library):
    """Change any chip: the period, the grain, the comparison, the members of each filter."""
    q = reading.query
    # keyed on the query coming in (after the chips): a chip taken out resets the editor to match it,
    # and what the editor changes stays changed while the chips stay as they are
    key = f"ask_edit_{abs(hash((reading.text, q.model_dump_json())))}"
    with st.expander(ctx.t("ask.edit")):
        a, b, c = st.columns(3)
        span = (q.time_from, q.time_to) if q.time_from and q.time_to else ()
        days = a.date_input(ctx.t("ask.edit.period"), span, key=f"{key}_period")
        current = next((g.removeprefix("metric_time__") for g in q.group_by if g.startswith("metric_time__")), None)
        grain = b.selectbox(
            ctx.t("ask.edit.grain"), GRAINS, index=GRAINS.index(current), key=f"{key}_grain",
            format_func=lambda g: ctx.t(f"explore.grain.{g}") if g else ctx.t("ask.edit.none"),
        )  # fmt: skip
        compare = c.selectbox(
            ctx.t("ask.edit.compare"), COMPARES, index=COMPARES.index(q.compare), key=f"{key}_compare",
            format_func=lambda x: ctx.t(f"explore.compare.{x}") if x else ctx.t("explore.compare.none"),
        )  # fmt: skip
        kept = {}
        for dim, keys in reading.filters.items():
            options = members(dim, ctx.principal(), warehouse=ctx.warehouse(), library=library)
            kept[dim] = tuple(
                st.multiselect(
                    ctx.dimension_label(dim), options, default=[k for k in keys if k in options],
                    format_func=lambda v, d=dim: ctx.member_label(d, v), key=f"{key}_{dim}",
                )
            )  # fmt: skip
    period = tuple(days) if isinstance(days, (tuple, list)) and len(days) == 2 else None
    if period == span or (not span and period is None):
        period = None
    return edited(reading, period=period, grain=grain, compare=compare, members=kept or None)


def _keep_needed(key: str, needed: list[int]) -> None:
    """A question needs its metric: a click on the only metric's chip puts it back."""
    st.session_state[key] = sorted(set(st.session_state.get(key) or []) | set(needed))


def _answer(reading, result, library) -> None:
    metric, member = _labels(library, reading.lang)
    frame, q, lang = result.frame, reading.query, ctx.lang()
    if ctx.empty(result):
        return
    st.subheader(plain(sentence(reading, frame, library, reading.lang, member, metric)), anchor=False)
    keys = tuple(g for g in q.group_by)
    formats = {m: library.metrics[m].format for m in q.metrics}
    kind = charts.choose(keys, q.metrics, formats, len(frame))
    if kind == "big_number" and len(frame) == 1:
        number_cards(frame.iloc[0], q.metrics, q.compare, lang)
    else:
        fig = charts.figure(
            frame,
            kind,
            keys,
            q.metrics,
            metric_label=ctx.metric_label,
            member_label=ctx.member_label,
            formats=formats,
            lang=lang,
            compare=q.compare,
        )
        if fig is not None:
            st.plotly_chart(fig, key=f"ask_chart_{hash(q.model_dump_json())}")
        show(frame, formats=formats)
    params = explore_params(reading, library)
    if params is not None:
        st.link_button(ctx.t("ask.open_explore"), "explore?" + urlencode(params), icon=":material/query_stats:")
    with st.expander(ctx.t("ask.query")):
        st.code(
            json.dumps(json.loads(q.model_dump_json(exclude_none=True)), ensure_ascii=False, indent=2), language="json"
        )
        st.code(result.sql, language="sql")
    save_tile_form(q, "auto", ", ".join(ctx.metric_label(m) for m in q.metrics), key="ask")


ctx.guard(render)
