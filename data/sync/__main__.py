"""python -m data.sync [--source NAME] [--full] [--list]

Exit 0: every source synced; 1: a sync failed (the warehouse is unchanged); 2: bad input or config.
"""

from __future__ import annotations

import argparse
import sys

from data import config
from data.config import ConfigError


def _list(declared: dict) -> int:
    from data.sync import runs

    latest, good = runs.latest(), runs.latest(ok_only=True)
    for name, source in declared.items():
        where = source.url or source.path
        last = latest.get(name)
        state = f"last {last.status} {last.finished_at or last.started_at}" if last else "never synced"
        state += f" (data date {last.as_of})" if last and last.ok else ""
        ok = good.get(name)
        since = f", last ok {ok.finished_at} (data date {ok.as_of})" if ok and (not last or ok.id != last.id) else ""
        print(f"{name}: {source.kind} {where}, tables {', '.join(source.tables)}; {state}{since}")
    return 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m data.sync", description="Sync the sources in concord.toml.")
    parser.add_argument("--source", metavar="NAME", help="only this source (default: every source)")
    parser.add_argument(
        "--full", action="store_true", help="read every table whole (also repairs a failed reconciliation)"
    )
    parser.add_argument("--list", action="store_true", help="list the sources and their last sync, sync nothing")
    args = parser.parse_args(argv)
    from data import sync

    try:
        declared = sync.sources()
        if args.list:
            return _list(declared)
        if refused := config.writes_elsewhere():
            print(f"error: {refused}", file=sys.stderr)
            return 2
        done = sync.sync(args.source, full=args.full, who="cli")
    except ConfigError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    failed = 0
    for run in done:
        if not run.ok:
            failed += 1
            print(f"error: {run.error} The warehouse is unchanged.", file=sys.stderr)
            continue
        for table, c in run.tables.items():
            print(
                f"{run.source}.{table}: read {c['read']:,}, inserted {c['inserted']:,}, "
                f"updated {c['updated']:,}, deleted {c['deleted']:,}"
            )
        print(f"{run.source}: ok in {run.seconds:.1f} s, data date {run.as_of or 'unknown'}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
