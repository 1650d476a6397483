"""The Ask page's words: the one-line answer, the chips, and the link that opens a question in Explore.

The sentence is written in the question's language from the result itself ("华东 2025年11月 毛利率 为
29.9%，环比 +1.4 个百分点" / "Gross margin % for East in Nov 2025: 29.9%, +1.4 pp vs the prior period");
a number is formatted as every card formats it (ui.fmt)."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from ui.charts import period_label
from ui.fmt import format_delta, format_value

TIME = "metric_time__"
SEP = "、"
GRAINS = {
    "day": {"zh": "按天", "en": "by day"},
    "week": {"zh": "按周", "en": "by week"},
    "month": {"zh": "按月", "en": "by month"},
    "quarter": {"zh": "按季度", "en": "by quarter"},
    "year": {"zh": "按年", "en": "by year"},
}
COMPARES = {
    "prior_year": {"zh": "同比", "en": "vs last year"},
    "prior_period": {"zh": "环比", "en": "vs the prior period"},
}


def period_words(start: dt.date | None, end: dt.date | None, lang: str) -> str:
    """A range as people say it: a whole month, quarter or year by its name, else from – to."""
    if start is None or end is None:
        return ""
    month_end = (pd.Timestamp(start) + pd.offsets.MonthEnd(0)).date()
    if start.day == 1 and end == month_end:
        return period_label(start, "month", lang)
    quarter_end = (pd.Timestamp(start) + pd.offsets.QuarterEnd(0)).date()
    if start.day == 1 and start.month in (1, 4, 7, 10) and end == quarter_end:
        return period_label(start, "quarter", lang)
    if (start.month, start.day, end.month, end.day) == (1, 1, 12, 31) and start.year == end.year:
        return period_label(start, "year", lang)
    return f"{start.isoformat()} – {end.isoformat()}" if lang == "en" else f"{start.isoformat()} 至 {end.isoformat()}"


def sentence(reading, frame: pd.DataFrame, library, lang: str, member_label, metric_label) -> str:
    """The answer in one line, for a one-row result; for a table, what it lists."""
    q = reading.query
    scope = SEP.join(member_label(d, k) for d, keys in reading.filters.items() for k in keys)
    left_out = SEP.join(member_label(d, k) for d, keys in reading.excludes.items() for k in keys)
    when = period_words(q.time_from, q.time_to, lang)
    if len(frame) == 1 and not q.group_by:
        row = frame.iloc[0]
        parts = []
        for m in q.metrics:
            spec = library.metrics[m]
            value = format_value(row[m], spec.format, lang, short=False)
            change = (
                format_delta(row[m], row.get(f"{m}__prior"), spec.format, spec.change_kind, lang) if q.compare else None
            )
            vs = {
                "prior_year": {"zh": "同比", "en": "vs last year"},
                "prior_period": {"zh": "环比", "en": "vs the prior period"},
            }
            if lang == "zh":
                said = f"{metric_label(m)} 为 {value}" + (f"，{vs[q.compare]['zh']} {change}" if change else "")
            else:
                said = f"{metric_label(m)}: {value}" + (f", {change} {vs[q.compare]['en']}" if change else "")
            parts.append(said)
        head = " ".join(p for p in (scope, f"（不含{left_out}）" if left_out and lang == "zh" else "", when) if p)
        if lang == "zh":
            return f"{head} {'；'.join(parts)}".strip()
        where = " ".join(
            p
            for p in (
                f"for {scope}" if scope else "",
                f"except {left_out}" if left_out else "",
                f"in {when}" if when else "",
            )
            if p
        )
        return "; ".join(parts) + (f" ({where})" if where else "")
    return _table_sentence(reading, frame, library, lang, scope, when, member_label, metric_label)


def _table_sentence(reading, frame, library, lang, scope, when, member_label, metric_label) -> str:
    """A table in one line: a ranking names the first; a series names its highest and lowest period."""
    q = reading.query
    m = q.metrics[0]
    spec = library.metrics[m]
    dims = [g for g in q.group_by if not g.startswith(TIME)]
    grains = [g.removeprefix(TIME) for g in q.group_by if g.startswith(TIME)]
    head = " ".join(p for p in (scope, when) if p)
    if dims and len(q.group_by) == 1 and q.order_by and len(frame):
        dim, first = dims[0], frame.iloc[0]
        who, value = member_label(dim, first[dim]), format_value(first[m], spec.format, lang, short=False)
        dim_name, high = label_of(library, dim, lang), q.order_by[0].startswith("-")
        if lang == "zh":
            return f"{head} {metric_label(m)}{'最高' if high else '最低'}的{len(frame)}个{dim_name}：第一是 {who}（{value}）".strip()
        rank = f"{'Top' if high else 'Bottom'} {len(frame)} {dim_name} by {metric_label(m)}"
        return f"{rank}{' in ' + when if when else ''}{' for ' + scope if scope else ''}: {who} first ({value})"
    if grains and len(q.group_by) == 1 and len(frame) > 1:
        column, grain = q.group_by[0], grains[0]
        top, low = frame.loc[frame[m].idxmax()], frame.loc[frame[m].idxmin()]
        hi_p, hi_v = period_label(top[column], grain, lang), format_value(top[m], spec.format, lang)
        lo_p, lo_v = period_label(low[column], grain, lang), format_value(low[m], spec.format, lang)
        if lang == "zh":
            return f"{head} {metric_label(m)}{GRAINS[grain]['zh']}：最高 {hi_p} {hi_v}，最低 {lo_p} {lo_v}".strip()
        where = f"{' for ' + scope if scope else ''}{' in ' + when if when else ''}"
        return f"{metric_label(m)} {GRAINS[grain]['en']}{where}: highest {hi_p} ({hi_v}), lowest {lo_p} ({lo_v})"
    names = (SEP if lang == "zh" else ", ").join(metric_label(x) for x in q.metrics)
    if lang == "zh":
        return f"{head} {names}：共 {len(frame):,} 行".strip()
    extra = " ".join(p for p in (f"for {scope}" if scope else "", f"in {when}" if when else "") if p)
    return f"{names}{' ' + extra if extra else ''}: {len(frame):,} rows"


def label_of(library, dim: str, lang: str) -> str:
    spec = library.dimensions.get(dim)
    return (spec.label.get(lang) or dim) if spec else dim


def chip(span, library, lang: str, member_label, metric_label) -> str:
    """'华东 → 区域：华东' style: the words typed, and what they were read as."""
    kind, value = span.kind, span.value
    if kind == "metric":
        meaning = metric_label(value)
    elif kind == "dimension":
        meaning = library.dimensions[value].label.get(lang) if value in library.dimensions else value
    elif kind in ("member", "exclude") and "=" in value:
        dim, key = value.split("=", 1)
        name = member_label(dim, key)
        meaning = (f"不含 {name}" if lang == "zh" else f"except {name}") if kind == "exclude" else name
    elif kind == "time" and ".." in value:
        start, end = (dt.date.fromisoformat(v) for v in value.split(".."))
        meaning = period_words(start, end, lang)
    elif kind == "grain":
        meaning = GRAINS.get(value, {}).get(lang, value)
    elif kind == "compare":
        meaning = COMPARES.get(value, {}).get(lang, value)
    elif kind == "rank":
        name, _, n = value.partition("/")
        what = metric_label(name.lstrip("-")) if name.lstrip("-") in library.metrics else name.lstrip("-")
        high = name.startswith("-")
        if lang == "zh":
            meaning = f"{'前' if high else '后'}{n or ''} · {what}{'从高到低' if high else '从低到高'}"
        else:
            meaning = f"{'top' if high else 'bottom'} {n or ''} by {what}".replace("  ", " ")
    else:
        meaning = value
    return f"{span.text} → {meaning}" if span.text.strip().casefold() != str(meaning).casefold() else span.text


def explore_params(reading, library) -> dict[str, str] | None:
    """Explore's address for this reading (ui.state's parameters); None when Explore cannot show it
    (an exclusion of a dimension without a declared member list)."""
    q = reading.query
    filters = {d: list(v) for d, v in reading.filters.items()}
    for dim, keys in reading.excludes.items():
        members = list(library.dimensions[dim].members) if dim in library.dimensions else []
        if not members:
            return None
        base = filters.get(dim) or members
        filters[dim] = [m for m in base if m not in keys]
    grains = [g.removeprefix(TIME) for g in q.group_by if g.startswith(TIME)]
    out = {"m": ",".join(q.metrics), "grain": grains[0] if grains else "none"}
    dims = [g for g in q.group_by if not g.startswith(TIME)]
    if dims:
        out["by"] = ",".join(dims)
    for dim, keys in filters.items():
        out[f"f.{dim}"] = "|".join(keys)
    if q.time_from:
        out["from"] = q.time_from.isoformat()
    if q.time_to:
        out["to"] = q.time_to.isoformat()
    if q.compare:
        out["cmp"] = q.compare
    return out
