"""The Query: what a page, a board tile or the CLI asks the semantic layer for.

A Query names metrics and dimensions from the indicator library, never tables
or SQL. It is an immutable value: pages build one, the layer compiles it under
the asking principal's policy, and the same Query can be saved, put in a URL
or run again later.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from semantic.compile.where import parse_text
from semantic.errors import QueryError

Comparison = Literal["prior_period", "prior_year"]


class Query(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    metrics: tuple[str, ...] = Field(min_length=1)
    group_by: tuple[str, ...] = ()
    where: str | None = None
    time_from: dt.date | None = None
    time_to: dt.date | None = None
    compare: Comparison | None = None
    order_by: tuple[str, ...] = ()  # names, '-name' for descending
    limit: int | None = Field(default=None, ge=1, le=1_000_000)
    # the budget version budget metrics read (a name from the planning store, or 'imported' for the warehouse's
    # budget table); None: each year's approved budget (semantic.planning)
    budget_version: str | None = Field(default=None, max_length=100)

    @field_validator("metrics", "group_by", "order_by")
    @classmethod
    def _no_blanks_or_repeats(cls, names: tuple[str, ...]) -> tuple[str, ...]:
        cleaned = tuple(n.strip() for n in names)
        if any(not n for n in cleaned):
            raise ValueError("names must not be empty")
        if len(set(cleaned)) != len(cleaned):
            raise ValueError("a name is listed twice")
        return cleaned

    @field_validator("budget_version")
    @classmethod
    def _blank_version_is_none(cls, name: str | None) -> str | None:
        return name.strip() if name and name.strip() else None

    @field_validator("where")
    @classmethod
    def _blank_where_is_none(cls, where: str | None) -> str | None:
        # The text is checked where it is parsed (compile.where.parse_text), so a
        # stored board with a bad filter still loads and only that tile says why.
        return where if where and where.strip() else None

    @model_validator(mode="after")
    def _range_in_order(self) -> Query:
        if self.time_from and self.time_to and self.time_from > self.time_to:
            raise ValueError(f"the range starts ({self.time_from}) after it ends ({self.time_to})")
        return self

    def with_(self, **changes) -> Query:
        """A copy with some fields changed, validated like a new Query."""
        return make_query(**{**self.model_dump(), **changes})


def make_query(**fields) -> Query:
    """Build a Query, turning validation problems into one clear QueryError."""
    try:
        return Query(**fields)
    except ValidationError as err:
        first = err.errors()[0]
        field = ".".join(str(p) for p in first["loc"]) or "query"
        message = first["msg"].removeprefix("Value error, ")  # pydantic's prefix says nothing to a user
        raise QueryError(f"{field}: {message}.") from None


def parse_date(text: str, flag: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise QueryError(f"{flag} '{text}' is not a date; write it as YYYY-MM-DD, e.g. 2025-01-31.") from None


def split_names(text: str | None) -> tuple[str, ...]:
    """'revenue, cash_in' -> ('revenue', 'cash_in')."""
    return tuple(part.strip() for part in (text or "").split(",") if part.strip())


def member_filter(selected: dict[str, list[str]], extra: str | None = None) -> str | None:
    """A where text for chosen members, e.g. {'region': ['East', 'South']} ->
    "region IN ('East', 'South')", built by sqlglot so every value is a quoted
    literal (the layer parses and rebuilds it again anyway). `extra`, a user's
    filter, is parsed like every filter: bad or hostile text is a QueryError."""
    from sqlglot import exp

    parts = [
        exp.column(dim).isin(*[exp.Literal.string(str(v)) for v in values])
        for dim, values in selected.items()
        if values
    ]
    if extra and extra.strip():
        parts.append(exp.paren(parse_text(extra)))
    return exp.and_(*parts).sql(dialect="duckdb") if parts else None
