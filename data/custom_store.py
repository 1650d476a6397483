"""Custom metrics and groupings that users define in the app, kept in the metadata store (migration 012).

A definition is a name, its author and its versions; each version is a library entry (a MetricSpec or a
DimensionSpec, stored as JSON in its YAML form), saved with who, when and a comment. A draft is seen by
its author and the roles it is shared with; a certifier (the certify_metrics permission) accepts one
version: that one is then the effective definition, with the certifier, the time and a note, until a
newer version is certified. Editing a certified definition makes a draft version waiting for review
(CustomInfo.pending_version); the certified one stays effective meanwhile.

    save(kind, name, spec, who, *, expected_version, comment="") -> Definition
    share(name, roles, who) -> Definition             certify(name, version, who, note="") -> Definition
    delete(name, who)                                 rename(name, new, who) -> Definition
    definitions() -> tuple[Definition, ...]           the effective ones (cached; generation checked <= 1/s)
    certified() -> tuple[Definition, ...]             the effective ones that are certified
    history(name) -> tuple[Version, ...]              pending() -> tuple[Version, ...]
    latest(name) -> Version                           version(name, n) -> Version
    diff(name, a, b) -> tuple[Change, ...]            tiles_using(name) -> tuple[TileUse, ...]
    register()                                        semantic.custom.registry reads definitions() from here
    forget()                                          read the store again at the next call (tests)

Every write is one transaction; every refusal is one line (QueryError, PolicyError), nothing written.
Delete and rename are refused while a board tile or another custom definition uses the name, and the
message lists them.
"""

from __future__ import annotations

from data import metastore
from data.custom import usage
from data.custom.reads import definitions, definitions_of, diff, forget, history, latest, pending, register, version
from data.custom.records import Certification, Change, TileUse, Version, find
from data.custom.writes import certify, delete, may_certify, rename, save, share

__all__ = [
    "Certification",
    "Change",
    "TileUse",
    "Version",
    "certify",
    "certified",
    "definitions",
    "definitions_in",
    "delete",
    "diff",
    "find",
    "forget",
    "history",
    "latest",
    "may_certify",
    "pending",
    "register",
    "rename",
    "save",
    "share",
    "tiles_using",
    "version",
]


def definitions_in(con) -> tuple:
    """The effective definitions read now through `con` (no cache): the CLI reading a store it was given."""
    return definitions_of(con)


def tiles_using(name: str) -> tuple[TileUse, ...]:
    """(board id, board title, owner, tile label) of every tile whose saved query names `name`."""
    with metastore.session() as con:
        return usage.tiles_using(con, name)


def certified() -> tuple:
    """The effective definitions that are certified, by name (what `certified export` writes)."""
    return tuple(d for d in definitions() if d.info.certified)
