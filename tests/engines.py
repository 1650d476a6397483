"""The test warehouse on the other engines: the same demo data (tests/conftest.py's DuckDB file, scale
TEST_SCALE) loaded into PostgreSQL (a database on the tests' own server) and into Parquet tables for Spark
in local mode, each opened as the app opens it (a read-only role; a sealed session).

`open_test_engine(request, name, rolled)` is what conftest's `warehouse` and `rolled` fixtures call for
an engine other than DuckDB; `rolled` also builds the declared rollups on that engine.
"""

from __future__ import annotations


def open_test_engine(request, name: str, rolled: bool):
    if name == "postgres":
        return _postgres(request, rolled)
    if name == "spark":
        return _spark(request, rolled)
    raise ValueError(f"no test engine {name}")


def _postgres(request, rolled: bool):
    from tests import engines_pg  # tests/engines_pg.py: the demo in a database on the tests' own server

    return engines_pg.open_engine(request, rolled)


def _spark(request, rolled: bool):
    from tests import engines_spark  # tests/engines_spark.py: the demo as Parquet, a local[2] session

    return engines_spark.open_engine(request, rolled)
