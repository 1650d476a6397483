"""Row-level subqueries of one fact under a principal's policy, for work lists."""

from __future__ import annotations

from collections.abc import Sequence

from sqlglot import exp

from semantic import policy
from semantic.authorize import authorize
from semantic.compile.source import FactScope, Range
from semantic.compile.where import parse_where
from semantic.errors import QueryError
from semantic.model.library import Library
from semantic.principal import Principal
from semantic.query import Query


def checked_filters(query: Query, principal: Principal | None, library: Library) -> list[exp.Expression]:
    """Policy check of `query` plus the filters (row filter first) it runs under."""
    principal = principal or Principal.operator()
    authorize(principal, "query", query, library)  # the one authorisation every surface asks
    access = policy.access_for(principal, library)
    filters = [access.row_filter] if access.row_filter is not None else []
    if query.where:
        filters.append(parse_where(query.where, tuple(library.dimensions)))
    return filters


def rows_of(
    library: Library,
    measure_name: str,
    outputs: Sequence[tuple[str, str]],
    filters,
    span: Range,
    values: Sequence[tuple[str, exp.Expression]] = (),
) -> exp.Select:
    """SELECT outputs (alias, column fragment or dimension) [, aggregated values] FROM the
    measure's table with its date range, own filter and `filters` bound to its columns."""
    measure = library.measures[measure_name]
    scope = FactScope(library, measure.table)
    time_column = scope.time(measure)
    for tree in filters:
        for column in tree.find_all(exp.Column):
            if library.column(measure.table, column.name) is None:
                raise QueryError(
                    f"dimension '{column.name}' does not apply to {measure.table}; this list cannot be filtered by it."
                )
    keys = []
    for alias, what in outputs:
        if what == "metric_time":
            keys.append((alias, time_column.copy()))
        elif what in library.dimensions:
            keys.append((alias, scope.dimension(what, time_column)))
        else:
            keys.append((alias, scope.fragment(what)))
    conditions = span.conditions(time_column)
    if measure.filter:
        conditions.append(exp.paren(scope.fragment(measure.filter), copy=False))
    conditions += scope.filters(filters, time_column)
    bound = [(alias, scope.fragment(sql) if isinstance(sql, str) else sql) for alias, sql in values]
    return scope.grouped(keys, bound, conditions)
