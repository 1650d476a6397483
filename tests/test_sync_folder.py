"""data.sync from a folder of files: expenses split over monthly CSV, Parquet and .xlsx files replace the
warehouse's expenses table; an unchanged folder is not read; a changed file is; bad files are one line."""

from __future__ import annotations

import shutil

import duckdb
import openpyxl
import pytest

from data.sync.__main__ import main
from semantic.execute import SEALED
from tests import syncsetup as s

HAND = "SELECT count(*), sum(amount) FROM expenses"


@pytest.fixture
def folder(tmp_path, warehouse_path):
    """The test warehouse's expenses as files: 2023 in CSV, 2024 in Parquet, 2025 in .xlsx."""
    out = tmp_path / "exports"
    out.mkdir()
    con = duckdb.connect(str(warehouse_path), read_only=True, config=dict(SEALED))
    try:
        rows = con.sql("SELECT * FROM expenses ORDER BY expense_id").to_arrow_table()
        want = con.execute(HAND).fetchall()[0]
    finally:
        con.close()
    local = duckdb.connect()
    local.register("e", rows)
    local.execute(f"COPY (SELECT * FROM e WHERE year(expense_date) = 2023) TO '{out}/expenses_2023.csv' (HEADER)")
    local.execute(f"COPY (SELECT * FROM e WHERE year(expense_date) = 2024) TO '{out}/expenses_2024.parquet'")
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(rows.column_names)
    for row in local.execute("SELECT * FROM e WHERE year(expense_date) = 2025").fetchall():
        sheet.append([float(v) if k == "amount" else v for k, v in zip(rows.column_names, row, strict=True)])
    book.save(out / "expenses_2025.xlsx")
    local.close()
    return out, want


def config(tmp_path, monkeypatch, folder) -> None:
    s.write_config(
        tmp_path,
        monkeypatch,
        "",
        fragment=f'[sources.exports]\nkind = "folder"\npath = "{folder}"\n'
        '[sources.exports.tables.expenses]\nfiles = "expenses_*"\nprimary_key = ["expense_id"]\namounts = ["amount"]\n',
    )


def hand(path):
    con = duckdb.connect(str(path), read_only=True, config=dict(SEALED))
    try:
        return con.execute(HAND).fetchall()[0]
    finally:
        con.close()


def test_a_folder_replaces_its_table_and_an_unchanged_folder_is_not_read(
    capsys, metastore_file, tmp_path, monkeypatch, warehouse_path, folder
):
    files, want = folder
    warehouse = tmp_path / "warehouse.duckdb"
    shutil.copyfile(warehouse_path, warehouse)
    config(tmp_path, monkeypatch, files)
    with duckdb.connect(str(warehouse)) as con:  # the warehouse holds an extra row the files do not
        con.execute("INSERT INTO expenses SELECT expense_id + 10000000, * EXCLUDE (expense_id) FROM expenses LIMIT 1")
    assert main([]) == 0
    out = capsys.readouterr().out
    assert f"exports.expenses: read {want[0]:,}, inserted 0, updated 0, deleted 1" in out
    count, total = hand(warehouse)
    assert count == want[0] and float(total) == pytest.approx(float(want[1]), abs=0.005)

    before = s.digest(warehouse)
    assert main([]) == 0
    assert "exports.expenses: read 0, inserted 0, updated 0, deleted 0" in capsys.readouterr().out
    assert s.digest(warehouse) == before

    csv = files / "expenses_2023.csv"
    lines = csv.read_text(encoding="utf-8").splitlines()
    csv.write_text("\n".join(lines[:-1]) + "\n", encoding="utf-8")  # one expense removed at the source
    assert main([]) == 0
    assert f"exports.expenses: read {want[0] - 1:,}, inserted 0, updated 0, deleted 1" in capsys.readouterr().out
    assert hand(warehouse)[0] == want[0] - 1


def test_a_gbk_file_is_read_and_a_file_in_no_known_encoding_is_one_line(
    capsys, metastore_file, tmp_path, monkeypatch, warehouse_path, folder
):
    files, (count, total) = folder
    warehouse = tmp_path / "warehouse.duckdb"
    shutil.copyfile(warehouse_path, warehouse)
    (files / "expenses_2026.csv").write_bytes(  # what Excel on a Chinese Windows saves
        "expense_id,expense_date,department,account,region,amount\n99000001,2025-12-30,销售部,差旅费,华东,1.00\n".encode(
            "gbk"
        )
    )
    config(tmp_path, monkeypatch, files)
    assert main([]) == 0, capsys.readouterr().err
    assert hand(warehouse) == (count + 1, total + 1)
    con = duckdb.connect(str(warehouse), read_only=True, config=dict(SEALED))
    try:
        assert con.execute("SELECT department FROM expenses WHERE expense_id = 99000001").fetchone() == ("销售部",)
    finally:
        con.close()
    (files / "expenses_2026.csv").write_bytes(b"expense_id,amount\n1,\xff\xfe\x00\x81\xfe\xff\x00\n")
    before = s.digest(warehouse)
    assert main([]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "expenses_2026.csv: cannot be read (" in err[0] and "CSV UTF-8" in err[0]
    assert s.digest(warehouse) == before
    (files / "expenses_2026.csv").unlink()
    for file in files.iterdir():
        file.unlink()
    assert main([]) == 1
    assert "no file in" in capsys.readouterr().err
    assert s.digest(warehouse) == before
