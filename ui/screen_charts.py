"""Charts for an office screen: ui.charts' figures, readable from across the room.

The same figure Explore draws (axes in the metric's unit and the user's language, member labels,
ui.charts.value_ticks and time_axis), restyled: tick, legend and axis-title text large, the height
left to the tile, no vertical gridlines, nothing to select. Explore's figures are untouched."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import plotly.graph_objects as go

SCREEN_TEXT = 20  # px at 1920 wide: text about 1/50 of a 5 m viewing distance on a 55" TV
SCREEN_SMALL = 18  # axis titles and hover text


RIGHT = {"en": " (right axis)", "zh": "（右轴）"}


def for_screen(fig: go.Figure, dark: bool = False, lang: str = "en") -> go.Figure:
    """`fig` (from ui.charts.figure) styled for an office screen: tick and legend text large, the
    height left to the tile (the chart takes its tile's height), the legend above the plot, no
    vertical gridlines and faint horizontal ones, nothing to select. With two value axes the legend
    names the right-hand one's series ("Gross margin % (right axis)") instead of rotated axis
    titles, which take a narrow tile's width. Explore's figures are untouched."""
    ink = "#e5e7eb" if dark else "#1f2937"
    grid = "rgba(229,231,235,0.12)" if dark else "rgba(31,41,55,0.10)"
    fig.update_layout(
        height=None,
        autosize=True,
        dragmode=False,
        clickmode="none",
        font={"size": SCREEN_TEXT, "color": ink},
        legend={
            "orientation": "h",
            "x": 0,
            "y": 1.0,
            "yanchor": "bottom",
            "font": {"size": SCREEN_TEXT},
            "bgcolor": "rgba(0,0,0,0)",
        },
        hoverlabel={"font": {"size": SCREEN_SMALL}},
        margin={"l": 8, "r": 8, "t": 8, "b": 8},
        paper_bgcolor="rgba(0,0,0,0)",
        plot_bgcolor="rgba(0,0,0,0)",
    )
    fig.update_xaxes(
        tickfont={"size": SCREEN_TEXT, "color": ink},
        showgrid=False,
        zeroline=False,
        automargin=True,
        ticklabelstandoff=10,  # the first period's label clear of the value axis's 0
    )
    fig.update_yaxes(
        tickfont={"size": SCREEN_TEXT, "color": ink},
        title_font={"size": SCREEN_SMALL, "color": ink},
        showgrid=False,
        zeroline=False,
        automargin=True,
        ticklabelstandoff=6,
    )
    fig.update_layout(yaxis={"showgrid": True, "gridcolor": grid, "gridwidth": 1})
    if any(getattr(t, "yaxis", None) == "y2" for t in fig.data):
        fig.update_layout(yaxis={"title": {"text": ""}}, yaxis2={"title": {"text": ""}})
        for trace in fig.data:
            if trace.yaxis == "y2" and trace.name:
                trace.name += RIGHT.get(lang, RIGHT["en"])
    _pad_time_range(fig)
    for trace in fig.data:  # thicker lines and markers, seen from afar
        if isinstance(trace, go.Scatter):
            width = trace.line.width or 2
            trace.update(line={"width": width * 2}, marker={"size": (trace.marker.size or 6) + 4})
    return fig


def _pad_time_range(fig: go.Figure) -> None:
    """Half a period of room either side of a time line, so the first period's tick stays clear of the value axis."""
    if any(isinstance(t, go.Bar) for t in fig.data):
        return  # bars have their own room
    raw = [x for t in fig.data if t.x is not None for x in t.x if x is not None and x is not pd.NaT]
    if not raw or not all(isinstance(x, (dt.date, pd.Timestamp, np.datetime64)) for x in raw):
        return  # a category axis
    xs = sorted({pd.Timestamp(x) for x in raw})
    if len(xs) < 2:
        return
    gaps = sorted(b - a for a, b in zip(xs, xs[1:]))
    pad = gaps[len(gaps) // 2] / 2
    fig.update_layout(xaxis={"range": [(xs[0] - pad).to_pydatetime(), (xs[-1] + pad).to_pydatetime()]})
