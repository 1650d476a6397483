"""Numbers for people: CNY with 万/亿 in Chinese, K/M in English; percentages
with one decimal; negative values visibly negative."""

from __future__ import annotations

import math

import pandas as pd


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA or value is pd.NaT


def compact(value: float, lang: str) -> str:
    sign, v = ("-" if value < 0 else ""), abs(float(value))
    if lang == "zh":
        if v >= 1e8:
            return f"{sign}{v / 1e8:,.2f}亿"
        if v >= 1e4:
            return f"{sign}{v / 1e4:,.1f}万"
        return f"{sign}{v:,.0f}"
    for cut, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "K")):
        if v >= cut:
            return f"{sign}{v / cut:,.2f}{suffix}" if suffix != "K" else f"{sign}{v / cut:,.1f}K"
    return f"{sign}{v:,.0f}"


def format_value(value, fmt: str, lang: str = "en", short: bool = True) -> str:
    """One value in the metric's format ('currency', 'percent', 'count', 'days', 'number')."""
    if _missing(value):
        return "—"
    value = float(value)
    if fmt == "percent":
        return f"{value * 100:,.1f}%"
    if fmt == "currency":
        text = compact(value, lang) if short else f"{abs(value):,.2f}"
        if not short and value < 0:
            text = "-" + text
        return text.replace("-", "-¥", 1) if text.startswith("-") else f"¥{text}"
    if fmt == "days":
        return f"{value:,.1f} 天" if lang == "zh" else f"{value:,.1f} days"
    if fmt == "count":
        return compact(value, lang) if short and abs(value) >= 1e5 else f"{value:,.0f}"
    return f"{value:,.2f}"


def format_change(change, lang: str = "en") -> str | None:
    """A relative change as '+12.3%' / '-4.0%', None when there is no base."""
    if _missing(change) or (isinstance(change, float) and math.isinf(change)):
        return None
    return f"{float(change) * 100:+,.1f}%"
