"""Changing custom definitions: save a version, share, certify, delete, rename. Each write is one
transaction that also counts up the store's generation, so every process reads the change within a second."""

from __future__ import annotations

from contextlib import contextmanager

from data import metastore
from data.custom import reads, usage
from data.custom.records import (
    MAX_COMMENT,
    Certification,
    certified_spec,
    check_kind,
    check_name,
    now_text,
    read_spec,
    spec_class,
    spec_json,
    stored,
)
from semantic.custom import check
from semantic.custom.model import CustomInfo, Definition
from semantic.errors import PolicyError, QueryError, did_you_mean

CERTIFY = "certify_metrics"


def _bump(con) -> None:
    con.execute("UPDATE custom_generation SET generation = generation + 1 WHERE singleton = 1")


@contextmanager
def _writing():
    """One transaction on the store; this process reads the definitions again once it is committed."""
    try:
        with metastore.session() as con, metastore.transaction(con):
            yield con
    finally:
        reads.forget()


def _owner_text(row) -> str:
    return f"{row['author_label']} ({row['author']})" if row["author_label"] else row["author"]


def _must_own(row, who, name: str) -> None:
    if row["author"] != who.username:
        raise PolicyError(f"only {_owner_text(row)} can change {name}; save a copy under another name instead.")


def _comment(comment: str) -> str:
    comment = " ".join(str(comment or "").split())
    if len(comment) > MAX_COMMENT:
        raise QueryError(f"the comment is longer than {MAX_COMMENT} characters; shorten it.")
    return comment


def save(kind, name, spec, who, *, expected_version: int | None, comment: str = "") -> Definition:
    """Save `spec` as the next version of `name` (a new name: version 1, owned by `who`).

    `expected_version` is the latest version the editor opened (None for a new name); when someone saved
    in between, nothing is written and the message says so. Only the author changes a definition. A new
    version of a certified definition is a draft waiting for review: the certified one stays effective.
    Returns the name's effective definition after the save."""
    check_name(name)
    check_kind(kind, spec)
    comment = _comment(comment)
    clean = spec_class(kind).model_validate(stored(spec))  # never certified by a save
    with metastore.session() as con:
        row = reads.live_row(con, name)
        _check_save(con, row, kind, name, who, expected_version)
        latest = reads.latest_version(con, row["id"]) if row else 0
        roles = reads.shared_roles(con, row["id"]) if row else ()
    info = CustomInfo(
        name=name,
        kind=kind,
        author=row["author"] if row else who.username,
        author_label=(row["author_label"] if row else who.display_name) or "",
        shared_with=roles,
        version=latest + 1,
    )
    check.validate(Definition(info=info, spec=clean), who, None)  # one-line QueryError/PolicyError: nothing saved
    now = now_text()
    with _writing() as con:
        row = reads.live_row(con, name)  # again, inside the one writer's transaction
        _check_save(con, row, kind, name, who, expected_version)
        if row is None:
            definition_id = con.execute(
                "INSERT INTO custom_definitions (name, kind, author, author_label, created_at) "
                "VALUES (?, ?, ?, ?, ?) RETURNING id",
                (name, kind, who.username, who.display_name or "", now),
            ).fetchone()[0]
            number = 1
        else:
            definition_id, number = row["id"], reads.latest_version(con, row["id"]) + 1
        con.execute(
            "INSERT INTO custom_versions (definition_id, version, spec, saved_by, saved_at, comment) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (definition_id, number, spec_json(clean), who.username, now, comment),
        )
        _bump(con)
        return reads.definition_of(con, reads.live_row(con, name))


def _check_save(con, row, kind: str, name: str, who, expected_version: int | None) -> None:
    if row is None:
        if expected_version:
            raise QueryError(f"{name} no longer exists (deleted or renamed); save yours as a new one.")
        return
    latest = reads.latest_version(con, row["id"])
    if row["kind"] != kind:
        raise QueryError(f"{name} is already the name of a custom {row['kind']}; choose another name.")
    if expected_version is None:
        raise QueryError(
            f"{name} already exists (version {latest}, by {_owner_text(row)}); choose another name or open it to change it."
        )
    _must_own(row, who, name)
    if expected_version != latest:
        raise QueryError(f"{name} was changed since you opened it (now version {latest}); reopen it.")


def share(name: str, roles, who) -> Definition:
    """Share `name` with exactly these roles (none: only its author sees the draft). Author only."""
    roles = tuple(dict.fromkeys(str(r).strip() for r in roles if str(r).strip()))
    _known_roles(roles)
    with _writing() as con:
        row = reads.existing_row(con, name)
        _must_own(row, who, name)
        con.execute("DELETE FROM custom_shares WHERE definition_id = ?", (row["id"],))
        con.executemany(
            "INSERT INTO custom_shares (definition_id, role) VALUES (?, ?)", [(row["id"], r) for r in roles]
        )
        _bump(con)
        return reads.definition_of(con, row)


def _known_roles(roles: tuple[str, ...]) -> None:
    """Every role is one policies.yml defines (a typo would share with no one, silently)."""
    from semantic.model.loader import default_library
    from semantic.policy import default_policy

    known = default_policy(default_library()).roles
    for role in roles:
        if role not in known:
            raise QueryError(
                f"there is no role '{role}'.{did_you_mean(role, known)} Roles: {', '.join(sorted(known))}."
            )


def may_certify(who) -> None:
    """PolicyError unless `who` holds the certify_metrics permission (semantic.authorize)."""
    from semantic import authorize

    if CERTIFY not in authorize.ACTIONS:  # the permission is not in this version of the layer yet
        raise PolicyError(
            "certifying needs the certify_metrics permission, which this library's policy does not define."
        )
    authorize.authorize(who, CERTIFY)


def certify(name: str, version: int, who, note: str = "") -> Definition:
    """Certify version `version` of `name` (the certify_metrics permission): it becomes the effective
    definition, with the certifier, the time and the note. The name never changes on certification."""
    may_certify(who)
    note = _comment(note)
    with metastore.session() as con:
        row = reads.existing_row(con, name)
        found = con.execute(
            "SELECT spec FROM custom_versions WHERE definition_id = ? AND version = ?", (row["id"], version)
        ).fetchone()
        if found is None:
            raise QueryError(f"{name} has no version {version} (latest: {reads.latest_version(con, row['id'])}).")
        current = reads.certified_version(con, row["id"])
        spec = read_spec(row["kind"], found[0])
    if current >= version:
        said = "is already certified" if current == version else f"is older than certified version {current}"
        raise QueryError(f"version {version} of {name} {said}; certify a newer version.")
    cert = Certification(version, who.username, now_text(), note)
    info = CustomInfo(
        name=name,
        kind=row["kind"],
        author=row["author"],
        author_label=row["author_label"] or "",
        version=version,
        status="certified",
        certified_by=who.username,
        certified_at=cert.certified_at,
        note=note or None,
    )
    check.validate(Definition(info=info, spec=certified_spec(spec, cert)), who, None)  # still compiles, all granted
    with _writing() as con:
        row = reads.existing_row(con, name)
        if reads.certified_version(con, row["id"]) >= version:
            raise QueryError(f"version {version} of {name} was certified meanwhile; reopen the review.")
        con.execute(
            "INSERT INTO custom_certifications (definition_id, version, certified_by, certified_at, note) "
            "VALUES (?, ?, ?, ?, ?)",
            (row["id"], version, who.username, cert.certified_at, note),
        )
        _bump(con)
        return reads.definition_of(con, row)


def _may_remove(con, row, who, name: str, doing: str) -> None:
    """A draft: its author. A certified definition is the library's: a certifier. And no tile may use it."""
    if reads.certified_version(con, row["id"]):
        try:
            may_certify(who)
        except PolicyError:
            raise PolicyError(f"{name} is certified; only a certifier can {doing} it.") from None
    else:
        _must_own(row, who, name)
    customs = usage.definitions_using(reads.definitions_of(con), name)
    refused = usage.refusal(name, doing, usage.tiles_using(con, name), customs)
    if refused:
        raise QueryError(refused)


def delete(name: str, who) -> None:
    """Mark `name` deleted (its history is kept; the name is free again). Refused while anything uses it."""
    with _writing() as con:
        row = reads.existing_row(con, name)
        _may_remove(con, row, who, name, "delete")
        con.execute("UPDATE custom_definitions SET deleted_at = ? WHERE id = ?", (now_text(), row["id"]))
        _bump(con)


def rename(name: str, new: str, who) -> Definition:
    """Give `name` (all its versions, shares and certifications) the name `new`. Refused while anything
    uses the old name, or when `new` is taken."""
    check_name(new)
    with _writing() as con:
        row = reads.existing_row(con, name)
        _may_remove(con, row, who, name, "rename")
        if new == name:
            return reads.definition_of(con, row)
        renamed = reads.definition_of(con, row)
        info = renamed.info.model_copy(update={"name": new})
        check.validate(Definition(info=info, spec=renamed.spec), who, None)  # the new name clashes with nothing
        if reads.live_row(con, new) is not None:
            raise QueryError(f"{new} is already the name of a custom definition; choose another name.")
        con.execute("UPDATE custom_definitions SET name = ? WHERE id = ?", (new, row["id"]))
        _bump(con)
        return reads.definition_of(con, reads.live_row(con, new))
