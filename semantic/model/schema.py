"""The shape of the indicator library: what each YAML entry may say.

These pydantic models validate one file's entries on their own (types, required
keys, allowed values). Cross-references between entries (a measure's table, a
metric's measure, a dimension's source column) are checked by the loader, which
sees the whole library. All models are frozen: a loaded model never changes.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

NAME_PATTERN = r"^[a-z][a-z0-9_]*$"


class Spec(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Text(Spec):
    """A string in both first-class languages."""

    en: str = Field(min_length=1)
    zh: str = Field(min_length=1)

    def get(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en


class Synonyms(Spec):
    en: tuple[str, ...] = ()
    zh: tuple[str, ...] = ()


class TableSpec(Spec):
    """A warehouse table. `joins` maps a target table to this table's foreign key
    column; the join is many-to-one onto the target's single-column primary key."""

    label: Text
    description: Text | None = None
    primary_key: str | tuple[str, ...]
    columns: tuple[str, ...] = Field(min_length=1)
    joins: dict[str, str] = {}
    # The date column that says how recent this table's business data is (orders: order_date). The
    # warehouse's data date, set by every sync and upload, is the latest of these; a plan (budgets) or
    # a ledger posted after the period leaves it out.
    freshness: str | None = None

    @model_validator(mode="after")
    def _freshness_is_a_column(self):
        if self.freshness is not None and self.freshness not in self.columns:
            raise ValueError(f"freshness: '{self.freshness}' is not one of this table's columns")
        return self

    @property
    def key_columns(self) -> tuple[str, ...]:
        return (self.primary_key,) if isinstance(self.primary_key, str) else self.primary_key


class DimensionSpec(Spec):
    """A way to group and filter. `sources` lists the `table.column` places the
    dimension lives; a measure can use it when one of them is reachable from the
    measure's table by many-to-one joins."""

    label: Text
    description: Text
    owner: str
    synonyms: Synonyms = Synonyms()
    sources: tuple[str, ...] = Field(min_length=1)
    members: dict[str, Text] = {}
    drill: str | None = None  # the next level down, e.g. region -> city


class MeasureSpec(Spec):
    """An aggregation over one table. `expr` and `filter` are SQL over the table's
    columns (bare) or joined tables' columns (`table.column`); `time` is the date
    that metric_time means for this measure."""

    table: str
    expr: str
    agg: Literal["sum", "count", "count_distinct", "min", "max"]
    time: str
    filter: str | None = None


class MetricSpec(Spec):
    """An indicator (指标). Types:
    - simple: one measure, aggregated at the requested grain;
    - derived: an expression over other metrics, computed after aggregation;
    - cumulative: a balance, the running total of `add` minus `subtract` measures
      from the beginning of the data to the end of each period;
    - snapshot: a stock measured at dates (a balance), taken on the last
      snapshot date within each period, never summed across periods.
    """

    label: Text
    description: Text
    owner: str
    format: Literal["currency", "percent", "count", "days", "number"]
    tags: tuple[str, ...] = Field(min_length=1)
    synonyms: Synonyms = Synonyms()
    certified: bool = False
    type: Literal["simple", "derived", "cumulative", "snapshot"]
    measure: str | None = None
    expr: str | None = None
    add: tuple[str, ...] = ()
    subtract: tuple[str, ...] = ()
    formula: Text | None = None  # the definition in business words, for the catalog
    # which way is good news: up (revenue), down (costs, receivables, DSO), neutral (a gap to explain)
    good: Literal["up", "down", "neutral"]
    # how a change is stated: relative (+8.7%), points (a ratio's +0.13 pp) or absolute (a variance's
    # +¥1.2万, which can change sign so a relative change means nothing); default from the format
    change: Literal["relative", "points", "absolute"] | None = None

    @property
    def change_kind(self) -> str:
        if self.change is not None:
            return self.change
        return "points" if self.format == "percent" else "relative"

    @field_validator("tags")
    @classmethod
    def _tags_are_names(cls, tags: tuple[str, ...]) -> tuple[str, ...]:
        import re

        for tag in tags:
            if not re.match(NAME_PATTERN, tag):
                raise ValueError(f"tag '{tag}' must be lower_snake_case")
        return tags


class LibraryFile(Spec):
    """One YAML file of the library; every section is optional."""

    tables: dict[str, TableSpec] = {}
    dimensions: dict[str, DimensionSpec] = {}
    measures: dict[str, MeasureSpec] = {}
    metrics: dict[str, MetricSpec] = {}
