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


class Planning(Spec):
    """A planning table's marker: not in the warehouse, built by the compiler from the current Plan
    (semantic.planning). `actuals` is the measure whose actuals fill a forecast's months up to its switch
    month; `imported` is the warehouse table read as the version 'imported'."""

    actuals: str
    imported: str


class TableSpec(Spec):
    """A warehouse table (or, with `planning`, a table the compiler builds from budget versions). `joins` maps a target table to this table's foreign key
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
    planning: Planning | None = None

    @model_validator(mode="after")
    def _freshness_is_a_column(self):
        if self.freshness is not None and self.freshness not in self.columns:
            raise ValueError(f"freshness: '{self.freshness}' is not one of this table's columns")
        return self

    @property
    def key_columns(self) -> tuple[str, ...]:
        return (self.primary_key,) if isinstance(self.primary_key, str) else self.primary_key


OTHER = Text(en="Other", zh="其他")


class Bucket(Spec):
    """One bucket of a grouping: the base dimension's members that fall in it."""

    label: Text
    members: tuple[str, ...] = Field(min_length=1)


class Band(Spec):
    """One numeric band of a grouping: values under `below` (and not in an earlier band)."""

    label: Text
    below: float = Field(allow_inf_nan=False)


class DimensionSpec(Spec):
    """A way to group and filter. `sources` lists the `table.column` places the
    dimension lives; a measure can use it when one of them is reachable from the
    measure's table by many-to-one joins.

    A grouping is a dimension with `base` (another dimension) instead of `sources`:
    `buckets` map the base's members to labels, or `bands` cut a numeric base into
    ranges; anything else is `other` (None: empty), a NULL base stays NULL. Its
    value is the label's en text; it applies wherever its base applies."""

    label: Text
    description: Text
    owner: str
    synonyms: Synonyms = Synonyms()
    sources: tuple[str, ...] = ()
    members: dict[str, Text] = {}
    drill: str | None = None  # the next level down, e.g. region -> city
    base: str | None = None
    buckets: tuple[Bucket, ...] = ()
    bands: tuple[Band, ...] = ()
    other: Text | None = OTHER
    certified: bool = False
    certified_by: str | None = None
    certified_at: str | None = None
    certification_note: str | None = None

    @property
    def is_grouping(self) -> bool:
        return self.base is not None

    @model_validator(mode="after")
    def _one_kind(self):
        if bool(self.sources) == (self.base is not None):
            raise ValueError("give exactly one of 'sources' (a column) or 'base' (the dimension a grouping groups)")
        if self.base is None:
            if self.buckets or self.bands:
                raise ValueError("'buckets' and 'bands' need 'base' (the dimension they group)")
            return self
        if bool(self.buckets) == bool(self.bands):
            raise ValueError("a grouping needs exactly one of 'buckets' (members -> labels) or 'bands' (numeric)")
        seen: dict[str, str] = {}
        for bucket in self.buckets:
            for member in bucket.members:
                if member in seen:
                    raise ValueError(
                        f"member '{member}' is in two buckets ('{seen[member]}' and '{bucket.label.en}'); "
                        "keep it in one"
                    )
                seen[member] = bucket.label.en
        for lower, upper in zip(self.bands, self.bands[1:]):
            if not upper.below > lower.below:
                raise ValueError(
                    f"bands must be strictly ascending: '{upper.label.en}' (below {upper.below:g}) comes after "
                    f"'{lower.label.en}' (below {lower.below:g}); order them by 'below'"
                )
        labels = [p.label.en for p in self.buckets + self.bands] + ([self.other.en] if self.other else [])
        twice = next((label for label in labels if labels.count(label) > 1), None)
        if twice is not None:
            raise ValueError(f"label '{twice}' is used twice in this grouping; give each bucket or band its own")
        return self


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
      snapshot date within each period, never summed across periods;
    - filtered: `base` with the extra filter `where` (dimension names, the Query
      where language) on every measure it reads;
    - share: `base` divided by `base` over all members of `across` (other group
      keys and filters kept, filters on `across` dropped, row policy kept).
    """

    label: Text
    description: Text
    owner: str
    format: Literal["currency", "percent", "count", "days", "number"]
    tags: tuple[str, ...] = Field(min_length=1)
    synonyms: Synonyms = Synonyms()
    certified: bool = False
    type: Literal["simple", "derived", "cumulative", "snapshot", "filtered", "share"]
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
    base: str | None = None  # filtered, share: the metric it builds on
    where: str | None = None  # filtered: "channel = 'Online'"
    across: str | None = None  # share: the dimension whose members make the total
    certified_by: str | None = None
    certified_at: str | None = None  # ISO timestamp
    certification_note: str | None = None

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
