"""Below the aggregate: drill-through rows, member lists and the data's date.

drill_through lists the rows of the fact table behind a query's first metric
(order lines behind revenue, receipts behind cash_in, ledger lines behind
ledger_revenue ...) under exactly the same policy, filter and time range as
the aggregate, one page at a time. members lists the values a dimension takes
for the asking user (a sales rep sees the cities of their own region only).
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass

import pandas as pd
from sqlglot import exp

from semantic import policy
from semantic.authorize import authorize
from semantic.compile.assemble import planning_ctes
from semantic.compile.dialects import render
from semantic.compile.source import FactScope, Range
from semantic.compile.sources import leaf_filters, leaves_of
from semantic.compile.where import dimension_names, parse_text, parse_where
from semantic.custom.overlay import current_library
from semantic.errors import QueryError, SemanticError, WarehouseError
from semantic.events import report
from semantic.execute import Warehouse
from semantic.kept import follow, kept
from semantic.model.library import Library
from semantic.planning import registry as plans
from semantic.planning.model import Plan
from semantic.principal import Principal
from semantic.query import Query
from semantic.service import run

MAX_PAGE_SIZE = 1000
TOTAL = "__total_rows"


@dataclass(frozen=True)
class DetailPage:
    frame: pd.DataFrame
    total_rows: int
    page: int
    page_size: int
    table: str
    sql: str

    @property
    def pages(self) -> int:
        return max(1, -(-self.total_rows // self.page_size))


def detail_plan(
    query: Query, principal: Principal | None, library: Library, budgets: Plan | None = None
) -> tuple[str, exp.Select]:
    """(fact table, SELECT of its rows) for the first metric of `query`, under policy; a planning
    table (budget_lines) is built from `budgets` (None: semantic.planning.registry.current())."""
    principal = principal or Principal.operator()
    authorize(principal, "query", query, library)  # the one authorisation every surface asks
    access = policy.access_for(principal, library)  # for its row filter and the dimensions shown
    leaf = leaves_of(library, query.metrics[0])[0]  # with the filters of filtered metrics above it
    measure_name = library.leaf_measures(leaf.metric)[0]
    measure = library.measures[measure_name]
    scope = FactScope(library, measure.table)
    time_column = scope.time(measure)
    own = list(library.tables[measure.table].columns)
    outputs = [(c, exp.column(c, table=measure.table)) for c in own]
    if not (isinstance(time_column, exp.Column) and time_column.table == measure.table):
        outputs.insert(0, (time_column.name or "metric_time", time_column.copy()))  # e.g. order_date of an order line
    asked = set(query.group_by) | (set(dimension_names(parse_text(query.where))) if query.where else set())
    for name in library.dimensions:
        if name in own or name not in access.dimensions or not library.applies(query.metrics[0], name):
            continue
        if name in library.custom and name not in asked:  # a user's grouping shows only in rows drilled from it
            continue
        ref = library.column(measure.table, name)
        if ref is not None and not (ref.table == measure.table and ref.column in own):
            outputs.append((name, scope.dimension(name, time_column)))
    filters = [access.row_filter] if access.row_filter is not None else []
    if query.where:
        filters.append(parse_where(query.where, tuple(library.dimensions) + ("metric_time",)))
    filters += leaf_filters(library, leaf)
    for tree in filters:
        for column in tree.find_all(exp.Column):
            if not library.applies(query.metrics[0], column.name):
                raise QueryError(f"dimension '{column.name}' does not apply to metric '{query.metrics[0]}'.")
    conditions = Range(query.time_from, query.time_to).conditions(time_column)
    if measure.filter:
        conditions.append(exp.paren(scope.fragment(measure.filter), copy=False))
    conditions += scope.filters(filters, time_column)
    select = scope.grouped([], outputs, conditions)
    order = [time_column.copy()] + [exp.column(k, table=measure.table) for k in _key(library, measure.table)]
    select = select.order_by(*[exp.Ordered(this=o, desc=True) for o in order[:1]] + order[1:], copy=False)
    by_version = "version" in asked or any("version" in dimension_names(f) for f in filters)
    for name, body in planning_ctes(library, query, [select], by_version, budgets, None):
        select = select.with_(name, as_=body, copy=False)
    return measure.table, select


def page_sql(
    query: Query,
    principal: Principal | None = None,
    library: Library | None = None,
    page: int = 1,
    page_size: int = 100,
    dialect: str = "duckdb",
) -> tuple[str, str, str]:
    """(fact table, SQL of one page with the total in a window column, SQL of the
    count alone) under `principal`'s policy; compiled once per (query, whole
    principal, page), like the aggregate plans."""
    if not (1 <= page_size <= MAX_PAGE_SIZE):
        raise QueryError(f"page size must be from 1 to {MAX_PAGE_SIZE}, got {page_size}.")
    if page < 1:
        raise QueryError(f"page must be 1 or more, got {page}.")
    budgets = plans.current()
    follow(budgets.token)
    return _page_sql(
        library or current_library(),
        query,
        principal or Principal.operator(),
        page,
        page_size,
        dialect,
        budgets,
    )


@kept(maxsize=256)
def _page_sql(library, query, principal, page, page_size, dialect, budgets) -> tuple[str, str, str]:
    table, select = detail_plan(query, principal, library, budgets)
    # one scan: the page and, in a window column, how many rows there are in all
    paged = select.select(exp.alias_(exp.Window(this=exp.Count(this=exp.Star())), TOTAL), copy=True)
    paged = paged.limit(page_size, copy=False).offset((page - 1) * page_size, copy=False)
    counted = exp.select(exp.Count(this=exp.Star())).from_(select.copy().order_by(None).subquery("rows_"))
    return table, render(paged, dialect, pretty=True), render(counted, dialect)


def drill_through(
    query: Query,
    principal: Principal | None = None,
    *,
    warehouse: Warehouse,
    library: Library | None = None,
    page: int = 1,
    page_size: int = 100,
    source: str = "drill_through",
) -> DetailPage:
    """One page of the rows behind the first metric; audited like every query."""
    principal = principal or Principal.operator()
    started = time.perf_counter()
    try:
        table, sql, count_sql = page_sql(query, principal, library, page, page_size, warehouse.dialect)
        frame = warehouse.run(sql)[0]
        if len(frame):
            total = int(frame[TOTAL].iloc[0])
        else:  # past the last page: count separately
            total = int(warehouse.run(count_sql)[0].iloc[0, 0])
    except SemanticError as err:
        report(query, principal, source, started, error=err)
        raise
    report(query, principal, source, started, rows=len(frame))
    return DetailPage(frame.drop(columns=[TOTAL]), total, page, page_size, table, sql)


EXPORT_CAP = 1_000_000  # rows a drill-through download may carry


@kept(maxsize=64)
def _all_sql(library, query, principal, cap, dialect, budgets) -> tuple[str, str]:
    table, select = detail_plan(query, principal, library, budgets)
    every = select.select(exp.alias_(exp.Window(this=exp.Count(this=exp.Star())), TOTAL), copy=True)
    return table, render(every.limit(cap, copy=False), dialect, pretty=True)


def drill_through_all(
    query: Query,
    principal: Principal | None = None,
    *,
    warehouse: Warehouse,
    library: Library | None = None,
    cap: int = EXPORT_CAP,
    source: str = "drill_through:export",
) -> DetailPage:
    """Every row behind the first metric that `principal` may see (the same plan, policy and
    audit as `drill_through`), at most `cap`; `total_rows` says how many there are in all,
    so a caller can tell the user when the cap cut the rows."""
    if not (1 <= cap <= EXPORT_CAP):
        raise QueryError(f"a download holds from 1 to {EXPORT_CAP:,} rows, got {cap}.")
    principal = principal or Principal.operator()
    started = time.perf_counter()
    try:
        budgets = plans.current()
        follow(budgets.token)
        table, sql = _all_sql(library or current_library(), query, principal, cap, warehouse.dialect, budgets)
        frame = warehouse.run(sql)[0]
        total = int(frame[TOTAL].iloc[0]) if len(frame) else 0
    except SemanticError as err:
        report(query, principal, source, started, error=err)
        raise
    report(query, principal, source, started, rows=len(frame))
    return DetailPage(frame.drop(columns=[TOTAL]), total, 1, cap, table, sql)


def members(
    dimension: str,
    principal: Principal | None = None,
    *,
    warehouse: Warehouse,
    library: Library | None = None,
    limit: int = 2000,
) -> list[str]:
    """The values `dimension` takes in rows the principal may see, sorted."""
    library = library or current_library()
    library.dimension(dimension)
    access = policy.access_for(principal or Principal.operator(), library)
    metric = next(
        (
            m
            for m in library.metrics
            if m in access.metrics and library.applies(m, dimension) and library.metrics[m].type == "simple"
        ),
        None,
    )
    if metric is None:
        raise QueryError(f"none of your metrics can be grouped by '{dimension}'.")
    query = Query(metrics=(metric,), group_by=(dimension,), order_by=(dimension,), limit=limit)
    frame = run(query, principal, warehouse=warehouse, library=library, source="members").frame  # the aggregate path
    return [str(v) for v in frame[dimension].dropna()]


def data_dates(warehouse: Warehouse) -> tuple[dt.date | None, dt.datetime | None]:
    """(the last day the warehouse has data for, when the last sync or upload reached it), read from
    warehouse_info in one query; None where unknown (synced_at exists once data.publish has written)."""
    try:
        frame = warehouse.run("SELECT * FROM warehouse_info")[0]
    except WarehouseError:
        return None, None
    day = frame["as_of"].max() if "as_of" in frame else None
    synced = frame["synced_at"].max() if "synced_at" in frame else None
    return (
        None if pd.isna(day) else pd.Timestamp(day).date(),
        None if pd.isna(synced) else pd.Timestamp(synced).to_pydatetime(),
    )


def as_of(warehouse: Warehouse) -> dt.date | None:
    """The last day the warehouse has data for (warehouse_info.as_of), None if unknown."""
    return data_dates(warehouse)[0]


def _key(library: Library, table: str) -> list[str]:
    key = library.tables[table].primary_key
    return [key] if isinstance(key, str) else list(key)
