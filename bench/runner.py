"""Timing: warm-up, then interleaved runs of the semantic query and its hand SQL
in the same process, medians, ratios; results are checked equal first."""

from __future__ import annotations

import contextlib
import math
import os
import resource
import statistics
import tempfile
import time
from dataclasses import asdict, dataclass

import pandas as pd

from bench import custom
from bench.engines import hand_sql
from bench.suite import BOARD, CASES, Case
from semantic import Warehouse, plan, run
from semantic.cache import ResultCache
from semantic.custom import registry
from semantic.detail import drill_through, page_sql
from semantic.service import forget_plans


@dataclass
class Timing:
    name: str
    group: str
    rollups: bool
    rows: int
    compile_ms: float  # cold: no kept plan
    compile_cached_ms: float  # the same query again (a rerun, a board refresh)
    semantic_ms: float
    hand_ms: float
    ratio: float
    rollups_used: str
    matches: bool
    mismatch: str = ""
    hand_sql: str = "duckdb"  # on another engine: 'transpiled' from the DuckDB SQL, or 'written' for it
    duckdb_ms: float | None = None  # on another engine: the same semantic query on DuckDB, in the same run
    vs_duckdb: str = ""  # on another engine: '' when its answer equals DuckDB's (half a cent), else what differs


def _values(frame: pd.DataFrame, digits: int | None = 2) -> list[tuple]:
    out = []
    for row in frame.itertuples(index=False):
        cells = []
        for v in row:
            if isinstance(v, pd.Timestamp):
                cells.append(v.date().isoformat())
            elif v is None or (isinstance(v, float) and math.isnan(v)):
                cells.append(None)
            elif hasattr(v, "__float__") and not isinstance(v, str):
                cells.append(float(v) if digits is None else round(float(v), digits))
            else:
                cells.append(str(v)[:10] if hasattr(v, "isoformat") else v)
        out.append(tuple(cells))
    return out


def same(a: pd.DataFrame, b: pd.DataFrame, half_cent: bool = False, other: str = "by hand") -> str:
    """'' when equal (values within 0.005 after rounding to cents; with `half_cent`, the values as they
    came within 0.005), else what differs."""
    left, right = _values(a, None if half_cent else 2), _values(b, None if half_cent else 2)
    if len(left) != len(right):
        return f"{len(left)} rows vs {len(right)} {other}"
    tolerance = 0.005 if half_cent else 0.011
    key = lambda r: tuple((x is None, str(round(x, 2) if isinstance(x, float) else x)) for x in r)  # noqa: E731
    for x, y in zip(sorted(left, key=key), sorted(right, key=key)):
        for p, q in zip(x, y):
            if isinstance(p, float) and isinstance(q, float):
                if abs(p - q) > tolerance + 1e-9 * abs(q):
                    return f"{x} vs {y}"
            elif p != q:
                return f"{x} vs {y}"
    return ""


def _semantic(case: Case, wh: Warehouse, rollups: bool):
    if case.detail:
        started = time.perf_counter()
        page = drill_through(case.query, warehouse=wh, page_size=1000, source="bench")
        frame = page.frame.assign(total=page.total_rows)
        return frame, time.perf_counter() - started, 0.0, ""
    result = run(case.query, warehouse=wh, cache=None, rollups=rollups, source="bench")
    return result.frame, result.execute_seconds, result.compile_seconds, ",".join(result.rollups)


def time_case(case: Case, wh: Warehouse, runs: int, rollups: bool, reference: Warehouse | None = None) -> Timing:
    """`reference`: DuckDB, when `wh` is another engine: its answer is checked equal to DuckDB's hand SQL
    answer, and the same semantic query is timed on DuckDB in the same runs."""
    sql, source = hand_sql(case, wh.dialect)
    frame, _, _, used = _semantic(case, wh, rollups)  # warm-up, and the answer to check
    hand = wh.run(sql)[0]
    mismatch = same(frame, hand)
    vs_duckdb = ""
    if reference is not None:
        expected = reference.run(case.sql)[0]
        vs_duckdb = same(frame, expected, half_cent=True, other="on DuckDB")
        wrong_hand = same(hand, expected, half_cent=True, other="on DuckDB")
        if wrong_hand:  # a hand SQL that is wrong on this engine is a bench bug, said so
            mismatch = mismatch or f"the {source} hand SQL differs from DuckDB: {wrong_hand}"
        _semantic(case, reference, rollups)  # DuckDB warm too
    sem, handt, comp, again, duck = [], [], [], [], []
    for i in range(runs):  # interleaved, so a noisy machine slows both sides alike; which goes first alternates
        if i % 2:
            handt.append(wh.run(sql)[2])
        sem.append(_semantic(case, wh, rollups)[1])
        if not i % 2:
            handt.append(wh.run(sql)[2])
        if reference is not None:
            duck.append(_semantic(case, reference, rollups)[1])
        if case.query is not None:
            have = wh.rollups() if rollups else None
            compile_it = (
                (lambda: page_sql(case.query, page_size=1000, dialect=wh.dialect))
                if case.detail
                else (lambda have=have: plan(case.query, rollups=have).sql(wh.dialect))
            )
            forget_plans()
            started = time.perf_counter()
            compile_it()
            comp.append(time.perf_counter() - started)
            started = time.perf_counter()
            compile_it()
            again.append(time.perf_counter() - started)
    s, h = statistics.median(sem), statistics.median(handt)
    return Timing(
        case.name,
        case.group,
        rollups,
        len(frame),
        statistics.median(comp) * 1000 if comp else 0.0,
        statistics.median(again) * 1000 if again else 0.0,
        s * 1000,
        h * 1000,
        s / h if h else float("nan"),
        used,
        not mismatch and not vs_duckdb,
        mismatch,
        source,
        statistics.median(duck) * 1000 if duck else None,
        vs_duckdb,
    )


WARM_PASSES = 5


@contextlib.contextmanager
def _audited():
    """The audit listener on, writing every query to a throwaway metadata store, as in the app."""
    from auth import audit
    from semantic import events

    before = os.environ.get("CONCORD_METASTORE")
    with tempfile.TemporaryDirectory() as home:
        os.environ["CONCORD_METASTORE"] = os.path.join(home, "metastore.sqlite")
        audit.install()
        try:
            yield
        finally:
            events.remove_listener(audit.on_query)
            if before is None:
                os.environ.pop("CONCORD_METASTORE", None)
            else:
                os.environ["CONCORD_METASTORE"] = before


def cold_board(wh: Warehouse, rollups: bool) -> dict:
    """A board of 8 tiles as the app runs it (audit log on): cold, then warm refreshes."""
    with _audited():
        return _board(wh, rollups)


def _board(wh: Warehouse, rollups: bool) -> dict:
    cache = ResultCache()
    forget_plans()  # cold: nothing compiled, nothing cached
    started = time.perf_counter()
    server = 0.0
    for q in BOARD:
        r = run(q, warehouse=wh, cache=cache, rollups=rollups, source="bench")
        server += r.compile_seconds + r.execute_seconds
    cold = time.perf_counter() - started
    passes = [[] for _ in BOARD]
    for _ in range(WARM_PASSES):  # each tile's median over several board refreshes
        for i, q in enumerate(BOARD):
            t0 = time.perf_counter()
            r = run(q, warehouse=wh, cache=cache, rollups=rollups, source="bench")
            passes[i].append(time.perf_counter() - t0)
            assert r.cached
    warm = [statistics.median(p) for p in passes]
    return {
        "tiles": len(BOARD),
        "cold_total_ms": cold * 1000,
        "cold_server_ms": server * 1000,
        "warm_max_tile_ms": max(warm) * 1000,
        "warm_median_tile_ms": statistics.median(warm) * 1000,
        "warm_worst_single_ms": max(max(p) for p in passes) * 1000,
    }


def run_suite(
    wh: Warehouse,
    runs: int = 5,
    rollups: bool = False,
    reference: Warehouse | None = None,
    log=None,
    cases: tuple[Case, ...] = CASES,
) -> dict:
    """The cases (all by default) on `wh` (any engine), then the cold board unless only some cases were asked
    for; `reference` is the DuckDB warehouse the answers are checked against when `wh` is another engine."""
    registry.provide(lambda: custom.DEFINITIONS)  # as the app's store gives them: the same compile path
    timings = []
    try:
        for c in cases:
            timings.append(time_case(c, wh, runs, rollups, reference))
            if log:
                t = timings[-1]
                log(f"  {t.name}: {t.semantic_ms:.1f} ms vs hand {t.hand_ms:.1f} ms{'' if t.matches else ' MISMATCH'}")
    finally:
        registry.provide(None)
    ratios = [t.ratio for t in timings if not math.isnan(t.ratio)]
    compile_ms = [t.compile_ms for t in timings if t.compile_ms]
    return {
        "engine": wh.engine,
        "rollups": rollups,
        "runs": runs,
        "cases": [asdict(t) for t in timings],
        "median_ratio": statistics.median(ratios),
        "max_ratio": max(ratios),
        "median_compile_ms": statistics.median(compile_ms) if compile_ms else 0.0,
        "board": cold_board(wh, rollups) if cases == CASES else None,
        "all_match": all(t.matches for t in timings),
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }
