"""When syncs run without anyone asking: `[sync] every_minutes` in concord.toml.

The app starts one background thread per process (start()); each pass, the process holding the
"sync" lease (data/leases.py: one process at a time, across workers and machines) syncs every
source whose last run started `every_minutes` ago or more (or never ran). 0 (the default) leaves
syncing to a person ("Sync now" on the Sources page) or to cron:

    */15 * * * *  cd /srv/concord && .venv/bin/python -m data.sync >> /var/log/concord-sync.log 2>&1

CONCORD_SYNC_SCHEDULER=off switches the thread off (the tests do; cron then does the work).
"Sync now" runs in a thread of its own (sync_in_background), so the page stays usable; a second
click while one runs is refused, and a sync started elsewhere waits for the warehouse's writer lock.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import threading

from data import config, leases

LEASE = "sync"
SWITCH = "CONCORD_SYNC_SCHEDULER"
TICK_SECONDS = 30.0
log = logging.getLogger("concord.sync")

_start_lock = threading.Lock()
_started: threading.Thread | None = None
_stop = threading.Event()
_running: dict[str, threading.Thread] = {}  # source -> this process's "sync now" thread


def enabled() -> bool:
    return os.environ.get(SWITCH, "on").lower() not in ("off", "0", "false", "no")


def _started_at(run) -> dt.datetime | None:
    if run is None or not run.started_at:
        return None
    when = dt.datetime.fromisoformat(run.started_at)
    return when if when.tzinfo else when.replace(tzinfo=dt.UTC)


def next_run(every_minutes: int, last_run, now: dt.datetime | None = None) -> dt.datetime | None:
    """When the schedule will next sync a source whose last run is `last_run`; None without a schedule."""
    if every_minutes <= 0:
        return None
    now = now or dt.datetime.now(dt.UTC)
    started = _started_at(last_run)
    return now if started is None else max(now, started + dt.timedelta(minutes=every_minutes))


def due(every_minutes: int, names, last: dict, now: dt.datetime | None = None) -> list[str]:
    """The sources the schedule should sync now: never synced, or last started `every_minutes` ago or more,
    and not running."""
    now = now or dt.datetime.now(dt.UTC)
    out = []
    for name in names:
        run = last.get(name)
        if run is not None and run.status == "running":
            continue
        when = next_run(every_minutes, run, now)
        if when is not None and when <= now:
            out.append(name)
    return out


def run_once(now: dt.datetime | None = None, holder: str = leases.HOLDER) -> list:
    """One scheduled pass; the runs it made ([] when nothing was due, or another process holds the lease)."""
    from data import sync

    settings = config.settle()
    every = settings.sync.every_minutes
    if every <= 0 or not settings.sources:
        return []
    if not leases.take(LEASE, holder, seconds=max(4 * TICK_SECONDS, 600.0)):
        return []
    made = []
    for name in due(every, settings.sources, sync.runs.latest(), now):
        made += sync.sync(name, who="schedule")
    return made


def _loop(interval: float) -> None:
    while not _stop.is_set():
        try:
            if not enabled():
                break
            for run in run_once():
                if not run.ok:
                    log.error("scheduled sync of %s failed: %s", run.source, run.error)
        except Exception as err:  # noqa: BLE001 - the thread lives on; the next pass tries again
            log.error("scheduled sync failed: %s: %s", type(err).__name__, err)
        _stop.wait(interval)


def start(interval: float = TICK_SECONDS) -> threading.Thread | None:
    """Start this process's schedule thread (once); None when switched off."""
    global _started
    if not enabled():
        return None
    with _start_lock:
        if _started is None or not _started.is_alive():
            _stop.clear()
            _started = threading.Thread(target=_loop, args=(interval,), daemon=True, name="concord-sync")
            _started.start()
        return _started


def stop(timeout: float = 5.0) -> None:
    _stop.set()
    if _started is not None:
        _started.join(timeout)
    leases.release(LEASE)


def sync_in_background(name: str, who: str, full: bool = False) -> bool:
    """Start syncing `name` in a thread of this process; False when this process is already syncing it."""
    from data import sync

    def work() -> None:
        try:
            sync.sync(name, full=full, who=who)
        except Exception as err:  # noqa: BLE001 - recorded as a failed run where possible; never lost silently
            log.error("sync of %s by %s failed before it started: %s", name, who, err)

    with _start_lock:
        running = _running.get(name)
        if running is not None and running.is_alive():
            return False
        _running[name] = threading.Thread(target=work, daemon=True, name=f"concord-sync-{name}")
        _running[name].start()
    return True


def busy(name: str) -> bool:
    """This process is syncing `name` now (its run shows as 'running' once it has started)."""
    running = _running.get(name)
    return running is not None and running.is_alive()
