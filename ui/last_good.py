"""The page keeps its last good numbers: when the engine fails (unreachable, credentials, a timeout, out of
memory, a table missing: a WarehouseError), a page path shows the one-line message and the last result the
same query gave this session, marked with the time it was read.

Results are kept in st.session_state, keyed by the signed-in principal (name, roles and attributes) and the
query, so a session never shows another user's numbers, nor one principal's numbers after a sign-in as
another. A refusal (PolicyError) or a wrong query (QueryError) is not an engine failure: it is said as
usual and nothing old is shown. Board tiles keep their own last numbers (ui/tiles.py), per tile."""

from __future__ import annotations

import datetime as dt
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import TypeVar

import streamlit as st

from semantic.errors import WarehouseError

KEPT = "last_good"  # session: OrderedDict (principal, key) -> (value, read at)
SAID = "last_good_said"  # session: (this run's marker, messages already said in it)
MOST = 64  # results kept per session, the oldest dropped first
MOST_ROWS = 200_000  # and at most this many rows in all (a page result may hold PAGE_ROWS = 50,000)
T = TypeVar("T")


def keep(principal, key: Hashable, fetch: Callable[[], T], say: Callable[[WarehouseError, dt.datetime], None]) -> T:
    """`fetch()`, kept as this session's last good answer to `key` for `principal`. When it raises a
    WarehouseError and an answer was kept, `say(err, read_at)` and return that answer; otherwise re-raise."""
    kept: OrderedDict = st.session_state.setdefault(KEPT, OrderedDict())
    slot = (principal, key)
    try:
        value = fetch()
    except WarehouseError as err:
        if slot not in kept:
            raise
        value, read_at = kept[slot]
        say(err, read_at)
        return value
    kept[slot] = (value, dt.datetime.now())
    kept.move_to_end(slot)
    while len(kept) > MOST or (len(kept) > 1 and sum(_rows(v) for v, _ in kept.values()) > MOST_ROWS):
        kept.popitem(last=False)
    return value


def _rows(value) -> int:
    """How many rows a kept value holds: a Result's frame, a DataFrame or a drill-through page; 1 otherwise."""
    frame = getattr(value, "frame", value)
    try:
        return len(frame) if hasattr(frame, "columns") else 1
    except TypeError:
        return 1


def remember(principal, key: Hashable, value: T | None) -> T | None:
    """`value` when it is known (kept as the last good one), else the last good one kept for `key`, if any:
    for values a helper reads without raising (the data date is None when the engine does not answer)."""
    kept: OrderedDict = st.session_state.setdefault(KEPT, OrderedDict())
    slot = (principal, key)
    if value is not None:
        kept[slot] = (value, dt.datetime.now())
        return value
    return kept[slot][0] if slot in kept else None


def first_time(message: str) -> bool:
    """True the first time `message` is said in this run of the page (a page with five failing queries says
    the engine's message once). A run is told apart by the script context's cursors, which Streamlit makes
    anew at every run; outside a run every call is a first time."""
    try:
        from streamlit.runtime.scriptrunner import get_script_run_ctx

        marker = get_script_run_ctx().cursors
    except Exception:  # noqa: BLE001 - no run (bare mode) or another Streamlit: say it every time
        return True
    run, said = st.session_state.get(SAID, (None, set()))
    if run is not marker:  # a new run: the old marker is held here, so its identity is never reused
        run, said = marker, set()
    st.session_state[SAID] = (run, said)
    if message in said:
        return False
    said.add(message)
    return True


def when(read_at: dt.datetime) -> str:
    """'14:03' today, '2026-11-26 14:03' on an earlier day."""
    return read_at.strftime("%H:%M" if read_at.date() == dt.date.today() else "%Y-%m-%d %H:%M")
