"""[sources.NAME] in concord.toml: where the company's own data comes from (see data/sync/).

    [sources.erp]                                  # a PostgreSQL database
    kind = "postgres"
    url = "postgresql://concord_reader@erp.example.com:5432/erp"   # no password here
    password_env = "ERP_PASSWORD"                  # or password_file = "/etc/concord/erp.pass" (mode 0600)

    [sources.erp.tables.orders]                    # the warehouse table it fills
    table = "public.orders"                        # or query = "SELECT ... FROM ..."
    primary_key = ["order_id"]
    cursor = "updated_at"                          # new and changed rows only (an updated_at or an increasing id)
    deleted = "deleted_at"                         # rows marked here are deleted from the warehouse
    amounts = ["amount"]                           # reconciled (count and sum) after every sync

    [sources.exports]                              # a folder of CSV / Excel / Parquet files
    kind = "folder"
    path = "/srv/finance/exports"
    [sources.exports.tables.expenses]
    files = "expenses_*.csv"
    primary_key = ["expense_id"]

A password never sits in the file: the app shows this configuration (without secrets) on the
admin page, and the logs print URLs without them.
"""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, field_validator, model_validator

NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


class SourceTable(BaseModel):
    """One warehouse table filled from a source."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    table: str | None = None  # postgres: schema.table at the source
    query: str | None = None  # postgres: a SELECT instead of a table
    files: str | None = None  # folder: a glob of file names (csv, xlsx, xls, parquet)
    sheet: str | None = None  # Excel: the sheet (default: the first)
    primary_key: tuple[str, ...]
    cursor: str | None = None
    deleted: str | None = None
    amounts: tuple[str, ...] = ()

    @field_validator("primary_key", mode="before")
    @classmethod
    def _key(cls, key):
        return (key,) if isinstance(key, str) else key

    @field_validator("primary_key")
    @classmethod
    def _key_not_empty(cls, key: tuple[str, ...]) -> tuple[str, ...]:
        if not key:
            raise ValueError('name the key column(s), e.g. primary_key = ["order_id"]')
        return key


class Source(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    kind: Literal["postgres", "folder", "file"]
    url: str | None = None
    password_env: str | None = None
    password_file: str | None = None
    path: str | None = None
    tables: dict[str, SourceTable]

    @field_validator("url")
    @classmethod
    def _url(cls, url: str | None) -> str | None:
        if url is None:
            return url
        if not url.startswith(("postgresql://", "postgres://")):
            raise ValueError('write url = "postgresql://user@host:5432/dbname"')
        if re.match(r"^[a-z]+://[^/@]*:[^/@]*@", url):
            raise ValueError(
                'holds a password; remove it from the URL and set password_env = "VARIABLE" '
                'or password_file = "/path/to/file" (mode 0600)'
            )
        return url

    @field_validator("tables")
    @classmethod
    def _names(cls, tables: dict[str, SourceTable]) -> dict[str, SourceTable]:
        for name in tables:
            if not NAME.match(name):
                raise ValueError(f"'{name}' is not a warehouse table name; use lower-case letters, digits and _")
        if not tables:
            raise ValueError("name at least one table, e.g. [sources.NAME.tables.orders]")
        return tables

    @model_validator(mode="after")
    def _complete(self) -> Source:
        if self.kind == "postgres":
            if not self.url:
                raise ValueError('a postgres source needs url = "postgresql://user@host:5432/dbname"')
            for name, spec in self.tables.items():
                if bool(spec.table) == bool(spec.query):
                    raise ValueError(f'tables.{name}: give either table = "schema.table" or query = "SELECT ..."')
        elif not self.path:
            raise ValueError(f'a {self.kind} source needs path = "/folder/or/file"')
        elif self.kind == "folder":
            for name, spec in self.tables.items():
                if not spec.files:
                    raise ValueError(f'tables.{name}: give files = "name_*.csv" (a pattern inside the folder)')
        return self

    def password(self) -> str | None:
        """The password from password_env or password_file; never stored anywhere else."""
        from data.config import ConfigError

        if self.password_env:
            value = os.environ.get(self.password_env)
            if value is None:
                raise ConfigError(
                    f"the password variable {self.password_env} is not set; export it before the sync runs."
                )
            return value
        if self.password_file:
            file = Path(self.password_file)
            try:
                mode = file.stat().st_mode
                if mode & (stat.S_IRWXG | stat.S_IRWXO):
                    raise ConfigError(f"{file}: readable by others; run `chmod 600 {file}`.")
                return file.read_text(encoding="utf-8").strip()
            except OSError as err:
                raise ConfigError(f"{file}: the password file cannot be read ({err.strerror}).") from None
        return None

    def shown(self) -> dict:
        """What the admin page may show: everything but secrets (the URL has none, by the check above)."""
        return self.model_dump(exclude={"password_file"}, exclude_none=True)
