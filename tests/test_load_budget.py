"""The budget workbook, the first real use of data.load: department × account rows, months across, a unit in
the title row, a 合计 column and row. It replaces the budget of its year; checked by hand SQL over the raw
budgets table and through the semantic layer's `budget` metric; restore puts the old year back; the CLI."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import shutil
from decimal import Decimal

import duckdb
import openpyxl
import pytest

from data import load
from data.load.__main__ import main
from semantic.execute import Warehouse
from semantic.principal import Principal
from semantic.query import make_query
from semantic.service import run

DEPARTMENTS = (("销售部", "Sales"), ("财务部", "Finance"), ("研发部", "R&D"))
ACCOUNTS = (("差旅费", "Travel"), ("软件服务费", "Software"))
REGIONS = (("华东", "East"), ("华北", "North"))
TODAY = dt.date(2026, 1, 1)


def budget_workbook(year: int, *, unit="万元", region=True, months="zh", total_column=True, total_row=True,
                    break_total=False) -> tuple[bytes, dict]:  # fmt: skip
    """A workbook the way finance teams keep it, and the rows (in 元) it should load."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = f"{year}年预算"
    scale = Decimal(10_000) if unit == "万元" else Decimal(1)
    sheet.append([f"{year}年度费用预算（单位：{unit}）"])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=8)
    heads = [f"{m}月" if months == "zh" else f"{year}-{m:02d}" for m in range(1, 13)]
    sheet.append(["部门", "科目", *(["区域"] if region else []), *heads, *(["合计"] if total_column else [])])
    expected, column_sums = {}, [Decimal(0)] * 12
    n = 0
    for dept_zh, dept in DEPARTMENTS:
        for acct_zh, acct in ACCOUNTS:
            for region_zh, reg in REGIONS if region else ((None, None),):
                n += 1
                cells = [Decimal(n) + Decimal(m) / 4 for m in range(1, 13)]
                for m, v in enumerate(cells, start=1):
                    expected[(dt.date(year, m, 1), dept, acct, reg)] = v * scale
                    column_sums[m - 1] += v
                total = sum(cells) + (1 if break_total is True and n == 2 else 0)
                sheet.append([dept_zh, acct_zh, *([region_zh] if region else []), *map(float, cells),
                              *([float(total)] if total_column else [])])  # fmt: skip
    if total_row:
        column_sums[0] += 1 if break_total == "row" else 0
        sheet.append(["合计", None, *([None] if region else []), *map(float, column_sums),
                      *([float(sum(column_sums))] if total_column else [])])  # fmt: skip
    out = io.BytesIO()
    book.save(out)
    return out.getvalue(), expected


@pytest.fixture
def wh(rolled_warehouse_path, tmp_path, metastore_file, monkeypatch):
    path = tmp_path / "warehouse.duckdb"
    shutil.copyfile(rolled_warehouse_path, path)
    monkeypatch.setenv("CONCORD_WAREHOUSE", str(path))
    return path


def hand(path, sql, params=()):
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(sql, list(params)).fetchall()
    finally:
        con.close()


def year_of(path) -> int:
    return hand(path, "SELECT max(year(month)) FROM budgets")[0][0]


def rows_of(path, year):
    return hand(
        path,
        "SELECT month, department, account, region, amount FROM budgets WHERE year(month) = ? ORDER BY ALL",
        [year],
    )


def budget_metric(path, year) -> float:
    query = make_query(metrics=["budget"], time_from=f"{year}-01-01", time_to=f"{year}-12-31")
    warehouse = Warehouse(path)
    try:
        return float(run(query, Principal.operator(), warehouse=warehouse, cache=None).frame["budget"].iloc[0])
    finally:
        warehouse.close()


def test_the_workbook_replaces_the_budget_of_its_year(wh):
    year = year_of(wh)
    other = hand(wh, "SELECT count(*), sum(amount) FROM budgets WHERE year(month) <> ?", [year])
    old = rows_of(wh, year)
    data, expected = budget_workbook(year)
    p = load.preview(data, "预算.xlsx", "budgets", warehouse=wh, today=TODAY)
    assert not p.errors and p.effect.years == (year,)
    assert (p.effect.written, p.effect.replaced) == (len(expected), len(old))
    assert {c.header: c.how for c in p.choices}["合计"] == "total"
    record = load.apply(p, "fin", warehouse=wh, today=TODAY)
    got = {(m, d, a, r): v for m, d, a, r, v in rows_of(wh, year)}
    assert got == expected  # 万元 × 10,000, zh members stored as their keys (财务部 -> Finance)
    assert hand(wh, "SELECT count(*), sum(amount) FROM budgets WHERE year(month) <> ?", [year]) == other
    total = hand(wh, "SELECT sum(amount) FROM budgets WHERE year(month) = ?", [year])[0][0]
    assert total == sum(expected.values())
    assert budget_metric(wh, year) == pytest.approx(float(total), abs=0.005)
    assert (record.rows_written, record.rows_replaced, record.who, record.file_name) == (
        len(expected), len(old), "fin", "预算.xlsx"
    )  # fmt: skip
    assert record.sha256 == hashlib.sha256(data).hexdigest()

    back = load.restore(record.id, "fin", warehouse=wh, today=TODAY)
    assert rows_of(wh, year) == old
    assert budget_metric(wh, year) == pytest.approx(float(sum(r[4] for r in old)), abs=0.005)
    assert [(r.id, r.kind, r.status) for r in load.history("budgets")] == [
        (back.id, "restore", "applied"),
        (record.id, "upload", "restored"),
    ]
    with pytest.raises(load.LoadError, match="is restored: only an applied load"):
        load.restore(record.id, "fin", warehouse=wh, today=TODAY)


def test_only_the_latest_load_of_a_table_is_restored(wh):
    year = year_of(wh)
    first = load.apply(load.preview(budget_workbook(year)[0], "a.xlsx", "budgets", warehouse=wh), "fin", warehouse=wh)
    load.apply(
        load.preview(budget_workbook(year, unit="元")[0], "b.xlsx", "budgets", warehouse=wh), "fin", warehouse=wh
    )
    with pytest.raises(load.LoadError, match=f"restore load {first.id + 1} first"):
        load.restore(first.id, "fin", warehouse=wh)


def test_month_headers_as_dates_and_amounts_in_yuan(wh):
    year = year_of(wh)
    data, expected = budget_workbook(year, unit="元", months="iso", total_column=False, total_row=False)
    p = load.preview(data, "budget.xlsx", "budgets", warehouse=wh)
    assert not p.errors and p.notes == [
        "months across: 12 month columns, each cell one row (month, amount)"
    ]  # fmt: skip
    assert {
        (r["month"], r["department"], r["account"], r["region"]): r["amount"] for r in p.rows.to_pylist()
    } == expected


def test_a_total_that_does_not_add_up_is_a_row_error(wh):
    before = hashlib.sha256(wh.read_bytes()).hexdigest()
    data, _ = budget_workbook(year_of(wh), break_total=True)
    p = load.preview(data, "预算.xlsx", "budgets", warehouse=wh)
    assert [line for line, _ in p.errors] == [4]  # the row's 合计 cell
    assert "the total in P4 is 44.50 but the months add up to 43.50" in p.errors[0][1]  # in the file's unit (万元)
    with pytest.raises(load.LoadError, match="1 row of 预算.xlsx cannot be read"):
        load.apply(p, "fin", warehouse=wh)
    data, _ = budget_workbook(year_of(wh), break_total="row")
    p = load.preview(data, "预算.xlsx", "budgets", warehouse=wh)
    assert [(line, why.split(" is ")[0]) for line, why in p.errors] == [(15, "the total in D15")]
    assert hashlib.sha256(wh.read_bytes()).hexdigest() == before


def test_a_workbook_without_regions_needs_one_given(wh):
    year = year_of(wh)
    data, expected = budget_workbook(year, region=False)
    with pytest.raises(load.LoadError, match="no header of the file fills 'region' \\(区域 / Region\\)"):
        load.preview(data, "预算.xlsx", "budgets", warehouse=wh)
    p = load.preview(data, "预算.xlsx", "budgets", warehouse=wh, constants={"region": "华东"})
    assert not p.errors and {r["region"] for r in p.rows.to_pylist()} == {"East"}
    assert p.rows.num_rows == len(expected)


def test_a_month_without_a_year_anywhere_is_a_row_error(wh):
    data, _ = budget_workbook(2025)
    book = openpyxl.load_workbook(io.BytesIO(data))
    book.active.title = "预算"
    book.active["A1"] = "费用预算（单位：万元）"
    out = io.BytesIO()
    book.save(out)
    with pytest.raises(load.LoadError, match="no header of the file fills 'month'"):
        load.preview(out.getvalue(), "budget.xlsx", "budgets", warehouse=wh)


def test_the_cli_loads_asks_and_refuses(wh, tmp_path, capsys, monkeypatch):
    year = year_of(wh)
    file = tmp_path / f"{year}预算.xlsx"
    file.write_bytes(budget_workbook(year)[0])
    assert main([str(file), "--into", "budgets"]) == 1  # no terminal to confirm in: nothing loaded
    out, err = capsys.readouterr()
    assert "部门" in out and "-> department  [label]" in out and f"replaced (the {year} rows of budgets)" in out
    assert "add --yes" in err
    assert load.history() == []
    assert main([str(file), "--into", "budgets", "--yes", "--who", "cli"]) == 0
    assert "loaded: load 1" in capsys.readouterr().out
    assert main(["--history"]) == 0
    assert "upload  budgets      applied  cli" in capsys.readouterr().out
    file.write_bytes(budget_workbook(year, break_total=True)[0])
    assert main([str(file), "--into", "budgets", "--yes"]) == 1
    err = capsys.readouterr().err
    assert "error: line 4: the total in P4" in err and "Traceback" not in err
    assert main([str(tmp_path / "none.csv"), "--into", "budgets"]) == 2
    assert main([str(file), "--into", "budgets", "--map", "nonsense"]) == 1
    assert "write it as 'Header=column'" in capsys.readouterr().err
    assert main(["--restore", "1"]) == 0
    assert "restored" in capsys.readouterr().out


def test_a_header_merged_over_two_rows_is_read_and_shown(wh):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["部门", "科目", "区域", "2025年", *[None] * 11])
    sheet.append([None, None, None, *[f"{m}月" for m in range(1, 13)]])
    for cell in ("A1:A2", "B1:B2", "C1:C2", "D1:O1"):
        sheet.merge_cells(cell)
    sheet.append(["财务部", "差旅费", "华东", *[100] * 12])
    out = io.BytesIO()
    book.save(out)
    p = load.preview(out.getvalue(), "budget.xlsx", "budgets", warehouse=wh)
    assert not p.errors and "merged header cells: A2 from A1, B2 from B1, C2 from C1" in p.notes
    assert {c.header: c.column for c in p.choices}["部门"] == "department"
    assert p.rows.num_rows == 12 and {r["month"].year for r in p.rows.to_pylist()} == {2025}
