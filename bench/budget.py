"""python -m bench.budget [--scale 1] [--runs 5] [--metastore PATH|URL] [--out FILE]

Budget preparation in the planning store (data/budget/), each step timed (median of --runs) against a 1 s
target at scale 1:
- seed: a full year for 5 departments × 12 accounts × 5 regions × 12 months (3,600 cells: seed_lines with
  drivers and adjustments from a year of base lines, then create, with its 3,600 change rows);
- save: one department's grid (720 cells, every one changed) by its department head, with its change rows.
--scale multiplies the accounts per department (12 at scale 1). The metadata store is a fresh SQLite file,
or --metastore (a PostgreSQL URL runs it there). Every answer is checked against sums worked out here, not
by the store. Prints a table; writes bench/results/budget.json."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import sys
import tempfile
import time
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
DEPARTMENTS = ("Finance", "Marketing", "Operations", "R&D", "Sales")
REGIONS = ("Central", "East", "North", "South", "Southwest")
TARGET_SECONDS = 1.0
CENT = Decimal("0.01")


def base_lines(accounts: int, year: int = 2025) -> pd.DataFrame:
    """A year of base lines: every department × account × region × month, amounts with cents."""
    rows = [
        (dt.date(year, m, 1), d, f"Account {a:02d}", r, Decimal(1000 + (i * 7919) % 900_000) / 100)
        for i, (d, a, r, m) in enumerate(
            (d, a, r, m) for d in DEPARTMENTS for a in range(1, accounts + 1) for r in REGIONS for m in range(1, 13)
        )
    ]
    return pd.DataFrame(rows, columns=["month", "department", "account", "region", "amount"])


def expected_seed_total(base: pd.DataFrame) -> Decimal:
    """+5% on everything, +3% more on Sales, each cell rounded half-up, plus the two adjustments (by hand)."""
    total = Decimal(0)
    for department, amount in zip(base["department"], base["amount"], strict=True):
        factor = Decimal("1.05") * (Decimal("1.03") if department == "Sales" else 1)
        total += (amount * factor).quantize(CENT, rounding=ROUND_HALF_UP)
    return total + Decimal("25000.00") - Decimal("100.00")


def seed_once(base: pd.DataFrame, name: str, who) -> tuple[float, Decimal]:
    from data import budget

    drivers = [budget.Driver("all", pct=Decimal(5)), budget.Driver("department", "Sales", Decimal(3))]
    adjustments = [
        budget.Adjustment(dt.date(2026, 3, 1), "Marketing", "Account 01", "East", Decimal("25000.00"), "launch"),
        budget.Adjustment(dt.date(2026, 6, 1), "Finance", "Account 01", "North", Decimal("-100.00")),
    ]
    started = time.perf_counter()
    lines = budget.seed_lines(base, 2026, drivers, adjustments)
    budget.create(name, 2026, who, lines=lines, based_on="bench base 2025")
    seconds = time.perf_counter() - started
    return seconds, sum(lines["amount"], Decimal(0))


def save_once(name: str, head, step: int) -> tuple[float, float, int]:
    from data import budget

    grid = budget.lines(name, head)
    amounts = {budget.Cell(r.department, r.account, r.region, r.month): r.amount + step for r in grid.itertuples()}
    revision = budget.grid_revision(name, "Sales")
    started = time.perf_counter()
    shown = budget.diff(name, "Sales", amounts)  # what the page shows before saving
    diffed = time.perf_counter() - started
    started = time.perf_counter()
    result = budget.save(name, "Sales", amounts, head, expected_revision=revision, note=f"bench {step}")
    if len(shown) != len(result.changes):
        raise SystemExit(f"diff showed {len(shown)} changes, the save made {len(result.changes)}")
    return diffed, time.perf_counter() - started, len(result.changes)


def run(scale: float = 1.0, runs: int = 5, metastore: str | None = None) -> dict:
    from data import budget
    from data import metastore as store
    from semantic import Principal

    accounts = max(1, round(12 * scale))
    work = tempfile.mkdtemp(prefix="bench-budget-")
    if metastore and metastore.startswith(("postgresql://", "postgres://")):
        os.environ["CONCORD_METASTORE_URL"] = metastore
    else:
        os.environ.pop("CONCORD_METASTORE_URL", None)
        os.environ["CONCORD_METASTORE"] = metastore or str(Path(work) / "metastore.sqlite")
    store.close_all()
    budget.forget()
    finance = Principal("bench_finance", ("finance",))
    head = Principal("bench_sales", ("dept_head",), {"department": "Sales"})
    base = base_lines(accounts)
    expected = expected_seed_total(base)
    stamp = dt.datetime.now().strftime("%H%M%S")
    seeds, diffs, saves = [], [], []
    cells = len(base)
    for i in range(runs):
        seconds, total = seed_once(base, f"Bench {stamp} {i}", finance)
        stored = sum(budget.lines(f"Bench {stamp} {i}", finance)["amount"], Decimal(0))
        if total != expected or stored != expected:
            raise SystemExit(f"seed total {total} / stored {stored}, expected {expected} (by hand)")
        seeds.append(seconds)
    name = f"Bench {stamp} 0"
    before = sum(budget.lines(name, head)["amount"], Decimal(0))
    for step in range(1, runs + 1):
        diffed, seconds, changed = save_once(name, head, step)
        diffs.append(diffed)
        if changed != cells // len(DEPARTMENTS):
            raise SystemExit(f"save changed {changed} cells, expected {cells // len(DEPARTMENTS)}")
        saves.append(seconds)
    after = sum(budget.lines(name, head)["amount"], Decimal(0))
    grid = cells // len(DEPARTMENTS)
    if after - before != grid * sum(range(1, runs + 1)):  # each save added `step` to every cell
        raise SystemExit(f"the grid's total moved by {after - before}, expected {grid * sum(range(1, runs + 1))}")
    store.close_all()
    return {
        "scale": scale,
        "runs": runs,
        "store": store.target().kind,
        "target_seconds": TARGET_SECONDS,
        "steps": [_step("seed", cells, seeds), _step("diff", grid, diffs), _step("save", grid, saves)],
        "at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }


def _step(name: str, cells: int, seconds: list[float]) -> dict:
    return {
        "step": name,
        "cells": cells,
        "median_seconds": round(statistics.median(seconds), 3),
        "max_seconds": round(max(seconds), 3),
    }


def table(report: dict) -> str:
    lines = [
        f"Budget preparation, scale {report['scale']}, {report['runs']} runs, {report['store']} store",
        f"{'step':<6} {'cells':>6} {'median s':>9} {'max s':>7}  target {report['target_seconds']} s",
    ]
    for step in report["steps"]:
        verdict = "ok" if step["median_seconds"] <= report["target_seconds"] else "OVER"
        lines.append(
            f"{step['step']:<6} {step['cells']:>6,} {step['median_seconds']:>9.3f} {step['max_seconds']:>7.3f}  {verdict}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.budget", description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--metastore", default=None, help="a SQLite file or postgresql:// URL (default: a new file)")
    parser.add_argument("--out", default=str(ROOT / "bench" / "results" / "budget.json"))
    args = parser.parse_args(argv)
    if args.runs < 1 or args.scale <= 0:
        parser.error("--runs must be 1 or more and --scale above 0")
    report = run(args.scale, args.runs, args.metastore)
    print(table(report))
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
