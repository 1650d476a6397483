"""Answer a question: interpret it, then run its Query on the normal path (policy, cache, audit)."""

from __future__ import annotations

import datetime as dt

from semantic.ask.interpret import interpret
from semantic.ask.result import Interpretation
from semantic.model.library import Library
from semantic.principal import Principal
from semantic.service import Result, run


def answer(
    text: str,
    principal: Principal,
    *,
    warehouse,
    library: Library | None = None,
    as_of: dt.date | None = None,
    lang: str | None = None,
    source: str = "ask",
    max_rows: int | None = None,
) -> tuple[Interpretation, Result | None]:
    """(interpretation, result); the result is None when the question was refused (nothing ran)."""
    reading = interpret(text, principal, warehouse=warehouse, library=library, as_of=as_of, lang=lang)
    if reading.refused:
        return reading, None
    return reading, run(
        reading.query,
        principal,
        warehouse=warehouse,
        library=library,
        source=source,
        max_rows=max_rows,
        question=text[:500],  # the audit log keeps the words asked beside the query they became
    )
