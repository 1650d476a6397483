"""The app's sync schedule: which sources are due, when the next run is, one process at a time."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from data import leases, schedule

NOW = dt.datetime(2026, 11, 26, 12, 0, tzinfo=dt.UTC)


@dataclass
class Run:
    started_at: str
    status: str = "ok"


def ago(minutes: int) -> str:
    return (NOW - dt.timedelta(minutes=minutes)).isoformat()


def test_a_source_is_due_when_its_last_run_started_every_minutes_ago_or_never():
    last = {"erp": Run(ago(16)), "crm": Run(ago(5)), "hr": Run(ago(30), status="failed")}
    assert schedule.due(15, ["erp", "crm", "hr", "new"], last, NOW) == ["erp", "hr", "new"]


def test_a_running_source_is_never_started_twice_and_no_schedule_means_never():
    assert schedule.due(15, ["erp"], {"erp": Run(ago(60), status="running")}, NOW) == []
    assert schedule.due(0, ["erp"], {}, NOW) == []
    assert schedule.next_run(0, Run(ago(60)), NOW) is None


def test_next_run_is_last_start_plus_the_interval_never_in_the_past():
    assert schedule.next_run(15, Run(ago(5)), NOW) == NOW + dt.timedelta(minutes=10)
    assert schedule.next_run(15, Run(ago(50)), NOW) == NOW  # overdue: now
    assert schedule.next_run(15, None, NOW) == NOW


def test_one_process_at_a_time_holds_the_sync_lease(metastore_file):
    assert leases.take(schedule.LEASE, "worker-a", 60, now=1000)
    assert not leases.take(schedule.LEASE, "worker-b", 60, now=1030)
    assert leases.take("alerts", "worker-b", 60, now=1030)  # another job's lease is its own
    assert leases.take(schedule.LEASE, "worker-b", 60, now=1061)  # a's ran out
