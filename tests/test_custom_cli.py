"""A user's custom metric from the shell: the same name, under the asker's policy, marked as a draft,
and the number hand SQL gives (real subprocesses of `python -m semantic`)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from data import custom_store
from semantic import Principal
from semantic.custom.check import MetricDraft, metric_spec

ROOT = __import__("pathlib").Path(__file__).resolve().parent.parent
LEAD = Principal("sales_lead", ("sales_manager",), display_name="Zhou Min · Head of Sales")


@pytest.fixture
def drafted(metastore_file, warehouse_path):
    custom_store.forget()
    spec = metric_spec(
        MetricDraft(
            name="online_revenue",
            kind="filtered",
            base="revenue",
            where="channel IN ('Online')",
            label_en="Online revenue",
            label_zh="线上收入",
        ),
        LEAD,
    )
    custom_store.save("metric", "online_revenue", spec, LEAD, expected_version=None)
    yield warehouse_path
    custom_store.forget()


def semantic(*args: str, db) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "semantic", *args, *(("--db", str(db)) if db else ())],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=dict(os.environ),  # CONCORD_METASTORE: the test's store
        timeout=120,
    )


def test_the_author_queries_the_draft_by_name_and_gets_the_hand_sql_number(drafted, raw):
    done = semantic(
        "query",
        "--metrics",
        "online_revenue",
        "--from",
        "2025-01-01",
        "--to",
        "2025-12-31",
        "--as",
        "sales_lead",
        "--format",
        "csv",
        db=drafted,
    )
    assert done.returncode == 0, done.stderr
    hand = raw.execute(
        """SELECT sum(l.net_amount) FROM order_lines l JOIN orders o USING (order_id)
           JOIN customers c ON c.customer_id = o.customer_id
           WHERE o.status <> 'cancelled' AND c.channel = 'Online'
             AND o.order_date BETWEEN DATE '2025-01-01' AND DATE '2025-12-31'"""
    ).fetchone()[0]
    assert float(done.stdout.splitlines()[1]) == pytest.approx(float(hand), abs=0.01)


def test_a_rep_it_is_not_shared_with_is_refused_in_one_line(drafted):
    done = semantic("query", "--metrics", "online_revenue", "--as", "sales_east", db=drafted)
    assert done.returncode == 2
    assert done.stderr.strip() == (
        "error: metric online_revenue is a draft of Zhou Min · Head of Sales, not shared with your roles."
    )


def test_list_and_ask_say_it_is_a_draft_and_whose(drafted):
    listed = semantic("list", "metrics", db=None)
    assert listed.returncode == 0, listed.stderr
    line = next(x for x in listed.stdout.splitlines() if x.startswith("online_revenue "))
    assert "draft (by sales_lead)" in line
    assert "library" in next(x for x in listed.stdout.splitlines() if x.startswith("revenue "))
    asked = semantic("ask", "今年线上收入", "--as", "sales_lead", db=drafted)
    assert asked.returncode == 0, asked.stderr
    assert "-> online_revenue · draft (by sales_lead)" in asked.stdout
