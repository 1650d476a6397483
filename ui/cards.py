"""Number cards: one st.metric per metric of a one-row result, written the same way on Explore, board
tiles and screens: the value in the metric's format, the change as the metric states it (relative %,
percentage points for ratios, money for variances) and coloured by its declared good direction."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
import streamlit as st

from ui import context as ctx
from ui.fmt import delta_color, format_delta, format_value


def number_cards(row: pd.Series, metrics: Sequence[str], compare: str | None, lang: str) -> None:
    lib = ctx.library()
    for col, m in zip(st.columns(len(metrics)), metrics):
        spec = lib.metrics[m]
        change = format_delta(row[m], row.get(f"{m}__prior"), spec.format, spec.change_kind, lang) if compare else None
        col.metric(
            ctx.metric_label(m), format_value(row[m], spec.format, lang), change, delta_color=delta_color(spec.good)
        )
