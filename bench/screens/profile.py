"""python -m bench.screens.profile DIR [--top 20]: where a screen refresh spends its time.

Reads the cProfile files bench.screens.launch wrote for each fragment run ($CONCORD_BENCH_PROFILE, or
`python -m bench.screens --start --profile DIR`), merges them, and prints per run: the self time by
package (plotly, streamlit, pandas, semantic, ui, ...), then the functions with the most cumulative
time. cProfile slows Python calls down, so read the shares, not the absolute seconds."""

from __future__ import annotations

import argparse
import pstats
import sys
from pathlib import Path

from bench.screens.server import ROOT

PROJECT = ("semantic", "boards", "ui", "auth", "data", "views", "app.py")


def area(filename: str) -> str:
    """The package a function's file belongs to: a site-packages top-level name, a project folder, or
    '<builtin>' for C functions (their time is charged to them, not their callers)."""
    if filename.startswith("~") or filename.startswith("<"):
        return "<builtin>"
    path = Path(filename)
    parts = path.parts
    if "site-packages" in parts:
        i = parts.index("site-packages")
        return parts[i + 1].split(".")[0] if i + 1 < len(parts) else "site-packages"
    try:
        rel = path.resolve().relative_to(ROOT)
        return rel.parts[0] if rel.parts[0] in PROJECT else f"project:{rel.parts[0]}"
    except ValueError:
        pass
    return "python" if "/lib/python" in filename else path.name


def load(folder: Path) -> tuple[pstats.Stats, int]:
    files = sorted(folder.glob("run-*.prof"))
    if not files:
        raise SystemExit(f"error: no run-*.prof files in {folder}; run `python -m bench.screens --start --profile DIR`")
    stats = pstats.Stats(str(files[0]))
    for f in files[1:]:
        stats.add(str(f))
    return stats, len(files)


def summary(stats: pstats.Stats, runs: int, top: int) -> str:
    by_area: dict[str, float] = {}
    rows = []
    for (filename, line, name), (_cc, _nc, tottime, cumtime, _callers) in stats.stats.items():
        by_area[area(filename)] = by_area.get(area(filename), 0.0) + tottime
        rows.append((cumtime, tottime, f"{area(filename)}:{Path(filename).name}:{line}({name})"))
    total = sum(by_area.values())
    out = [f"{runs} fragment runs profiled; {total / runs:.3f} s per run under cProfile", "", "self time by package:"]
    for name, seconds in sorted(by_area.items(), key=lambda kv: -kv[1])[:12]:
        out.append(f"  {name:<24} {seconds / runs:8.4f} s/run  {100 * seconds / total:5.1f}%")
    out += ["", f"top {top} functions by cumulative time (s/run, self s/run):"]
    for cum, tot, label in sorted(rows, reverse=True)[:top]:
        out.append(f"  {cum / runs:8.4f}  {tot / runs:8.4f}  {label}")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.screens.profile")
    p.add_argument("folder", type=Path)
    p.add_argument("--top", type=int, default=25)
    a = p.parse_args(argv)
    stats, runs = load(a.folder)
    print(summary(stats, runs, a.top))
    return 0


if __name__ == "__main__":
    sys.exit(main())
