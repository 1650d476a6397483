"""python -m bench.ask: how long the Ask interpreter takes per question.

Interprets every question of tests/ask/questions.yml (or a short built-in list when the set is not
there) as its user against a demo warehouse built for the run (scale 0.02, seed 7: the test
warehouse) or --db. Reported apart: the first question of the process (loads jieba's dictionary)
and each user's lexicon build (their member lists, read once per policy and warehouse version
through the layer). Then every question is timed with those warm: median, 95th percentile and worst,
against the targets (< 30 ms median, < 100 ms worst). Writes bench/results/ask.json.

    python -m bench.ask [--db PATH] [--rounds 3]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import yaml

from semantic import Warehouse, default_library
from semantic.ask import interpret
from semantic.ask.lexicon import lexicon_for
from semantic.principal import Principal

ROOT = Path(__file__).resolve().parent.parent
QUESTIONS = ROOT / "tests" / "ask" / "questions.yml"
USERS = ROOT / "auth" / "users.yaml"
RESULT = ROOT / "bench" / "results" / "ask.json"
TARGET_MEDIAN_MS, TARGET_WORST_MS = 30.0, 100.0
BUILT_IN = [
    ("华东区上个月毛利率", "ceo"),
    ("top 5 customers by revenue this quarter", "sales_east"),
    ("今年每月营收同比", "sales_lead"),
    ("现金流", "sales_east"),
    ("revenue by region except East last 12 months", "cfo"),
    ("应收余额按区域", "cfo"),
]


def principals() -> dict[str, Principal]:
    users = yaml.safe_load(USERS.read_text(encoding="utf-8"))["users"]
    return {name: Principal(name, tuple(u["roles"]), u.get("attributes") or {}) for name, u in users.items()}


def questions() -> tuple[list[tuple[str, str]], dt.date | None, str]:
    if not QUESTIONS.is_file():
        return BUILT_IN, dt.date(2025, 12, 31), "built-in list (tests/ask/questions.yml not found)"
    data = yaml.safe_load(QUESTIONS.read_text(encoding="utf-8"))
    return [(str(c["q"]), c["user"]) for c in data["questions"]], data.get("as_of"), str(QUESTIONS.relative_to(ROOT))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.ask", description=__doc__.splitlines()[0])
    parser.add_argument("--db", default=None, help="a warehouse file (default: build the test warehouse in a temp dir)")
    parser.add_argument("--rounds", type=int, default=1, help="times each question is interpreted (the best counts)")
    args = parser.parse_args(argv)
    if args.db:
        path = Path(args.db)
    else:
        from data.demo import build_warehouse

        path = build_warehouse(Path(tempfile.mkdtemp()) / "ask.duckdb", scale=0.02, seed=7)
    warehouse, library, people = Warehouse(path), default_library(), principals()
    cases, as_of, source = questions()

    started = time.perf_counter()
    interpret(cases[0][0], people[cases[0][1]], warehouse=warehouse, library=library)  # the data date read too
    first_ms = (time.perf_counter() - started) * 1000
    lexicon_ms = {}
    for user in sorted({u for _, u in cases}):
        started = time.perf_counter()
        lexicon_for(library, people[user], warehouse)
        lexicon_ms[user] = round((time.perf_counter() - started) * 1000, 1)

    times = []
    for text, user in cases:
        best = min(_timed(text, people[user], warehouse, library, as_of) for _ in range(max(1, args.rounds)))
        times.append((best, text, user))
    ms = sorted(t for t, _, _ in times)
    worst = max(times)
    report = {
        "questions": len(cases),
        "source": source,
        "first_question_ms": round(first_ms, 1),
        "lexicon_build_ms": lexicon_ms,
        "median_ms": round(statistics.median(ms), 2),
        "p95_ms": round(ms[int(0.95 * (len(ms) - 1))], 2),
        "worst_ms": round(worst[0], 2),
        "worst_question": f"{worst[2]}: {worst[1]}",
        "target_median_ms": TARGET_MEDIAN_MS,
        "target_worst_ms": TARGET_WORST_MS,
        "met": statistics.median(ms) < TARGET_MEDIAN_MS and worst[0] < TARGET_WORST_MS,
    }
    RESULT.parent.mkdir(parents=True, exist_ok=True)
    RESULT.write_text(json.dumps(report, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(json.dumps(report, ensure_ascii=False, indent=1))
    return 0 if report["met"] else 1


def _timed(text, who, warehouse, library, as_of) -> float:
    started = time.perf_counter()
    interpret(text, who, warehouse=warehouse, library=library, as_of=as_of)
    return (time.perf_counter() - started) * 1000


if __name__ == "__main__":
    sys.exit(main())
