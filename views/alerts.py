"""Alert log: the breaches of board rules the signed-in user may see (boards.alerts.history decides),
as plain text in a table: time, board, tile, rule, level, value, cleared."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from boards import alerts
from ui import context as ctx
from ui.fmt import format_value
from ui.table import show

COLUMNS = {
    "time": {"en": "Breached at (UTC)", "zh": "触发时间 (UTC)"},
    "board": {"en": "Board", "zh": "看板"},
    "tile": {"en": "Tile", "zh": "卡片"},
    "rule": {"en": "Rule", "zh": "规则"},
    "level": {"en": "Level", "zh": "级别"},
    "value": {"en": "Value", "zh": "数值"},
    "cleared": {"en": "Cleared", "zh": "解除"},
}
LEVELS = {"warning": {"en": "warning", "zh": "警告"}, "critical": {"en": "critical", "zh": "严重"}}
OPEN = {"en": "open", "zh": "未解除"}
EMPTY = {"en": "No alerts you may see.", "zh": "没有您可查看的预警。"}


def _time(stamp: str | None) -> str:
    return (stamp or "")[:16].replace("T", " ")


def table(rows: list[dict], lang: str) -> pd.DataFrame:
    """The rows as the page shows them (plain strings; Streamlit's table renders no HTML)."""
    metrics = ctx.library().metrics
    out = []
    for r in rows:
        spec = metrics.get(r["metric"])
        value = format_value(r["value"], spec.format, lang, short=False) if spec else str(r["value"])
        cleared = (
            OPEN[lang]
            if not r["cleared_at"]
            else f"{_time(r['cleared_at'])} ({r['cleared_reason']})".replace(" ()", "")
        )
        out.append(
            {
                COLUMNS["time"][lang]: _time(r["breached_at"]),
                COLUMNS["board"][lang]: r["board"],
                COLUMNS["tile"][lang]: r["tile"],
                COLUMNS["rule"][lang]: r["rule"],
                COLUMNS["level"][lang]: LEVELS.get(r["level"], {}).get(lang, r["level"]),
                COLUMNS["value"][lang]: value,
                COLUMNS["cleared"][lang]: cleared,
            }
        )
    return pd.DataFrame(out, columns=[c[lang] for c in COLUMNS.values()])


def render() -> None:
    st.title(ctx.t("page.alerts"))
    rows = alerts.history(ctx.principal())
    if not rows:
        st.info(EMPTY[ctx.lang()])
        return
    show(table(rows, ctx.lang()), right=(COLUMNS["value"][ctx.lang()],))


ctx.guard(render)
