"""bench.budget runs end to end at a small scale with one repeat: its own checks (the seeded total against
the hand sum, every cell of the grid changed, the grid's total moved by exactly what was added) pass and it
writes its report. Time is the benchmark's business: only an order of magnitude over the 1 s target fails
here (a regression, not a slow machine)."""

from __future__ import annotations

import json

from bench import budget as bench


def test_the_budget_bench_runs_and_checks_itself(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("CONCORD_METASTORE", str(tmp_path / "unused.sqlite"))  # restored after the test
    monkeypatch.delenv("CONCORD_METASTORE_URL", raising=False)
    out = tmp_path / "budget.json"
    store = tmp_path / "bench.sqlite"
    assert bench.main(["--scale", "0.25", "--runs", "1", "--metastore", str(store), "--out", str(out)]) == 0
    report = json.loads(out.read_text())
    steps = {s["step"]: s for s in report["steps"]}
    # 5 departments × 3 accounts (12 × 0.25) × 5 regions × 12 months; one department's grid is a fifth
    assert (steps["seed"]["cells"], steps["diff"]["cells"], steps["save"]["cells"]) == (900, 180, 180)
    assert all(s["median_seconds"] < 10 * report["target_seconds"] for s in report["steps"])
    printed = [line.split()[:2] for line in capsys.readouterr().out.splitlines()]
    assert ["seed", "900"] in printed and ["save", "180"] in printed


def test_the_hand_total_of_the_seed():
    base = bench.base_lines(1)
    # 300 cells; the first three base amounts are 10.00, 89.19, 168.38 (1000 + i × 7919 mod 900000, in cents)
    assert list(base["amount"][:3]) == [bench.Decimal("10.00"), bench.Decimal("89.19"), bench.Decimal("168.38")]
    assert len(base) == 300
