"""python -m bench.load [--db PATH] [--csv-rows 100000] [--xlsx-rows 50000]

Loading files into a scale-1 warehouse, end to end through data.load (read, map, type every cell, preview
with its effect, then apply through data.publish: copy, insert, rollups of the touched table, data date,
blocking checks, swap): a GBK CSV of expenses and an .xlsx of expenses, each into a fresh copy of the
warehouse with its own metadata store. Prints and writes bench/results/load.json; target under 10 s each."""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEPARTMENTS = ("销售部", "市场部", "运营部", "财务部", "研发部")
ACCOUNTS = ("差旅费", "广告费", "租赁费", "办公费", "软件服务费", "工资薪酬")
REGIONS = ("华东", "华南", "华北", "华中", "西南")
HEADER = ["费用编号", "日期", "部门", "科目", "区域", "金额"]
TARGET_SECONDS = 10.0


def _row(i: int, first_id: int) -> list:
    day = dt.date(2025, 1, 1) + dt.timedelta(days=i % 360)
    amount = f"{(i * 37) % 100_000 / 100:,.2f}"
    return [first_id + i, day.strftime("%Y/%-m/%-d"), DEPARTMENTS[i % 5], ACCOUNTS[i % 6], REGIONS[i % 5], amount]


def gbk_csv(rows: int, first_id: int = 50_000_000) -> bytes:
    lines = [",".join(HEADER)]
    for i in range(rows):
        r = _row(i, first_id)
        lines.append(",".join([str(r[0]), r[1], r[2], r[3], r[4], f'"{r[5]}"']))
    return ("\n".join(lines) + "\n").encode("gbk")


def xlsx(rows: int, first_id: int = 60_000_000) -> bytes:
    import openpyxl

    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("费用")
    sheet.append(HEADER)
    for i in range(rows):
        r = _row(i, first_id)
        sheet.append(
            [r[0], dt.date(2025, 1, 1) + dt.timedelta(days=i % 360), r[2], r[3], r[4], (i * 37) % 100_000 / 100]
        )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def one(name: str, data: bytes, filename: str, source: Path, work: Path) -> dict:
    from data import load, metastore

    db = work / f"{name}.duckdb"
    shutil.copyfile(source, db)
    os.environ["CONCORD_METASTORE"] = str(work / f"{name}.sqlite")
    metastore.close_all()
    started = time.perf_counter()
    p = load.preview(data, filename, "expenses", warehouse=db, saved={})
    previewed = time.perf_counter() - started
    if not p.ok:
        raise SystemExit(f"{name}: the file did not preview cleanly: {p.errors[:3]}")
    record = load.apply(p, "bench", warehouse=db, save_mapping=False)
    total = time.perf_counter() - started
    return {
        "file": name,
        "rows": p.rows.num_rows,
        "bytes": len(data),
        "preview_seconds": round(previewed, 2),
        "apply_seconds": round(total - previewed, 2),
        "seconds": round(total, 2),
        "rows_per_second": round(p.rows.num_rows / total),
        "under_target": total < TARGET_SECONDS,
        "rows_written": record.rows_written,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.load", description=__doc__.splitlines()[0])
    parser.add_argument("--db", help="a scale-1 warehouse (default data/warehouse-1.duckdb, built if missing)")
    parser.add_argument("--csv-rows", type=int, default=100_000)
    parser.add_argument("--xlsx-rows", type=int, default=50_000)
    parser.add_argument("--out", default=str(ROOT / "bench" / "results" / "load.json"))
    args = parser.parse_args(argv)
    db = Path(args.db) if args.db else ROOT / "data" / "warehouse-1.duckdb"
    if not db.exists():
        from data.demo import build_warehouse
        from semantic.rollup.build import build_rollups

        print(f"building the scale-1 warehouse at {db} ...", file=sys.stderr)
        build_warehouse(db, scale=1.0, seed=42, log=lambda m: None)
        build_rollups(db, log=lambda m: None)
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        for name, make, filename, rows in (
            ("gbk_csv", gbk_csv, "费用.csv", args.csv_rows),
            ("xlsx", xlsx, "费用.xlsx", args.xlsx_rows),
        ):
            data = make(rows)
            result = one(name, data, filename, db, work)
            results.append(result)
            print(
                f"{name}: {result['rows']:,} rows ({result['bytes'] / 1e6:.1f} MB) in {result['seconds']:.2f} s "
                f"(preview {result['preview_seconds']:.2f} s, apply {result['apply_seconds']:.2f} s): "
                f"{result['rows_per_second']:,} rows/s"
            )
    Path(args.out).write_text(json.dumps({"warehouse": str(db), "results": results}, indent=2) + "\n")
    return 0 if all(r["under_target"] for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
