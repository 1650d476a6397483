"""The record of loads and the saved mappings (migration 010) on both metadata stores: SQLite and a real
PostgreSQL started by the test. A load against a warehouse on the PostgreSQL store is recorded the same."""

from __future__ import annotations

import shutil

import pytest

from data import load
from data.load import store

METASTORE_BACKENDS = ("sqlite", "postgres")  # every test using metastore_file runs on both


def test_loads_and_mappings_are_recorded(metastore_file):
    first = store.begin("upload", "budgets", "预算.xlsx", "ab" * 32, "cfo", {"years": [2025], "column": "month"})
    store.finish(first, "applied", seconds=1.5, written=10, replaced=7, added=10)
    second = store.begin("restore", "budgets", "预算.xlsx", "ab" * 32, "cfo", {"years": [2025]}, restores=first)
    store.finish(second, "failed", message="x" * 600)
    other = store.begin("upload", "expenses", "e.csv", "cd" * 32, "admin", {"keys": ["expense_id"]})
    store.finish(other, "applied", written=3)
    assert [r.id for r in store.history()] == [other, second, first]
    assert [r.id for r in store.history("budgets")] == [second, first]
    got = store.get(first)
    assert (got.kind, got.who, got.rows_written, got.rows_replaced, got.status, got.seconds) == (
        "upload", "cfo", 10, 7, "applied", 1.5,
    )  # fmt: skip
    assert got.scope == {"years": [2025], "column": "month"}
    assert store.get(second).restores == first and len(store.get(second).message) == 500
    assert store.latest_applied("budgets").id == first
    store.mark(first, "restored")
    assert store.latest_applied("budgets") is None
    assert store.saved_mapping("budgets") == {}
    store.save_mapping("budgets", {"部门": "department", "备注": "-"}, "cfo")
    store.save_mapping("budgets", {"部门": "department", "区域": "region"}, "cfo")
    assert store.saved_mapping("budgets") == {"部门": "department", "区域": "region"}


def test_a_load_is_recorded_on_either_store(metastore_file, rolled_warehouse_path, tmp_path):
    wh = tmp_path / "w.duckdb"
    shutil.copyfile(rolled_warehouse_path, wh)
    text = "费用编号,日期,部门,科目,区域,金额\n900001,2025-03-01,财务部,差旅费,华东,10\n"
    record = load.apply(load.preview(text.encode("gbk"), "e.csv", "expenses", warehouse=wh), "fin", warehouse=wh)
    assert [(r.id, r.status, r.rows_written) for r in load.history()] == [(record.id, "applied", 1)]
    assert load.saved_mapping("expenses")["费用编号"] == "expense_id"
    with pytest.raises(load.LoadError, match="there is no load 999"):
        load.restore(999, "fin", warehouse=wh)
