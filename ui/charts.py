"""Smart charts: the chart type follows the shape of the result, the user may override it.

time -> line; one category and one metric -> sorted bar; several metrics on one
category -> grouped bar, or a combo with ratios on a second axis; a metric split
by two categories -> stacked bar (share of a whole); one number -> big number.
Every mark carries its raw member value in customdata, so a drag-selection can
be turned back into a filter whatever language the labels are in.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import pandas as pd
import plotly.graph_objects as go

KINDS = ("auto", "line", "area", "bar", "grouped_bar", "combo", "stacked_bar", "big_number", "table")
RATIO_FORMATS = ("percent", "days")
PALETTE = ("#2563eb", "#f97316", "#10b981", "#e11d48", "#8b5cf6", "#0ea5e9", "#eab308", "#64748b")


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
) -> go.Figure | None:
    """The Plotly figure for `kind`; None for 'table' and 'big_number' (shown otherwise)."""
    if kind in ("table", "big_number") or frame.empty:
        return None
    time_key = next((k for k in keys if is_time(k)), None)
    cats = [k for k in keys if not is_time(k)]
    fig = go.Figure()
    if kind in ("line", "area") and time_key:
        series = [(None, frame)] if not cats else list(frame.groupby(cats[0], sort=True, dropna=False))
        for i, (member, part) in enumerate(series):
            part = part.sort_values(time_key)
            for j, m in enumerate(metrics):
                name = metric_label(m) if member is None else f"{member_label(cats[0], member)} · {metric_label(m)}"
                if member is not None and len(metrics) == 1:
                    name = member_label(cats[0], member)
                ratio = formats.get(m) in RATIO_FORMATS and len(metrics) > 1
                fig.add_trace(
                    go.Scatter(
                        x=part[time_key],
                        y=part[m],
                        name=name,
                        mode="lines+markers",
                        stackgroup="one" if kind == "area" and not ratio else None,
                        yaxis="y2" if ratio else "y",
                        customdata=part[[cats[0]]].values if cats else None,
                        line={"color": PALETTE[(i * len(metrics) + j) % len(PALETTE)]},
                    )
                )
    elif kind == "stacked_bar" and len(cats) >= 2:
        for i, (member, part) in enumerate(frame.groupby(cats[1], sort=True, dropna=False)):
            fig.add_trace(
                go.Bar(
                    x=[member_label(cats[0], v) for v in part[cats[0]]],
                    y=part[metrics[0]],
                    name=member_label(cats[1], member),
                    customdata=part[[cats[0]]].values,
                    marker_color=PALETTE[i % len(PALETTE)],
                )
            )
        fig.update_layout(barmode="stack")
    else:  # bar, grouped_bar, combo over one category (or the first one)
        cat = cats[0] if cats else time_key
        ordered = frame.sort_values(metrics[0], ascending=False) if kind == "bar" and cats else frame
        x = [member_label(cat, v) for v in ordered[cat]] if cats else ordered[cat]
        for j, m in enumerate(metrics):
            on_second = kind == "combo" and formats.get(m) in RATIO_FORMATS
            trace = go.Scatter if on_second else go.Bar
            extra = {"mode": "lines+markers"} if on_second else {}
            fig.add_trace(
                trace(
                    x=x,
                    y=ordered[m],
                    name=metric_label(m),
                    customdata=ordered[[cat]].values,
                    yaxis="y2" if on_second else "y",
                    marker_color=PALETTE[j % len(PALETTE)],
                    **extra,
                )
            )
        fig.update_layout(barmode="group")
    uses_second = any(getattr(t, "yaxis", None) == "y2" for t in fig.data)
    first_fmt = formats.get(metrics[0])
    fig.update_layout(
        dragmode="select",
        clickmode="event+select",
        hovermode="closest",
        height=420,
        margin={"l": 10, "r": 10, "t": 30, "b": 10},
        legend={"orientation": "h", "y": -0.15},
        template="plotly_dark" if dark else "plotly_white",
        **({"paper_bgcolor": "rgba(0,0,0,0)", "plot_bgcolor": "rgba(0,0,0,0)"} if dark else {}),  # the screen's own
        yaxis={"tickformat": ".1%" if first_fmt == "percent" else ",.0f"},
    )
    if uses_second:
        fig.update_layout(yaxis2={"overlaying": "y", "side": "right", "tickformat": ".1%", "showgrid": False})
    return fig


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
