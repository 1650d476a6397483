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
    raise NotImplementedError("PostgreSQL engine: built in issue 16")


def _spark(request, rolled: bool):
    raise NotImplementedError("Spark engine: built in issue 16")
