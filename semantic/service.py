"""The one path to data: Query + Principal -> policy -> compile -> execute -> Result.

Pages, boards, exports and the CLI all call `run` (or `plan` to see SQL without
running it). Nothing else in Concord builds SQL or opens the warehouse for
queries, so the policy applied here cannot be bypassed.
"""
from __future__ import annotations

import time
from dataclasses import dataclass

import pandas as pd

from semantic.compile.assemble import Plan, compile_query
from semantic.execute import Warehouse, WarehouseVersion
from semantic.model.library import Library
from semantic.model.loader import default_library
from semantic.principal import Principal
from semantic.query import Query


@dataclass(frozen=True)
class Result:
    frame: pd.DataFrame
    sql: str
    columns: tuple[str, ...]
    compile_seconds: float
    execute_seconds: float
    version: WarehouseVersion
    cached: bool = False

    @property
    def rows(self) -> int:
        return len(self.frame)


def plan(query: Query, principal: Principal | None = None, library: Library | None = None) -> Plan:
    """Compile `query` for `principal` (the local operator when None)."""
    library = library or default_library()
    principal = principal or Principal.operator()
    return compile_query(library, query)


def run(
    query: Query,
    principal: Principal | None = None,
    *,
    warehouse: Warehouse,
    library: Library | None = None,
    dialect: str = "duckdb",
) -> Result:
    started = time.perf_counter()
    compiled = plan(query, principal, library)
    sql = compiled.sql(dialect)
    compile_seconds = time.perf_counter() - started
    frame, version, execute_seconds = warehouse.run(sql)
    frame.columns = list(compiled.columns)
    return Result(frame, sql, compiled.columns, compile_seconds, execute_seconds, version)
