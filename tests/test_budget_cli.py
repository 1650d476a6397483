"""`python -m semantic query ... --compare-version NAME` and `python -m semantic versions` (issue 17).

Real subprocesses reading a real planning store (the CLI registers it, as the app does), whose versions
the test makes through the store's own workflow. Numbers against hand SQL over the raw tables and the
literal lines.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import subprocess
import sys
import tempfile
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest

from auth import accounts, audit
from data import budget, metastore
from tests.handsql import assert_same

ROOT = Path(__file__).resolve().parent.parent
MONTHS = [dt.date(2025, m, 1) for m in range(1, 13)]


def _lines() -> pd.DataFrame:
    return pd.DataFrame(
        [(m, "Sales", "Travel", "East", Decimal("1000.25")) for m in MONTHS],
        columns=["month", "department", "account", "region", "amount"],
    )


@pytest.fixture(autouse=True)
def _store(tmp_path, monkeypatch):
    """The subprocess's own store (never the app's), holding an approved budget and a submitted forecast of
    2025 made through the real workflow; the CLI registers the store itself, as it does for every user."""
    monkeypatch.setenv("CONCORD_METASTORE", str(tmp_path / "metastore.sqlite"))
    monkeypatch.delenv("CONCORD_METASTORE_URL", raising=False)
    cfo = accounts.principal_for("cfo")
    budget.forget()
    budget.create("Budget FY2025", 2025, cfo, lines=_lines())
    budget.submit("Budget FY2025", "Sales", cfo)
    budget.review("Budget FY2025", "Sales", "Travel", cfo, verdict="accept")
    budget.submit_version("Budget FY2025", cfo)
    budget.approve("Budget FY2025", cfo)
    budget.create("Forecast 3+9", 2025, cfo, lines=_lines(), kind="forecast", switch_month=3)
    budget.submit("Forecast 3+9", "Sales", cfo)
    budget.review("Forecast 3+9", "Sales", "Travel", cfo, verdict="accept")
    budget.submit_version("Forecast 3+9", cfo)
    yield
    audit.flush()
    metastore.close_all()
    budget.forget()


def cli(*args: str, provider: bool = True) -> subprocess.CompletedProcess:
    """The CLI on the test's store; provider=False: on an empty store of its own (no versions at all)."""
    env = dict(os.environ)
    if not provider:
        env["CONCORD_METASTORE"] = str(Path(tempfile.mkdtemp()) / "empty.sqlite")
    return subprocess.run(
        [sys.executable, "-m", "semantic", *args], capture_output=True, text=True, cwd=ROOT, timeout=180, env=env
    )


def test_compare_version_reads_that_version_for_the_variance(warehouse_path, raw):
    done = cli(
        "query", "--metrics", "expense,budget,budget_variance", "--by", "department", "--from", "2025-01-01",
        "--to", "2025-12-31", "--compare-version", "forecast 3+9", "--db", str(warehouse_path), "--format", "csv",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    got = pd.read_csv(io.StringIO(done.stdout))
    want = raw.execute(
        "WITH e AS (SELECT department, SUM(amount) AS expense FROM expenses "
        "WHERE expense_date BETWEEN DATE '2025-01-01' AND DATE '2025-12-31' GROUP BY 1), "
        "b AS (SELECT department, SUM(amount) AS budget FROM expenses "
        "WHERE expense_date BETWEEN DATE '2025-01-01' AND DATE '2025-03-31' GROUP BY 1 "
        "UNION ALL SELECT 'Sales', 9 * 1000.25) "
        "SELECT e.department, e.expense, SUM(b.budget) AS budget, e.expense - SUM(b.budget) AS budget_variance "
        "FROM e JOIN b ON b.department = e.department GROUP BY e.department, e.expense"
    ).df()
    assert_same(got, want, ["department"])


def test_versions_lists_name_year_kind_status():
    done = cli("versions", "--format", "json")
    assert done.returncode == 0, done.stderr
    listed = [(v["name"], v["year"], v["kind"], v["status"], v["default"]) for v in json.loads(done.stdout)]
    assert listed == [
        ("Budget FY2025", 2025, "budget", "approved", True),
        ("Forecast 3+9", 2025, "forecast", "submitted", False),
        ("imported", None, "budget", "warehouse", False),
    ]
    table = cli("versions").stdout.splitlines()
    assert table[0].split() == ["name", "year", "kind", "status", "switch_month", "default"]
    assert table[2].split() == ["Forecast", "3+9", "2025", "forecast", "submitted", "3"]


@pytest.mark.parametrize("provider", [True, False])
def test_an_unknown_version_is_one_line_exit_2(warehouse_path, provider):
    done = cli("query", "--metrics", "budget", "--compare-version", "FY2099", "--db", str(warehouse_path),
               provider=provider)  # fmt: skip
    assert done.returncode == 2 and done.stdout == ""
    error = done.stderr.strip().splitlines()[-1]
    names = "imported, Budget FY2025, Forecast 3+9" if provider else "imported"
    assert error == f"error: budget version 'FY2099' does not exist; use one of: {names}."


def test_imported_without_any_store(warehouse_path, raw):
    done = cli("query", "--metrics", "budget", "--from", "2024-01-01", "--to", "2024-12-31",
               "--compare-version", "imported", "--db", str(warehouse_path), "--format", "json", provider=False)  # fmt: skip
    assert done.returncode == 0, done.stderr
    got = pd.DataFrame(json.loads(done.stdout))
    want = raw.execute("SELECT SUM(amount) AS budget FROM budgets WHERE year(month) = 2024").df()
    assert_same(got, want)
