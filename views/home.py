"""Home: the role's KPI cards for a period, with change vs prior period and last year."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from semantic.policy import access_for
from semantic.query import make_query
from ui import context as ctx
from ui.fmt import delta_color, format_delta, headline
from ui.home_rows import rows_for
from ui.periods import CHOICES, period_range, sparkline_range
from ui.safe import plain

# A card's number shrinks with the window (five cards share 800 px of a 1280 px screen) and is
# never cut off: at 1920 px it is Streamlit's full size. A long label wraps rather than ending in '…'.
CARD_CSS = """<style>
[data-testid="stMetricValue"] { font-size: clamp(1.35rem, 2.05vw, 2.25rem); }
[data-testid="stMetricLabel"] p { white-space: normal; overflow: visible; text-overflow: clip; }
</style>"""


def sparkline(frame, metric) -> go.Figure:
    fig = go.Figure(
        go.Scatter(x=frame["metric_time__month"], y=frame[metric], mode="lines", line={"width": 2, "color": "#2563eb"})
    )
    fig.update_layout(
        height=70,
        margin={"l": 0, "r": 0, "t": 0, "b": 0},
        showlegend=False,
        xaxis={"visible": False},
        hovermode=False,
        yaxis={"visible": False, "range": _padded(frame[metric])},
    )
    return fig


def _padded(values) -> list[float] | None:
    """Sparklines show the shape, so the axis spans the data, not zero to the top."""
    clean = [float(v) for v in values if not pd.isna(v)]
    if not clean:
        return None
    low, high = min(clean), max(clean)
    pad = (high - low) * 0.15 or abs(high) * 0.05 or 1.0
    return [low - pad, high + pad]


def change_text(spec, row, metric, lang) -> str | None:
    """The change from the compared period, as the metric states it (pp for ratios, money for variances)."""
    if row is None:
        return None
    return format_delta(row[metric], row[f"{metric}__prior"], spec.format, spec.change_kind, lang)


def _coloured(text: str | None, row, metric, good: str) -> str:
    """A caption's change in the card's colours: green when it moved the good way, red the bad way."""
    if not text:
        return "—"
    diff = float(row[metric]) - float(row[f"{metric}__prior"])
    if good == "neutral" or diff == 0:
        return text
    return f":{'green' if (diff > 0) == (good == 'up') else 'red'}[{text}]"


def card(column, metric, value_row, prior_row, spark, lang):
    spec = ctx.library().metrics[metric]
    with column.container(border=True):
        st.metric(
            ctx.metric_label(metric),
            headline(value_row[metric], spec.format, lang),
            change_text(spec, prior_row, metric, lang),
            delta_color=delta_color(spec.good),
            help=ctx.t("home.vs_prior"),
        )
        yoy = _coloured(change_text(spec, value_row, metric, lang), value_row, metric, spec.good)
        st.caption(f"{ctx.t('home.vs_year')}: {yoy}")
        if spark is not None:
            st.plotly_chart(
                sparkline(spark, metric), config={"displayModeBar": False, "staticPlot": True}, key=f"spark_{metric}"
            )


def ask_box() -> None:
    """The Ask box: a question typed here opens the Ask page with it."""
    with st.form("home_ask", border=False):
        left, right = st.columns([6, 1], vertical_alignment="bottom")
        text = left.text_input(ctx.t("ask.home"), max_chars=300, placeholder=ctx.t("ask.placeholder"))
        if right.form_submit_button(ctx.t("ask.go"), type="primary") and text.strip():
            st.switch_page("views/ask.py", query_params={"q": text.strip()})


def render() -> None:
    st.title(ctx.t("page.home"))
    st.html(CARD_CSS)
    ask_box()
    last_day = ctx.as_of() or dt.date.today()
    labels = {c: ctx.t(f"period.{c}") for c in CHOICES}
    choice = (
        st.segmented_control(ctx.t("period.label"), CHOICES, format_func=labels.get, default="month", key="home_period")
        or "month"
    )
    custom = None
    if choice == "custom":
        a, b = st.columns(2)
        custom = (
            a.date_input(ctx.t("period.from"), last_day.replace(month=1, day=1), key="home_from"),
            b.date_input(ctx.t("period.to"), last_day, key="home_to"),
        )
    start, end = period_range(choice, last_day, custom)
    st.caption(f"{start:%Y-%m-%d} – {end:%Y-%m-%d}")
    rows = rows_for(access_for(ctx.principal(), ctx.library()).home, set(ctx.visible_metrics()), ctx.library())
    if not rows:
        st.info(ctx.t("home.nothing"))
        return
    s_from, s_to = sparkline_range(last_day)
    for row, metrics in rows:
        st.subheader(ctx.t(f"home.{row}"))
        base = {"metrics": metrics, "time_from": start, "time_to": end}
        yoy = ctx.ask(make_query(**base, compare="prior_year"), "page:home")
        pop = ctx.ask(make_query(**base, compare="prior_period"), "page:home")
        spark = ctx.ask(
            make_query(metrics=metrics, group_by=("metric_time__month",), time_from=s_from, time_to=s_to), "page:home"
        )
        if yoy is None:
            continue
        per_row = len(metrics) if len(metrics) <= 5 else 3  # six cards read better as two rows of three
        columns = [c for i in range(0, len(metrics), per_row) for c in st.columns(per_row)]
        for column, metric in zip(columns, metrics):
            card(
                column,
                metric,
                yoy.frame.iloc[0],
                pop.frame.iloc[0] if pop is not None else None,
                spark.frame if spark is not None else None,
                ctx.lang(),
            )


def pinned_board() -> None:
    """The board pinned for one of the user's roles, under the user's own policy."""
    from boards import pins
    from ui.tiles import grid

    board = pins.pinned_for(ctx.principal())
    if board is not None:
        st.subheader(f"📌 {plain(board.title)}", anchor=False)
        grid(board, ctx.principal())


def page() -> None:
    render()
    pinned_board()


ctx.guard(page)
