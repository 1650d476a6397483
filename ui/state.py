"""The whole state of Explore as a small immutable value that round-trips
through the page's URL (st.query_params), so a link reproduces the view and
the browser's back button works."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

from semantic.query import Query, make_query, member_filter

GRAINS = ("day", "week", "month", "quarter", "year")
TIME_DRILL = {"year": "quarter", "quarter": "month", "month": "day"}
SEP = "|"


@dataclass(frozen=True)
class ExploreState:
    metrics: tuple[str, ...] = ()
    group_by: tuple[str, ...] = ()  # non-time dimensions
    grain: str | None = "month"  # metric_time grain, None for no time axis
    filters: tuple[tuple[str, tuple[str, ...]], ...] = ()
    time_from: dt.date | None = None
    time_to: dt.date | None = None
    compare: str | None = None
    chart: str = "auto"

    def __post_init__(self) -> None:  # one spelling per state, so equal views compare equal
        cleaned = {dim: tuple(dict.fromkeys(values)) for dim, values in self.filters if values}
        object.__setattr__(self, "filters", tuple(sorted(cleaned.items())))

    # ---- URL -----------------------------------------------------------------
    def to_params(self) -> dict[str, str]:
        out = {"m": ",".join(self.metrics)}
        if self.group_by:
            out["by"] = ",".join(self.group_by)
        out["grain"] = self.grain or "none"
        for dim, values in self.filters:
            out[f"f.{dim}"] = SEP.join(values)
        if self.time_from:
            out["from"] = self.time_from.isoformat()
        if self.time_to:
            out["to"] = self.time_to.isoformat()
        if self.compare:
            out["cmp"] = self.compare
        if self.chart != "auto":
            out["chart"] = self.chart
        return out

    @classmethod
    def from_params(cls, params: dict[str, str], default_metrics: tuple[str, ...] = ()) -> ExploreState:
        def names(key):
            return tuple(dict.fromkeys(p.strip() for p in params.get(key, "").split(",") if p.strip()))

        def date(key):
            try:
                return dt.date.fromisoformat(params[key]) if params.get(key) else None
            except ValueError:
                return None

        grain = params.get("grain", "month")
        filters = tuple(
            (key[2:], tuple(v for v in value.split(SEP) if v))
            for key, value in sorted(params.items())
            if key.startswith("f.") and value
        )
        return cls(
            # no m at all: the default metrics; an empty m: the user cleared them (the page asks for one)
            metrics=names("m") if "m" in params else default_metrics,
            group_by=names("by"),
            grain=grain if grain in GRAINS else None,
            filters=filters,
            time_from=date("from"),
            time_to=date("to"),
            compare=params.get("cmp") if params.get("cmp") in ("prior_period", "prior_year") else None,
            chart=params.get("chart", "auto"),
        )

    # ---- the semantic query ----------------------------------------------------
    @property
    def keys(self) -> tuple[str, ...]:
        return ((f"metric_time__{self.grain}",) if self.grain else ()) + self.group_by

    def where(self) -> str | None:
        return member_filter({dim: list(values) for dim, values in self.filters})

    def query(self, order_by: tuple[str, ...] = (), limit: int | None = 5000) -> Query:
        return make_query(
            metrics=self.metrics,
            group_by=self.keys,
            where=self.where(),
            time_from=self.time_from,
            time_to=self.time_to,
            compare=self.compare,
            order_by=order_by,
            limit=limit,
        )

    # ---- changes -----------------------------------------------------------------
    def with_filter(self, dim: str, values: list[str]) -> ExploreState:
        rest = tuple((d, v) for d, v in self.filters if d != dim)
        return replace(self, filters=rest + ((dim, tuple(values)),) if values else rest)

    def without_filter(self, dim: str) -> ExploreState:
        return replace(self, filters=tuple((d, v) for d, v in self.filters if d != dim))

    def drill(self, dim: str, values: list[str], next_level: str) -> ExploreState:
        """Filter to the selected members of `dim` and group by the next level instead."""
        by = tuple(next_level if d == dim else d for d in self.group_by)
        return replace(self.with_filter(dim, values), group_by=by)

    def up(self, dim: str, parent: str) -> ExploreState:
        """Back up from `dim` to `parent`, dropping the filter that led down."""
        by = tuple(parent if d == dim else d for d in self.group_by)
        return replace(self.without_filter(parent), group_by=by)
