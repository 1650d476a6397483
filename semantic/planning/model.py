"""The values the planning store hands the layer: versions and their lines, as one immutable Plan."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal

Kind = Literal["budget", "forecast"]
Status = Literal["draft", "submitted", "approved", "locked"]
KINDS: tuple[str, ...] = ("budget", "forecast")
STATUSES: tuple[str, ...] = ("draft", "submitted", "approved", "locked")
APPROVED: tuple[str, ...] = ("approved", "locked")  # the statuses a default (approved) budget may have
IMPORTED = "imported"  # the version name of the warehouse's own budget table (loaded from outside)


@dataclass(frozen=True)
class Version:
    """One budget version: `name` is unique (case-insensitive) and is what users, the CLI and the
    `version` dimension call it. A forecast reads actuals for months 1..switch_month of its year and
    its own lines after that."""

    name: str
    year: int
    kind: Kind = "budget"
    status: Status = "draft"
    switch_month: int = 0  # forecast only: the last month of actuals (3 in "Forecast 3+9")
    approved_at: str = ""  # ISO UTC time of approval; the latest approved budget of a year is its default

    @property
    def approved(self) -> bool:
        return self.status in APPROVED


@dataclass(frozen=True)
class Line:
    """One cell of a version: an amount for a month (first day), department, account and region."""

    month: dt.date
    department: str
    account: str
    region: str
    amount: Decimal


@dataclass(frozen=True, eq=False)
class Plan:
    """Every version and its lines at one moment. Two Plans are equal when their `token` is (the
    store's generation), so compiled plans are kept per token and a saved cell is seen at once."""

    token: str = "empty"
    versions: tuple[Version, ...] = ()
    lines: dict[str, tuple[Line, ...]] = field(default_factory=dict)  # by version name

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Plan) and other.token == self.token

    def __hash__(self) -> int:
        return hash(self.token)

    def find(self, name: str) -> Version | None:
        """The version called `name` (case-insensitive), None when there is none."""
        wanted = name.strip().casefold()
        return next((v for v in self.versions if v.name.casefold() == wanted), None)

    def default_for(self, year: int) -> Version | None:
        """The approved budget of `year` (the latest approved), None when the year has none."""
        approved = [v for v in self.versions if v.year == year and v.kind == "budget" and v.approved]
        return max(approved, key=lambda v: (v.approved_at, v.name)) if approved else None


EMPTY = Plan()
