"""data.load on files: each encoding and format, the header mapping (zh, en, saved, given), and every bad
input refused in one line with the warehouse byte-identical (sha256) and nothing recorded as applied."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import shutil

import duckdb
import openpyxl
import pytest

from data import load
from data.load import read as reading

EXPENSES = "费用编号,日期,部门,科目,区域,金额\n" + (
    '900001,2025/3/1,财务部,差旅费,华东,"￥1,234.56"\n'
    '900002,2025年3月2日,Sales,Travel,East,"(1,234.56)"\n'
    "900003,2025-03-03,研发部,Software,华北,1.2万\n"
)
TODAY = dt.date(2026, 1, 1)


@pytest.fixture
def wh(rolled_warehouse_path, tmp_path, metastore_file):
    path = tmp_path / "warehouse.duckdb"
    shutil.copyfile(rolled_warehouse_path, path)
    return path


def digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def hand(path, sql, params=()):
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(sql, list(params)).fetchall()
    finally:
        con.close()


def xlsx(rows, title="Sheet1") -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = title
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def preview(wh, data, name, table="expenses", **kw):
    return load.preview(data, name, table, warehouse=wh, today=TODAY, **kw)


EXPECTED = [
    (900001, dt.date(2025, 3, 1), "Finance", "Travel", "East", 1234.56),
    (900002, dt.date(2025, 3, 2), "Sales", "Travel", "East", -1234.56),
    (900003, dt.date(2025, 3, 3), "R&D", "Software", "North", 12000.0),
]


@pytest.mark.parametrize(
    "encode, encoding",
    [
        (lambda t: t.encode("utf-8"), "UTF-8"),
        (lambda t: b"\xef\xbb\xbf" + t.encode("utf-8"), "UTF-8 with BOM"),
        (lambda t: t.encode("gbk"), "GB18030 (GBK)"),
        (lambda t: t.encode("gb18030"), "GB18030 (GBK)"),
    ],
)
def test_each_encoding_reads_the_same_rows(wh, encode, encoding):
    p = preview(wh, encode(EXPENSES), "expenses.csv")
    assert p.encoding == encoding
    assert not p.errors
    got = [tuple(r.values()) for r in p.first_rows()]
    assert [(*r[:5], float(r[5])) for r in got] == EXPECTED


def test_xlsx_and_xls_read_the_same_rows(wh):
    import xlwt

    rows = [line.split(",") for line in EXPENSES.replace('"￥1,234.56"', "1234.56").splitlines()]
    rows = [rows[0]] + [[int(r[0]), *r[1:5], r[5]] for r in rows[1:]]
    rows[2][5] = "(1,234.56)"
    rows[1][1] = dt.datetime(2025, 3, 1)  # an Excel date
    for name, data in (("e.xlsx", xlsx(rows)), ("e.xls", _xls(xlwt, rows))):
        p = preview(wh, data, name)
        assert not p.errors, (name, p.errors)
        assert [(*tuple(r.values())[:5], float(r["amount"])) for r in p.first_rows()] == EXPECTED, name


def _xls(xlwt, rows) -> bytes:
    book = xlwt.Workbook()
    sheet = book.add_sheet("Sheet1")
    for i, row in enumerate(rows):
        for j, v in enumerate(row):
            if isinstance(v, dt.datetime):
                sheet.write(i, j, v, xlwt.easyxf(num_format_str="YYYY-MM-DD"))
            else:
                sheet.write(i, j, v)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_a_chosen_sheet(wh):
    book = openpyxl.Workbook()
    book.active.append(["nothing", "here"])
    other = book.create_sheet("费用")
    for line in EXPENSES.replace('"￥1,234.56"', "1234.56").replace('"(1,234.56)"', "-1234.56").splitlines():
        other.append(line.split(","))
    out = io.BytesIO()
    book.save(out)
    p = preview(wh, out.getvalue(), "two.xlsx", sheet="费用")
    assert p.sheet == "费用" and p.sheets == ("Sheet", "费用") and p.rows.num_rows == 3
    with pytest.raises(load.LoadError, match="no sheet 'Nope'; its sheets are: Sheet, 费用"):
        preview(wh, out.getvalue(), "two.xlsx", sheet="Nope")


def test_english_headers_and_column_names_map(wh):
    text = "expense_id,Date,Cost center,GL account,Territory,Value\n900001,2025-03-01,Finance,Travel,East,10\n"
    p = preview(wh, text.encode(), "e.csv")
    assert [(c.header, c.column, c.how) for c in p.choices] == [
        ("expense_id", "expense_id", "name"),
        ("Date", "expense_date", "synonym"),
        ("Cost center", "department", "label"),
        ("GL account", "account", "label"),
        ("Territory", "region", "label"),
        ("Value", "amount", "synonym"),
    ]


def test_a_given_mapping_wins_and_is_saved_for_next_time(wh):
    text = "单号,发生日,成本中心,费用类型,片区,本月数,备注\n900001,2025-03-01,财务部,差旅费,华东,10,x\n"
    with pytest.raises(load.LoadError, match="no header of the file fills 'expense_date'"):
        preview(wh, text.encode(), "e.csv")
    given = {"发生日": "expense_date", "本月数": "amount", "备注": "-"}
    p = preview(wh, text.encode(), "e.csv", mapping=given)
    assert {c.header: (c.column, c.how) for c in p.choices}["发生日"] == ("expense_date", "given")
    assert {c.header: c.column for c in p.choices}["备注"] is None
    load.apply(p, "fin", warehouse=wh, today=TODAY)
    assert load.saved_mapping("expenses")["发生日"] == "expense_date"
    again = preview(wh, text.encode(), "e.csv")  # next month: no mapping given
    assert {c.header: (c.column, c.how) for c in again.choices}["本月数"] == ("amount", "saved")
    assert not again.errors


def test_preview_writes_nothing(wh):
    before = digest(wh)
    p = preview(wh, EXPENSES.encode("gbk"), "e.csv")
    assert p.effect.added == 3
    assert digest(wh) == before
    assert load.history() == []


def _bad_inputs():
    big = b"a,b\n" + b"1,2\n" * 10
    merged = xlsx([["部门", "科目", None, "金额"], ["财务部", "差旅费", "华东", 10]])
    formula = xlsx([["部门", "金额"], ["财务部", "=1+1"]])
    return [
        ("empty.csv", b"", "is empty"),
        ("blank.csv", b"\n\n  \n", "is empty"),
        ("empty.xlsx", xlsx([]), "sheet 'Sheet1' of empty.xlsx is empty"),
        ("header.csv", "部门,金额\n".encode(), "no rows below it"),
        ("latin.csv", "费用编号,金额\n1,2\n".encode("utf-16"), "tried UTF-8, UTF-8 with BOM, GB18030 (GBK)"),
        ("merged.xlsx", merged, "header cell C1 is empty"),
        ("formula.xlsx", formula, "cell B2 of sheet 'Sheet1' has a formula with no saved value; open and save"),
        ("broken.xlsx", b"PK\x03\x04 not a workbook", "not a readable .xlsx"),
        ("e.pdf", b"%PDF", "reads .csv, .xlsx and .xls"),
        ("big.csv", big, "over the 0 MB limit"),
    ]


@pytest.mark.parametrize("name, data, message", _bad_inputs(), ids=[b[0] for b in _bad_inputs()])
def test_bad_files_are_refused_in_one_line(wh, monkeypatch, name, data, message):
    if name == "big.csv":
        monkeypatch.setattr(reading, "MAX_BYTES", 10)
    before = digest(wh)
    with pytest.raises(load.LoadError) as err:
        preview(wh, data, name)
    assert message in str(err.value) and "\n" not in str(err.value)
    assert digest(wh) == before


def test_the_size_limit_is_checked_before_reading(monkeypatch):
    monkeypatch.setattr(reading, "MAX_BYTES", 100)
    with pytest.raises(load.LoadError, match="over the 0 MB limit"):
        reading.read(b"\xff" * 101, "huge.xlsx")  # not a workbook: refused for its size first


BAD_ROWS = [
    ("900004,2031-01-01,Sales,Travel,East,10\n", "2031-01-01 is in the future"),
    ("900004,2025-03-01,Sales,Travel,East,12%\n", "'12%' is not an amount"),
    ("900004,someday,Sales,Travel,East,10\n", "'someday' is not a date"),
    ("900001,2025-03-01,Sales,Travel,East,10\n", "the same expense_id as line 2"),
    (",2025-03-01,Sales,Travel,East,10\n", "expense_id is empty"),
    ("900004,2025-03-01,Sales,Travel,East,1,234\n", "7 values but the header has 6"),
]


@pytest.mark.parametrize("line, reason", BAD_ROWS, ids=[r[1][:20] for r in BAD_ROWS])
def test_a_bad_row_refuses_the_whole_file(wh, line, reason):
    before = digest(wh)
    p = preview(wh, (EXPENSES + line).encode("gbk"), "e.csv")
    assert [(n, reason in why) for n, why in p.errors] == [(5, True)]
    assert p.rows.num_rows == 3  # the readable rows are shown, but never loaded alone
    with pytest.raises(load.LoadError) as err:
        load.apply(p, "fin", warehouse=wh, today=TODAY)
    assert str(err.value).startswith("1 row of e.csv cannot be read, so nothing was loaded")
    assert "line 5" in str(err.value) and "\n" not in str(err.value)
    assert digest(wh) == before
    assert hand(wh, "SELECT count(*) FROM expenses WHERE expense_id >= 900001")[0][0] == 0


def test_a_load_by_key_adds_and_replaces_and_restores(wh):
    old = hand(wh, "SELECT expense_id, expense_date, department, account, region, amount FROM expenses LIMIT 1")[0]
    text = EXPENSES + f"{old[0]},2025-03-04,Sales,Travel,East,99\n"
    p = preview(wh, text.encode("gbk"), "e.csv")
    assert (p.effect.written, p.effect.replaced, p.effect.added) == (4, 1, 3)
    record = load.apply(p, "fin", warehouse=wh, today=TODAY)
    assert (record.rows_written, record.rows_replaced, record.status) == (4, 1, "applied")
    got = hand(wh, "SELECT amount FROM expenses WHERE expense_id IN (?, 900003) ORDER BY expense_id", [old[0]])
    assert [float(r[0]) for r in got] == [99.0, 12000.0]
    load.restore(record.id, "fin", warehouse=wh, today=TODAY)
    assert hand(wh, "SELECT expense_id, expense_date, department, account, region, amount FROM expenses "
                "WHERE expense_id = ?", [old[0]]) == [old]  # fmt: skip
    assert hand(wh, "SELECT count(*) FROM expenses WHERE expense_id >= 900001")[0][0] == 0


def test_a_load_failing_a_blocking_check_changes_nothing_and_is_recorded(wh):
    rep = hand(wh, "SELECT rep_id FROM sales_reps LIMIT 1")[0][0]
    text = f"order_id,order_date,customer_id,rep_id,status\n99999901,2025-03-01,987654321,{rep},completed\n"
    before = digest(wh)
    p = preview(wh, text.encode(), "orders.csv", table="orders")
    assert p.ok
    with pytest.raises(load.LoadError, match="the data-quality check 'order_customer_exists' failed") as err:
        load.apply(p, "fin", warehouse=wh, today=TODAY)
    assert "\n" not in str(err.value)
    assert digest(wh) == before
    [record] = load.history()
    assert (record.status, record.table) == ("failed", "orders") and "order_customer_exists" in record.message
    assert load.saved_mapping("orders") == {}  # a failed load saves no mapping
