"""Shared fixtures: a small real warehouse built once per test session (per worker).

Numbers are always checked against hand-written SQL over the raw tables of this
warehouse (`raw`), never against values computed by the code under test.
"""

from __future__ import annotations

import os
from pathlib import Path

import duckdb
import pytest

from data.demo import build_warehouse
from semantic import Warehouse, default_library
from semantic.execute import SEALED

# An app started by a test never evaluates alerts into another test's metadata store;
# the tests that need the scheduler start it themselves.
os.environ.setdefault("CONCORD_ALERTS_SCHEDULER", "off")
os.environ.setdefault("CONCORD_SYNC_SCHEDULER", "off")  # the sync schedule too: tests/test_sources_page.py runs it

TEST_SCALE = 0.02
TEST_SEED = 7


@pytest.fixture(scope="session")
def warehouse_path(tmp_path_factory):
    return build_warehouse(tmp_path_factory.mktemp("warehouse") / "test.duckdb", scale=TEST_SCALE, seed=TEST_SEED)


# The engines a module's soundness tests run on: a module that sets ENGINES = ALL_ENGINES runs each test
# that uses `warehouse` (or `rolled`) once per engine, over the same demo data loaded into each
# (tests/engines.py); the hand SQL stays on DuckDB (`raw`), so every engine's answer is checked against it.
# CONCORD_TEST_ENGINES=duckdb,postgres narrows the list (e.g. for a quick run); `-m "not spark"` skips Spark.
ALL_ENGINES = ("duckdb", "postgres", "spark")


def test_engines(wanted=ALL_ENGINES) -> tuple[str, ...]:
    chosen = [e.strip() for e in os.environ.get("CONCORD_TEST_ENGINES", "").split(",") if e.strip()]
    return tuple(e for e in wanted if not chosen or e in chosen)


test_engines.__test__ = False  # a helper, not a test


def _engine_for(request, name: str, rolled: bool):
    if name == "duckdb":
        path = request.getfixturevalue("rolled_warehouse_path" if rolled else "warehouse_path")
        return Warehouse(path)
    from tests import engines

    return engines.open_test_engine(request, name, rolled)


@pytest.fixture(scope="session")
def warehouse(request):
    """The test warehouse on DuckDB, or (parametrized through ENGINES) on PostgreSQL or Spark."""
    wh = _engine_for(request, getattr(request, "param", "duckdb"), rolled=False)
    yield wh
    wh.close()


@pytest.fixture(scope="session")
def raw(warehouse_path):
    """A read-only connection for hand-written reference SQL (DuckDB wants every
    connection to one file in a process to share a configuration, so: sealed too)."""
    con = duckdb.connect(str(warehouse_path), read_only=True, config=dict(SEALED))
    yield con
    con.close()


@pytest.fixture(scope="session")
def library():
    return default_library()


def pytest_configure(config):
    config.addinivalue_line("markers", "sqlite_only: a test of the SQLite file itself, not run against PostgreSQL")


def pytest_generate_tests(metafunc):
    """Modules that set METASTORE_BACKENDS = ("sqlite", "postgres") run each test that uses
    `metastore_file` once per backend (except tests marked sqlite_only); CONCORD_TEST_METASTORE=postgres
    runs every such test of every module on PostgreSQL only."""
    engines = getattr(metafunc.module, "ENGINES", None)
    for fixture in ("warehouse", "rolled"):
        if engines and fixture in metafunc.fixturenames:
            params = [pytest.param(e, id=e, marks=getattr(pytest.mark, e)) for e in test_engines(engines)]
            metafunc.parametrize(fixture, params, indirect=True, scope="session")
    backends = getattr(metafunc.module, "METASTORE_BACKENDS", None)
    if os.environ.get("CONCORD_TEST_METASTORE") in ("sqlite", "postgres"):  # every module, one backend
        backends = (os.environ["CONCORD_TEST_METASTORE"],)
    if (
        backends
        and "metastore_file" in metafunc.fixturenames
        and not metafunc.definition.get_closest_marker("sqlite_only")
    ):
        metafunc.parametrize("metastore_backend", backends)


@pytest.fixture(scope="session")
def pg_server():
    """A PostgreSQL server of the tests' own, started once (see tests/pgserver.py)."""
    from tests import pgserver

    try:
        server = pgserver.start()
    except pgserver.Missing as err:
        pytest.fail(str(err), pytrace=False)
    yield server
    from data import metastore

    metastore.close_all()
    server.stop()


@pytest.fixture
def metastore_backend():
    return "sqlite"


@pytest.fixture
def metastore_file(tmp_path, monkeypatch, metastore_backend, request):
    """A fresh metadata store for one test: a SQLite file (CONCORD_METASTORE points at it), or with
    the postgres backend a new schema on the tests' PostgreSQL server (CONCORD_METASTORE_URL)."""
    path = tmp_path / "metastore.sqlite"
    monkeypatch.setenv("CONCORD_METASTORE", str(path))
    monkeypatch.delenv("CONCORD_METASTORE_URL", raising=False)
    if metastore_backend == "postgres":
        monkeypatch.setenv("CONCORD_METASTORE_URL", request.getfixturevalue("pg_server").fresh_store())
    yield path
    from auth import audit
    from data import metastore

    audit.flush()  # this test's events land in its own store
    metastore.close_all()


@pytest.fixture
def users_file(tmp_path, monkeypatch):
    """A copy of the demo accounts the test may change (CONCORD_USERS points at it)."""
    import shutil
    from pathlib import Path

    path = tmp_path / "users.yaml"
    shutil.copy(Path(__file__).resolve().parent.parent / "auth" / "users.yaml", path)
    monkeypatch.setenv("CONCORD_USERS", str(path))
    return path


@pytest.fixture(scope="session")
def rolled_warehouse_path(warehouse_path, tmp_path_factory):
    """A copy of the test warehouse with the declared rollups built into it."""
    import shutil

    from semantic.rollup.build import build_rollups

    path = tmp_path_factory.mktemp("rolled") / "rolled.duckdb"
    shutil.copyfile(warehouse_path, path)
    build_rollups(path, log=lambda m: None)
    return path


@pytest.fixture(scope="session")
def rolled(request):
    """The test warehouse with its rollups built, on DuckDB or (through ENGINES) another engine."""
    wh = _engine_for(request, getattr(request, "param", "duckdb"), rolled=True)
    yield wh
    wh.close()


@pytest.fixture()
def screen_server(warehouse_path):
    """A fresh `streamlit run serve.py` as `python -m bench.screens --start` starts one: a temporary copy of
    the warehouse and a new metadata store, the bench board (8 tiles) refreshing every 5 s and its display
    token; bench.screens.launch counts its script runs. Stopped (and its files removed) after the test."""
    from bench.screens import server

    started = server.start(Path(warehouse_path), refresh=5)
    yield started
    started.stop()


@pytest.fixture(autouse=True)
def _budget_reader_restored():
    """A test may provide its own budget Plan (semantic.planning.registry.provide) or remove the reader;
    the reader the app registered (ui.context does so once per process, at import) is put back after it,
    so a page test later in the same worker never runs without the planning store."""
    from semantic.planning import registry

    kept = list(registry._provider)
    yield
    registry._provider[:] = kept
