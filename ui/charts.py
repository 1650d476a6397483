"""Smart charts: the chart type follows the shape of the result, the user may override it.

time -> line; one category and one metric -> sorted bar; several metrics on one
category -> grouped bar, or a combo with ratios on a second axis; a metric split
by two categories -> stacked bar (share of a whole); one number -> big number.
Every mark carries its raw member value in customdata, so a drag-selection can
be turned back into a filter whatever language the labels are in.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import pandas as pd
import plotly.graph_objects as go

from ui.fmt import format_value
from ui.i18n import text

KINDS = ("auto", "line", "area", "bar", "grouped_bar", "combo", "stacked_bar", "big_number", "table")
RATIO_FORMATS = ("percent", "days")
# 12 distinct hues, colour-blind friendly (Okabe-Ito and Paul Tol's muted scheme): ten series, ten colours
PALETTE = (
    "#0072B2",  # blue
    "#E69F00",  # orange
    "#009E73",  # bluish green
    "#CC3311",  # red
    "#AA4499",  # purple
    "#56B4E9",  # sky blue
    "#DDCC77",  # sand
    "#882255",  # wine
    "#44AA99",  # teal
    "#999933",  # olive
    "#332288",  # indigo
    "#777777",  # grey
)


def is_time(name: str) -> bool:
    return name.startswith("metric_time")


def choose(keys: Sequence[str], metrics: Sequence[str], formats: dict[str, str], rows: int) -> str:
    time_keys = [k for k in keys if is_time(k)]
    other = [k for k in keys if not is_time(k)]
    if not keys:
        return "big_number" if rows <= 1 else "table"
    if time_keys and len(other) <= 1:
        return "line"
    if len(other) == 1 and not time_keys:
        if len(metrics) == 1:
            return "bar"
        kinds = {formats.get(m) in RATIO_FORMATS for m in metrics}
        return "combo" if kinds == {True, False} else "grouped_bar"
    if len(other) == 2 and len(metrics) == 1:
        return "stacked_bar"
    return "table"


def figure(
    frame: pd.DataFrame,
    kind: str,
    keys: Sequence[str],
    metrics: Sequence[str],
    *,
    metric_label: Callable[[str], str],
    member_label: Callable[[str, object], str],
    formats: dict[str, str],
    dark: bool = False,
    lang: str = "en",
    compare: str | None = None,
) -> go.Figure | None:
    """The Plotly figure for `kind`; None for 'table' and 'big_number' (shown otherwise).
    Axes carry their metrics' unit in `lang` (a second axis when units differ); with
    `compare`, a time chart also draws each metric's prior series, dashed and lighter."""
    if kind in ("table", "big_number") or frame.empty:
        return None
    time_key = next((k for k in keys if is_time(k)), None)
    cats = [k for k in keys if not is_time(k)]
    units = axis_units(metrics, formats)
    fig = go.Figure()
    if kind in ("line", "area") and time_key:
        grain = split_grain(time_key)
        series = [(None, frame)] if not cats else list(frame.groupby(cats[0], sort=True, dropna=False))
        for i, (member, part) in enumerate(series):
            part = part.sort_values(time_key)
            when = [period_label(v, grain, lang) for v in part[time_key]]
            for j, m in enumerate(metrics):
                name = metric_label(m) if member is None else f"{member_label(cats[0], member)} · {metric_label(m)}"
                if member is not None and len(metrics) == 1:
                    name = member_label(cats[0], member)
                axis = "y2" if units[m] == "y2" else "y"
                colour = PALETTE[(i * len(metrics) + j) % len(PALETTE)]
                fig.add_trace(
                    go.Scatter(
                        x=part[time_key],
                        y=part[m],
                        name=name,
                        mode="lines+markers",
                        stackgroup="one" if kind == "area" and axis == "y" and not compare else None,
                        yaxis=axis,
                        customdata=part[[cats[0]]].values if cats else None,
                        line={"color": colour, "dash": DASHES[(i * len(metrics) + j) // len(PALETTE) % len(DASHES)]},
                        **hover(when, part[m], formats.get(m), lang),
                    )
                )
                prior = f"{m}__prior"
                if compare and prior in part.columns:
                    fig.add_trace(
                        go.Scatter(
                            x=part[time_key],
                            y=part[prior],
                            name=text(f"chart.prior.{compare}", lang, metric=name),
                            mode="lines+markers",
                            yaxis=axis,
                            customdata=part[[cats[0]]].values if cats else None,
                            line={"color": colour, "dash": "dash", "width": 1.5},
                            marker={"size": 4},
                            opacity=0.55,
                            **hover(when, part[prior], formats.get(m), lang),
                        )
                    )
        time_axis(fig, frame[time_key], grain, lang)
    elif kind == "stacked_bar" and len(cats) >= 2:
        for i, (member, part) in enumerate(frame.groupby(cats[1], sort=True, dropna=False)):
            x = [member_label(cats[0], v) for v in part[cats[0]]]
            fig.add_trace(
                go.Bar(
                    x=x,
                    y=part[metrics[0]],
                    name=member_label(cats[1], member),
                    customdata=part[[cats[0]]].values,
                    marker_color=PALETTE[i % len(PALETTE)],
                    textposition="none",
                    **hover(x, part[metrics[0]], formats.get(metrics[0]), lang),
                )
            )
        fig.update_layout(barmode="stack")
    else:  # bar, grouped_bar, combo over one category (or the first one)
        cat = cats[0] if cats else time_key
        ordered = frame.sort_values(metrics[0], ascending=False) if kind == "bar" and cats else frame
        x = [member_label(cat, v) for v in ordered[cat]] if cats else ordered[cat]
        when = x if cats else [period_label(v, split_grain(cat), lang) for v in ordered[cat]]
        for j, m in enumerate(metrics):
            on_second = units[m] == "y2"
            line = kind == "combo" and on_second
            trace = go.Scatter if line else go.Bar
            extra = {"mode": "lines+markers"} if line else {"offsetgroup": str(j), "textposition": "none"}
            fig.add_trace(
                trace(
                    x=x,
                    y=ordered[m],
                    name=metric_label(m),
                    customdata=ordered[[cat]].values,
                    yaxis="y2" if on_second else "y",
                    marker_color=PALETTE[j % len(PALETTE)],
                    **extra,
                    **hover(when, ordered[m], formats.get(m), lang),
                )
            )
        fig.update_layout(barmode="group")
        if not cats:
            time_axis(fig, ordered[cat], split_grain(cat), lang)
    fig.update_layout(
        dragmode="select",
        clickmode="event+select",
        hovermode="closest",
        height=420,
        margin={"l": 10, "r": 10, "t": 30, "b": 10},
        legend={"orientation": "h", "y": -0.15},
        template="plotly_dark" if dark else "plotly_white",
        **({"paper_bgcolor": "rgba(0,0,0,0)", "plot_bgcolor": "rgba(0,0,0,0)"} if dark else {}),  # the screen's own
    )
    for axis in ("y", "y2"):
        traces = [t for t in fig.data if (getattr(t, "yaxis", None) or "y") == axis]
        if not traces:
            continue
        unit = next(formats.get(m) for m in metrics if units[m] == axis)
        stacked = kind == "stacked_bar" or (kind == "area" and any(t.stackgroup for t in traces))
        bars = any(isinstance(t, go.Bar) for t in traces)  # a bar's length is its value: from zero
        vals, labels = value_ticks(axis_values(traces, stacked), unit, lang, from_zero=bars)
        spec = {"tickvals": vals, "ticktext": labels, "range": [vals[0], vals[-1]] if len(vals) > 1 else None}
        if "y2" in units.values():  # two axes: each says which metrics it measures
            on_axis = [metric_label(m) for m in metrics if units[m] == axis]
            spec["title"] = {"text": " · ".join(on_axis[:2]) + (" …" if len(on_axis) > 2 else ""), "font": {"size": 12}}
        if axis == "y":
            fig.update_layout(yaxis=spec)
        else:
            fig.update_layout(yaxis2={**spec, "overlaying": "y", "side": "right", "showgrid": False})
    return fig


def axis_units(metrics: Sequence[str], formats: dict[str, str]) -> dict[str, str]:
    """Which axis each metric is drawn on: the unit of the first amount (money, count) on the
    left, any other unit on the right, so ratios and days go right of money (as a line in a combo)."""
    amounts = [m for m in metrics if formats.get(m) not in RATIO_FORMATS]
    first = formats.get((amounts or list(metrics) or [None])[0])
    return {m: "y" if formats.get(m) == first else "y2" for m in metrics}


def axis_values(traces, stacked: bool) -> list[float]:
    if not stacked:
        return [float(v) for t in traces for v in (t.y if t.y is not None else ()) if v is not None and v == v]
    totals: dict[str, float] = {}
    for t in traces:
        for x, y in zip(t.x, t.y):
            if y is not None and y == y:
                totals[str(x)] = totals.get(str(x), 0.0) + float(y)
    return list(totals.values())


def hover(where: Sequence[str], values, fmt: str | None, lang: str) -> dict:
    """Hover text in the same format as the axes and the table: 'period: value'."""
    return {
        "text": [f"{w}: {format_value(v, fmt or 'number', lang, short=False)}" for w, v in zip(where, values)],
        "hovertemplate": "%{fullData.name}<br>%{text}<extra></extra>",
    }


def selected_members(event, dimension: str | None) -> list[str]:
    """Raw member values of the marks a user selected (box, lasso or click)."""
    if not event or dimension is None:
        return []
    selection = event.get("selection", {}) if isinstance(event, dict) else getattr(event, "selection", {})
    points = selection.get("points", []) if isinstance(selection, dict) else getattr(selection, "points", [])
    out: list[str] = []
    for point in points:
        data = point.get("customdata")
        value = data[0] if isinstance(data, (list, tuple)) and data else data
        if value is not None and str(value) not in out:
            out.append(str(value))
    return out


def selected_span(event) -> tuple[str, str] | None:
    """(first, last) x of the selected points of a time chart, as ISO dates."""
    selection = event.get("selection", {}) if isinstance(event, dict) else {}
    xs = sorted(str(p.get("x"))[:10] for p in selection.get("points", []) if p.get("x") is not None)
    return (xs[0], xs[-1]) if xs else None


# ---- axes in the metric's unit and the user's language -------------------------------------------
DASHES = ("solid", "dot", "dashdot")  # beyond twelve series, colours repeat with another dash
SCALES = {"zh": ((1e8, "亿"), (1e4, "万")), "en": ((1e9, "B"), (1e6, "M"), (1e3, "K"))}


def nice_step(span: float, ticks: int = 5) -> float:
    raw = span / ticks if span > 0 else 1.0
    power = 10 ** math.floor(math.log10(raw))
    return next(f * power for f in (1, 2, 2.5, 5, 10) if f * power >= raw)


def value_ticks(
    values: Sequence[float], fmt: str | None, lang: str, from_zero: bool = False
) -> tuple[list[float], list[str]]:
    """About five round tick values covering `values` (from zero for money and counts, and for
    ratios near zero) and their labels in one unit per axis: ¥ with 万/亿 in Chinese and K/M/B in
    English, percentages and days, with the decimals the step needs (no two labels read the same)."""
    values = [v for v in values if v is not None and not math.isnan(v)] or [0.0]
    lo, hi = min(values), max(values)
    if from_zero or fmt not in ("percent", "days") or lo <= 0 or lo < (hi - lo):
        lo = min(lo, 0.0)  # money and counts from zero unless the range is far from it
    if hi == lo:
        hi = lo + (abs(lo) * 0.1 or 1.0)
    step = nice_step(hi - lo)
    first, last = math.floor(lo / step + 1e-9), math.ceil(hi / step - 1e-9)
    vals = [round(k * step, 12) for k in range(first, last + 1)]
    top = max(abs(vals[0]), abs(vals[-1]))
    scale, suffix = tick_scale(fmt, lang, top)
    decimals = next((d for d in range(5) if all(abs(round(v / scale, d) - v / scale) < 1e-6 for v in vals)), 4)
    return vals, [tick_label(v, fmt, lang, decimals, scale, suffix) for v in vals]


def tick_scale(fmt: str | None, lang: str, top: float) -> tuple[float, str]:
    """One unit for all ticks of an axis: % for ratios, 万/亿 or K/M/B for money (and big counts)."""
    if fmt == "percent":
        return 0.01, "%"
    if fmt == "days":
        return 1.0, "天" if lang == "zh" else "d"
    if fmt == "count" and top < 1e5:
        return 1.0, ""
    return next(((c, s) for c, s in SCALES["zh" if lang == "zh" else "en"] if top >= c), (1.0, ""))


def tick_label(value: float, fmt: str | None, lang: str, decimals: int, scale: float, suffix: str) -> str:
    if value == 0 and fmt not in ("percent", "days"):
        return "0"
    number = f"{abs(value) / scale:,.{decimals}f}{suffix}"
    sign = "-" if value < 0 else ""
    return f"{sign}¥{number}" if fmt == "currency" else f"{sign}{number}"


def split_grain(key: str | None) -> str:
    return key.split("__", 1)[1] if key and "__" in key else "day"


def period_label(value, grain: str, lang: str) -> str:
    """A period as people name it: 'Mar 2025' / '2025年3月', '2025 Q3' / '2025年第3季度', '2025' / '2025年'."""
    if value is None or value is pd.NaT:
        return "—"
    day = pd.Timestamp(value)
    zh = lang == "zh"
    if grain == "year":
        return f"{day.year}年" if zh else f"{day.year}"
    if grain == "quarter":
        return f"{day.year}年第{day.quarter}季度" if zh else f"{day.year} Q{day.quarter}"
    if grain == "month":
        return f"{day.year}年{day.month}月" if zh else day.strftime("%b %Y")
    return f"{day.year}年{day.month}月{day.day}日" if zh else day.strftime("%-d %b %Y")


def short_month(day: pd.Timestamp, lang: str) -> str:
    """A month tick after the first of its year: '2月' / 'Feb' (the year is on the first tick and on January)."""
    return f"{day.month}月" if lang == "zh" else day.strftime("%b")


def time_axis(fig: go.Figure, times, grain: str, lang: str, most: int = 12) -> None:
    """One tick per period (every n-th when there are many), labelled by the grain in `lang`:
    monthly points never get weekly ticks, whatever the range; months name their year once."""
    points = sorted({pd.Timestamp(v) for v in times if v is not None and v is not pd.NaT})
    if not points:
        return
    every = max(1, math.ceil(len(points) / most))
    shown = points[::every]
    fig.update_layout(
        xaxis={
            "tickmode": "array",
            "tickvals": [p.to_pydatetime() for p in shown],
            "ticktext": [
                period_label(p, grain, lang) if i == 0 or p.month == 1 or grain != "month" else short_month(p, lang)
                for i, p in enumerate(shown)
            ],
        }
    )
