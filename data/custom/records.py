"""The values the custom store hands out, and reading/writing a spec as stored (JSON)."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from semantic.custom.check import name_shape
from semantic.custom.model import Definition
from semantic.errors import QueryError, did_you_mean
from semantic.model.schema import DimensionSpec, MetricSpec

KINDS = ("metric", "grouping")
CERTIFICATION_FIELDS = ("certified", "certified_by", "certified_at", "certification_note")
MAX_COMMENT = 500


@dataclass(frozen=True)
class Certification:
    version: int
    certified_by: str
    certified_at: str
    note: str = ""


@dataclass(frozen=True)
class Version:
    """One saved version of a custom definition, and its certification if a certifier accepted it."""

    name: str
    kind: str
    version: int
    spec: MetricSpec | DimensionSpec
    saved_by: str
    saved_at: str
    comment: str = ""
    certification: Certification | None = None


@dataclass(frozen=True)
class Change:
    """One field that differs between two versions (dotted for nested fields: label.zh)."""

    field: str
    before: Any
    after: Any


@dataclass(frozen=True)
class TileUse:
    """A board tile (or a board's filters) whose saved query names a custom definition."""

    board_id: int
    board_title: str
    owner: str
    tile_label: str

    def text(self) -> str:
        return f"'{self.board_title}' › '{self.tile_label}'"


def now_text() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def spec_class(kind: str) -> type[MetricSpec] | type[DimensionSpec]:
    return MetricSpec if kind == "metric" else DimensionSpec


def check_name(name: str) -> None:
    """The layer's one rule for a custom name (semantic.custom.check.name_shape), asked before anything is read."""
    name_shape(name)


def check_kind(kind: str, spec) -> None:
    if kind not in KINDS:
        raise QueryError(f"kind '{kind}': use metric or grouping.")
    if not isinstance(spec, spec_class(kind)):
        wanted = "a metric (MetricSpec)" if kind == "metric" else "a grouping (DimensionSpec)"
        raise QueryError(f"a custom {kind} must be {wanted}.")


def stored(spec) -> dict:
    """The spec as stored: its library form without any certification (a certifier adds that, never a save)."""
    data = spec.model_dump(mode="json", exclude_defaults=True)
    for key in CERTIFICATION_FIELDS:
        data.pop(key, None)
    return data


def spec_json(spec) -> str:
    return json.dumps(stored(spec), ensure_ascii=False, sort_keys=True)


def read_spec(kind: str, text: str):
    return spec_class(kind).model_validate(json.loads(text))


def certified_spec(spec, cert: Certification):
    """The spec with its certification filled in (only the fields the schema has)."""
    known = type(spec).model_fields
    values = {
        "certified": True,
        "certified_by": cert.certified_by,
        "certified_at": cert.certified_at,
        "certification_note": cert.note or None,
    }
    return type(spec).model_validate({**stored(spec), **{k: v for k, v in values.items() if k in known}})


def unknown(name: str, known) -> QueryError:
    return QueryError(f"there is no custom metric or grouping '{name}'.{did_you_mean(name, known)}")


def find(definitions: tuple[Definition, ...], name: str) -> Definition:
    for definition in definitions:
        if definition.name == name:
            return definition
    raise unknown(name, [d.name for d in definitions])


def flatten(data: Any, prefix: str = "") -> dict[str, Any]:
    """{"label": {"en": "x"}} -> {"label.en": "x"}; lists stay whole."""
    if isinstance(data, dict):
        out: dict[str, Any] = {}
        for key, value in data.items():
            out.update(flatten(value, f"{prefix}.{key}" if prefix else str(key)))
        return out
    return {prefix: data}
