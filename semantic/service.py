"""The one path to data: Query + Principal -> authorize -> compile -> execute -> Result.

Pages, boards, exports and the CLI all call `run` (or `plan` to see SQL without
running it). Nothing else in Concord builds SQL or opens the warehouse for
queries, so the authorisation asked here cannot be bypassed. Every run, refused or
not, is reported to the event listeners (the audit log).
"""

from __future__ import annotations

import functools
import time
from dataclasses import dataclass

import pandas as pd

from semantic import policy
from semantic.authorize import authorize
from semantic.cache import ResultCache
from semantic.compile.assemble import Plan, compile_query
from semantic.custom.overlay import current_library
from semantic.errors import SemanticError, WarehouseError
from semantic.events import report
from semantic.execute import Warehouse, WarehouseVersion
from semantic.kept import follow, forget, kept
from semantic.model.library import Library
from semantic.planning import registry as plans
from semantic.planning.model import Plan as BudgetPlan
from semantic.principal import Principal
from semantic.query import Query

RESULTS = ResultCache()  # one per process, shared by every session
DEFAULT_PAGE_ROWS = (
    50_000  # what a page shows at most (run(..., max_rows=DEFAULT_PAGE_ROWS)); downloads may ask for all
)


@dataclass(frozen=True)
class Result:
    frame: pd.DataFrame
    sql: str
    columns: tuple[str, ...]
    compile_seconds: float
    execute_seconds: float
    version: WarehouseVersion
    cached: bool = False
    rollups: tuple[str, ...] = ()  # rollups that answered part of it
    truncated: bool = False  # more rows than max_rows: `frame` holds the first max_rows
    # a row policy (the principal's row filter) narrowed this query: an empty result may be the policy's doing.
    # Only that a filter applied, never what it hid.
    row_policy: bool = False

    @property
    def rows(self) -> int:
        return len(self.frame)


def plan(
    query: Query,
    principal: Principal | None = None,
    library: Library | None = None,
    rollups: dict[str, str] | None = None,
    budgets: BudgetPlan | None = None,
) -> Plan:
    """Compile `query` under `principal`'s policy (the local operator when None);
    `rollups` are those the warehouse has (Warehouse.rollups()), used when exact;
    `budgets` the Plan of budget versions (None: semantic.planning.registry.current()).

    A plan depends only on these inputs, so it is compiled once and reused: the
    key holds the whole principal (name, roles, attributes), so two users with
    different row policies never share a plan. Refusals are not cached."""
    budgets = budgets if budgets is not None else plans.current()
    follow(budgets.token)  # plans of an older Plan are dropped, not kept until evicted
    return _plan(
        library or current_library(),
        query,
        principal or Principal.operator(),
        tuple(sorted((rollups or {}).items())),
        budgets,
    )


def forget_plans() -> None:
    """Drop every kept plan, aggregate and drill-through (the benchmark times cold compiles with it)."""
    forget()


@kept(maxsize=1024)
def _plan(
    library: Library, query: Query, principal: Principal, rollups: tuple[tuple[str, str], ...], budgets: BudgetPlan
) -> Plan:
    authorize(principal, "query", query, library)  # the one authorisation every surface asks
    access = policy.access_for(principal, library)  # for its row filter
    return compile_query(
        library,
        query,
        row_filters=[access.row_filter] if access.row_filter is not None else [],
        rollups=dict(rollups),
        budgets=budgets,
    )


def run(
    query: Query,
    principal: Principal | None = None,
    *,
    warehouse: Warehouse,
    library: Library | None = None,
    source: str = "api",
    cache: ResultCache | None = RESULTS,
    rollups: bool = True,
    max_rows: int | None = None,
    question: str = "",
) -> Result:
    """Run `query` as `principal`; `cache=None` always reads the warehouse;
    `rollups=False` never answers from rollups. With `max_rows`, at most that many
    rows come back (in the query's order) and `truncated` says whether there were more:
    the SQL asks for max_rows + 1, so the cache keys on the cap too."""
    if max_rows is not None and max_rows < 1:
        raise ValueError(f"max_rows must be 1 or more, got {max_rows}")  # a programming error, not a user's
    principal = principal or Principal.operator()
    started = time.perf_counter()
    try:
        compiled = plan(query, principal, library, warehouse.rollups() if rollups else None)
        capped = max_rows is not None and (query.limit is None or query.limit > max_rows)
        sql = compiled.sql(warehouse.dialect, limit=max_rows + 1 if capped else None)
        compile_seconds = time.perf_counter() - started
        version = warehouse.version()
        frame = cache.get(sql, version) if cache is not None else None
        cached, execute_seconds = frame is not None, 0.0
        if frame is None:
            frame, version, execute_seconds = warehouse.run(sql)
            if list(frame.columns) != list(compiled.columns):  # names are never re-assigned by position
                raise WarehouseError(
                    f"internal error: the result has columns {list(frame.columns)}, "
                    f"expected {list(compiled.columns)}; please report this query."
                )
            if cache is not None:
                cache.put(sql, version, frame)
    except SemanticError as err:
        report(query, principal, source, started, error=err, question=question)
        raise
    truncated = capped and len(frame) > max_rows
    if truncated:
        frame = frame.iloc[:max_rows].copy()
    report(query, principal, source, started, rows=len(frame), question=question)
    return Result(
        frame,
        sql,
        compiled.columns,
        compile_seconds,
        execute_seconds,
        version,
        cached,
        compiled.rollups,
        truncated,
        row_policy=narrowed(principal, library or current_library()),
    )


@functools.lru_cache(maxsize=1024)
def narrowed(principal: Principal, library: Library) -> bool:
    """Whether `principal`'s roles put a row filter around every query they run (Result.row_policy)."""
    return policy.access_for(principal, library).row_filter is not None
