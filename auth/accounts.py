"""Local accounts in auth/users.yaml (bcrypt hashes, never plain text): roles
and attributes per user, and the Principal each one becomes."""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import MappingProxyType

import bcrypt
import yaml

from semantic.errors import PolicyError, did_you_mean
from semantic.model.loader import load_yaml
from semantic.principal import Principal

DEFAULT_USERS = Path(__file__).resolve().parent / "users.yaml"
MIN_PASSWORD = 8
HEADER = (
    "# Concord accounts. Passwords are bcrypt hashes, never plain text.\n"
    "# Manage with `python -m auth add-user | set-password | set-roles | disable | enable | list`.\n"
)


class AccountError(PolicyError):
    """A problem with an account or a request to change one."""


@dataclass(frozen=True)
class User:
    username: str
    name: str
    password: str  # bcrypt hash
    roles: tuple[str, ...]
    attributes: MappingProxyType = field(default_factory=lambda: MappingProxyType({}))
    email: str = ""
    disabled: bool = False

    def principal(self) -> Principal:
        return Principal(self.username, self.roles, dict(self.attributes), self.name)

    def checks(self, password: str) -> bool:
        try:
            return bcrypt.checkpw(password.encode("utf-8"), self.password.encode("utf-8"))
        except ValueError:
            return False


def users_path() -> Path:
    return Path(os.environ.get("CONCORD_USERS", DEFAULT_USERS))


def known_roles() -> tuple[str, ...]:
    """The roles of policies.yml, in file order."""
    return tuple(_policy().roles)


_read: dict[str, tuple[tuple[int, int, int], dict[str, User]]] = {}  # path -> (file version, users)


def load_users(path: Path | None = None) -> dict[str, User]:
    """The accounts file, parsed once per version of the file (inode, mtime, size): every screen
    link is checked against its creator's account at each refresh. Each call returns its own dict of frozen Users."""
    path = path or users_path()
    try:
        stat = path.stat()
        version = (stat.st_ino, stat.st_mtime_ns, stat.st_size)
        kept = _read.get(str(path))
        if kept is not None and kept[0] == version:
            return dict(kept[1])  # a copy: callers add or replace accounts before saving
        raw = load_yaml(path.read_text(encoding="utf-8")) or {}
    except FileNotFoundError:
        raise AccountError(f"no accounts file at {path}; restore auth/users.yaml or set CONCORD_USERS.") from None
    except yaml.YAMLError as err:
        raise AccountError(f"{path} is not valid YAML ({err}); fix it or restore it from git.") from None
    users = {}
    for username, entry in (raw.get("users") or {}).items():
        users[username] = User(
            username=username,
            name=entry.get("name", username),
            password=entry["password"],
            roles=tuple(entry.get("roles", ())),
            attributes=MappingProxyType(dict(entry.get("attributes") or {})),
            email=entry.get("email", ""),
            disabled=bool(entry.get("disabled", False)),
        )
    _read[str(path)] = (version, dict(users))
    return users


def save_users(users: dict[str, User], path: Path | None = None) -> None:
    """Write atomically (temp file + rename), so a crash never leaves half a file."""
    path = path or users_path()
    data = {
        "users": {
            u.username: {
                "name": u.name,
                "email": u.email,
                "password": u.password,
                "roles": list(u.roles),
                "attributes": dict(u.attributes),
                "disabled": u.disabled,
            }
            for u in users.values()
        }
    }
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".users-", suffix=".yaml")
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(HEADER)
        yaml.safe_dump(data, out, allow_unicode=True, sort_keys=False)
    os.replace(tmp, path)


def find(username: str, users: dict[str, User] | None = None) -> User:
    users = load_users() if users is None else users
    if username not in users:
        raise AccountError(
            f"unknown user '{username}'.{did_you_mean(username, users)} Run `python -m auth list` to see the accounts."
        )
    return users[username]


def principal_for(username: str) -> Principal:
    """The principal of an enabled account (the CLI's --as)."""
    user = find(username)
    if user.disabled:
        raise AccountError(
            f"user '{username}' is disabled; an administrator can run `python -m auth enable {username}`."
        )
    return user.principal()


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"the password must have at least {MIN_PASSWORD} characters.")
    return bcrypt.hashpw(password.encode("utf-8"), bcrypt.gensalt(rounds=12)).decode("ascii")


def check_roles(roles: tuple[str, ...]) -> tuple[str, ...]:
    known = known_roles()
    for role in roles:
        if role not in known:
            raise AccountError(f"unknown role '{role}'.{did_you_mean(role, known)} Roles: {', '.join(known)}.")
    if not roles:
        raise AccountError("give at least one role.")
    return roles


def add_user(
    username: str, name: str, password: str, roles: tuple[str, ...], attributes: dict | None = None, email: str = ""
) -> User:
    users = load_users()
    if username in users:
        raise AccountError(f"user '{username}' already exists; use set-password or set-roles to change it.")
    if not username or not username.replace("_", "").replace("-", "").replace(".", "").isalnum():
        raise AccountError("a username may use letters, digits, '_', '-' and '.' only.")
    user = User(
        username.lower(),
        name or username,
        hash_password(password),
        check_roles(tuple(roles)),
        MappingProxyType(dict(attributes or {})),
        email,
    )
    users[user.username] = user
    save_users(users)
    return user


def update_user(username: str, **changes) -> User:
    users = load_users()
    user = replace(find(username, users), **changes)
    users[username] = user
    save_users(users)
    return user


# --- account changes made by someone (the Users page and `python -m auth`): checked, written and audited here ---


def _policy():
    from semantic import default_library
    from semantic.policy import default_policy

    return default_policy(default_library())


def attributes_needed(roles) -> dict[str, str]:
    """{attribute: dimension} the roles' row filters read from the user (semantic.policy decides)."""
    from semantic.policy import attributes_needed as needed

    return needed(_policy(), roles)


def check_new_password(password: str, again: str | None = None) -> str:
    if again is not None and password != again:
        raise AccountError("the two passwords differ; nothing was changed.")
    hash_password(password)  # the length rule lives there
    return password


def manages_users(user: User) -> bool:
    """True when this account is enabled and granted manage_users (asked of semantic.authorize)."""
    from semantic import default_library
    from semantic.authorize import allowed

    return not user.disabled and allowed(user.principal(), "manage_users", library=default_library())


def _guard_admins(by: str, username: str, after: User, users: dict[str, User]) -> None:
    """Refuse a change that takes manage_users from the one making it, or from the last account that has it."""
    before = users[username]
    if not manages_users(before) or manages_users(after):
        return
    if username == by:
        raise AccountError("you cannot disable yourself or remove your own user administration; ask another admin.")
    others = [u for u in users.values() if u.username != username and manages_users(u)]
    if not others:
        raise AccountError(f"'{username}' is the last account that can manage users; keep it enabled and an admin.")


def _record(username: str, what: str, by: str, source: str) -> None:
    from auth import audit

    audit.append("account", username, source=source, outcome="ok", message=f"{what} by {by}")


def create(
    username: str,
    name: str,
    password: str,
    roles,
    attributes: dict | None = None,
    email: str = "",
    *,
    by: str,
    source: str,
) -> User:
    if username.strip().lower() in load_users():
        raise AccountError(
            f"user '{username.strip().lower()}' already exists; use set-password or set-roles to change it."
        )
    hash_password(password)  # the length rule, before anything else is asked
    missing = [a for a in attributes_needed(check_roles(tuple(roles))) if not (attributes or {}).get(a)]
    if missing:
        raise AccountError(f"the roles need the attribute {', '.join(missing)}; give it (e.g. region=East).")
    user = add_user(username.strip(), name.strip(), password, tuple(roles), attributes, email)
    attrs = ", ".join(f"{k}={v}" for k, v in user.attributes.items())
    _record(user.username, f"added with roles {','.join(user.roles)}" + (f" ({attrs})" if attrs else ""), by, source)
    return user


def change(username: str, *, by: str, source: str, **changes) -> User:
    """Change an account (roles, attributes, disabled, name): checked, written, audited."""
    users = load_users()
    before = find(username, users)
    if "roles" in changes:
        changes["roles"] = check_roles(tuple(changes["roles"]))
    if "attributes" in changes:
        changes["attributes"] = MappingProxyType({k: v for k, v in dict(changes["attributes"]).items() if v})
    after = replace(before, **changes)
    missing = [a for a in attributes_needed(after.roles) if not after.attributes.get(a)]
    if missing and not after.disabled:
        raise AccountError(f"the roles need the attribute {', '.join(missing)}; give it (e.g. region=East).")
    _guard_admins(by, username, after, users)
    users[username] = after
    save_users(users)
    said = []
    if after.disabled != before.disabled:
        said.append("disabled" if after.disabled else "enabled")
    if after.roles != before.roles:
        said.append(f"roles {','.join(before.roles)} -> {','.join(after.roles)}")
    if dict(after.attributes) != dict(before.attributes):
        said.append("attributes " + (", ".join(f"{k}={v}" for k, v in after.attributes.items()) or "none"))
    if after.name != before.name:
        said.append(f"name {after.name}")
    if said:
        _record(username, "; ".join(said), by, source)
    return after


def reset_password(username: str, password: str, *, by: str, source: str) -> User:
    find(username)
    user = update_user(username, password=hash_password(password))
    _record(username, "password reset", by, source)
    return user
