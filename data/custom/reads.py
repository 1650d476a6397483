"""Reading custom definitions: the effective ones (cached per process), a name's history, drafts
waiting for review, and what changed between two versions."""

from __future__ import annotations

import logging

from data import metastore
from data.custom.records import Certification, Change, Version, certified_spec, flatten, read_spec, stored, unknown
from data.store_reading import StoreReading
from semantic.custom import registry
from semantic.custom.model import CustomInfo, Definition
from semantic.errors import QueryError

log = logging.getLogger(__name__)


def generation(con) -> int:
    row = con.execute("SELECT generation FROM custom_generation WHERE singleton = 1").fetchone()
    return int(row[0]) if row else 0


def live_row(con, name: str):
    """The definition row of a name that exists (not deleted), or None."""
    return con.execute("SELECT * FROM custom_definitions WHERE name = ? AND deleted_at IS NULL", (name,)).fetchone()


def live_names(con) -> list[str]:
    return [r[0] for r in con.execute("SELECT name FROM custom_definitions WHERE deleted_at IS NULL ORDER BY name")]


def existing_row(con, name: str):
    """The live row of `name`, or a one-line error naming a close one."""
    row = live_row(con, name)
    if row is None:
        raise unknown(name, live_names(con))
    return row


def latest_version(con, definition_id: int) -> int:
    row = con.execute("SELECT max(version) FROM custom_versions WHERE definition_id = ?", (definition_id,)).fetchone()
    return int(row[0] or 0)


def shared_roles(con, definition_id: int) -> tuple[str, ...]:
    rows = con.execute("SELECT role FROM custom_shares WHERE definition_id = ? ORDER BY role", (definition_id,))
    return tuple(r[0] for r in rows)


def certified_version(con, definition_id: int) -> int:
    row = con.execute(
        "SELECT max(version) FROM custom_certifications WHERE definition_id = ?", (definition_id,)
    ).fetchone()
    return int(row[0] or 0)


def definitions_of(con, only_id: int | None = None) -> tuple[Definition, ...]:
    """Every live definition's effective version (certified if any, else the latest draft), by name, in
    two queries. A stored spec the schema no longer reads is left out (logged), never breaking the rest."""
    where, args = ("AND d.id = ?", (only_id,)) if only_id is not None else ("", ())
    rows = con.execute(
        "WITH top AS (SELECT d.id, d.name, d.kind, d.author, d.author_label, "
        "(SELECT max(version) FROM custom_versions v WHERE v.definition_id = d.id) AS latest, "
        "(SELECT max(version) FROM custom_certifications c WHERE c.definition_id = d.id) AS certified "
        f"FROM custom_definitions d WHERE d.deleted_at IS NULL {where}) "
        "SELECT top.*, v.spec, c.certified_by, c.certified_at, c.note FROM top "
        "JOIN custom_versions v ON v.definition_id = top.id AND v.version = COALESCE(top.certified, top.latest) "
        "LEFT JOIN custom_certifications c ON c.definition_id = top.id AND c.version = top.certified "
        "ORDER BY top.name",
        args,
    ).fetchall()
    shares: dict[int, list[str]] = {}
    for r in con.execute("SELECT definition_id, role FROM custom_shares ORDER BY role"):
        shares.setdefault(r[0], []).append(r[1])
    out = []
    for row in rows:
        latest, certified = int(row["latest"]), int(row["certified"] or 0)
        cert = (
            Certification(certified, row["certified_by"], row["certified_at"], row["note"] or "") if certified else None
        )
        try:
            spec = read_spec(row["kind"], row["spec"])
            if cert is not None:
                spec = certified_spec(spec, cert)
        except ValueError as err:  # pydantic's ValidationError, bad JSON: a spec stored by an older schema
            log.warning(
                "custom definition %s cannot be read and is left out: %s", row["name"], str(err).splitlines()[0]
            )
            continue
        info = CustomInfo(
            name=row["name"],
            kind=row["kind"],
            author=row["author"],
            author_label=row["author_label"] or "",
            shared_with=tuple(shares.get(row["id"], ())),
            version=certified or latest,
            status="certified" if cert else "draft",
            certified_by=cert.certified_by if cert else None,
            certified_at=cert.certified_at if cert else None,
            note=(cert.note or None) if cert else None,
            pending_version=latest if cert and latest > certified else None,
        )
        out.append(Definition(info=info, spec=spec))
    return tuple(out)


def definition_of(con, row) -> Definition:
    return definitions_of(con, row["id"])[0]


def _read_definitions(con, counted: int, found: metastore.Target) -> tuple[Definition, ...]:
    return definitions_of(con)


KEPT = StoreReading("custom definitions", generation, _read_definitions, ())


def definitions() -> tuple[Definition, ...]:
    """The effective custom definitions of the configured store, kept in this process until the store's
    generation moves (data.store_reading: the counter read at most once a second)."""
    return KEPT.current()


def forget() -> None:
    """Read the store again at the next call (tests; every write of this process does it too)."""
    KEPT.forget()


def register() -> None:
    """Let the semantic layer see the store's definitions (the app, the screen server and the CLI call this).
    A store that cannot be read just now (locked, restarting) leaves the last definitions read in place:
    every query asks for them, and no screen should go blank because the metadata store is busy."""
    registry.provide(KEPT.or_last)


def history(name: str) -> tuple[Version, ...]:
    """Every version of `name`, oldest first, with who saved it, when, why, and its certification."""
    with metastore.session() as con:
        row = existing_row(con, name)
        certs = {
            r[0]: Certification(r[0], r[1], r[2], r[3] or "")
            for r in con.execute(
                "SELECT version, certified_by, certified_at, note FROM custom_certifications WHERE definition_id = ?",
                (row["id"],),
            )
        }
        versions = con.execute(
            "SELECT version, spec, saved_by, saved_at, comment FROM custom_versions WHERE definition_id = ? "
            "ORDER BY version",
            (row["id"],),
        ).fetchall()
    return tuple(
        Version(
            name=name,
            kind=row["kind"],
            version=v["version"],
            spec=read_spec(row["kind"], v["spec"]),
            saved_by=v["saved_by"],
            saved_at=v["saved_at"],
            comment=v["comment"] or "",
            certification=certs.get(v["version"]),
        )
        for v in versions
    )


def pending() -> tuple[Version, ...]:
    """Drafts waiting for a certifier: the latest version of each shared draft never certified, and of
    each certified definition whose latest version is newer than its certified one. Oldest saved first."""
    with metastore.session() as con:
        rows = con.execute(
            "SELECT d.name, d.kind, v.version, v.spec, v.saved_by, v.saved_at, v.comment FROM custom_definitions d "
            "JOIN custom_versions v ON v.definition_id = d.id "
            "WHERE d.deleted_at IS NULL "
            "AND v.version = (SELECT max(version) FROM custom_versions w WHERE w.definition_id = d.id) "
            "AND NOT EXISTS (SELECT 1 FROM custom_certifications c WHERE c.definition_id = d.id "
            "AND c.version >= v.version) "
            "AND (EXISTS (SELECT 1 FROM custom_certifications c WHERE c.definition_id = d.id) "
            "OR EXISTS (SELECT 1 FROM custom_shares s WHERE s.definition_id = d.id)) "
            "ORDER BY v.saved_at, d.name",
        ).fetchall()
    return tuple(
        Version(
            r["name"],
            r["kind"],
            r["version"],
            read_spec(r["kind"], r["spec"]),
            r["saved_by"],
            r["saved_at"],
            r["comment"] or "",
        )
        for r in rows
    )


def version(name: str, number: int) -> Version:
    for found in history(name):
        if found.version == number:
            return found
    raise QueryError(f"'{name}' has no version {number}; see its history for the versions there are.")


def latest(name: str) -> Version:
    """The newest version of `name` (what an editor opens: its number is the expected_version of the next save)."""
    return history(name)[-1]


def diff(name: str, a: int, b: int) -> tuple[Change, ...]:
    """What changed from version `a` to version `b` of `name`, field by field (label.zh, expr, where ...)."""
    before, after = flatten(stored(version(name, a).spec)), flatten(stored(version(name, b).spec))
    return tuple(
        Change(key, before.get(key), after.get(key))
        for key in sorted(set(before) | set(after))
        if before.get(key) != after.get(key)
    )
