"""The finance pages' charts (Budget vs actual, Cash and receivables, Reconciliation), built one way:
money ticks as ¥ with 万/亿 in Chinese and K/M in English, months as periods in the user's language,
days as days, hover texts in the same formats, trace names from the library's labels, and colours
by meaning (over budget red, under green). Pure: frames in, Plotly figures out (unit-tested in both
languages); the pages only draw them."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import plotly.graph_objects as go

from ui.charts import hover, period_label, tick_label, tick_scale, time_axis, value_ticks
from ui.fmt import format_value
from ui.i18n import label, text

MONTH = "metric_time__month"
OVER, UNDER = "#CC3311", "#009E73"  # expense is good down: over budget red, under budget green
BUDGET, BUDGET_LATER, ACTUAL = "#94a3b8", "#cbd5e1", "#0072B2"
GAP_UP, GAP_DOWN, RECONCILED = "#E69F00", "#0072B2", "#777777"  # a gap is neither good nor bad: two hues, not red/green
BUCKET_COLOURS = ("#009E73", "#DDCC77", "#E69F00", "#CC3311", "#882255")  # not yet due ... over 90 days
CENT = 0.005


def metric_label(library, name: str, lang: str) -> str:
    spec = library.metrics.get(name)
    return label(spec.label, lang) if spec else name


def member_label(library, dimension: str, value, lang: str) -> str:
    spec = library.dimensions.get(dimension)
    if spec is not None and str(value) in spec.members:
        return label(spec.members[str(value)], lang)
    return "—" if value is None else str(value)


def signed_money(value: float, lang: str) -> str:
    """A variance as money with its sign: +¥35.4万 / -¥2.0万, +¥354.2K."""
    shown = format_value(value, "currency", lang)
    return shown if shown.startswith("-") or shown == "¥0" else "+" + shown


def months_of(frame: pd.DataFrame) -> list[pd.Timestamp]:
    return [pd.Timestamp(m) for m in frame[MONTH]]


def layout(fig: go.Figure, height: int) -> go.Figure:
    fig.update_layout(
        height=height,
        template="plotly_white",
        margin={"l": 10, "r": 10, "t": 30, "b": 10},
        legend={"orientation": "h", "y": -0.15},
        hovermode="closest",
    )
    return fig


def axis(values, fmt: str, lang: str, *, from_zero: bool = True, title: str | None = None) -> dict:
    """A value axis in `fmt`'s unit: round tick values and their labels (ui.charts.value_ticks)."""
    vals, labels = value_ticks([float(v) for v in values if pd.notna(v)], fmt, lang, from_zero=from_zero)
    spec = {"tickvals": vals, "ticktext": labels, "range": [vals[0], vals[-1]], "zeroline": True}
    if title:
        spec["title"] = {"text": title, "font": {"size": 12}}
    return spec


def tick_labels(vals: list[float], fmt: str, lang: str) -> list[str]:
    """Labels for given tick values in one unit, with the decimals the step needs."""
    scale, suffix = tick_scale(fmt, lang, max(abs(vals[0]), abs(vals[-1])))
    decimals = next((d for d in range(5) if all(abs(round(v / scale, d) - v / scale) < 1e-6 for v in vals)), 4)
    return [tick_label(v, fmt, lang, decimals, scale, suffix) for v in vals]


def aligned_axes(left, right, fmt: str, lang: str) -> tuple[dict, dict]:
    """Two money axes whose zero lines and grid lines coincide: each keeps its own round step,
    both get the same number of steps below and above zero."""
    lv, _ = value_ticks([float(v) for v in left if pd.notna(v)], fmt, lang, from_zero=True)
    rv, _ = value_ticks([float(v) for v in right if pd.notna(v)], fmt, lang, from_zero=True)
    steps = []
    for vals in (lv, rv):
        step = (vals[1] - vals[0]) if len(vals) > 1 else 1.0
        steps.append((step, round(vals[0] / step), round(vals[-1] / step)))
    low, high = min(s[1] for s in steps), max(s[2] for s in steps)
    specs = []
    for step, _, _ in steps:
        vals = [round(k * step, 12) for k in range(low, high + 1)]
        specs.append({"tickvals": vals, "ticktext": tick_labels(vals, fmt, lang), "range": [vals[0], vals[-1]]})
    return specs[0], specs[1]


# ---- Budget vs actual ----------------------------------------------------------------------------
def variance_waterfall(by_dept: pd.DataFrame, lang: str, library) -> go.Figure:
    """Each department's variance (expense - budget over the period of `by_dept`) as a bar from the
    running total, starting at zero, the total variance last: over budget red, under budget green.
    The budget itself is stated in the caption, not drawn: a ¥21M bar would hide ¥2万 variances."""
    f = by_dept.sort_values("budget_variance", ascending=False)
    variances = [float(v) for v in f["budget_variance"]]
    total = sum(variances)
    names = [member_label(library, "department", d, lang) for d in f["department"]]
    names.append(text("budget.total_variance", lang))
    hovers = [
        text(
            "budget.hover",
            lang,
            who=n,
            budget=format_value(b, "currency", lang),
            actual=format_value(e, "currency", lang),
            variance=signed_money(v, lang),
        )
        for n, b, e, v in zip(names, f["budget"], f["expense"], variances)
    ]
    hovers.append(
        text(
            "budget.hover",
            lang,
            who=names[-1],
            budget=format_value(float(f["budget"].sum()), "currency", lang),
            actual=format_value(float(f["expense"].sum()), "currency", lang),
            variance=signed_money(total, lang),
        )
    )
    fig = go.Figure(
        go.Waterfall(
            x=names,
            y=variances + [total],
            base=0,
            measure=["relative"] * len(variances) + ["total"],
            name=metric_label(library, "budget_variance", lang),
            text=[signed_money(v, lang) for v in variances + [total]],
            textposition="outside",
            hovertext=hovers,
            hovertemplate="%{hovertext}<extra></extra>",
            increasing={"marker": {"color": OVER}},
            decreasing={"marker": {"color": UNDER}},
            totals={"marker": {"color": OVER if total > 0 else UNDER}},
            connector={"line": {"color": "#94a3b8", "dash": "dot"}},
        )
    )
    running = [0.0]
    for v in variances:
        running.append(running[-1] + v)
    spec = axis(running + [total * 1.15, max(running) * 1.15, min(running) * 1.15], "currency", lang)
    spec["title"] = {"text": text("budget.variance_axis", lang), "font": {"size": 12}}
    fig.update_layout(yaxis={**spec, "zerolinecolor": "#334155", "zerolinewidth": 1.5}, showlegend=False)
    return layout(fig, 380)


def budget_months(monthly: pd.DataFrame, upto: dt.date, lang: str, library) -> go.Figure:
    """Budget and expense by month: expense only up to `upto` (the actuals cutoff); later months
    show their budget only, hatched, in a band that says there are no actuals yet."""
    f = monthly.sort_values(MONTH)
    months = months_of(f)
    done = [m.date() <= upto for m in months]
    when = [period_label(m, "month", lang) for m in months]
    fig = go.Figure()
    for keep, name, colour, pattern in (
        (True, metric_label(library, "budget", lang), BUDGET, ""),
        (False, text("budget.not_actual", lang), BUDGET_LATER, "/"),
    ):
        rows = [i for i, d in enumerate(done) if d == keep]
        if not rows:
            continue
        values = [float(f["budget"].iloc[i]) for i in rows]
        fig.add_trace(
            go.Bar(
                x=[months[i] for i in rows],
                y=values,
                name=name,
                offsetgroup="budget",
                textposition="none",
                marker={"color": colour, "pattern": {"shape": pattern}},
                **hover([when[i] for i in rows], values, "currency", lang),
            )
        )
    rows = [i for i, d in enumerate(done) if d]
    actual = [float(f["expense"].iloc[i]) for i in rows]
    fig.add_trace(
        go.Bar(
            x=[months[i] for i in rows],
            y=actual,
            name=metric_label(library, "expense", lang),
            offsetgroup="expense",
            textposition="none",
            marker_color=ACTUAL,
            **hover([when[i] for i in rows], actual, "currency", lang),
        )
    )
    if not all(done):
        first_later = months[done.index(False)]
        fig.add_vrect(
            x0=first_later - pd.Timedelta(days=15),
            x1=months[-1] + pd.Timedelta(days=16),
            fillcolor="#f1f5f9",
            opacity=0.6,
            line_width=0,
            layer="below",
            annotation_text=text("budget.no_actuals", lang),
            annotation_position="top left",
        )
    fig.update_layout(barmode="group", yaxis=axis(list(f["budget"]) + actual, "currency", lang))
    time_axis(fig, f[MONTH], "month", lang)
    return layout(fig, 340)


# ---- Cash and receivables ------------------------------------------------------------------------
def cash_flows(frame: pd.DataFrame, lang: str, library) -> go.Figure:
    """Cash in up (green), cash out down (red), the running total of net cash flow over the months
    shown as a line on a right axis whose zero and grid lines meet the left axis's."""
    f = frame.sort_values(MONTH)
    when = [period_label(m, "month", lang) for m in f[MONTH]]
    cash_in = f["cash_in"].astype(float)
    cash_out = f["cash_out"].astype(float)
    running = f["net_cash_flow"].astype(float).cumsum()
    cumulative = text("cash.cumulative", lang)
    fig = go.Figure(
        [
            go.Bar(
                x=f[MONTH],
                y=cash_in,
                name=metric_label(library, "cash_in", lang),
                marker_color=UNDER,
                textposition="none",
                **hover(when, cash_in, "currency", lang),
            ),
            go.Bar(
                x=f[MONTH],
                y=-cash_out,
                name=metric_label(library, "cash_out", lang),
                marker_color=OVER,
                textposition="none",
                **hover(when, cash_out, "currency", lang),
            ),
            go.Scatter(
                x=f[MONTH],
                y=running,
                yaxis="y2",
                name=cumulative,
                mode="lines+markers",
                line={"color": ACTUAL},
                **hover(when, running, "currency", lang),
            ),
        ]
    )
    left, right = aligned_axes(list(cash_in) + list(-cash_out), list(running), "currency", lang)
    fig.update_layout(
        barmode="relative",
        yaxis={**left, "zeroline": True, "zerolinecolor": "#334155"},
        yaxis2={
            **right,
            "overlaying": "y",
            "side": "right",
            "showgrid": False,
            "title": {"text": cumulative, "font": {"size": 12}},
        },
    )
    time_axis(fig, f[MONTH], "month", lang)
    return layout(fig, 360)


def ar_trend(frame: pd.DataFrame, lang: str, library) -> go.Figure:
    """Month-end AR balance (bars, money, left) and DSO (line, days, right)."""
    f = frame.sort_values(MONTH)
    when = [period_label(m, "month", lang) for m in f[MONTH]]
    ar, dso = metric_label(library, "ar_balance", lang), metric_label(library, "dso", lang)
    fig = go.Figure(
        [
            go.Bar(
                x=f[MONTH],
                y=f["ar_balance"],
                name=ar,
                marker_color=BUDGET,
                textposition="none",
                **hover(when, f["ar_balance"], "currency", lang),
            ),
            go.Scatter(
                x=f[MONTH],
                y=f["dso"],
                name=dso,
                yaxis="y2",
                mode="lines+markers",
                line={"color": "#E69F00"},
                **hover(when, f["dso"], "days", lang),
            ),
        ]
    )
    fig.update_layout(
        yaxis=axis(f["ar_balance"], "currency", lang, title=ar),
        yaxis2={
            **axis(f["dso"], "days", lang, from_zero=False, title=dso),
            "overlaying": "y",
            "side": "right",
            "showgrid": False,
            "zeroline": False,
        },
    )
    time_axis(fig, f[MONTH], "month", lang)
    return layout(fig, 320)


def ageing(frame: pd.DataFrame, buckets: dict[str, str], lang: str, library) -> go.Figure:
    """AR by region, stacked by age from not yet due (green) to over 90 days (dark red)."""
    regions = [member_label(library, "region", r, lang) for r in frame["region"]]
    fig = go.Figure(
        [
            go.Bar(
                y=regions,
                x=frame[metric],
                orientation="h",
                name=text(f"cash.bucket.{bucket}", lang),
                marker_color=colour,
                textposition="none",
                **hover(regions, frame[metric], "currency", lang),
            )
            for (bucket, metric), colour in zip(buckets.items(), BUCKET_COLOURS)
        ]
    )
    totals = frame[list(buckets.values())].astype(float).sum(axis=1)
    fig.update_layout(barmode="stack", xaxis=axis(totals, "currency", lang), yaxis={"autorange": "reversed"})
    layout(fig, 300)
    # the legend reads from not yet due to over 90 days; room on the right for the last tick's label
    fig.update_layout(legend={"traceorder": "normal"}, margin={"r": 40})
    return fig


# ---- Reconciliation ------------------------------------------------------------------------------
def recon_gap(frame: pd.DataFrame, lang: str, library) -> go.Figure:
    """revenue_recon_gap by month: bars above zero where orders exceed the ledger, below where the
    ledger exceeds the orders (two hues: neither is good), labelled; reconciled months a grey dot on
    the zero line, so the months that do not reconcile stand out."""
    f = frame.sort_values(MONTH)
    months, gaps = months_of(f), [float(g) for g in f["revenue_recon_gap"]]
    when = [period_label(m, "month", lang) for m in months]
    fig = go.Figure()
    for name, colour, keep in (
        ("recon.gap_up", GAP_UP, lambda g: g >= CENT),
        ("recon.gap_down", GAP_DOWN, lambda g: g <= -CENT),
    ):
        rows = [i for i, g in enumerate(gaps) if keep(g)]
        if rows:
            fig.add_trace(
                go.Bar(
                    x=[months[i] for i in rows],
                    y=[gaps[i] for i in rows],
                    name=text(name, lang),
                    marker_color=colour,
                    text=[signed_money(gaps[i], lang) for i in rows],
                    textposition="outside",
                    cliponaxis=False,
                    hovertext=[f"{when[i]}: {format_value(gaps[i], 'currency', lang, short=False)}" for i in rows],
                    hovertemplate="%{fullData.name}<br>%{hovertext}<extra></extra>",
                )
            )
    rows = [i for i, g in enumerate(gaps) if abs(g) < CENT]
    if rows:
        fig.add_trace(
            go.Scatter(
                x=[months[i] for i in rows],
                y=[0.0] * len(rows),
                mode="markers",
                name=text("recon.gap_zero", lang),
                marker={"color": RECONCILED, "size": 9, "symbol": "circle-open", "line": {"width": 2}},
                hovertext=[f"{when[i]}: {text('recon.gap_zero', lang)}" for i in rows],
                hovertemplate="%{hovertext}<extra></extra>",
            )
        )
    spec = axis([g * 1.2 for g in gaps] + [0.0], "currency", lang)
    spec["title"] = {"text": metric_label(library, "revenue_recon_gap", lang), "font": {"size": 12}}
    fig.update_layout(yaxis={**spec, "zerolinecolor": "#334155", "zerolinewidth": 1.5}, barmode="overlay")
    time_axis(fig, f[MONTH], "month", lang)
    return layout(fig, 340)


def unreconciled(frame: pd.DataFrame) -> list[dt.date]:
    """The months whose gap is at least a cent either way."""
    return [pd.Timestamp(m).date() for m, g in zip(frame[MONTH], frame["revenue_recon_gap"]) if abs(float(g)) >= CENT]
