"""`python -m semantic`: JSON output against hand SQL, the SQL in another dialect,
and bad input: exit code 2 with one line on stderr, never a traceback.

The commands in CALLS and BAD run as real subprocesses, once each and side by
side in a module fixture (starting Python with pandas and DuckDB takes a second or
two each); the tests then read the outcomes. More cases go through the same
`main()` in this process.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pandas as pd
import pytest
import sqlglot

from tests.handsql import assert_same, compared_sql, hand, metric_sql

ROOT = Path(__file__).resolve().parent.parent
Q1_2025 = ("--from", "2025-01-01", "--to", "2025-03-31")
Q1 = (dt.date(2025, 1, 1), dt.date(2025, 3, 31))
OPERATOR_NOTE = "note: running as the local operator"
MISSING = "<missing warehouse>"

CALLS = {  # name: arguments (--db is added: the test warehouse, or a file that does not exist)
    "json": (
        "query",
        "--metrics",
        "revenue,gross_margin_pct,cash_in",
        "--by",
        "metric_time__quarter,region",
        "--where",
        "channel = 'Online'",
        *Q1_2025,
        "--format",
        "json",
    ),
    "sql_postgres": (
        "sql",
        "--metrics",
        "revenue,cash_in,ar_balance",
        "--by",
        "metric_time__quarter,region",
        "--dialect",
        "postgres",
        "--as",
        "cfo",
    ),
}
BAD = {  # name: (arguments, what stderr must say); run as a full-access user, so stderr is just the error
    "unknown_metric": (("query", "--metrics", "revenu"), "unknown metric 'revenu'"),
    "not_applicable": (
        ("query", "--metrics", "inventory_value", "--by", "region"),
        "'region' does not apply to metric 'inventory_value'",
    ),
    "refused_where": (("query", "--metrics", "revenue", "--where", "region = 'East'; DROP TABLE orders"), "where:"),
    "bad_date": (("query", "--metrics", "revenue", "--from", "2025-13-01"), "is not a date"),
    "missing_warehouse": (("query", "--metrics", "revenue", "--db", MISSING), "python -m data.demo"),
    "unknown_dialect": (("sql", "--metrics", "revenue", "--dialect", "postgress"), "dialect"),
    # finding 13: deep nesting printed a RecursionError traceback
    "parens_45": (("query", "--metrics", "revenue", "--where", "(" * 45 + "region = 'East'" + ")" * 45), "nested"),
    "parens_200": (("query", "--metrics", "revenue", "--where", "(" * 200 + "region = 'East'" + ")" * 200), "nested"),
    "nots_100": (("query", "--metrics", "revenue", "--where", "NOT " * 100 + "region = 'East'"), "nested"),
    "nots_1000": (("query", "--metrics", "revenue", "--where", "NOT " * 1000 + "region = 'East'"), "longer than"),
}
# More bad input, through the same main() in this process (a subprocess each would cost seconds).
BAD_IN_PROCESS = {
    "not_applicable_where": (
        ("query", "--metrics", "cash_in", "--where", "category = 'Tools'"),
        "'category' does not apply to metric 'cash_in'",
    ),
    "function_where": (("query", "--metrics", "revenue", "--where", "region = read_csv('/etc/passwd')"), "where:"),
    "range_backwards": (
        ("query", "--metrics", "revenue", "--from", "2025-02-01", "--to", "2025-01-01"),
        "after it ends",
    ),
    "dso_without_days": (("query", "--metrics", "dso"), "time range"),
    "bad_format": (("query", "--metrics", "revenue", "--format", "xml"), "invalid choice"),
    "unknown_user": (("query", "--metrics", "revenue", "--as", "nobody"), "unknown user 'nobody'"),
    "not_granted": (
        ("query", "--metrics", "cash_in", "--as", "sales_east"),
        "metric cash_in is not available to your roles: sales_rep",
    ),
}


def _run(args, warehouse_path, tmp):
    if MISSING in args:
        args = tuple(str(tmp / "none.duckdb") if a == MISSING else a for a in args)
    else:
        args = (*args, "--db", str(warehouse_path))
    env = {**os.environ, "CONCORD_METASTORE": str(tmp / "metastore.sqlite")}
    return subprocess.run(
        [sys.executable, "-m", "semantic", *args], capture_output=True, text=True, cwd=ROOT, env=env, timeout=120
    )


@pytest.fixture(scope="module")
def done(warehouse_path, tmp_path_factory):
    jobs = {name: args for name, args in CALLS.items()}
    jobs |= {f"bad:{name}": args if "--as" in args else (*args, "--as", "cfo") for name, (args, _) in BAD.items()}
    dirs = {name: tmp_path_factory.mktemp("cli") for name in jobs}
    with ThreadPoolExecutor(max_workers=3) as pool:
        futures = {name: pool.submit(_run, args, warehouse_path, dirs[name]) for name, args in jobs.items()}
        return {name: f.result() for name, f in futures.items()}


def ok_json(done, name):
    result = done[name]
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    return json.loads(result.stdout)


def frame(rows) -> pd.DataFrame:
    return pd.DataFrame(rows)


def test_json_keys_and_values_equal_hand_sql(done, raw):
    rows = ok_json(done, "json")
    keys = ("metric_time__quarter", "region")
    assert rows and all(list(r) == [*keys, "revenue", "gross_margin_pct", "cash_in"] for r in rows)
    assert {r["metric_time__quarter"] for r in rows} == {"2025-01-01"}  # the ISO date of the period start
    assert all(isinstance(r[m], (int, float)) for r in rows for m in ("revenue", "gross_margin_pct", "cash_in"))
    assert all(0 < r["gross_margin_pct"] < 1 for r in rows)  # ratios as fractions
    for metric in ("revenue", "gross_margin_pct", "cash_in"):
        assert_same(
            frame(rows),
            hand(raw, metric_sql(metric, keys, "{channel} = 'Online'", *Q1)),
            keys,
            [metric],
            what=f"{metric} from the CLI",
        )
    assert "local operator" in done["json"].stderr  # without --as, the shell says whose access it used


def test_json_ungrouped_balances_equal_hand_sql(main_here, raw):
    code, out, err = main_here(
        "query",
        "--metrics",
        "ar_balance,dso,inventory_value",
        "--from",
        "2024-01-01",
        "--to",
        "2024-12-31",
        "--format",
        "json",
        "--as",
        "cfo",
    )
    assert code == 0, err
    rows = json.loads(out)
    assert len(rows) == 1 and list(rows[0]) == ["ar_balance", "dso", "inventory_value"]
    want = hand(
        raw,
        """SELECT ar_balance, ar_balance / invoiced * 366 AS dso, inventory_value FROM (SELECT
        (SELECT sum(amount) FROM invoices WHERE invoice_date <= DATE '2024-12-31')
          - (SELECT sum(amount) FROM receipts WHERE receipt_date <= DATE '2024-12-31') AS ar_balance,
        (SELECT sum(amount) FROM invoices WHERE year(invoice_date) = 2024) AS invoiced,
        (SELECT sum(value) FROM inventory_snapshots WHERE snapshot_date = DATE '2024-12-31') AS inventory_value)""",
    )
    assert_same(frame(rows), want, what="balances from the CLI")


def test_json_compare_has_prior_and_change(main_here, raw):
    code, out, err = main_here(
        "query",
        "--metrics",
        "revenue",
        "--by",
        "metric_time__month",
        *Q1_2025,
        "--compare",
        "prior_year",
        "--format",
        "json",
        "--as",
        "cfo",
    )
    assert code == 0, err
    rows = json.loads(out)
    assert [list(r) for r in rows] == [["metric_time__month", "revenue", "revenue__prior", "revenue__change_pct"]] * 3
    prior = (dt.date(2024, 1, 1), dt.date(2024, 3, 31))
    want = hand(raw, compared_sql("revenue", ("metric_time__month",), None, Q1, prior, "INTERVAL 1 YEAR"))
    assert_same(frame(rows), want, ("metric_time__month",), what="revenue against 2024 from the CLI")


def test_sql_in_postgres_parses_as_postgres(done):
    result = done["sql_postgres"]
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("-- rollups used: none")
    body = result.stdout.split("\n", 1)[1]
    tree = sqlglot.parse_one(body, read="postgres")
    assert tree.find(sqlglot.exp.Select) is not None
    assert "invoices" in body and "receipts" in body and "order_lines" in body


@pytest.mark.parametrize("name", list(BAD))
def test_bad_input_exits_2_with_one_line(name, done):
    result, needle = done[f"bad:{name}"], BAD[name][1]
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, f"stderr should be one line, got {len(lines)}:\n{result.stderr}"
    assert lines[0].startswith("error: ") and needle in lines[0], lines[0]


@pytest.fixture
def main_here(metastore_file, warehouse_path, capsys):
    """Run `python -m semantic ARGS --db <test warehouse>` in this process: (exit code, stdout, stderr)."""
    from auth import audit
    from cli.semantic_cli import main

    def call(*args):
        code = main([*args, "--db", str(warehouse_path)])
        out = capsys.readouterr()
        return code, out.out, out.err

    yield call
    from semantic import events

    events.remove_listener(audit.on_query)  # main() installed the audit log for the rest of this process


@pytest.mark.parametrize("name", list(BAD_IN_PROCESS))
def test_more_bad_input_exits_2_with_one_line(name, main_here):
    args, needle = BAD_IN_PROCESS[name]
    code, _, err = main_here(*args, *(() if "--as" in args else ("--as", "cfo")))
    lines = err.splitlines()
    assert code == 2 and len(lines) == 1, err
    assert lines[0].startswith("error: ") and needle in lines[0], lines[0]


def test_json_as_a_sales_rep_shows_only_their_region(main_here, raw):
    code, out, err = main_here(
        "query", "--metrics", "revenue", "--by", "region", "--format", "json", "--as", "sales_east"
    )
    assert code == 0, err
    rows = json.loads(out)
    assert [r["region"] for r in rows] == ["East"]
    assert_same(
        frame(rows),
        hand(raw, metric_sql("revenue", ("region",), "{region} = 'East'")),
        ("region",),
        what="revenue as sales_east",
    )


def test_bad_input_as_the_local_operator_is_one_error_line(main_here):
    """Without --as the shell first notes it runs with full access; the error is still one line."""
    code, _, err = main_here("query", "--metrics", "revenue", "--by", "department")
    errors = [line for line in err.splitlines() if not line.startswith(OPERATOR_NOTE)]
    assert code == 2 and len(errors) == 1 and errors[0].startswith("error: ") and "department" in errors[0], err


def test_table_format_prints_every_region(main_here):
    code, out, _ = main_here("query", "--metrics", "revenue", "--by", "region", "--as", "cfo")
    assert code == 0 and all(region in out for region in ("East", "South", "North", "Central", "Southwest"))
