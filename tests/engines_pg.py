"""The test warehouse on PostgreSQL: tests/conftest.py's DuckDB demo data loaded (data.engines.postgres.load)
into two schemas on the tests' own server (pg_server), `wh` without rollups and `wh_rolled` with the
declared rollups built on PostgreSQL, each read as the app reads it: PostgresWarehouse through the
read-only role. Loaded once per worker session (each worker has its own server)."""

from __future__ import annotations

_LOADED: dict[tuple[int, bool], str] = {}  # (server port, rolled) -> reader URL


def load_schema(request, schema: str, rolled: bool) -> str:
    """Load the test warehouse into `schema` on the tests' server; the reader URL."""
    from data.engines.postgres import load

    server = request.getfixturevalue("pg_server")
    return load(request.getfixturevalue("warehouse_path"), server.url, schema, log=lambda m: None, rollups=rolled)


def open_engine(request, rolled: bool):
    from semantic.execute.postgres import PostgresWarehouse

    server = request.getfixturevalue("pg_server")
    schema = "wh_rolled" if rolled else "wh"
    key = (server.port, rolled)
    if key not in _LOADED:
        _LOADED[key] = load_schema(request, schema, rolled)
    return PostgresWarehouse(_LOADED[key], schema=schema)
