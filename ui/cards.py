"""Number cards: one st.metric per metric of a one-row result, written the same way on Explore, board
tiles and screens: the value in the metric's format, the change as the metric states it (relative %,
percentage points for ratios, money for variances) and coloured by its declared good direction."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
import streamlit as st

from ui import context as ctx
from ui.fmt import delta_color, format_delta, format_value


def number_cards(
    row: pd.Series, metrics: Sequence[str], compare: str | None, lang: str, title: str | None = None
) -> None:
    """`title`: the tile's own title, when it has one; a single card whose label says the same
    ("Orders" under "Orders") drops its label instead of saying it twice."""
    lib = ctx.library()
    for col, m in zip(st.columns(len(metrics)), metrics):
        spec = lib.metrics[m]
        change = format_delta(row[m], row.get(f"{m}__prior"), spec.format, spec.change_kind, lang) if compare else None
        label = ctx.metric_label(m)
        repeated = len(metrics) == 1 and title is not None and title.strip().casefold() == label.strip().casefold()
        col.metric(
            label,
            format_value(row[m], spec.format, lang),
            change,
            delta_color=delta_color(spec.good),
            label_visibility="collapsed" if repeated else "visible",
        )
