"""On a PostgreSQL or Spark deployment, the commands that write the DuckDB warehouse (python -m data.load,
python -m data.sync) refuse in one line and write nothing, instead of filling a file no page reads."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _run(tmp_path, engine_block: str, *args: str) -> subprocess.CompletedProcess:
    warehouse = tmp_path / "w.duckdb"
    toml = tmp_path / "concord.toml"
    toml.write_text(f'[warehouse]\npath = "{warehouse}"\n{engine_block}\n', encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONCORD_")}
    env.update(CONCORD_CONFIG=str(toml), CONCORD_METASTORE=str(tmp_path / "m.sqlite"))
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    ), warehouse


@pytest.mark.parametrize(
    "block, name",
    [
        ('engine = "postgres"\nurl = "postgresql://concord_reader@127.0.0.1:1/concord"', "PostgreSQL"),
        ('engine = "spark"\ntables = "/nonexistent/tables"', "Spark"),
    ],
)
def test_load_and_sync_refuse_on_another_engine(tmp_path, block, name):
    csv = tmp_path / "expenses.csv"
    csv.write_text("expense_id,amount\n1,10\n", encoding="utf-8")
    for args in (("-m", "data.load", str(csv), "--into", "expenses"), ("-m", "data.sync")):
        done, warehouse = _run(tmp_path, block, *args)
        assert done.returncode == 2, (args, done.stdout, done.stderr)
        lines = done.stderr.strip().splitlines()
        assert len(lines) == 1 and name in lines[0] and "nothing was written" in lines[0], done.stderr
        assert "Traceback" not in done.stderr
        assert not warehouse.exists()  # nothing written


def test_load_on_duckdb_is_not_refused_by_the_engine_check(tmp_path):
    done, _ = _run(tmp_path, 'engine = "duckdb"', "-m", "data.sync")
    assert "nothing was written" not in done.stderr
