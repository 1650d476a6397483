"""Rollup declarations, validated against the indicator library."""

from __future__ import annotations

import functools
import hashlib
import json
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from semantic.errors import ModelError
from semantic.model.graph import reachable
from semantic.model.library import Library
from semantic.model.loader import companion, load_yaml

ROLLUPS_FILE = Path(__file__).resolve().parent / "rollups.yml"


class RollupSpec(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    name: str = ""
    measures: tuple[str, ...] = Field(min_length=1)
    dimensions: tuple[str, ...] = ()
    grain: Literal["day", "month"] = "day"  # month: answers only whole-month ranges at month grain or coarser

    @property
    def table(self) -> str:
        return f"rollup_{self.name}"

    @property
    def time_column(self) -> str:
        return f"metric_time__{self.grain}"

    def definition_hash(self, library: Library) -> str:
        """Changes whenever the rollup or a measure it keeps is redefined: a stale rollup is never used."""
        return _definition_hash(self, library)


@functools.lru_cache(maxsize=256)  # asked for every measure of every compile; a library never changes
def _definition_hash(spec: RollupSpec, library: Library) -> str:
    body = {
        "measures": {m: library.measures[m].model_dump() for m in spec.measures},
        "dimensions": {d: library.dimensions[d].sources for d in spec.dimensions},
        "grain": spec.grain,
    }
    return hashlib.sha256(json.dumps(body, sort_keys=True, default=str).encode()).hexdigest()[:16]


class RollupsFile(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    rollups: dict[str, RollupSpec]


def _check(spec: RollupSpec, library: Library) -> None:
    where = f"rollups.yml: rollups.{spec.name}"
    for m in spec.measures:
        if m not in library.measures:
            raise ModelError(f"{where}: unknown measure '{m}'.")
    first = library.measures[spec.measures[0]]
    for m in spec.measures:
        measure = library.measures[m]
        if (measure.table, measure.time, measure.filter) != (first.table, first.time, first.filter):
            raise ModelError(
                f"{where}: measure '{m}' has another table, date or filter than '{spec.measures[0]}'; "
                "put it in a rollup of its own."
            )
        if library.tables[measure.table].planning is not None:
            raise ModelError(
                f"{where}: measure '{m}' reads the planning table {measure.table} (built from budget versions at "
                "each query, not in the warehouse); a rollup cannot hold it, drop it here."
            )
        if measure.agg not in ("sum", "count", "count_distinct"):
            raise ModelError(f"{where}: measure '{m}' is a {measure.agg}, which does not add up across cells.")
    for d in spec.dimensions:
        if d not in library.dimensions or library.column(first.table, d) is None:
            raise ModelError(f"{where}: dimension '{d}' does not apply to table {first.table}.")
    for m in spec.measures:
        measure = library.measures[m]
        if measure.agg != "count_distinct":
            continue
        counted = _counted_entity(library, first.table, measure.expr)
        owners = set(reachable(library.tables, counted))
        for d in spec.dimensions:
            if library.column(first.table, d).table not in owners:
                raise ModelError(
                    f"{where}: distinct '{m}' would not add up across '{d}' "
                    f"(not an attribute of {counted}); drop one of them."
                )


def _counted_entity(library: Library, table: str, expr: str) -> str:
    """The table whose rows a distinct count counts: order_lines.order_id counts orders."""
    owner, _, column = expr.rpartition(".")
    owner = owner or table
    for target, fk in library.tables[owner].joins.items():
        if fk == column:
            return target
    return owner


def load_rollups(library: Library, path: Path | None = None) -> dict[str, RollupSpec]:
    """The declared rollups: `path`, else rollups.yml beside the library (none for a library without one)."""
    path = path or companion("rollups.yml", ROLLUPS_FILE)
    return _load_rollups(library, path) if path else {}


@functools.lru_cache(maxsize=4)
def _load_rollups(library: Library, path: Path) -> dict[str, RollupSpec]:
    try:
        parsed = RollupsFile.model_validate(load_yaml(path.read_text(encoding="utf-8")) or {})
    except ValidationError as err:
        first = err.errors()[0]
        raise ModelError(f"{path.name}: {'.'.join(map(str, first['loc']))}: {first['msg']}.") from None
    specs = {}
    for name, spec in parsed.rollups.items():
        spec = spec.model_copy(update={"name": name})
        _check(spec, library)
        specs[name] = spec
    return specs
