"""Explore (自助分析): pick granted metrics, group, filter, compare; a smart chart
with drag-select cross-filtering and drill-down; the table, its SQL, downloads
and the rows underneath. The whole state lives in the URL."""

from __future__ import annotations

import datetime as dt
import hashlib
import json

import pandas as pd
import streamlit as st

from semantic.catalog import catalog
from semantic.detail import drill_through
from semantic.errors import SemanticError
from semantic.policy import access_for
from ui import charts
from ui import context as ctx
from ui.cards import number_cards
from ui.custom_form import new_grouping, new_metric
from ui.export import to_csv, to_excel
from ui.fmt import format_change, format_delta
from ui.safe import plain
from ui.save_tile import save_tile_form
from ui.state import GRAINS, TIME_DRILL, ExploreState
from ui.table import drill_rows, show

DEFAULT_METRICS = ("revenue",)


def current_state() -> ExploreState:
    return ExploreState.from_params(dict(st.query_params), DEFAULT_METRICS)


def go(state: ExploreState) -> None:
    """Make `state` the page's state: the URL changes (a new history entry) and the page reruns."""
    st.query_params.from_dict(state.to_params())
    st.rerun()


def signature(state: ExploreState) -> str:
    return hashlib.sha1(json.dumps(state.to_params(), sort_keys=True).encode()).hexdigest()[:8]


def parent_of(dimension: str) -> str | None:
    return next((name for name, spec in ctx.library().dimensions.items() if spec.drill == dimension), None)


def controls(state: ExploreState, sig: str) -> ExploreState:
    """The widgets hold names (labels come from format_func) and their keys carry the language:
    a widget keeps its value by its label, so a language switch would otherwise turn a name into
    the old language's label (m=Revenue)."""
    sig = f"{sig}_{ctx.lang()}"
    choose = ctx.t("explore.placeholder")
    lib = ctx.library()
    visible = ctx.visible_metrics()
    entries = {e.name: e for e in catalog(ctx.principal(), lib)}
    search = st.text_input(ctx.t("explore.search"), key=f"search_{sig}")
    # a search lists certified metrics first (stable: the library's order within each group), drafts last
    found = [m for m in visible if entries[m].matches(search)] if search else list(visible)
    options = sorted(found, key=lambda m: (entries[m].draft_owner is not None, not entries[m].certified))
    options += [m for m in state.metrics if m not in options]  # keep chosen (even refused) names visible
    chosen = st.multiselect(
        ctx.t("explore.metrics"),
        options,
        default=list(state.metrics),
        format_func=frozen(ctx.metric_label, options),
        placeholder=choose,
        key=f"metrics_{sig}",
    )
    chosen = [m for m in chosen if m in options]  # names only, whatever the widget hands back
    dims_ok = sorted(access_for(ctx.principal(), lib).dimensions)
    applicable = [
        d for d in lib.dimensions if d in dims_ok and all(m not in lib.metrics or lib.applies(m, d) for m in chosen)
    ]
    a, b, c, d = st.columns([2.4, 1.3, 1.5, 1.2])
    by_options = applicable + [g for g in state.group_by if g not in applicable]
    by = a.multiselect(
        ctx.t("explore.group_by"),
        by_options,
        default=list(state.group_by),
        format_func=frozen(ctx.dimension_label, by_options),
        placeholder=choose,
        key=f"by_{sig}",
    )
    for unknown in [
        d for d in by if d not in lib.dimensions
    ]:  # a hand-edited URL: say so after the rerun that drops it
        try:
            lib.dimension(unknown)
        except SemanticError as err:
            st.session_state[NOTICE] = ctx.said(err)
    by = [d for d in by if d in lib.dimensions]
    grains = [None, *GRAINS]
    grain = b.selectbox(
        ctx.t("explore.grain"),
        grains,
        index=grains.index(state.grain),
        format_func=frozen(lambda g: ctx.t("explore.no_time") if g is None else ctx.t(f"explore.grain.{g}"), grains),
        key=f"grain_{sig}",
    )
    compares = [None, "prior_period", "prior_year"]
    compare = c.selectbox(
        ctx.t("explore.compare"),
        compares,
        index=compares.index(state.compare),
        format_func=frozen(lambda x: ctx.t(f"explore.compare.{x or 'none'}"), compares),
        key=f"cmp_{sig}",
    )
    chart = d.selectbox(
        ctx.t("explore.chart"),
        charts.KINDS,
        index=charts.KINDS.index(state.chart) if state.chart in charts.KINDS else 0,
        format_func=frozen(lambda k: ctx.t(f"explore.chart.{k}"), charts.KINDS),
        key=f"chart_{sig}",
    )
    last_day = ctx.as_of() or dt.date.today()
    e, f = st.columns(2)
    time_from = e.date_input(ctx.t("period.from"), state.time_from or dt.date(last_day.year, 1, 1), key=f"from_{sig}")
    time_to = f.date_input(ctx.t("period.to"), state.time_to or last_day, key=f"to_{sig}")
    new = ExploreState(tuple(chosen), tuple(by), grain, state.filters, time_from, time_to, compare, chart)
    with st.expander(ctx.t("explore.filters"), expanded=bool(state.filters)):
        filter_dims = list(dict.fromkeys([d for d, _ in state.filters] + list(by)))
        extra = st.selectbox(
            "+",
            [None] + [x for x in applicable if x not in filter_dims],
            format_func=lambda x: "—" if x is None else ctx.dimension_label(x),
            key=f"addf_{sig}",
        )
        for dim in filter_dims + ([extra] if extra else []):
            current = dict(state.filters).get(dim, ())
            try:
                values = ctx.members(dim)
            except SemanticError as err:
                st.warning(plain(ctx.said(err)))
                continue
            offered = values + [v for v in current if v not in values]
            picked = st.multiselect(
                ctx.dimension_label(dim),
                offered,
                default=list(current),
                format_func=frozen(lambda v, d=dim: ctx.member_label(d, v), offered),
                placeholder=choose,
                key=f"f_{dim}_{sig}",
            )
            new = new.with_filter(dim, picked)
    return new


NOTICE = "explore_notice"
SAVED = "explore_custom_saved"
CLOSE = "explore_custom_close"


def custom_forms(state: ExploreState) -> None:
    """New metric / New grouping (自助建模): a saved draft is added to the view at once."""
    if st.session_state.pop(CLOSE, False):  # saved: the form closes and the view shows the new draft
        st.session_state["custom_metric_open"] = st.session_state["custom_grouping_open"] = False
    a, b = st.columns(2)
    metric_form = a.toggle(ctx.t("custom.new_metric"), key="custom_metric_open")  # a form runs only when open
    grouping_form = b.toggle(ctx.t("custom.new_grouping"), key="custom_grouping_open")
    if metric_form:
        with st.container(border=True):
            name = new_metric(state)
        if name:
            st.session_state[SAVED], st.session_state[CLOSE] = ctx.t("custom.saved", name=name), True
            go(ExploreState(**{**state.__dict__, "metrics": tuple(dict.fromkeys(state.metrics + (name,)))}))
    if not grouping_form:
        return
    with st.container(border=True):
        name = new_grouping(state)
    if name:
        st.session_state[SAVED], st.session_state[CLOSE] = ctx.t("custom.saved", name=name), True
        go(ExploreState(**{**state.__dict__, "group_by": tuple(dict.fromkeys(state.group_by + (name,)))}))


frozen = ctx.frozen


def chips(state: ExploreState) -> None:
    if not state.filters:
        return
    st.caption(ctx.t("drill.selection"))
    cols = st.columns(len(state.filters) + 1)
    for col, (dim, values) in zip(cols, state.filters):
        shown = ", ".join(ctx.member_label(dim, v) for v in values[:3]) + (" …" if len(values) > 3 else "")
        if col.button(
            plain(f"✕ {ctx.dimension_label(dim)}: {shown}"),
            key=f"chip_{dim}",
            help=plain(ctx.t("drill.remove", chip=shown)),
        ):
            go(state.without_filter(dim))
    if cols[-1].button(ctx.t("drill.clear"), key="chip_clear"):
        go(ExploreState(**{**state.__dict__, "filters": ()}))


def drill_buttons(state: ExploreState) -> None:
    lib = ctx.library()
    cols = st.columns(4)
    i = 0
    for dim in state.group_by:
        spec = lib.dimensions.get(dim)
        selected = dict(state.filters).get(dim)
        if spec and spec.drill and selected:
            if cols[i % 4].button(ctx.t("drill.into", dim=ctx.dimension_label(spec.drill)), key=f"drill_{dim}"):
                go(state.drill(dim, list(selected), spec.drill))
            i += 1
        parent = parent_of(dim)
        if parent:
            if cols[i % 4].button(f"⬆ {ctx.t('drill.up')}: {ctx.dimension_label(parent)}", key=f"up_{dim}"):
                go(state.up(dim, parent))
            i += 1
    short = state.time_from and state.time_to and (state.time_to - state.time_from).days < 400
    if (
        state.grain in TIME_DRILL
        and short
        and cols[i % 4].button(
            ctx.t("drill.into", dim=ctx.t(f"explore.grain.{TIME_DRILL[state.grain]}")), key="drill_time"
        )
    ):
        go(ExploreState(**{**state.__dict__, "grain": TIME_DRILL[state.grain]}))


def apply_selection(state: ExploreState, event, kind: str) -> None:
    """A box, lasso or click selection becomes a filter (or a time span) for the whole page."""
    cats = [k for k in state.keys if not charts.is_time(k)]
    time_axis = kind in ("line", "area") and state.grain
    if time_axis:
        span = charts.selected_span(event)
        if span:
            start, end = dt.date.fromisoformat(span[0]), dt.date.fromisoformat(span[1])
            step = {"day": "D", "week": "W-MON", "month": "MS", "quarter": "QS", "year": "YS"}[state.grain]
            last = (pd.Timestamp(end) + pd.tseries.frequencies.to_offset(step) - pd.Timedelta(days=1)).date()
            new = ExploreState(
                **{**state.__dict__, "time_from": start, "time_to": end if state.grain == "day" else last}
            )
            if new != state:
                go(new)
        return
    if cats:
        values = charts.selected_members(event, cats[0])
        if values and tuple(values) != dict(state.filters).get(cats[0]):
            go(state.with_filter(cats[0], values))


def column_label(col: str, compare: str | None) -> str:
    """A result column as people call it: 'Revenue, prior year' / '营业收入（上年同期）', 'Month' / '月份'."""
    base = col.split("__")[0]
    if base in ctx.library().metrics:
        shown = ctx.metric_label(base)
        if col.endswith("__prior"):
            return ctx.t(f"explore.col.{compare or 'prior_period'}", metric=shown)
        if col.endswith("__change_pct"):
            return ctx.t(f"explore.col.change.{compare or 'prior_period'}", metric=shown)
        return shown
    if charts.is_time(col):
        return ctx.t(f"explore.period.{charts.split_grain(col)}")
    return ctx.dimension_label(col)


def result_table(frame: pd.DataFrame, compare: str | None = None) -> None:
    """The result through the one table helper (ui.table.show): library labels in the user's language
    (the comparison columns named for the chosen comparison), each metric in its format, periods as
    their grain, member labels, numbers right-aligned. A change is stated as its metric states it
    (MetricSpec.change_kind): a ratio's in percentage points, a variance's or DSO's in its own unit,
    never a relative change of a percentage."""
    lib, lang = ctx.library(), ctx.lang()
    shown, stated = frame.copy(), []
    for col in frame.columns:
        base = str(col).split("__")[0]
        spec, prior = lib.metrics.get(base), f"{base}__prior"
        if not str(col).endswith("__change_pct") or spec is None:
            continue
        if spec.change_kind == "relative":  # signed, as cards write it: +45.9%, -10.6%
            shown[col] = [format_change(v, lang) or "—" for v in frame[col]]
            stated.append(str(col))
        elif base in frame.columns and prior in frame.columns:
            changes = zip(frame[base], frame[prior])
            shown[col] = [format_delta(v, p, spec.format, spec.change_kind, lang) or "—" for v, p in changes]
            stated.append(str(col))
    labels = {str(c): column_label(c, compare) for c in frame.columns}
    show(shown, key="explore_result", labels=labels, right=tuple(stated))


def detail(state: ExploreState) -> None:
    with st.expander(ctx.t("drill.through")):
        page = st.number_input(ctx.t("drill.page"), min_value=1, value=1, step=1, key="detail_page")
        try:
            query = state.query(limit=None)
            who = ctx.principal()
            rows = ctx.kept(
                ("drill", query, int(page)),
                lambda: drill_through(query, who, warehouse=ctx.warehouse(), page=int(page), page_size=100),
            )
        except SemanticError as err:
            ctx.show_error(err)
            return
        drill_rows(rows, query, key="detail")  # every row the user may see, not the page shown


def render() -> None:
    st.title(ctx.t("page.explore"))
    if NOTICE in st.session_state:  # what was dropped from the URL, said once
        st.warning(plain(st.session_state.pop(NOTICE)))
    if SAVED in st.session_state:
        st.success(plain(st.session_state.pop(SAVED)))
    state = current_state()
    new = controls(state, signature(state))
    if new != state:
        go(new)
    custom_forms(state)
    if not state.metrics:
        st.info(ctx.t("explore.pick_metric"))
        return
    chips(state)
    try:
        query = state.query()
    except SemanticError as err:
        ctx.show_error(err)
        return
    result = ctx.ask(query, "page:explore", downloadable=True)
    if result is None:
        return
    lib, lang = ctx.library(), ctx.lang()
    frame = result.frame
    if ctx.empty(result):  # says why: nothing in this filter and period, or nothing the row policy lets through
        with st.expander(ctx.t("explore.show_sql")):
            st.code(result.sql, language="sql")
        save_tile(state, query)
        return
    formats = {m: lib.metrics[m].format for m in state.metrics if m in lib.metrics}
    kind = state.chart if state.chart != "auto" else charts.choose(state.keys, state.metrics, formats, len(frame))
    fig = charts.figure(
        frame,
        kind,
        state.keys,
        state.metrics,
        metric_label=ctx.metric_label,
        member_label=ctx.member_label,
        formats=formats,
        lang=lang,
        compare=state.compare,
    )
    if kind == "big_number" and len(frame) == 1:
        number_cards(frame.iloc[0], state.metrics, state.compare, lang)
    elif fig is not None:
        st.caption(ctx.t("drill.hint"))
        event = st.plotly_chart(
            fig, on_select="rerun", selection_mode=("points", "box", "lasso"), key=f"plot_{signature(state)}"
        )
        apply_selection(state, event, kind)
    drill_buttons(state)
    result_table(frame, state.compare)
    st.caption(
        (ctx.t("explore.row") if len(frame) == 1 else ctx.t("explore.rows", n=len(frame)))
        + f" · {result.execute_seconds * 1000:.0f} ms"
        + (" · " + ctx.t("explore.cached") if result.cached else "")
        + " · "
        + ctx.t("explore.link")
    )
    downloads(query, frame, formats, full=len(frame) >= ctx.PAGE_ROWS, compare=state.compare)
    with st.expander(ctx.t("explore.show_sql")):
        st.code(result.sql, language="sql")
    save_tile(state, query)
    detail(state)


def downloads(query, frame: pd.DataFrame, formats: dict, full: bool, compare: str | None = None) -> None:
    """CSV and Excel of the result. When the page shows only the first PAGE_ROWS rows, the
    downloads run the same query (same user, same policy) when clicked, up to EXPORT_ROWS."""
    headers = {c: column_label(c, compare) for c in frame.columns}
    user, ran_at = ctx.principal().username, dt.datetime.now().astimezone()
    fetch = ctx.export_rows(query, "page:explore") if full else (lambda: frame)

    def excel() -> bytes:
        return to_excel(fetch(), formats, query, user=user, ran_at=ran_at, headers=headers)

    a, b = st.columns(2)
    a.download_button(
        ctx.t("explore.download_csv"),
        (lambda: to_csv(fetch())) if full else to_csv(frame),
        file_name="concord.csv",
        mime="text/csv",
    )
    b.download_button(
        ctx.t("explore.download_xlsx"),
        excel if full else excel(),
        file_name="concord.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


def save_tile(state: ExploreState, query) -> None:
    """Store the query and its chart setting as a tile, never the data or the SQL."""
    # plain labels: a draft's mark would stay in the title after the metric is certified
    title = ", ".join(ctx.metric_label(m, marked=False) for m in state.metrics)
    save_tile_form(query, state.chart, title, key=signature(state))


ctx.guard(render)
