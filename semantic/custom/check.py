"""Checking a user's draft before it is saved (lead: being written; signature fixed)."""

from __future__ import annotations

from semantic.custom.model import Definition
from semantic.model.library import Library
from semantic.principal import Principal


def validate(definition: Definition, principal: Principal, library: Library | None = None) -> Library:
    """The library with `definition` added, or a one-line QueryError/PolicyError saying what is wrong:
    unknown names, a cycle, a name clash, an ingredient `principal` is not granted."""
    raise NotImplementedError("semantic.custom.check.validate is being written by the lead")
