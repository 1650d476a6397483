"""`python -m semantic query ... --compare-version NAME` and `python -m semantic versions` (issue 17).

Real subprocesses. The planning store registers its reader in the CLI (wired by the app's start-up);
here a tiny provider is registered in the subprocess itself, through the real registry, before the
real `cli.semantic_cli.main` runs. Numbers against hand SQL over the raw tables and the literal lines.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pandas as pd
import pytest

from tests.handsql import assert_same

ROOT = Path(__file__).resolve().parent.parent
PROVIDER = textwrap.dedent(
    """
    import datetime as dt, sys
    from decimal import Decimal
    from semantic.plan import registry
    from semantic.plan.model import Line, Plan, Version
    lines = tuple(Line(dt.date(2025, m, 1), "Sales", "Travel", "East", Decimal("1000.25")) for m in range(1, 13))
    plan = Plan("cli", (Version("Forecast 3+9", 2025, "forecast", "submitted", 3),
                        Version("Budget FY2025", 2025, "budget", "approved", 0, "2025-01-02T00:00:00")),
                {"Forecast 3+9": lines, "Budget FY2025": lines})
    registry.provide(lambda: plan)
    from cli.semantic_cli import main
    sys.exit(main(sys.argv[1:]))
    """
)


@pytest.fixture(autouse=True)
def _own_store(tmp_path, monkeypatch):
    monkeypatch.setenv("CONCORD_METASTORE", str(tmp_path / "metastore.sqlite"))  # the subprocess's, never the app's


def cli(*args: str, provider: bool = True) -> subprocess.CompletedProcess:
    command = [sys.executable, "-c", PROVIDER, *args] if provider else [sys.executable, "-m", "semantic", *args]
    return subprocess.run(command, capture_output=True, text=True, cwd=ROOT, timeout=180)


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
    names = "imported, Forecast 3+9, Budget FY2025" if provider else "imported"
    assert error == f"error: budget version 'FY2099' does not exist; use one of: {names}."


def test_imported_without_any_store(warehouse_path, raw):
    done = cli("query", "--metrics", "budget", "--from", "2024-01-01", "--to", "2024-12-31",
               "--compare-version", "imported", "--db", str(warehouse_path), "--format", "json", provider=False)  # fmt: skip
    assert done.returncode == 0, done.stderr
    got = pd.DataFrame(json.loads(done.stdout))
    want = raw.execute("SELECT SUM(amount) AS budget FROM budgets WHERE year(month) = 2024").df()
    assert_same(got, want)
