"""`python -m semantic`: JSON output against hand SQL, other dialects, and bad
input as one line with exit code 2, never a traceback."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def cli(*args, db=None, env=None):
    extra = ["--db", str(db)] if db else []
    return subprocess.run([sys.executable, "-m", "semantic", *args, *extra], capture_output=True, text=True, cwd=ROOT,
                          env={**os.environ, **(env or {})})


def test_json_output_has_iso_periods_numbers_and_fractions(warehouse_path, raw, metastore_file):
    done = cli("query", "--metrics", "revenue,gross_margin_pct", "--by", "metric_time__quarter,region", "--from",
               "2025-01-01", "--to", "2025-03-31", "--format", "json", db=warehouse_path)
    assert done.returncode == 0, done.stderr
    assert "local operator" in done.stderr
    rows = json.loads(done.stdout)
    hand = dict(raw.execute("""SELECT c.region, sum(l.net_amount) FROM order_lines l JOIN orders o USING (order_id)
        JOIN customers c USING (customer_id) WHERE o.status <> 'cancelled'
        AND o.order_date BETWEEN DATE '2025-01-01' AND DATE '2025-03-31' GROUP BY 1""").fetchall())
    assert {r["region"] for r in rows} == set(hand)
    for r in rows:
        assert r["metric_time__quarter"] == "2025-01-01"
        assert r["revenue"] == pytest.approx(float(hand[r["region"]]), abs=0.01)
        assert 0 < r["gross_margin_pct"] < 1


def test_sql_in_another_dialect_and_which_rollups(warehouse_path):
    done = cli("sql", "--metrics", "revenue", "--by", "region", "--dialect", "postgres", db=warehouse_path)
    assert done.returncode == 0 and done.stdout.startswith("-- rollups used: none") and "SELECT" in done.stdout


@pytest.mark.parametrize("args,needle", [
    (("query", "--metrics", "revenu"), "unknown metric 'revenu'"),
    (("query", "--metrics", "cash_in", "--by", "category"), "category"),
    (("query", "--metrics", "revenue", "--where", "region = 'East'; DROP TABLE orders"), "where"),
    (("query", "--metrics", "revenue", "--from", "2025-13-01"), "is not a date"),
    (("query", "--metrics", "revenue", "--as", "nobody"), "unknown user 'nobody'"),
    (("query", "--metrics", "cash_in", "--as", "sales_east"), "metric cash_in is not available to your roles: sales_rep"),
    (("query", "--metrics", "revenue", "--format", "xml"), "invalid choice"),
])
def test_bad_input_is_one_line_and_exit_2(args, needle, warehouse_path, metastore_file):
    done = cli(*args, db=warehouse_path)
    assert done.returncode == 2, done.stdout
    assert needle in done.stderr and "Traceback" not in done.stderr
    assert len([line for line in done.stderr.splitlines() if line.startswith("error")]) == 1


def test_a_missing_warehouse_says_how_to_build_it(tmp_path, metastore_file):
    done = cli("query", "--metrics", "revenue", db=tmp_path / "none.duckdb")
    assert done.returncode == 2 and "not found" in done.stderr and "python -m data.demo" in done.stderr
