"""Question text + Principal -> Interpretation: a Query built only from library names, or a refusal.

Steps: refuse what is not a question (empty, too long, SQL); find time words, grains, comparisons,
rankings and 'except' by pattern; segment the rest with jieba and match the words (longest first,
then near spellings) against the user's lexicon; refuse what is left over rather than guess; build
the Query and ask semantic.authorize, as every surface does.
"""

from __future__ import annotations

import datetime as dt
import re
from types import MappingProxyType

from sqlglot import exp

from semantic.ask import matching
from semantic.ask.lexicon import fold, lexicon_for, tokenizer
from semantic.ask.phrases import SQL, THRESHOLD, WHICH, find_compares, find_fixed, is_symbol
from semantic.ask.result import MAX_QUESTION, Interpretation, Span, message
from semantic.ask.timewords import find_periods, resolve
from semantic.authorize import authorize
from semantic.custom.overlay import current_library
from semantic.errors import PolicyError, QueryError
from semantic.model.library import Library
from semantic.principal import Principal
from semantic.query import make_query

CJK = re.compile(r"[\u3400-\u9fff]")
POSTFIX_NEGATION = ("以外", "之外")


_dates: dict = {}


def data_date(warehouse) -> dt.date | None:
    """The warehouse's data date (semantic.detail.as_of), read once per warehouse version."""
    from semantic.detail import as_of

    key = warehouse.version()
    if key not in _dates:
        _dates.clear()
        _dates[key] = as_of(warehouse)
    return _dates[key]


def language(text: str) -> str:
    return "zh" if CJK.search(text or "") else "en"


def interpret(
    text: str,
    principal: Principal,
    *,
    warehouse,
    library: Library | None = None,
    as_of: dt.date | None = None,
    lang: str | None = None,
) -> Interpretation:
    """Read `text` as `principal` would mean it, against the data date `as_of` (the warehouse's by default)."""
    library = library or current_library()
    text = text if isinstance(text, str) else ""
    lang = lang if lang in ("zh", "en") else language(text)
    if as_of is None:
        as_of = data_date(warehouse)
    base = dict(text=text, lang=lang, as_of=as_of, query=None)

    def refuse(kind: str, why: str, **more) -> Interpretation:
        return Interpretation(**base, refusal=kind, message=message(why, lang, **more), **more_fields(more))

    def more_fields(more):
        return {k: v for k, v in more.items() if k in ("spans", "not_understood", "alternatives")}

    if not "".join(ch for ch in text if not is_symbol(ch)).strip():  # nothing, or only emoji
        return refuse("not_understood", "empty")
    if len(text) > MAX_QUESTION:
        return refuse("not_understood", "too_long")
    low = fold(text)
    if SQL.search(low):
        return refuse("not_understood", "sql")
    lex = lexicon_for(library, principal, warehouse)
    guard = lex.guard(low)  # library names ('AR over 60 days', 'AR not yet due') are not time words or thresholds
    threshold = THRESHOLD.search("".join(" " if g else c for c, g in zip(low, guard, strict=True)))
    if threshold:
        words = text[slice(*threshold.span())].strip()
        return Interpretation(**base, refusal="not_understood", message=message("threshold", lang, words=words))
    if as_of is None:
        as_of = dt.date.today()  # no data date recorded: only for reading the words; periods are refused below
    taken = [False] * len(low)
    compares = find_compares(low, taken, guard)
    periods = resolve(low, find_periods(low, taken, as_of, guard), as_of)
    fixed = sorted(compares + find_fixed(low, taken, guard), key=lambda f: f.begin)
    masked = "".join(" " if t else c for c, t in zip(low, taken, strict=True))
    found, unknown = matching.match(masked, lex, tokenizer(library))
    refused = _refused_metrics(found, principal, library)
    if refused:
        return Interpretation(**base, refusal="policy", message=message("policy", lang, reason=refused))

    spans: list[Span] = []
    for p in periods:
        spans.append(Span(text[p.begin : p.finish].strip(), p.begin, p.finish, "time", f"{p.start}..{p.end}"))
    invalid = [p for p in periods if p.kind == "invalid"]
    if invalid:
        words = text[invalid[0].begin : invalid[0].finish].strip()
        return Interpretation(
            **base, spans=tuple(spans), refusal="period", message=message("no_date", lang, words=words)
        )
    for f in fixed:
        if f.kind in ("compare", "grain"):
            spans.append(Span(text[f.begin : f.finish].strip(), f.begin, f.finish, f.kind, str(f.value)))
    if unknown:
        words = tuple(text[b:e] for b, e in unknown)
        return Interpretation(
            **base,
            spans=tuple(spans),
            not_understood=words,
            refusal="not_understood",
            message=message("unknown", lang, words=", ".join(f"'{w}'" for w in words)),
        )

    metrics: list[str] = []
    dims: list[str] = []
    include: dict[str, list[str]] = {}
    exclude: dict[str, list[str]] = {}
    alternatives = []
    events = sorted([(m.begin, m.end, "word", m) for m in found] + [(f.begin, f.finish, f.kind, f) for f in fixed])
    negating = False
    members_seen: list = []
    grouping = bool(WHICH.search(low)) or any(f.kind == "rank" for f in fixed)
    for i, (begin, end, kind, item) in enumerate(events):
        if kind == "negation":
            if low[begin:end] in POSTFIX_NEGATION:
                for m in _run_before(events, i, low):
                    _move(include, exclude, m.target.name, m.target.member)
            else:
                negating = True
            continue
        if kind != "word":
            negating = False
            continue
        target = item.target
        others = tuple(dict.fromkeys(_name(t) for t in item.targets if _name(t) != _name(target)))
        if others:
            alternatives.append((text[begin:end], _name(target), others))
        if target.kind == "member":
            where = exclude if negating else include
            if target.member not in where.setdefault(target.name, []):
                where[target.name].append(target.member)
            members_seen.append(item)
            spans.append(Span(text[begin:end], begin, end, "exclude" if negating else "member", _name(target)))
            continue
        negating = False
        if target.kind == "metric":
            if target.name not in metrics:
                metrics.append(target.name)
        elif not _qualifies(item, found, low, grouping) and target.name not in dims:
            dims.append(target.name)
        spans.append(Span(text[begin:end], begin, end, target.kind, target.name))
    spans.sort(key=lambda s: s.begin)
    for dim, keys in exclude.items():
        include[dim] = [k for k in include.get(dim, []) if k not in keys]
    include = {d: k for d, k in include.items() if k}
    exclude = {d: k for d, k in exclude.items() if k}
    base.update(spans=tuple(spans), alternatives=tuple(alternatives))
    base.update(filters=_frozen(include), excludes=_frozen(exclude))

    if not metrics:
        examples = ", ".join(_examples(library, principal, lang))
        return Interpretation(**base, refusal="not_understood", message=message("no_metric", lang, examples=examples))
    if len(periods) > 1:
        words = ", ".join(text[p.begin : p.finish] for p in periods)
        return Interpretation(**base, refusal="not_understood", message=message("periods", lang, words=words))
    period = periods[0] if periods else None
    if period and base["as_of"] is None:
        words = text[period.begin : period.finish].strip()
        return Interpretation(**base, refusal="period", message=message("no_as_of", lang, words=words))
    if period and period.start > as_of:
        words = text[period.begin : period.finish].strip()
        return Interpretation(**base, refusal="period", message=message("future", lang, words=words, as_of=as_of))

    grains = [f.value for f in fixed if f.kind == "grain" and not f.trend] or [
        f.value for f in fixed if f.kind == "grain"
    ]
    compares = [f.value for f in fixed if f.kind == "compare"]
    ranks = [f for f in fixed if f.kind == "rank"]
    group_by = ([f"metric_time__{grains[0]}"] if grains else []) + dims
    order_by: tuple[str, ...] = ()
    limit = None
    if ranks:
        descending, limit = ranks[0].value
        order_by = (("-" if descending else "") + metrics[0],)
        r = ranks[0]
        spans.append(Span(text[r.begin : r.finish].strip(), r.begin, r.finish, "rank", f"{order_by[0]}/{limit}"))
        base["spans"] = tuple(sorted(spans, key=lambda s: s.begin))
    for metric in metrics:
        for dim in list(dims) + list(include) + list(exclude):
            if not library.applies(metric, dim):
                return Interpretation(
                    **base,
                    refusal="not_understood",
                    message=message(
                        "not_applicable",
                        lang,
                        metric=_label(library, metric, lang),
                        dimension=_label(library, dim, lang, "dimension"),
                    ),
                )
    try:
        query = make_query(
            metrics=tuple(metrics),
            group_by=tuple(group_by),
            where=where_text(include, exclude),
            time_from=period.start if period else None,
            time_to=period.end if period else None,
            compare=compares[0] if compares else None,
            order_by=order_by,
            limit=limit,
        )
    except QueryError as err:
        return Interpretation(**base, refusal="not_understood", message=message("invalid", lang, reason=str(err)))
    try:
        authorize(principal, "query", query, library)
    except PolicyError as err:
        return Interpretation(**base, refusal="policy", message=message("policy", lang, reason=str(err)))
    return Interpretation(**{**base, "query": query})


def _refused_metrics(found, principal: Principal, library: Library) -> str | None:
    """The policy's reason when a metric the question names is not the user's (the whole question is refused)."""
    from semantic import policy

    access = policy.access_for(principal, library)
    names = tuple(dict.fromkeys(m.target.name for m in found if m.target.kind == "metric"))
    if all(n in access.metrics for n in names):
        return None
    try:
        authorize(principal, "query", make_query(metrics=names), library)
    except PolicyError as err:
        return str(err)
    return None


def _name(target) -> str:
    return f"{target.name}={target.member}" if target.kind == "member" else target.name


def _frozen(d: dict[str, list[str]]) -> MappingProxyType:
    return MappingProxyType({k: tuple(v) for k, v in d.items()})


def _move(include, exclude, dim, key) -> None:
    if key in include.get(dim, []):
        include[dim].remove(key)
    if key not in exclude.setdefault(dim, []):
        exclude[dim].append(key)


def _run_before(events, i, low):
    """The members just before events[i] ('华南和华北以外'), joined by 和 / 、 / and ..."""
    run = []
    for _begin, _end, kind, item in reversed(events[:i]):
        if kind == "word" and item.target.kind == "member":
            run.append(item)
            continue
        break
    return run


def _qualifies(item, found, low, grouping: bool) -> bool:
    """A dimension word right next to a member only says what the member is ('华东区域', 'East region',
    '上海市', 'Enterprise customers', '线上渠道客户'): it does not ask to group. Right after a member of
    another dimension it still groups when the question ranks or asks which ('top 5 East customers')."""
    for other in found:
        if other.target.kind != "member" and not (other.target.kind == "dimension" and other is not item):
            continue
        if other.end <= item.begin and low[other.end : item.begin].strip(" 的") == "":
            if other.target.kind == "member" and (other.target.name == item.target.name or not grouping):
                return True
            if other.target.kind == "dimension" and _qualifies(other, found, low, grouping) and not grouping:
                return True  # 线上 渠道 客户: 渠道 qualifies 线上, so 客户 does too
        if other.target.kind == "member" and other.target.name == item.target.name and item.end <= other.begin:
            if low[item.end : other.begin].strip(" 的") == "":
                return True
    return False


def where_text(include: dict[str, list[str]], exclude: dict[str, list[str]]) -> str | None:
    """The filter as Explore builds it: dimension names and fresh sqlglot literals only."""
    parts = [exp.column(d).isin(*[exp.Literal.string(v) for v in keys]) for d, keys in include.items()]
    parts += [exp.not_(exp.column(d).isin(*[exp.Literal.string(v) for v in keys])) for d, keys in exclude.items()]
    return exp.and_(*parts).sql(dialect="duckdb") if parts else None


def _label(library: Library, name: str, lang: str, kind: str = "metric") -> str:
    spec = library.metrics.get(name) if kind == "metric" else library.dimensions.get(name)
    return spec.label.get(lang) if spec else name


def _examples(library: Library, principal: Principal, lang: str) -> list[str]:
    from semantic import policy

    access = policy.access_for(principal, library)
    names = [n for n, m in library.metrics.items() if n in access.metrics and m.certified][:4]
    return [library.metrics[n].label.get(lang) for n in names] or ["-"]
