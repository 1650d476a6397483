"""The test warehouse on Spark: the tests' DuckDB demo data (conftest's `warehouse_path`) written as Parquet
tables by the real loader (data/engines/spark.py) into a temporary folder, opened by a local[2] session as
the app opens it. One JVM per test worker; one folder per worker and kind (plain, or with the declared rollups
built by Spark), each loaded once."""

from __future__ import annotations

_folders: dict[bool, object] = {}


def open_engine(request, rolled: bool):
    from data.engines.spark import load
    from semantic.execute.spark import SparkWarehouse

    if rolled not in _folders:
        source = request.getfixturevalue("warehouse_path")
        folder = request.getfixturevalue("tmp_path_factory").mktemp("spark") / ("rolled" if rolled else "tables")
        _folders[rolled] = load(source, folder, log=lambda m: None, rollups=rolled)
    return SparkWarehouse("local[2]", tables=_folders[rolled])
