"""bench.load runs end to end on a small file of each kind (the timing itself is bench's, not a test's)."""

from __future__ import annotations

import json
import shutil

from bench import load as bench


def test_the_bench_loads_both_files(rolled_warehouse_path, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("CONCORD_METASTORE", str(tmp_path / "unused.sqlite"))
    db = tmp_path / "w.duckdb"
    shutil.copyfile(rolled_warehouse_path, db)
    out = tmp_path / "load.json"
    assert bench.main(["--db", str(db), "--csv-rows", "300", "--xlsx-rows", "200", "--out", str(out)]) == 0
    results = {r["file"]: r for r in json.loads(out.read_text())["results"]}
    assert (results["gbk_csv"]["rows_written"], results["xlsx"]["rows_written"]) == (300, 200)
    assert "gbk_csv: 300 rows" in capsys.readouterr().out
    assert bench.gbk_csv(3).decode("gbk").splitlines()[1].startswith("50000000,2025/1/1,销售部,差旅费,华东,")
