"""The report's maths: percentiles, refreshes expected per screen, the summary and its table.

Kept free of I/O so the tests can check every number by hand."""

from __future__ import annotations

import math
from dataclasses import dataclass, field


@dataclass
class ScreenRecord:
    """What one screen saw. Times are seconds on the generator's monotonic clock."""

    index: int
    offset: float  # when the screen was scheduled to open, after the start of the run
    opened_at: float | None = None
    first_board_s: float | None = None  # open (page request) -> the first script_finished of the initial run
    session_id: str = ""
    interval: float | None = None  # the fragment's run_every, from the server's auto_rerun message
    sent: int = 0  # timed reruns sent (the browser's setInterval ticks while connected)
    latencies: list[float] = field(default_factory=list)  # one per answered refresh
    answered_at: list[float] = field(default_factory=list)  # when each answer arrived (monotonic)
    unanswered: int = 0
    discarded_runs: int = 0  # script_finished FINISHED_EARLY_FOR_RERUN: output thrown away
    reconnects: int = 0
    down_since: float | None = None  # when the websocket dropped, until a run succeeds again
    recoveries: list[float] = field(default_factory=list)  # drop -> the board shown again, seconds
    errors: dict[str, int] = field(default_factory=dict)
    error_text: str = ""

    def error(self, kind: str, text: str = "") -> None:
        self.errors[kind] = self.errors.get(kind, 0) + 1
        if text and not self.error_text:
            self.error_text = text


def percentile(values: list[float], q: float) -> float | None:
    """The q-th percentile (0-100) with linear interpolation between closest ranks (numpy's default);
    None for no values."""
    if not values:
        return None
    if not 0 <= q <= 100:
        raise ValueError(f"a percentile is between 0 and 100, not {q}")
    ordered = sorted(values)
    rank = q / 100 * (len(ordered) - 1)
    low = math.floor(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def expected_refreshes(offset: float, duration: float, interval: float) -> int:
    """Timed reruns a screen opened `offset` s into a `duration` s run owes if its first board came at once:
    its timer fires at offset + k*interval for k >= 1, up to the end of the run."""
    if interval <= 0:
        raise ValueError("the refresh interval must be positive")
    if duration <= offset:
        return 0
    return math.floor((duration - offset) / interval + 1e-9)


def due_refreshes(record: ScreenRecord, duration: float, refresh: float) -> int:
    """Timed reruns a screen's timer owes once its first board came (the browser starts it then);
    a screen that never loaded owes what an ideal one would."""
    interval = record.interval or refresh
    if record.first_board_s is None:
        return expected_refreshes(record.offset, duration, interval)
    return expected_refreshes(record.offset + record.first_board_s, duration, interval)


def offsets(screens: int, spread: float) -> list[float]:
    """When each screen opens: evenly over `spread` seconds (0: all at once, a burst)."""
    if screens <= 0:
        return []
    return [spread * i / screens for i in range(screens)]


def _dist(values: list[float]) -> dict:
    def r(v):
        return None if v is None else round(v, 3)

    return {
        "count": len(values),
        "p50": r(percentile(values, 50)),
        "p95": r(percentile(values, 95)),
        "max": r(max(values) if values else None),
    }


def summarise(records: list[ScreenRecord], duration: float, refresh: float) -> dict:
    """Refreshes expected, sent, answered; latency and first-board distributions; errors by kind."""
    expected = sum(expected_refreshes(r.offset, duration, r.interval or refresh) for r in records)
    due = sum(due_refreshes(r, duration, refresh) for r in records)
    latencies = [x for r in records for x in r.latencies]
    answered = len(latencies)
    errors: dict[str, int] = {}
    for r in records:
        for kind, n in r.errors.items():
            errors[kind] = errors.get(kind, 0) + n
    first = [r.first_board_s for r in records if r.first_board_s is not None]
    examples = sorted({r.error_text for r in records if r.error_text})[:5]
    return {
        "refreshes": {
            "expected": expected,
            "sent": sum(r.sent for r in records),
            "answered": answered,
            "answered_pct": round(100 * answered / expected, 1) if expected else None,
            "due": due,
            "answered_pct_of_due": round(100 * answered / due, 1) if due else None,
            "unanswered_sent": sum(r.unanswered for r in records),
            "discarded_runs": sum(r.discarded_runs for r in records),
        },
        "refresh_latency_s": _dist(latencies),
        "first_board_s": {**_dist(first), "screens": len(records), "loaded": len(first)},
        "errors": {"count": sum(errors.values()), "kinds": errors, "examples": examples},
        "reconnects": sum(r.reconnects for r in records),
        "recovery_s": _dist([x for r in records for x in r.recoveries]),
    }


def steady_from(records: list[ScreenRecord]) -> float | None:
    """When the last screen showed its first board (monotonic): after it, the server only refreshes."""
    loaded = [r.opened_at + r.first_board_s for r in records if r.first_board_s is not None and r.opened_at]
    return max(loaded) if len(loaded) == len(records) and loaded else None


def steady_cpu(samples: list[tuple[float, float]], records: list[ScreenRecord]) -> dict | None:
    """Server CPU per refresh answered after every screen loaded: `samples` are (monotonic time, total
    server CPU seconds). Leaves out the initial full runs and the server's warm-up."""
    since = steady_from(records)
    if since is None or not samples:
        return None
    after = [(t, c) for t, c in samples if t >= since]
    if len(after) < 2:
        return None
    (t0, c0), (t1, c1) = after[0], after[-1]
    answered = sum(1 for r in records for t in r.answered_at if t0 <= t <= t1)
    return {
        "seconds": round(t1 - t0, 1),
        "cpu_s": round(c1 - c0, 2),
        "answered": answered,
        "cpu_s_per_refresh": round((c1 - c0) / answered, 4) if answered else None,
    }


def _s(v, unit: str = "s") -> str:
    return "-" if v is None else f"{v:.3f} {unit}" if unit == "s" else f"{v} {unit}"


def table(report: dict) -> str:
    """A short text table of a report."""
    c, f, lat, fb = report["config"], report["refreshes"], report["refresh_latency_s"], report["first_board_s"]
    rec = report.get("recovery_s") or {}
    mode = "burst" if c["spread_s"] == 0 else f"spread {c['spread_s']:g} s"
    rows = [
        ("screens", f"{c['screens']} ({mode}), refresh {c['refresh_s']:g} s, {c['duration_s']:g} s"),
        (
            "refreshes",
            f"{f['answered']} answered / {f['expected']} expected ({f['answered_pct']}%); "
            f"{f['due']} due after the first board ({f['answered_pct_of_due']}%), {f['sent']} sent",
        ),
        ("refresh latency", f"p50 {_s(lat['p50'])}  p95 {_s(lat['p95'])}  max {_s(lat['max'])}"),
        ("first board", f"{fb['loaded']}/{fb['screens']} loaded, p50 {_s(fb['p50'])}  max {_s(fb['max'])}"),
        ("discarded runs", str(f["discarded_runs"])),
        *(
            [("reconnects", f"{report['reconnects']}; board again after p50 {_s(rec['p50'])}  max {_s(rec['max'])}")]
            if report.get("reconnects")
            else []
        ),
        ("errors", f"{report['errors']['count']} {report['errors']['kinds'] or ''}".strip()),
    ]
    server = report.get("server")
    if server:
        for p in server["processes"]:
            rows.append((f"server pid {p['pid']}", f"CPU {p['cpu_s']:.1f} s, peak RSS {p['peak_rss_mb']:.0f} MB"))
        per = server.get("cpu_s_per_refresh")
        steady = server.get("steady") or {}
        rows.append(
            (
                "server CPU",
                f"{server['cpu_s']:.1f} s = {server['cpu_pct_of_one_core']:.0f}% of one core; "
                f"per answered refresh {_s(per)}; after every screen loaded {_s(steady.get('cpu_s_per_refresh'))}",
            )
        )
    runs = report.get("server_runs")
    if runs:
        rows.append(("server runs", f"{runs['total']} ({runs['fragment']} fragment), {runs['per_minute']:.1f}/min"))
    width = max(len(k) for k, _ in rows)
    return "\n".join(f"{k:<{width}}  {v}" for k, v in rows)
