"""Custom metrics and groupings: what a user defined in the app, as the semantic layer sees it.

A custom definition is an ordinary library entry (a MetricSpec or a DimensionSpec, so a
certified one exports to YAML unchanged) plus who made it, who it is shared with and whether
a certifier accepted it. The store (data/custom_store.py) keeps versions; the layer only
ever sees each name's effective definition: the certified version while there is one, else
the latest draft.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

from semantic.model.schema import DimensionSpec, MetricSpec

Kind = Literal["metric", "grouping"]
Status = Literal["draft", "certified"]


class CustomInfo(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    kind: Kind
    author: str  # the login name of the user who made it (its owner)
    author_label: str = ""  # their display name, for "draft · Zhou Min"
    shared_with: tuple[str, ...] = ()  # roles that may use the draft
    version: int = 1
    status: Status = "draft"
    certified_by: str | None = None
    certified_at: str | None = None
    note: str | None = None
    pending_version: int | None = None  # a newer draft of a certified definition, waiting for review

    @property
    def certified(self) -> bool:
        return self.status == "certified"

    @property
    def owner_text(self) -> str:
        return self.author_label or self.author


class Definition(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    info: CustomInfo
    spec: MetricSpec | DimensionSpec

    @property
    def name(self) -> str:
        return self.info.name
