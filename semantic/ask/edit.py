"""Change an interpretation the way a person does on the Ask page: take one part out (a chip), or pick
another meaning for an ambiguous word. The result is a new Query built the same way the interpreter
builds one (dimension names and fresh literals only), and it still goes the normal path (policy,
compile, cache, audit) when it runs."""

from __future__ import annotations

from types import MappingProxyType

from semantic.ask.interpret import where_text
from semantic.ask.result import Interpretation, Span
from semantic.query import make_query

TIME = "metric_time__"


def removable(reading: Interpretation) -> tuple[Span, ...]:
    """The parts a person may take out: all but the last metric (a question needs one)."""
    metrics = [s for s in reading.spans if s.kind == "metric"]
    return tuple(s for s in reading.spans if not (s.kind == "metric" and len(metrics) == 1))


def without(reading: Interpretation, drop: tuple[Span, ...]) -> Interpretation:
    """`reading` with the parts in `drop` taken out (a refused reading is returned as it is)."""
    if reading.query is None or not drop:
        return reading
    q = reading.query
    metrics, group_by, order_by = list(q.metrics), list(q.group_by), list(q.order_by)
    include = {d: list(v) for d, v in reading.filters.items()}
    exclude = {d: list(v) for d, v in reading.excludes.items()}
    time_from, time_to, compare, limit = q.time_from, q.time_to, q.compare, q.limit
    for span in drop:
        if span.kind == "metric" and span.value in metrics and len(metrics) > 1:
            metrics.remove(span.value)
            order_by = [o for o in order_by if o.lstrip("-") != span.value]
        elif span.kind == "dimension" and span.value in group_by:
            group_by.remove(span.value)
        elif span.kind in ("member", "exclude") and "=" in span.value:
            dim, key = span.value.split("=", 1)
            target = include if span.kind == "member" else exclude
            if key in target.get(dim, []):
                target[dim].remove(key)
        elif span.kind == "time":
            time_from = time_to = None
        elif span.kind == "grain":
            group_by = [g for g in group_by if not g.startswith(TIME)]
        elif span.kind == "compare":
            compare = None
        elif span.kind == "rank":
            order_by, limit = [], None
    query = make_query(
        metrics=metrics,
        group_by=group_by,
        where=where_text({d: v for d, v in include.items() if v}, {d: v for d, v in exclude.items() if v}),
        time_from=time_from,
        time_to=time_to,
        compare=compare,
        order_by=[o for o in order_by if o.lstrip("-") in metrics or o.lstrip("-") in group_by],
        limit=limit,
    )
    kept = tuple(s for s in reading.spans if s not in drop)
    return _replace(reading, query, include, exclude, kept)


def choose(reading: Interpretation, chosen: str, other: str) -> Interpretation:
    """`reading` with metric `chosen` read as `other` instead (an ambiguous word's other meaning)."""
    if reading.query is None or chosen not in reading.query.metrics or other in reading.query.metrics:
        return reading
    q = reading.query
    swap = {chosen: other}
    query = q.with_(
        metrics=tuple(swap.get(m, m) for m in q.metrics),
        order_by=tuple(("-" if o.startswith("-") else "") + swap.get(o.lstrip("-"), o.lstrip("-")) for o in q.order_by),
    )
    spans = tuple(
        Span(s.text, s.begin, s.end, s.kind, other) if s.kind == "metric" and s.value == chosen else s
        for s in reading.spans
    )
    return _replace(reading, query, dict(reading.filters), dict(reading.excludes), spans)


def _replace(reading: Interpretation, query, include: dict, exclude: dict, spans) -> Interpretation:
    import dataclasses

    return dataclasses.replace(
        reading,
        query=query,
        filters=MappingProxyType({d: tuple(v) for d, v in include.items() if v}),
        excludes=MappingProxyType({d: tuple(v) for d, v in exclude.items() if v}),
        spans=tuple(spans),
    )


def edited(
    reading: Interpretation,
    *,
    period: tuple | None = None,
    grain: str | None = "keep",
    compare: str | None = "keep",
    members: dict[str, tuple[str, ...]] | None = None,
) -> Interpretation:
    """`reading` with a chip changed: the period (from, to) or None for all time; the grain (a
    metric_time grain, or None for none); the comparison (prior_period, prior_year or None); the
    members kept per dimension (an empty tuple drops that filter). Unchanged when nothing is given."""
    if reading.query is None:
        return reading
    q = reading.query
    include = {d: list(v) for d, v in reading.filters.items()}
    if members is not None:
        for dim, keys in members.items():
            include[dim] = list(keys)
    group_by = list(q.group_by)
    if grain != "keep":
        group_by = [g for g in group_by if not g.startswith(TIME)] + ([TIME + grain] if grain else [])
    time_from, time_to = (q.time_from, q.time_to) if period is None else period
    query = make_query(
        metrics=q.metrics,
        group_by=group_by,
        where=where_text(
            {d: v for d, v in include.items() if v}, {d: list(v) for d, v in reading.excludes.items() if v}
        ),
        time_from=time_from,
        time_to=time_to,
        compare=q.compare if compare == "keep" else compare,
        order_by=[o for o in q.order_by if o.lstrip("-") in q.metrics or o.lstrip("-") in group_by],
        limit=q.limit,
    )
    return _replace(reading, query, include, dict(reading.excludes), reading.spans)
