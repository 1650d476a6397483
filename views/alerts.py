"""Alert log: the breaches of board rules the signed-in user may see (boards.alerts.history decides),
as plain text in a table: time, board, tile, the rule as people say it ('DSO above 45.0 days'),
its level coloured by what the breach means for its metric's good direction, value, cleared."""

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
    "rule": {"en": "Alert", "zh": "预警"},
    "level": {"en": "Level", "zh": "级别"},
    "value": {"en": "Value", "zh": "数值"},
    "cleared": {"en": "Cleared", "zh": "解除"},
}
OPEN = {"en": "open", "zh": "未解除"}
EMPTY = {"en": "No alerts you may see.", "zh": "没有您可查看的预警。"}
REASONS = {  # why a breach cleared, as boards.alerts records it
    alerts.BACK_WITHIN: {"en": "back within the rule", "zh": "已恢复正常"},
    alerts.RULE_REMOVED: {"en": "rule removed", "zh": "规则已删除"},
}
# constant colours by what the breach means (never user text): bad news red/amber, good news green
COLOURS = {("critical", "bad"): "#b91c1c", ("warning", "bad"): "#b45309"}
COLOURS |= {(level, "good"): "#15803d" for level in ("warning", "critical")}
COLOURS |= {(level, "neutral"): "#1d4ed8" for level in ("warning", "critical")}


def _time(stamp: str | None) -> str:
    return (stamp or "")[:16].replace("T", " ")


def _rule(r: dict) -> str:
    rule = alerts.rule_of(r["rule"], r["level"])
    return ctx.rule_text(rule) if rule else r["rule"]


def _level(r: dict) -> str:
    return ctx.level_text(r["level"], r.get("news", "neutral")) if r["level"] in ("warning", "critical") else r["level"]


def table(rows: list[dict], lang: str) -> pd.DataFrame:
    """The rows as the page shows them (plain strings; Streamlit's table renders no HTML)."""
    metrics = ctx.library().metrics
    out = []
    for r in rows:
        spec = metrics.get(r["metric"])
        value = format_value(r["value"], spec.format, lang, short=False) if spec else str(r["value"])
        reason = REASONS.get(r["cleared_reason"], {}).get(lang, r["cleared_reason"])
        cleared = OPEN[lang] if not r["cleared_at"] else f"{_time(r['cleared_at'])} ({reason})".replace(" ()", "")
        out.append(
            {
                COLUMNS["time"][lang]: _time(r["breached_at"]),
                COLUMNS["board"][lang]: r["board"],
                COLUMNS["tile"][lang]: r["tile"],
                COLUMNS["rule"][lang]: _rule(r),
                COLUMNS["level"][lang]: _level(r),
                COLUMNS["value"][lang]: value,
                COLUMNS["cleared"][lang]: cleared,
            }
        )
    return pd.DataFrame(out, columns=[c[lang] for c in COLUMNS.values()])


def palette() -> dict[str, str]:
    """The level column's shown texts and their colours, in the user's language."""
    return {ctx.level_text(level, news): colour for (level, news), colour in COLOURS.items()}


def render() -> None:
    st.title(ctx.t("page.alerts"))
    rows = alerts.history(ctx.principal())
    lang = ctx.lang()
    if not rows:
        st.info(EMPTY[lang])
        return
    show(table(rows, lang), right=(COLUMNS["value"][lang],), colours={COLUMNS["level"][lang]: palette()})


ctx.guard(render)
