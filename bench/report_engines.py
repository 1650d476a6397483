"""The "Engines" section of docs/benchmarks.md, from bench/results/<engine>-scale<N>.json.

Per case: the semantic query on DuckDB (from the DuckDB run at that scale), then on each other engine the
semantic query and its hand SQL on that engine, with their ratio; the median ratio against the target
(≤ 1.10 per engine), and whether every answer equalled DuckDB's.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

ENGINES = (("postgres", "PostgreSQL"), ("spark", "Spark"))
TARGET = 1.10


def _load(path: Path) -> dict | None:
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None


def _suite(report: dict | None, rollups: bool) -> dict | None:
    if report is None:
        return None
    return next((s for s in report["suites"] if s["rollups"] == rollups), None)


def _setup_line(label: str, report: dict) -> str:
    setup = report.get("setup", {})
    version = " ".join(w for w in setup.get("version", "").split() if not re.fullmatch(r"[0-9a-f]{40}", w))
    parts = [version if version.startswith(label) else f"{label} {version}".strip()]
    if setup.get("server"):
        parts.append(f"{setup['server']} server")
    if setup.get("master"):
        parts.append(f"master {setup['master']}, Parquet tables in {setup.get('tables', 'a folder')}")
    if "load_s" in setup:
        parts.append(f"loaded in {setup['load_s']:.0f} s (tables and rollups)")
    parts.append(f"{report['suites'][0]['runs'] if report['suites'] else 0} timed runs per case")
    before, after = report.get("load_average_before"), report.get("load_average_after")
    if before and after:
        parts.append(f"load average {before[0]:.1f} before, {after[0]:.1f} after")
    if report.get("note"):
        parts.append(report["note"])
    parts.append(f"whole command {report.get('elapsed_s', 0):.0f} s")
    return "- " + "; ".join(parts) + "."


def _table(duck: dict | None, others: list[tuple[str, dict]], judged: bool = True) -> list[str]:
    head = "| case | group | DuckDB ms |" + "".join(f" {label} ms: semantic / hand (ratio) |" for label, _ in others)
    rule = "|---|---|---:|" + "---:|" * len(others)
    first = others[0][1]
    by_engine = [{c["name"]: c for c in suite["cases"]} for _, suite in others]
    ducks = {c["name"]: c for c in duck["cases"]} if duck else {}
    lines = [head, rule]
    for case in first["cases"]:
        name = case["name"]
        d = ducks.get(name)
        duck_ms = f"{d['semantic_ms']:.1f}" if d else f"{case['duckdb_ms']:.1f}*" if case.get("duckdb_ms") else "-"
        cells = []
        for cases in by_engine:
            c = cases.get(name)
            if c is None:
                cells.append("-")
                continue
            mark = "" if c["matches"] else " **differs**"
            cells.append(f"{c['semantic_ms']:.1f} / {c['hand_ms']:.1f} ({c['ratio']:.2f}){mark}")
        lines.append(f"| {name} | {case['group']} | {duck_ms} | " + " | ".join(cells) + " |")

    def verdict(s: dict) -> str:
        return f" ({'**met**' if s['median_ratio'] <= TARGET else '**missed**'})" if judged else ""

    medians = " | ".join(
        f"median ratio **{s['median_ratio']:.2f}**{verdict(s)}, max {s['max_ratio']:.2f}; "
        f"answers equal DuckDB's: {'all' if s['all_match'] else '**not all**'}"
        for _, s in others
    )
    duck_median = f"median ratio {duck['median_ratio']:.2f}" if duck else ""
    lines.append(f"| **medians** | | {duck_median} | {medians} |")
    return lines


def engines_section(results: Path, scale: str = "1") -> list[str]:
    """The section's lines, or [] when no other engine has been measured at `scale`."""
    others = [(label, _load(results / f"{engine}-scale{scale}.json")) for engine, label in ENGINES]
    others = [(label, report) for label, report in others if report is not None]
    if not others:
        return []
    duck = _load(results / f"duckdb-scale{scale}.json") or _load(results / f"{scale}.json")
    runs = {r["suites"][0]["engine"]: r["suites"][0]["runs"] for _, r in others if r["suites"]}
    out = [
        "## Engines (issue 16)",
        "",
        "The same cases on PostgreSQL and on Spark (local mode), each loaded from the scale-"
        f"{scale} DuckDB warehouse with the engine's loader (`data/engines/`) and opened as the app opens it "
        "(`open_engine`: a read-only role and transaction on PostgreSQL, a sealed session on Spark). On each "
        "engine the semantic query and the hand SQL both go through the executor's `run()`, so both pay the "
        "same transfer into a DataFrame; the hand SQL is the DuckDB SQL of `bench/suite.py` transpiled by "
        "sqlglot, or written for the engine where the transpile is wrong (`bench/engines.py`). Every answer on "
        "an engine is checked equal to DuckDB's (half a cent) before it is timed. Times are medians of warm "
        "runs; the ratio is semantic / hand SQL on that engine (target: median ≤ 1.10 per engine). DuckDB ms "
        "is the semantic query in the DuckDB run at this scale (* where only the engine run measured it).",
        "",
        "```sh",
        f".venv/bin/python -m bench --engine duckdb --scale {scale}",
        f".venv/bin/python -m bench --engine postgres --start-postgres --scale {scale} --runs {runs.get('postgres', 3)}",
        f".venv/bin/python -m bench --engine spark --scale {scale} --runs {runs.get('spark', 3)}",
        "```",
        "",
    ]
    out += [_setup_line(label, report) for label, report in others] + [""]
    for rollups in (False, True):
        suites = [(label, _suite(report, rollups)) for label, report in others]
        suites = [(label, s) for label, s in suites if s is not None]
        if suites:
            out += [f"### {'With' if rollups else 'Without'} rollups (scale {scale})", ""]
            if rollups:
                out += [
                    "The semantic layer answers from the rollups built on the engine; the hand SQL reads the raw "
                    "tables (as on DuckDB), so these ratios show what the rollups save, not a target.",
                    "",
                ]
            out += _table(_suite(duck, rollups), suites, judged=not rollups) + [""]
    return out
