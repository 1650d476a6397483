"""Pinned: the data date moved when a plan was loaded (issue 13, found by the upload work).

Loading next year's budget moved 'Data as of' to the day of the load, and Budget vs actual opened on
an empty year; a ledger posting dated after the period did the same. Only the tables' declared
`freshness` dates (tables.yml) count, never after the day of the write."""

from __future__ import annotations

import datetime as dt
import shutil

import pytest

from data import publish
from tests.test_publish import hand


@pytest.fixture
def copy(rolled_warehouse_path, tmp_path):
    path = tmp_path / "warehouse.duckdb"
    shutil.copyfile(rolled_warehouse_path, path)
    return path


def test_a_plan_or_a_late_ledger_posting_never_moves_the_data_date(copy):
    """Found by the upload work: loading next year's budget moved 'Data as of' to the day of the load,
    and Budget vs actual opened on an empty year. Only the tables' declared freshness dates count."""
    as_of = hand(copy, "SELECT max(as_of) FROM warehouse_info")
    with publish.changing(copy, source="upload:budgets", today=as_of + dt.timedelta(days=300)) as change:
        change.con.execute(
            "INSERT INTO budgets SELECT month + INTERVAL 12 MONTH, department, account, region, amount FROM budgets "
            "WHERE month >= (SELECT max(month) FROM budgets) - INTERVAL 11 MONTH"
        )
        change.con.execute(
            "INSERT INTO journal_entries SELECT entry_id + 10000000, line_no, entry_date + 40, account_code, "
            "account_name, debit, credit, source_type, source_id, region FROM journal_entries LIMIT 2"
        )
        change.touch("budgets", "journal_entries")
    assert change.result.as_of == as_of
