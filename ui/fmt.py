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


def _four(v: float) -> str:
    """v (>= 1) with at most four significant digits and no trailing zeros: 1.945, 1.82 (not 1.820),
    19.45, 194.5, 440 (not 440.0), 1,945."""
    for limit, places in ((10, 3), (100, 2), (1000, 1)):
        if round(v, places) < limit:
            return f"{v:.{places}f}".rstrip("0").rstrip(".")
    return f"{v:,.0f}"


def headline(value, fmt: str, lang: str = "en") -> str:
    """A card's big number, short enough to fit a card at 1280 px: money and large counts in four
    significant digits with 万/亿 in Chinese and K/M/B in English (¥1,945万, ¥19.45M)."""
    if _missing(value):
        return "—"
    value = float(value)
    if fmt not in ("currency", "count") or (fmt == "count" and abs(value) < 1e4):
        return format_value(value, fmt, lang)
    sign, v = ("-" if value < 0 else ""), abs(value)
    cuts = ((1e8, "亿"), (1e4, "万")) if lang == "zh" else ((1e9, "B"), (1e6, "M"), (1e3, "K"))
    small = v < 1e4  # up to four digits read best as they are (¥1,945)
    text = f"{v:,.0f}" if small else next(_four(v / cut) + s for cut, s in cuts if round(v / cut, 3) >= 1)
    return f"{sign}¥{text}" if fmt == "currency" else f"{sign}{text}"


def format_delta(value, prior, fmt: str, kind: str, lang: str = "en") -> str | None:
    """The change from `prior` to `value` as its metric states it (MetricSpec.change_kind):
    'relative' '+8.7%'; 'points' for a ratio '+0.13 pp' / '+0.13个百分点'; 'absolute' in the
    metric's own unit, for a variance that can change sign ('+¥1.2万', '-3.5 days').
    None when there is nothing to compare with. Negative changes start with '-' (st.metric colours by it)."""
    if _missing(value) or _missing(prior):
        return None
    value, prior = float(value), float(prior)
    if kind == "points":
        diff = (value - prior) * 100
        return f"{diff:+,.2f}个百分点" if lang == "zh" else f"{diff:+,.2f} pp"
    if kind == "absolute":
        diff = value - prior
        text = headline(abs(diff), fmt, lang) if fmt in ("currency", "count") else format_value(abs(diff), fmt, lang)
        return ("-" if diff < 0 else "+") + text
    if prior == 0:
        return None
    return format_change((value - prior) / abs(prior), lang)


DELTA_COLOR = {"up": "normal", "down": "inverse", "neutral": "off"}


def delta_color(good: str) -> str:
    """st.metric's delta_color for a metric whose good direction is `good` (MetricSpec.good)."""
    return DELTA_COLOR.get(good, "off")


def exact(value: float, fmt: str, lang: str) -> str:
    """A rule's threshold in its metric's format, exact (never rounded): ¥500万 / ¥5M, 30%, 60 天 / 60 days."""
    v = float(value)
    if fmt == "percent":
        return f"{_exact_number(v * 100)}%"
    if fmt == "days":
        if lang == "zh":
            return f"{_exact_number(v)}天"
        return f"{_exact_number(v)} {'day' if abs(v) == 1 else 'days'}"
    if fmt == "currency":
        sign, a = ("-" if v < 0 else ""), abs(v)
        scales = ((1e8, "亿"), (1e4, "万")) if lang == "zh" else ((1e9, "B"), (1e6, "M"), (1e3, "K"))
        for cut, suffix in scales:
            if a >= cut and abs(round(a / cut, 2) * cut - a) < 1e-6:
                return f"{sign}¥{_exact_number(a / cut)}{suffix}"
        return f"{sign}¥{_exact_number(a)}"
    return _exact_number(v)


def _exact_number(v: float) -> str:
    return f"{v:,.6f}".rstrip("0").rstrip(".")
