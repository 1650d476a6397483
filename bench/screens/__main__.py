"""python -m bench.screens --screens N (--spread SECONDS | --burst) [--refresh 10] [--duration 120]
    (--start [--warehouse PATH] | --url http://HOST:PORT --board ID --token=TOKEN [--pid PID ...])
    [--grace SECONDS] [--out FILE.json] [--profile DIR]

Drives N office screens over Streamlit's websocket protocol, as Chromium does (bench/screens/protocol.py),
and reports refreshes expected vs answered, refresh and first-board latency, errors, and the server's CPU
and peak RSS per process. Prints a table; the whole report is JSON (--out, or stdout with --json).
Exits 2 with one line when the server cannot be reached or refuses the screen."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from pathlib import Path
from urllib.parse import urlencode, urlsplit

from bench.screens import server
from bench.screens.protocol import ScreenError, Target, http_get
from bench.screens.screen import Fatal, Screen
from bench.screens.stats import ScreenRecord, offsets, steady_cpu, summarise, table


class Parser(argparse.ArgumentParser):
    def error(self, message):
        print(f"error: {message}; run `python -m bench.screens --help`.", file=sys.stderr)
        raise SystemExit(2)


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    p = Parser(prog="python -m bench.screens", description=__doc__.split("\n\n")[1])
    p.add_argument("--screens", type=int, required=True)
    when = p.add_mutually_exclusive_group(required=True)
    when.add_argument("--spread", type=float, help="open the screens evenly over this many seconds")
    when.add_argument("--burst", action="store_true", help="open every screen at once (as after a restart)")
    p.add_argument("--refresh", type=int, default=10, help="the board's refresh (with --start); seconds")
    p.add_argument("--duration", type=float, default=120)
    p.add_argument("--grace", type=float, help="seconds to wait for answers after the last refresh (default: refresh)")
    p.add_argument("--url", help="a running server, e.g. http://127.0.0.1:8501")
    p.add_argument("--board", type=int)
    p.add_argument("--token", help="the screen link's token; write --token=TOKEN (a token may begin with -)")
    p.add_argument("--pid", type=int, action="append", help="server process to watch (default: the port's)")
    p.add_argument("--runs-log", type=Path, help="a running server's $CONCORD_BENCH_RUNS file (bench.screens.launch)")
    p.add_argument("--start", action="store_true", help="start a fresh server on a free port")
    p.add_argument("--warehouse", type=Path, default=server.ROOT / "data" / "warehouse.duckdb")
    p.add_argument("--app-root", type=Path, default=server.ROOT, help="the checkout whose serve.py to start")
    p.add_argument("--profile", type=Path, help="with --start: cProfile each fragment run into this folder")
    p.add_argument("--out", type=Path, help="write the JSON report here")
    p.add_argument("--json", action="store_true", help="print the JSON report instead of the table")
    a = p.parse_args(argv)
    if a.screens < 1 or a.duration <= 0 or a.refresh < 5 or (a.spread is not None and a.spread < 0):
        p.error("--screens >= 1, --duration > 0, --refresh >= 5 and --spread >= 0 are needed")
    if not a.start and not (a.url and a.board and a.token):
        p.error("give --start, or --url with --board and --token")
    if a.url and urlsplit(a.url).scheme != "http":
        p.error(f"--url must be http://HOST:PORT, not {a.url!r}")
    return a


async def drive(target: Target, args, watch: server.Watch | None) -> tuple[list[ScreenRecord], float, float]:
    """Run every screen; returns the records and the run's start and end (unix time)."""
    spread = 0.0 if args.burst else args.spread
    grace = args.refresh if args.grace is None else args.grace
    start = time.monotonic() + 0.2
    records = [ScreenRecord(i, o) for i, o in enumerate(offsets(args.screens, spread))]
    screens = [Screen(target, r, start, start + args.duration, grace) for r in records]
    stop = asyncio.Event()
    if watch:
        watch.begin()
        sampler = asyncio.create_task(watch.sample_until(stop))
    began = time.time() + 0.2
    tasks = [asyncio.create_task(s.run()) for s in screens]
    try:
        for done in asyncio.as_completed(tasks):
            await done
    except Fatal as err:
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        raise ScreenError(f"the server refused the screen: {err}") from None
    finally:
        stop.set()
        if watch:
            await sampler
    return records, began, time.time()


def report_for(args, target: Target, records, began, ended, watch, runs_log) -> dict:
    report = {
        "config": {
            "screens": args.screens,
            "spread_s": 0.0 if args.burst else args.spread,
            "refresh_s": args.refresh,
            "duration_s": args.duration,
            "url": target.base,
            "board": args.board,
            "started_server": args.start,
        },
        "window": {"start": round(began, 3), "end": round(ended, 3)},
        **summarise(records, args.duration, args.refresh),
    }
    intervals = {r.interval for r in records if r.interval}
    if intervals and intervals != {float(args.refresh)}:
        report["warning"] = f"the server refreshes every {sorted(intervals)} s, not --refresh {args.refresh}"
    if watch:
        report["server"] = watch.report(report["refreshes"]["answered"], steady_cpu(watch.samples, records))
    runs = server.read_runs(runs_log, began, ended) if runs_log else []
    if runs:
        report["server_runs"] = server.runs_summary(runs, ended - began)
    report["sessions"] = [r.session_id for r in records]
    report["generator_cpu_s"] = round(time.process_time(), 2)
    return report


async def main_async(args) -> dict:
    started = None
    try:
        if args.start:
            if args.profile:
                args.profile.mkdir(parents=True, exist_ok=True)
            started = server.start(args.warehouse, args.refresh, args.app_root, args.profile)
            args.url, args.board, args.token = started.url, started.board, started.token
        base = args.url.rstrip("/")
        await http_get(base + "/_stcore/health", {}, timeout=10)
        target = Target(base, urlencode({"kiosk": "1", "board": args.board, "token": args.token}))
        pids = args.pid or ([started.proc.pid] if started else server.listening_pids(urlsplit(base).port or 80))
        watch = server.Watch(pids) if pids else None
        records, began, ended = await drive(target, args, watch)
        runs_log = started.runs_log if started else args.runs_log
        return report_for(args, target, records, began, ended, watch, runs_log)
    finally:
        if started:
            started.stop()


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    try:
        report = asyncio.run(main_async(args))
    except (ScreenError, server.ServerError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 130
    text = json.dumps(report, indent=2)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text + "\n")
    print(text if args.json else table(report))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
