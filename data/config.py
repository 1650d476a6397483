"""The deployment's settings: a TOML file an administrator edits (never the app).

The file is `concord.toml` at the repository root, or the path in the
CONCORD_CONFIG environment variable; a missing file means the defaults (see
concord.example.toml). It is read again on every call, so an edit takes effect
without a restart. A bad file is one line naming the key and the fix.

    [webhooks]
    allowed_hosts = ["hooks.example.com"]   # alert webhooks may POST only here; empty by default

    [metastore]
    url = "postgresql://concord@db.example.com/concord"   # a shared metadata store; default: the SQLite file
"""

from __future__ import annotations

import ipaddress
import os
import re
import tomllib
from pathlib import Path

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from semantic.errors import SemanticError

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_PATH = ROOT / "concord.toml"
HOSTNAME = re.compile(r"^(?=.{1,253}$)[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?(\.[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)*$")


class ConfigError(SemanticError):
    """The settings file cannot be read or holds a wrong value."""


def host_key(host: str) -> str:
    """How a host is compared with the allow-list: lower case, no trailing dot, IPv6 without brackets."""
    return host.strip().lower().rstrip(".").strip("[]")


class Webhooks(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    allowed_hosts: tuple[str, ...] = ()

    @field_validator("allowed_hosts")
    @classmethod
    def _hosts(cls, hosts: tuple[str, ...]) -> tuple[str, ...]:
        out = []
        for host in hosts:
            key = host_key(host)
            try:
                ipaddress.ip_address(key)
            except ValueError:
                if not HOSTNAME.match(key):
                    raise ValueError(
                        f"'{host}' is not a host name; list bare host names or IP addresses, "
                        'e.g. "hooks.example.com" (no scheme, port or path)'
                    ) from None
            out.append(key)
        return tuple(out)


class Metastore(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    url: str | None = None

    @field_validator("url")
    @classmethod
    def _url(cls, url: str | None) -> str | None:
        if url is not None and not url.startswith(("postgresql://", "postgres://")):
            raise ValueError(
                f"'{url.split('@')[-1]}' is not a PostgreSQL URL; write url = \"postgresql://user@host:5432/dbname\" "
                "(or leave it out to keep the SQLite file)"
            )
        return url


class Config(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    webhooks: Webhooks = Webhooks()
    metastore: Metastore = Metastore()


def path() -> Path:
    return Path(os.environ.get("CONCORD_CONFIG", DEFAULT_PATH))


def _read(file: Path) -> dict | None:
    """The TOML in `file`; None when there is no file."""
    try:
        return tomllib.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as err:
        raise ConfigError(
            f"{file}: cannot be read ({err}); fix its permissions or remove it to use the defaults."
        ) from None
    except tomllib.TOMLDecodeError as err:
        raise ConfigError(f"{file}: not valid TOML ({err}); fix the syntax (see concord.example.toml).") from None


def _line(file: Path, err: ValidationError, prefix: tuple = ()) -> ConfigError:
    first = err.errors()[0]
    loc = prefix + tuple(first["loc"])
    key = ".".join(str(p) for p in loc) or "(top level)"
    message = first["msg"].removeprefix("Value error, ")
    if first["type"] == "extra_forbidden":
        message = "unknown setting; remove it or check its spelling against concord.example.toml"
    elif loc[:1] == ("metastore",) and first["type"] in ("string_type", "model_type", "dict_type"):
        message = 'must be a URL in quotes, e.g. url = "postgresql://user@host:5432/dbname" under [metastore]'
    elif first["type"] in ("tuple_type", "string_type", "model_type"):
        message = 'must be a list of host names, e.g. allowed_hosts = ["hooks.example.com"] under [webhooks]'
    return ConfigError(f"{file}: {key}: {message}.")


def load(where: Path | str | None = None) -> Config:
    """The settings in `where` (default: path()); defaults when the file does not exist."""
    file = Path(where) if where else path()
    raw = _read(file)
    if raw is None:
        return Config()
    try:
        return Config.model_validate(raw)
    except ValidationError as err:
        raise _line(file, err) from None


def metastore_url(where: Path | str | None = None) -> str | None:
    """[metastore] url alone, so that a wrong entry elsewhere (say under [webhooks]) never keeps
    the app from its metadata store; a wrong [metastore] is one line as usual."""
    file = Path(where) if where else path()
    raw = _read(file)
    if raw is None:
        return None
    try:
        return Metastore.model_validate(raw.get("metastore", {})).url
    except ValidationError as err:
        raise _line(file, err, ("metastore",)) from None
