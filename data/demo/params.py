"""Sizes of the demo company at a given scale (scale 1 is about 1,000,000 order lines)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

START = dt.date(2023, 1, 1)
END = dt.date(2025, 12, 31)


@dataclass(frozen=True)
class Params:
    scale: float
    seed: int

    def __post_init__(self) -> None:
        if not (0 < self.scale <= 100):
            raise ValueError(f"scale must be above 0 and at most 100, got {self.scale}")
        if not (0 <= self.seed < 2**31):
            raise ValueError(f"seed must be a whole number from 0 to {2**31 - 1}, got {self.seed}")

    start = START
    end = END

    @property
    def days(self) -> int:
        return (END - START).days + 1

    @property
    def orders(self) -> int:  # 3 lines per order on average
        return max(200, round(333_000 * self.scale))

    @property
    def customers(self) -> int:
        return max(60, round(4_000 * self.scale**0.8))

    @property
    def products(self) -> int:
        return max(60, min(2_000, round(600 * self.scale**0.5)))

    @property
    def reps_per_region(self) -> int:
        return max(2, min(60, round(12 * self.scale**0.5)))

    @property
    def bills_per_month(self) -> int:
        """Supplier bills per region, category and month."""
        return max(1, min(40, round(8 * self.scale)))

    @property
    def expenses_per_month(self) -> int:
        """Expense rows per department, account, region and month."""
        return max(1, min(40, round(6 * self.scale)))
