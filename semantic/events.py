"""Extension point: who wants to hear about each query (the audit log, metrics).

The semantic layer does not know where the audit log lives; the app and the CLI
register a listener at start-up (auth.audit.install()). A listener that fails
never fails the query: the failure is reported on stderr and the query goes on.
`report` is how the layer's entry points (service.run, detail.drill_through)
tell the listeners about one data access.
"""

from __future__ import annotations

import datetime as dt
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass

from semantic.errors import PolicyError, SemanticError
from semantic.principal import Principal
from semantic.query import Query

_listeners: list[Callable[[QueryEvent], None]] = []


@dataclass(frozen=True)
class QueryEvent:
    at: dt.datetime  # UTC
    username: str
    roles: tuple[str, ...]
    source: str  # which page or command asked, e.g. "cli:query", "page:explore"
    metrics: tuple[str, ...]
    dimensions: tuple[str, ...]
    where: str | None
    time_from: dt.date | None
    time_to: dt.date | None
    rows: int | None  # None when the query failed
    duration_ms: float
    outcome: str  # "ok", "refused" (policy), "error"
    message: str = ""
    question: str = ""  # the words a user typed, when the query came from a question (Ask)


def add_listener(listener: Callable[[QueryEvent], None]) -> None:
    if listener not in _listeners:
        _listeners.append(listener)


def remove_listener(listener: Callable[[QueryEvent], None]) -> None:
    if listener in _listeners:
        _listeners.remove(listener)


def emit(event: QueryEvent) -> None:
    for listener in list(_listeners):
        try:
            listener(event)
        except Exception as err:  # an audit sink must not break a query
            print(f"warning: query listener {getattr(listener, '__name__', listener)} failed: {err}", file=sys.stderr)


def report(
    query: Query,
    principal: Principal,
    source: str,
    started: float,
    *,
    rows: int | None = None,
    error: SemanticError | None = None,
    question: str = "",
) -> None:
    """Tell the listeners (the audit log) about one data access: answered (`rows`),
    refused by the policy or failed (`error`); `started` is time.perf_counter() at the start."""
    outcome = "ok" if error is None else "refused" if isinstance(error, PolicyError) else "error"
    message = "" if error is None else str(error)
    emit(
        QueryEvent(
            at=dt.datetime.now(dt.UTC),
            username=principal.username,
            roles=principal.roles,
            source=source,
            metrics=query.metrics,
            dimensions=query.group_by,
            where=query.where,
            time_from=query.time_from,
            time_to=query.time_to,
            rows=rows,
            duration_ms=(time.perf_counter() - started) * 1000,
            outcome=outcome,
            message=message,
            question=question,
        )
    )
