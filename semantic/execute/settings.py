"""Which engine runs the queries, and where its data lives: one frozen value read from the environment.

data.config.settle hands concord.toml's [warehouse] section over through these variables (a variable
set before the process started wins), so the semantic layer reads one place and imports nothing above it:

    CONCORD_ENGINE          duckdb (default) | postgres | spark
    CONCORD_WAREHOUSE       duckdb: the warehouse file (default data/warehouse.duckdb)
    CONCORD_ENGINE_URL      postgres: postgresql://reader@host:5432/db (a read-only role; the password from
                            CONCORD_ENGINE_PASSWORD or ~/.pgpass, never the file); spark: the master URL
                            (local[2], spark://host:7077)
    CONCORD_ENGINE_TABLES   spark: the folder of Parquet tables, one sub-folder per table
    CONCORD_ENGINE_SCHEMA   postgres: the schema (default public); spark: a catalog database instead of a folder
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from semantic.errors import WarehouseError

ENGINES = ("duckdb", "postgres", "spark")
DIALECTS = {"duckdb": "duckdb", "postgres": "postgres", "spark": "spark"}  # engine -> sqlglot dialect
ENGINE_NAMES = {"duckdb": "DuckDB", "postgres": "PostgreSQL", "spark": "Spark"}  # engine -> its name in messages


@dataclass(frozen=True)
class EngineSettings:
    engine: str = "duckdb"
    path: str = ""  # duckdb: the warehouse file
    url: str = ""  # postgres: the connection URL; spark: the master URL
    tables: str = ""  # spark: the folder of Parquet tables
    schema: str = ""  # postgres: the schema; spark: a catalog database

    def __post_init__(self):
        if self.engine not in ENGINES:
            raise WarehouseError(
                f"engine '{self.engine}' is not one Concord runs on; set [warehouse] engine in concord.toml "
                f"(or CONCORD_ENGINE) to one of {', '.join(ENGINES)}."
            )

    @property
    def dialect(self) -> str:
        return DIALECTS[self.engine]

    @classmethod
    def from_env(cls) -> EngineSettings:
        from semantic.execute.duckdb import warehouse_path

        engine = (os.environ.get("CONCORD_ENGINE") or "duckdb").strip().lower()
        return cls(
            engine=engine,
            path=str(warehouse_path()) if engine == "duckdb" else "",
            url=os.environ.get("CONCORD_ENGINE_URL", "").strip(),
            tables=os.environ.get("CONCORD_ENGINE_TABLES", "").strip(),
            schema=os.environ.get("CONCORD_ENGINE_SCHEMA", "").strip(),
        )


def open_engine(settings: EngineSettings | None = None):
    """The executor for `settings` (default: from the environment). Each engine is its own module, imported
    only when chosen, so DuckDB users never load psycopg or pyspark."""
    settings = settings or EngineSettings.from_env()
    if settings.engine == "postgres":
        from semantic.execute.postgres import PostgresWarehouse

        return PostgresWarehouse(settings.url, schema=settings.schema or "public")
    if settings.engine == "spark":
        from semantic.execute.spark import SparkWarehouse

        return SparkWarehouse(settings.url or "local[2]", tables=settings.tables, database=settings.schema)
    from semantic.execute.duckdb import Warehouse

    return Warehouse(Path(settings.path))
