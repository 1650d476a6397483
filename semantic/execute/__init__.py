"""Execute: run compiled SQL on the configured engine, read-only and bounded.

One executor per engine, each in its own module, all with the same small surface
(`engine`, `dialect`, `describe()`, `version()`, `run(sql)`, `rollups()`, `columns()`, `close()`):

- duckdb.py    the embedded default: a warehouse file opened read-only, external access off
- postgres.py  a PostgreSQL server through a read-only role, in read-only transactions with a statement timeout
- spark.py     Apache Spark (local mode or a cluster) over declared Parquet tables, nothing else readable

`open_engine()` picks one from concord.toml's [warehouse] (settings.py). The compiler never asks which
engine runs: a plan is rendered in the executor's `dialect` (semantic.compile.dialects).
"""

from semantic.execute.duckdb import DEFAULT_WAREHOUSE, SEALED, Warehouse, warehouse_path
from semantic.execute.limits import (
    DEFAULT_MEMORY,
    DEFAULT_SECONDS,
    MEMORY_ENV,
    NARROW,
    SECONDS_ENV,
    WarehouseVersion,
    query_memory,
    query_seconds,
)
from semantic.execute.settings import ENGINES, EngineSettings, open_engine

__all__ = [
    "DEFAULT_MEMORY",
    "DEFAULT_SECONDS",
    "DEFAULT_WAREHOUSE",
    "ENGINES",
    "MEMORY_ENV",
    "NARROW",
    "SEALED",
    "SECONDS_ENV",
    "EngineSettings",
    "Warehouse",
    "WarehouseVersion",
    "open_engine",
    "query_memory",
    "query_seconds",
    "warehouse_path",
]
