"""The deployment's settings: a TOML file an administrator edits (never the app).

The file is `concord.toml` at the repository root, or the path in the
CONCORD_CONFIG environment variable; a missing file means the defaults (see
concord.example.toml). It is read again on every call, so an edit takes effect
without a restart. A bad file is one line naming the key and the fix.

    [webhooks]
    allowed_hosts = ["hooks.example.com"]   # alert webhooks may POST only here; empty by default

    [metastore]
    url = "postgresql://concord@db.example.com/concord"   # a shared metadata store; default: the SQLite file

    [warehouse]
    path = "/srv/concord/warehouse.duckdb"   # default: data/warehouse.duckdb (the demo)
    engine = "postgres"                      # or "spark"; default "duckdb" (README, "Other engines")
    url = "postgresql://concord_reader@db.example.com/concord"

    [model]
    folder = "mymodels"                      # the indicator library; default: semantic/models
    policy = "mymodels/policies.yml"         # default: policies.yml in that folder (else the demo's)

    [sync]
    every_minutes = 15                       # the app syncs every source this often; 0 (default): cron or by hand

    [sources.erp] ...                        # see data/config_sources.py

Relative paths are read from the folder the file is in. settle() hands the paths to the rest of the
app through CONCORD_WAREHOUSE, CONCORD_MODELS and CONCORD_POLICY, the engine through CONCORD_ENGINE,
CONCORD_ENGINE_URL, CONCORD_ENGINE_TABLES and CONCORD_ENGINE_SCHEMA (an explicitly set variable wins).
"""

from __future__ import annotations

import ipaddress
import os
import re
import tomllib
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from data.config_sources import Source
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
    path: str | None = None  # the SQLite file, when not the default

    @field_validator("url")
    @classmethod
    def _url(cls, url: str | None) -> str | None:
        if url is not None and not url.startswith(("postgresql://", "postgres://")):
            raise ValueError(
                f"'{url.split('@')[-1]}' is not a PostgreSQL URL; write url = \"postgresql://user@host:5432/dbname\" "
                "(or leave it out to keep the SQLite file)"
            )
        return url


class WarehouseSettings(BaseModel):
    """[warehouse]: which engine answers the queries and where its data lives (semantic/execute/settings.py)."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    engine: Literal["duckdb", "postgres", "spark"] = "duckdb"
    path: str | None = None  # duckdb: the warehouse file
    url: str | None = None  # postgres: postgresql://reader@host/db; spark: the master (local[2], spark://host:7077)
    tables: str | None = None  # spark: the folder of Parquet tables, one sub-folder per table
    schema_name: str | None = Field(None, alias="schema")  # postgres: the schema; spark: a catalog database

    @model_validator(mode="after")
    def _connection(self):
        if self.engine == "postgres" and not (self.url or "").startswith(("postgresql://", "postgres://")):
            raise ValueError('engine = "postgres" needs url = "postgresql://reader@host:5432/db" (a read-only role)')
        if self.engine == "spark" and not (self.tables or self.schema_name):
            raise ValueError('engine = "spark" needs tables = "/path/to/parquet" (or schema = a catalog database)')
        if self.url and self.engine == "postgres" and re.match(r"^[a-z]+://[^/@:]*:[^/@]+@", self.url):
            raise ValueError("url holds a password; leave it out and set CONCORD_ENGINE_PASSWORD or use ~/.pgpass")
        return self


class ModelSettings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    folder: str | None = None
    policy: str | None = None


class SyncSettings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    every_minutes: int = Field(0, ge=0, le=7 * 24 * 60)


class Config(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    webhooks: Webhooks = Webhooks()
    metastore: Metastore = Metastore()
    warehouse: WarehouseSettings = WarehouseSettings()
    model: ModelSettings = ModelSettings()
    sync: SyncSettings = SyncSettings()
    sources: dict[str, Source] = {}


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
    elif loc[:2] == ("warehouse", "engine"):
        message = 'must be "duckdb" (the default), "postgres" or "spark"; see concord.example.toml'
    elif loc[:1] in (("warehouse",), ("model",)) and first["type"] in ("string_type", "model_type", "dict_type"):
        message = 'must be a path in quotes, e.g. path = "data/warehouse.duckdb"'
    elif loc[:1] == ("sync",) and first["type"].startswith(("int", "greater", "less")):
        message = "must be a whole number of minutes, e.g. every_minutes = 15 (0: no schedule in the app)"
    elif loc[:1] == ("sources",) and first["type"] == "missing":
        message = f"is missing; add {loc[-1]} = ... (see data/config_sources.py)"
    elif loc[:1] == ("sources",) and first["type"] == "literal_error":
        message = 'must be "postgres", "folder" or "file"'
    elif loc[:1] == ("webhooks",) and first["type"] in ("tuple_type", "string_type", "model_type"):
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
        store = Metastore.model_validate(raw.get("metastore", {}))
    except ValidationError as err:
        raise _line(file, err, ("metastore",)) from None
    return store.url or (str(_beside(file, store.path)) if store.path else None)


def _beside(file: Path, value: str) -> Path:
    """A path from the file: absolute as written, relative to the file's folder otherwise."""
    given = Path(value).expanduser()
    return given if given.is_absolute() else (file.resolve().parent / given)


SETTLED = {
    "CONCORD_WAREHOUSE": "warehouse.path",
    "CONCORD_MODELS": "model.folder",
    "CONCORD_POLICY": "model.policy",
    "CONCORD_ENGINE": "warehouse.engine",
    "CONCORD_ENGINE_URL": "warehouse.url",
    "CONCORD_ENGINE_TABLES": "warehouse.tables",
    "CONCORD_ENGINE_SCHEMA": "warehouse.schema_name",
}
NOT_PATHS = {"CONCORD_ENGINE", "CONCORD_ENGINE_URL", "CONCORD_ENGINE_SCHEMA"}  # handed over as written
_set_by_us: dict[str, str] = {}
_settled: dict = {}  # the last file settled (path, mtime): a rerun of the app does not parse it again


def settle(where: Path | str | None = None) -> Config:
    """Hand the file's paths to the app and the semantic layer through the environment, so every
    part reads one place: a variable set before the process started wins; one this function set
    follows the file when it changes. Returns the settings."""
    file = Path(where) if where else path()
    try:
        stamp = (str(file), file.stat().st_mtime_ns)
    except OSError:
        stamp = (str(file), None)
    if _settled.get("stamp") == stamp:
        return _settled["settings"]
    settings = load(file)
    for variable, key in SETTLED.items():
        section, name = key.split(".")
        value = getattr(getattr(settings, section), name)
        ours = _set_by_us.get(variable)
        if variable in os.environ and os.environ[variable] != ours:
            continue  # set by whoever started the process: it wins
        if value:
            os.environ[variable] = _set_by_us[variable] = value if variable in NOT_PATHS else str(_beside(file, value))
        elif ours is not None:
            os.environ.pop(variable, None)
            _set_by_us.pop(variable, None)
    _settled.update(stamp=stamp, settings=settings)
    return settings


def writes_elsewhere() -> str | None:
    """None when the configured engine is DuckDB; else the one line a command that writes the DuckDB warehouse
    (python -m data.load, python -m data.sync) prints instead of writing a file no page reads."""
    engine = (os.environ.get("CONCORD_ENGINE") or "duckdb").strip().lower()
    if engine == "duckdb":
        return None
    from semantic.execute.settings import ENGINE_NAMES

    name = ENGINE_NAMES.get(engine, engine)
    return (
        f"this deployment reads its numbers from {name} ([warehouse] engine in concord.toml); uploads and syncs "
        f"write only the DuckDB warehouse, so nothing was written. Load {name} with your own pipeline or "
        f"python -m data.demo --engine {engine}."
    )


def main(argv: list[str] | None = None) -> int:
    """`python -m data.config engine`: the engine concord.toml (or CONCORD_ENGINE) chooses, for `make run`;
    a bad file is one line on stderr and exit 2."""
    import sys

    args = sys.argv[1:] if argv is None else argv
    if args != ["engine"]:
        print("usage: python -m data.config engine", file=sys.stderr)
        return 2
    try:
        settle()
    except ConfigError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    print((os.environ.get("CONCORD_ENGINE") or "duckdb").strip().lower())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
