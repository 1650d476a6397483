"""The checks file, validated: kinds, fields, and tables/columns that exist."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from semantic.errors import ModelError, QueryError, did_you_mean
from semantic.model.library import Library
from semantic.model.loader import companion, default_library, load_yaml
from semantic.model.schema import Text

CHECKS_FILE = Path(__file__).resolve().parent / "checks.yml"
NAME = r"^[a-z][a-z0-9_]*$"


class Base(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    name: str = ""
    label: Text
    description: Text | None = None
    table: str = Field(pattern=NAME)
    blocking: bool = False
    sample: int = Field(default=20, ge=1, le=200)


class NotNull(Base):
    kind: Literal["not_null"]
    columns: tuple[Annotated[str, Field(pattern=NAME)], ...] = Field(min_length=1)


class Unique(Base):
    kind: Literal["unique"]
    columns: tuple[Annotated[str, Field(pattern=NAME)], ...] = Field(min_length=1)


class References(Base):
    kind: Literal["references"]
    column: str = Field(pattern=NAME)
    target: str = Field(pattern=r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$")


class AcceptedValues(Base):
    kind: Literal["accepted_values"]
    column: str = Field(pattern=NAME)
    values: tuple[str | int, ...] = Field(min_length=1)


class TotalMatches(Base):
    kind: Literal["total_matches"]
    key: str = Field(pattern=NAME)
    value: str = Field(pattern=NAME)
    other_table: str = Field(pattern=NAME)
    other_key: str = Field(pattern=NAME)
    other_value: str = Field(pattern=NAME)
    op: Literal["=", ">=", "<="] = "="


class Balanced(Base):
    kind: Literal["balanced"]
    key: str = Field(pattern=NAME)
    debit: str = Field(pattern=NAME)
    credit: str = Field(pattern=NAME)


class DateNotBefore(Base):
    kind: Literal["date_not_before"]
    column: str = Field(pattern=NAME)
    key: str = Field(pattern=NAME)
    other_table: str = Field(pattern=NAME)
    other_key: str = Field(pattern=NAME)
    other_column: str = Field(pattern=NAME)


Check = Annotated[
    NotNull | Unique | References | AcceptedValues | TotalMatches | Balanced | DateNotBefore,
    Field(discriminator="kind"),
]


class ChecksFile(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    checks: dict[Annotated[str, Field(pattern=NAME)], Check]


def _columns(check) -> list[tuple[str, str]]:
    pairs = [(check.table, c) for c in getattr(check, "columns", ())]
    for field in ("column", "key", "value", "debit", "credit"):
        if getattr(check, field, None):
            pairs.append((check.table, getattr(check, field)))
    other = getattr(check, "other_table", None)
    for field in ("other_key", "other_value", "other_column"):
        if getattr(check, field, None):
            pairs.append((other, getattr(check, field)))
    if getattr(check, "target", None):
        pairs.append(tuple(check.target.split(".")))
    return pairs


def load_checks(path: Path | str | None = None, library: Library | None = None) -> dict:
    """name -> check; any problem is one ModelError naming the file, the key path and the fix.
    Default: checks.yml beside the library (none for a company's own library without one)."""
    path = path or companion("checks.yml", CHECKS_FILE)
    if path is None:
        return {}
    path = Path(path)
    library = library or default_library()
    try:
        raw = load_yaml(path.read_text(encoding="utf-8")) or {}
        parsed = ChecksFile.model_validate(raw)
    except ValidationError as err:
        first = err.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise ModelError(
            f"{path.name}: {where}: {first['msg']}; fix that key (kinds: not_null, unique, references, "
            "accepted_values, total_matches, balanced, date_not_before)."
        ) from None
    except Exception as err:  # YAML syntax, unreadable file
        raise ModelError(f"{path.name}: cannot be read ({str(err).splitlines()[0]}); fix the YAML there.") from None
    checks = {}
    for name, check in parsed.checks.items():
        for table, column in _columns(check):
            if table not in library.tables:
                raise ModelError(
                    f"{path.name}: checks.{name}: unknown table '{table}'.{did_you_mean(table, library.tables)}"
                )
            if library.tables[table].planning is not None:
                raise ModelError(
                    f"{path.name}: checks.{name}: {table} is a planning table (budget versions, not in the "
                    f"warehouse); check its imported table {library.tables[table].planning.imported} instead."
                )
            if column not in library.tables[table].columns:
                raise ModelError(
                    f"{path.name}: checks.{name}: table {table} has no column '{column}'."
                    f"{did_you_mean(column, library.tables[table].columns)}"
                )
        checks[name] = check.model_copy(update={"name": name})
    return checks


def pick(checks: dict, names: list[str] | None) -> list:
    if not names:
        return list(checks.values())
    for name in names:
        if name not in checks:
            raise QueryError(
                f"unknown check '{name}'.{did_you_mean(name, checks)} Run `python -m semantic check` to run them all."
            )
    return [checks[n] for n in names]
