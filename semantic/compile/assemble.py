"""Query -> one sqlglot tree: sources joined on the group keys, then metrics.

Correctness first: each source is aggregated to the requested grain on its own
and only then joined, so facts from different tables never multiply each other
(no join fan-out); ratios and other derived metrics are computed from the
joined totals, after aggregation; balances come from their own sources.
A filtered metric narrows the leaves under it (sources.Leaf); a share metric's
denominator is a query of its own, joined on the keys it keeps (share.py).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from sqlglot import exp
from sqlglot.dialects.dialect import Dialect

from semantic.compile import planning, share, sqlbits, timegrain
from semantic.compile.dialects import render
from semantic.compile.source import GroupKey, Range
from semantic.compile.sources import Leaf, Source, build_sources, leaves_of
from semantic.compile.where import dimension_names, parse_where
from semantic.errors import QueryError
from semantic.model.library import TIME, Library, parse_fragment
from semantic.planning import model as plan_model
from semantic.query import Query
from semantic.rollup import choose


@dataclass(frozen=True)
class Plan:
    """What the compiler decided, alongside the tree (for tests, `sql` and the catalog)."""

    tree: exp.Select
    columns: tuple[str, ...]
    keys: tuple[GroupKey, ...]
    leaves: tuple[str, ...]
    tables: tuple[str, ...]
    rollups: tuple[str, ...] = ()  # rollups that answer part of it
    _rendered: dict = field(default_factory=dict, init=False, repr=False, compare=False)

    def sql(self, dialect: str = "duckdb", pretty: bool = True, limit: int | None = None) -> str:
        """The SQL text in `dialect`, rendered once per dialect (a plan never changes);
        `limit` caps the rows of the final, ordered SELECT (a page's row cap)."""
        key = (dialect, pretty, limit)
        if key not in self._rendered:
            try:
                Dialect.get_or_raise(dialect)
            except ValueError as err:  # bad input, not a crash: one line that says what to use
                raise QueryError(
                    f"{err} Use a sqlglot dialect such as duckdb, postgres or spark (the engines Concord runs on)."
                ) from None
            tree = self.tree if limit is None else self.tree.limit(limit, copy=True)
            self._rendered[key] = render(tree, dialect, pretty=pretty)
        return self._rendered[key]


def compile_query(
    lib: Library,
    query: Query,
    row_filters: Sequence[exp.Expression] = (),
    rollups: Mapping[str, str] | None = None,
    budgets: plan_model.Plan | None = None,
) -> Plan:
    """Compile `query`; `row_filters` (already parsed, from the policy) are ANDed around it.
    `rollups` (name -> definition hash) are those the warehouse has; any that answers
    a part exactly is used (see semantic/rollup). `budgets` is the Plan of budget versions a planning
    table is built from (semantic/compile/planning.py; None: semantic.planning.registry.current()).
    Everything the compile reads is an argument: the same arguments give the same tree."""
    rollups = dict(rollups or {})
    keys = tuple(GroupKey.parse(name) for name in query.group_by)
    for key in keys:
        lib.dimension(key.name)
    if sum(k.is_time for k in keys) > 1:
        raise QueryError("group by at most one metric_time grain at a time.")
    for name in query.metrics:
        lib.metric(name)
    rows = tuple(row_filters)
    where = parse_where(query.where, _where_names(lib, query.where)) if query.where else None
    filters = list(rows) + ([where] if where is not None else [])
    _check_applies(lib, query.metrics, [k.dimension for k in keys] + [d for f in filters for d in dimension_names(f)])
    leaves = tuple(dict.fromkeys(leaf for m in query.metrics for leaf in lib.leaves(m)))
    span = Range(query.time_from, query.time_to)
    items = tuple((m, m, ()) for m in query.metrics)
    scope = _Scope(lib, rows, rollups)

    if query.compare is None:
        ctes, select = _core(scope, items, keys, where, span, "")
    else:
        ctes, select = _compared(scope, query, items, keys, where, span)
    columns = [k.name for k in keys] + list(query.metrics)
    if query.compare:
        columns = [k.name for k in keys] + [f"{m}{s}" for m in query.metrics for s in ("", "__prior", "__change_pct")]
    select = _order_and_limit(select, query, keys, columns)
    used = [k.dimension for k in keys] + [d for f in filters for d in dimension_names(f)]
    ctes = planning_ctes(lib, query, [body for _, body in ctes] + [select], "version" in used, budgets, rollups) + ctes
    for name, body in ctes:
        select = select.with_(name, as_=body, copy=False)
    tables = tuple(dict.fromkeys(lib.measures[m].table for leaf in leaves for m in lib.leaf_measures(leaf)))
    return Plan(select, tuple(columns), keys, leaves, tables, choose.used_in(lib, select) if rollups else ())


def planning_ctes(lib, query: Query, trees, by_version: bool, budgets, rollups) -> list:
    """(name, body) of each planning table the `trees` read, built from the Plan `budgets` (None: the
    registry's current one), to go before every other CTE; `by_version`: the version dimension is
    grouped or filtered. An unknown Query.budget_version is refused even when no tree reads one."""
    names = planning.planning_tables(lib)
    if not names:
        return []
    read = {name for tree in trees for name in planning.reads(tree, names)}
    if not read and query.budget_version is None:
        return []
    if budgets is None:
        from semantic.planning import registry

        budgets = registry.current()
    selection = planning.select(budgets, query.budget_version, by_version)
    return [(name, planning.cte(lib, name, budgets, selection, rollups)) for name in names if name in read]


def _where_names(lib: Library, where: str) -> tuple[str, ...]:
    if TIME in where:
        names = tuple(lib.dimensions)
        try:
            parse_where(where, names + (TIME,))
        except QueryError:
            pass
        else:
            raise QueryError("where: filter dates with the time range (--from/--to), not with metric_time in where.")
    return tuple(lib.dimensions)


def _check_applies(lib: Library, metrics: Sequence[str], dims: Sequence[str]) -> None:
    for dim in dict.fromkeys(dims):
        for metric in metrics:
            if not lib.applies(metric, dim):
                tables = ", ".join(dict.fromkeys(lib.measures[m].table for m in lib.leaf_measures(metric)))
                ok = ", ".join(lib.dimensions_for(metric)) or "none"
                raise QueryError(
                    f"dimension '{dim}' does not apply to metric '{metric}' ({metric} is measured on {tables}, "
                    f"which has no {dim}); dimensions that apply to {metric}: {ok}."
                )


@dataclass(frozen=True)
class _Scope:
    """What stays the same for every part of one compile."""

    lib: Library
    rows: tuple[exp.Expression, ...]  # the row policy: kept everywhere, share denominators too
    rollups: Mapping[str, str]


def _core(scope: _Scope, items, keys, where, span, prefix) -> tuple[list, exp.Select]:
    """CTEs and the SELECT of keys + items for one time range; an item is (output name, metric,
    filters of filtered metrics above it)."""
    lib = scope.lib
    leaves = tuple(dict.fromkeys(leaf for _, m, w in items for leaf in leaves_of(lib, m, w)))
    filters = list(scope.rows) + ([where] if where is not None else [])
    sources = build_sources(lib, leaves, keys, filters, span, prefix, scope.rollups)
    names = [k.name for k in keys]
    ctes = [cte for source in sources for cte in source.ctes]
    location = {leaf: (s, col) for s in sources for leaf, col in s.leaves}
    coalesce = len(sources) > 1
    spine_name = f"{prefix}group_keys"
    key_table = sources[0].name if len(sources) == 1 or not names else spine_name
    totals: dict[tuple[str, tuple[str, ...]], tuple[str, tuple[GroupKey, ...]]] = {}

    def leaf_expr(leaf: Leaf) -> exp.Expression:
        source, col = location[leaf]
        ref = exp.column(col, table=source.name)
        if coalesce and source.additive:
            return exp.func("COALESCE", ref, exp.Literal.number(0))
        return ref

    def share_total(name: str, filtered: tuple[str, ...]) -> exp.Expression:
        """The denominator of share metric `name`: a query of its own, joined below."""
        if (name, filtered) not in totals:
            cte = f"{prefix}share{len(totals) + 1}"
            kept, kept_where = share.scope(lib, name, keys, where)
            sub_ctes, sub = _core(
                scope, ((share.TOTAL, lib.metrics[name].base, filtered),), kept, kept_where, span, cte + "_"
            )
            ctes.extend(sub_ctes + [(cte, sub)])
            totals[(name, filtered)] = (cte, kept)
        return exp.column(share.TOTAL, table=totals[(name, filtered)][0])

    days = _period_days(keys, span, sources, prefix)
    metrics = [exp.alias_(_metric_expr(lib, m, leaf_expr, days, w, share_total), alias) for alias, m, w in items]
    if len(sources) == 1 or not names:
        select = exp.select(*[exp.column(n, table=sources[0].name) for n in names], *metrics, copy=False).from_(
            sqlbits.table(sources[0].name), copy=False
        )
        for source in sources[1:]:
            select = sqlbits.join(select, sqlbits.table(source.name), "cross")
    else:
        spine = exp.union(
            *[
                exp.select(*[exp.column(n) for n in names], copy=False).from_(sqlbits.table(s.name), copy=False)
                for s in sources
            ],
            distinct=True,
            copy=False,
        )
        ctes.append((spine_name, spine))
        select = exp.select(*[exp.column(n, table=spine_name) for n in names], *metrics, copy=False).from_(
            sqlbits.table(spine_name), copy=False
        )
        for source in sources:
            select = sqlbits.join(select, sqlbits.table(source.name), "left", _on(key_table, source.name, names))
    for cte, kept in totals.values():
        kept_names = [k.name for k in kept]
        on = _on(key_table, cte, kept_names) if kept_names else None
        select = sqlbits.join(select, sqlbits.table(cte), "left" if kept_names else "cross", on)
    return ctes, select


def _on(left: str, right: str, names) -> exp.Expression:
    return exp.and_(
        *[exp.NullSafeEQ(this=exp.column(n, table=left), expression=exp.column(n, table=right)) for n in names]
    )


def _metric_expr(lib: Library, name: str, leaf_expr, days, where=(), share_total=None) -> exp.Expression:
    """A metric over its leaves; `where`: the filters of the filtered metrics above it."""
    metric = lib.metrics[name]
    if metric.type == "filtered":
        return _metric_expr(lib, metric.base, leaf_expr, days, Leaf(name, where).narrowed(metric.where), share_total)
    if metric.type == "share":
        part = _metric_expr(lib, metric.base, leaf_expr, days, where, share_total)
        total = exp.Nullif(this=share_total(name, where), expression=exp.Literal.number(0))
        return exp.Div(this=_wrap(part), expression=total, typed=False, safe=False)
    if metric.type != "derived":
        return leaf_expr(Leaf(name, where))
    tree = parse_fragment(metric.expr).copy()
    for div in reversed(list(tree.find_all(exp.Div))):  # innermost first
        # A ratio is empty, not infinite or an error, where its denominator is zero.
        safe = exp.Div(
            this=div.this,
            expression=exp.Nullif(this=div.expression, expression=exp.Literal.number(0)),
            typed=False,
            safe=False,
        )
        tree = safe if div is tree else (div.replace(safe) and tree)

    def expand(node: exp.Expression) -> exp.Expression:
        if not isinstance(node, exp.Column):
            return node
        if node.name == "period_days":
            return _wrap(days())
        return _wrap(_metric_expr(lib, node.name, leaf_expr, days, where, share_total))

    return tree.transform(expand, copy=False)


def _wrap(tree: exp.Expression) -> exp.Expression:
    """Parenthesise a sub-expression only where operator precedence needs it."""
    return exp.paren(tree, copy=False) if isinstance(tree, exp.Binary) else tree


def _period_days(keys, span: Range, sources: Sequence[Source], prefix: str):
    """Days in each period (clipped to the range), or in the whole range."""

    def days() -> exp.Expression:
        time_key = next((k for k in keys if k.is_time), None)
        if time_key is not None:
            source = sources[0].name if len(sources) == 1 else f"{prefix}group_keys"
            start = exp.column(time_key.name, table=source)
            end = timegrain.period_end(start.copy(), time_key.grain)
            if span.start is not None:
                start = exp.Greatest(this=start, expressions=[timegrain.date_literal(span.start)], ignore_nulls=True)
            if span.end is not None:
                end = exp.Least(this=end, expressions=[timegrain.date_literal(span.end)], ignore_nulls=True)
        elif span.start is not None and span.end is not None:
            return exp.Literal.number((span.end - span.start).days + 1)
        else:
            raise QueryError(
                "a metric measured over days (dso) needs a time range (--from and --to) or a time grouping."
            )
        diff = exp.DateDiff(this=end, expression=start, unit=exp.var("DAY"))
        return exp.Add(this=diff, expression=exp.Literal.number(1))

    return days


def _compared(scope, query, items, keys, where, span) -> tuple[list, exp.Select]:
    """The current period's query joined to the same query one period (or year) back."""
    time_key = next((k for k in keys if k.is_time), None)
    grain = time_key.grain if time_key else None
    if time_key is None and (span.start is None or span.end is None):
        raise QueryError("compare needs a time range (--from and --to) or a group by metric_time.")
    days = None if time_key or span.start is None else (span.end - span.start).days + 1
    count, unit = timegrain.shift_for(grain, query.compare, days)
    if time_key is None and query.compare == "prior_period":
        months = timegrain.whole_months(span.start, span.end)
        if months is not None:
            count, unit = months, "MONTH"
    prior_span = Range(
        timegrain.shift_date(span.start, count, unit) if span.start else None,
        timegrain.shift_date(span.end, count, unit, is_end=True) if span.end else None,
    )
    ctes, current = _core(scope, items, keys, where, span, "cur_")
    prior_ctes, prior = _core(scope, items, keys, where, prior_span, "prior_")
    if time_key is not None:  # label each prior period with the period it is compared to
        for projection in prior.expressions[: len(keys)]:
            if projection.alias_or_name == time_key.name:
                projection.replace(exp.alias_(timegrain.add(projection.copy(), count, unit), time_key.name))
    ctes += prior_ctes + [("current_period", current), ("prior_period", prior)]
    names = [k.name for k in keys]
    out = [exp.column(n, table="c") for n in names]
    for m in query.metrics:
        now, before = exp.column(m, table="c"), exp.column(m, table="p")
        change = exp.Div(
            this=exp.Paren(this=exp.Sub(this=now.copy(), expression=before.copy())),
            expression=exp.Nullif(this=exp.Abs(this=before.copy()), expression=exp.Literal.number(0)),
            typed=False,
            safe=False,
        )
        out += [exp.alias_(now, m), exp.alias_(before, f"{m}__prior"), exp.alias_(change, f"{m}__change_pct")]
    select = exp.select(*out, copy=False).from_(sqlbits.table("current_period", "c"), copy=False)
    on = (
        exp.and_(*[exp.NullSafeEQ(this=exp.column(n, table="c"), expression=exp.column(n, table="p")) for n in names])
        if names
        else None
    )
    select = sqlbits.join(select, sqlbits.table("prior_period", "p"), "left" if names else "cross", on)
    return ctes, select


def _order_and_limit(select: exp.Select, query: Query, keys, columns: Sequence[str]) -> exp.Select:
    order = []
    for item in query.order_by or tuple(k.name for k in keys):
        desc = item.startswith("-")
        name = item.lstrip("-+")
        if name not in columns:
            raise QueryError(f"order: '{name}' is not a column of this result; order by one of: {', '.join(columns)}.")
        order.append(exp.Ordered(this=exp.column(name), desc=desc, nulls_first=False))
    named = {item.lstrip("-+") for item in query.order_by}
    for key in keys:  # ties broken by the group keys: the same rows in the same order on every engine
        if query.order_by and key.name not in named:
            order.append(exp.Ordered(this=exp.column(key.name), desc=False, nulls_first=False))
    if order:
        select = select.order_by(*order, copy=False)
    if query.limit is not None:
        select = select.limit(query.limit, copy=False)
    return select
