"""Alert log: every breach of a tile's rule, recorded once, with time, value and rule."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from boards import alerts
from ui import context as ctx


def render() -> None:
    st.title(ctx.t("page.alerts"))
    rows = alerts.history()
    if not rows:
        st.info(ctx.t("audit.none"))
        return
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")


ctx.guard(render)
