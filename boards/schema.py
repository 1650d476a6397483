"""What a board may hold, checked in full before anything is stored.

An import file, a save from the editor and a row read back from the store all
pass the same pydantic model (`BoardIn`): strict types (no "5" for 5, no 5 for
"East"), unknown fields refused, ISO dates, charts, themes, rule operators and
levels from fixed sets, finite rule values, and the limits below. Every
failure becomes one BoardError line naming the tile and the field, e.g.
"tile 3 (Cash): time_from 'next tuesday' is not a date (YYYY-MM-DD)."
"""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from semantic.custom.overlay import current_library
from semantic.errors import SemanticError
from semantic.model.library import Library
from semantic.query import Query, member_filter

MAX_IMPORT_BYTES = 256 * 1024  # an export of a full board is a few KiB
MAX_DEPTH = 16  # JSON nesting; an export nests 5 deep
MAX_TILES = 48
MAX_RULES = 10  # per tile
MAX_TITLE = 200  # board and tile titles, in characters
MAX_DESCRIPTION = 2000
MAX_WHERE = 20_000  # a filter on a few hundred chosen members
MAX_NAMES = 20  # metrics, group_by or order_by names in one tile
MAX_MEMBERS = 500  # members chosen in one board filter
MAX_WEBHOOK = 500
CHARTS = ("auto", "line", "area", "bar", "grouped_bar", "combo", "stacked_bar", "big_number", "table")
THEMES = ("light", "dark")
OPS = (">", ">=", "<", "<=")
LEVELS = ("warning", "critical")
PERIOD_KEYS = ("time_from", "time_to")
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


class BoardError(SemanticError):
    """A board request that cannot be done (not found, not allowed, edited meanwhile, invalid)."""


class Said(ValueError):
    """A validation message that is already a whole sentence (it names its own field)."""


def iso_date(text: str) -> str:
    """'2025-01-31' stays; anything else is refused with the format to use."""
    try:
        if ISO_DATE.fullmatch(text):
            dt.date.fromisoformat(text)
            return text
    except ValueError:
        pass
    raise ValueError(f"{shown(text)} is not a date (YYYY-MM-DD)")


def shown(value) -> str:
    """A value as the user wrote it, cut short."""
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


IsoDate = Annotated[str, AfterValidator(iso_date)]
Name = Annotated[str, Field(min_length=1, max_length=100)]


class _Strict(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)


class RuleIn(_Strict):
    metric: Name
    op: Literal[">", ">=", "<", "<="]
    value: Annotated[float, Field(allow_inf_nan=False)]
    level: Literal["warning", "critical"] = "warning"
    webhook: Annotated[str, Field(max_length=MAX_WEBHOOK)] = ""


class QueryIn(_Strict):
    metrics: Annotated[list[Name], Field(min_length=1, max_length=MAX_NAMES)]
    group_by: Annotated[list[Name], Field(max_length=MAX_NAMES)] = []
    where: Annotated[str, Field(max_length=MAX_WHERE)] | None = None
    time_from: IsoDate | None = None
    time_to: IsoDate | None = None
    compare: Literal["prior_period", "prior_year"] | None = None
    order_by: Annotated[list[Name], Field(max_length=MAX_NAMES)] = []
    limit: Annotated[int, Field(ge=1, le=1_000_000)] | None = None
    budget_version: Annotated[str, Field(max_length=100)] | None = None  # None: each year's approved budget

    @model_validator(mode="after")
    def _range_in_order(self) -> QueryIn:
        if self.time_from and self.time_to and self.time_from > self.time_to:  # ISO dates sort as text
            raise Said(f"the range starts ({self.time_from}) after it ends ({self.time_to})")
        return self


class TileIn(_Strict):
    title: Annotated[str, Field(max_length=MAX_TITLE)] = ""
    width: Annotated[int, Field(ge=1, le=4)] = 1
    chart: Literal[CHARTS] = "auto"  # type: ignore[valid-type]
    query: QueryIn
    rules: Annotated[list[RuleIn], Field(max_length=MAX_RULES)] = []

    @model_validator(mode="after")
    def _rules_read_the_tile(self, info: ValidationInfo) -> TileIn:
        if (info.context or {}).get("stored"):
            return self  # an older stored rule on another metric never fires: shown, refused at the next save
        if self.rules and self.query.group_by:  # the evaluator reads one number; a grouped tile has one per row
            raise Said(
                f"alert rules need a tile with one number (no group-by); this tile is grouped by "
                f"{', '.join(self.query.group_by)}: remove its rules, or save a tile without a group-by to watch"
            )
        for rule in self.rules:
            if rule.metric not in self.query.metrics:
                raise Said(
                    f"rule on {rule.metric}: the tile shows {', '.join(self.query.metrics)}; "
                    "a rule watches one of the tile's metrics"
                )
        return self


class BoardIn(_Strict):
    title: Annotated[str, Field(max_length=MAX_TITLE)]
    description: Annotated[str, Field(max_length=MAX_DESCRIPTION)] = ""
    columns: int = 2
    refresh_seconds: int = 60
    theme: Literal["light", "dark"] = "light"
    filters: dict[str, object] = {}
    tiles: Annotated[list[TileIn], Field(max_length=MAX_TILES)] = []

    @field_validator("title")
    @classmethod
    def _has_title(cls, title: str) -> str:
        if not title.strip():
            raise Said("a board needs a title")
        return title

    @field_validator("columns")
    @classmethod
    def _columns(cls, columns: int) -> int:
        if not 1 <= columns <= 4:
            raise Said("a board has 1 to 4 columns")
        return columns

    @field_validator("refresh_seconds")
    @classmethod
    def _refresh(cls, seconds: int) -> int:
        if not 5 <= seconds <= 86400:
            raise Said("refresh every 5 seconds to 1 day (5 to 86400 seconds)")
        return seconds

    @field_validator("filters")
    @classmethod
    def _filters(cls, filters: dict) -> dict:
        check_filters(filters)
        return filters

    @model_validator(mode="after")
    def _tiles_fit(self) -> BoardIn:
        for i, tile in enumerate(self.tiles):
            if tile.width > self.columns:
                raise Said(
                    f"{label(i, tile.title, tile.query.metrics)}: width {tile.width} is wider than "
                    f"the board ({self.columns} columns)"
                )
        return self


def check_filters(filters: dict) -> None:
    """Board filters: time_from / time_to as ISO dates, and dimension name -> list of member names."""
    dimensions = current_library().dimensions
    for key, value in filters.items():
        if key in PERIOD_KEYS:
            if not isinstance(value, str):
                raise Said(f"{key} {shown(value)} is not a date (YYYY-MM-DD)")
            try:
                iso_date(value)
            except ValueError as err:
                raise Said(f"{key} {err}") from None
        elif key not in dimensions:
            raise Said(f"{shown(key)} is not a dimension; a board filters by dimensions and time_from/time_to")
        elif not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise Said(f'{key} must be a list of member names, e.g. ["East"], not {shown(value)}')
        elif len(value) > MAX_MEMBERS:
            raise Said(f"{key} lists {len(value)} members; at most {MAX_MEMBERS}")
    since, until = filters.get("time_from"), filters.get("time_to")
    if since and until and since > until:
        raise Said(f"the period starts ({since}) after it ends ({until})")


def unique_title(title: str, taken) -> str:
    """`title`, or 'title (2)', 'title (3)', … : the first not in `taken` (an import never
    makes a second board of the same name for its importer)."""
    taken = {t.strip().casefold() for t in taken}
    base, n, new = title.strip(), 1, title
    while new.strip().casefold() in taken:
        n += 1
        new = f"{base[: MAX_TITLE - 8]} ({n})"
    return new


def label(index: int, title: str = "", metrics=()) -> str:
    """'tile 3 (Cash)': how a message names a tile (1-based, as the user counts)."""
    name = title.strip() or ", ".join(metrics)
    return f"tile {index + 1} ({name[:60]})" if name else f"tile {index + 1}"


def with_board_filters(query: Query, filters: dict, library: Library | None = None) -> Query:
    """The tile's query as the board runs it: the board's period replaces the
    tile's own, and member filters are added where they apply to all its metrics.
    The one place this is decided: saving, the alert evaluator and the tiles on a page use it."""
    lib = library or current_library()
    period = {k: dt.date.fromisoformat(v) for k, v in filters.items() if k in PERIOD_KEYS and v}
    if period:
        query = query.with_(**period)
    extra = {
        d: v for d, v in filters.items() if d not in PERIOD_KEYS and v and all(lib.applies(m, d) for m in query.metrics)
    }
    where = member_filter(extra, query.where)
    return query.with_(where=where) if where != query.where else query


# ---- reading an import file -------------------------------------------------------
def parse_import(text: str | bytes) -> tuple[dict, BoardIn]:
    """The raw data and the checked board of an import file, or one BoardError line."""
    size = len(text.encode("utf-8")) if isinstance(text, str) else len(text)
    if size > MAX_IMPORT_BYTES:
        raise BoardError(
            f"this file has {size // 1024} KiB; a board import is at most {MAX_IMPORT_BYTES // 1024} KiB "
            f"(at most {MAX_TILES} tiles)."
        )
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError:
            raise BoardError("this file is not UTF-8 text; export the board again from a board's page.") from None
    if nesting(text) > MAX_DEPTH:
        raise BoardError(
            f"this file nests more than {MAX_DEPTH} levels deep, which no board export does; "
            "export the board again from a board's page."
        )
    try:
        data = json.loads(text, parse_constant=_no_constant)
    except (ValueError, RecursionError) as err:
        where = (
            f" (line {err.lineno}, column {err.colno})"
            if isinstance(err, json.JSONDecodeError)
            else f" ({err})"
            if isinstance(err, ValueError)
            else ""
        )
        raise BoardError(
            f"this is not a Concord board export: not JSON{where}; export one from a board's page."
        ) from None
    if not isinstance(data, dict) or "tiles" not in data or "title" not in data:
        raise BoardError(
            "this is not a Concord board export (it needs a title and tiles); export one from a board's page."
        )
    return data, validate(data)


def _no_constant(name: str):
    raise ValueError(f"{name} is not a number")


def nesting(text: str) -> int:
    """How deep brackets nest in a JSON text (outside strings), without parsing it."""
    depth = deepest = 0
    for token in re.finditer(r'"(?:[^"\\]|\\.)*"|[\[{]|[\]}]', text):
        char = token.group()[0]
        if char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth -= 1
    return deepest


def validate(data: dict) -> BoardIn:
    """Check a board in its export form; one BoardError line naming the tile and field."""
    try:
        return BoardIn.model_validate(data)
    except ValidationError as err:
        raise BoardError(explain(err, data)) from None
    except RecursionError:
        raise BoardError("this board nests too deeply to read; export it again from a board's page.") from None


# ---- one line per validation error ----------------------------------------------
KINDS = {
    "string_type": "must be text",
    "int_type": "must be a whole number",
    "float_type": "must be a number",
    "finite_number": "must be a finite number",
    "list_type": "must be a list",
    "dict_type": "must be an object",
    "model_type": "must be an object",
    "bool_type": "must be true or false",
    "int_from_float": "must be a whole number",
    "none_required": "must be empty",
}


def check_tile(data: dict, index: int) -> TileIn:
    """One stored tile read back (export form), named by its place in the board."""
    try:
        return TileIn.model_validate(data, context={"stored": True})
    except ValidationError as err:
        raise BoardError(explain(err, {"tiles": {index: data}}, base=("tiles", index))) from None


def explain(err: ValidationError, data, base: tuple = ()) -> str:
    first = err.errors(include_url=False)[0]
    loc, kind, ctx = base + tuple(first["loc"]), first["type"], first.get("ctx") or {}
    value = first.get("input")
    prefix, rest = _where(loc, data)
    whole = "this rule" if "rule" in prefix else "this tile" if prefix.startswith("tile") else "the board"
    field = ".".join(str(p) for p in rest if not isinstance(p, int)) or whole
    if kind in ("value_error", "assertion_error"):
        said = ctx.get("error")
        text = str(said) if said is not None else first["msg"].removeprefix("Value error, ")
        text = text if isinstance(said, Said) else f"{field} {text}"
    elif kind == "missing":
        text = f"{field} is missing"
    elif kind == "extra_forbidden":
        text = f"unknown field {shown(str(rest[-1]))}; remove it"
    elif kind == "literal_error":
        text = f"{field} {shown(value)} is not one of {ctx.get('expected', '')}"
    elif kind in KINDS:
        text = f"{field} {KINDS[kind]}, not {shown(value)}"
    elif kind == "string_too_long":
        text = f"{field} has more than {ctx.get('max_length')} characters"
    elif kind == "string_too_short":
        text = f"{field} must not be empty"
    elif kind in ("too_long", "too_short"):
        text = _length(field, kind, ctx)
    elif kind in ("greater_than_equal", "less_than_equal", "greater_than", "less_than"):
        text = f"{field} {shown(value)} is out of range ({first['msg'].lower()})"
    else:
        text = f"{field}: {first['msg']}"
    return f"{prefix}: {text}." if prefix else f"{text}."


def _where(loc: tuple, data) -> tuple[str, tuple]:
    """('tiles', 2, 'query', 'time_from') -> ('tile 3 (Cash)', ('time_from',))."""
    if len(loc) >= 2 and loc[0] == "tiles" and isinstance(loc[1], int):
        tile = _item(data, "tiles", loc[1])
        title = tile.get("title") if isinstance(tile.get("title"), str) else ""
        query = tile.get("query") if isinstance(tile.get("query"), dict) else {}
        metrics = query.get("metrics") if isinstance(query.get("metrics"), list) else []
        prefix, rest = label(loc[1], title, [m for m in metrics if isinstance(m, str)]), loc[2:]
        if rest[:1] == ("query",):
            rest = rest[1:]
        if len(rest) >= 2 and rest[0] == "rules" and isinstance(rest[1], int):
            prefix, rest = f"{prefix}, rule {rest[1] + 1}", rest[2:]
        return prefix, rest
    if loc[:1] == ("filters",):
        return "board filters", loc[1:]
    return "", loc


def _item(data, key: str, index: int) -> dict:
    items = data.get(key) if isinstance(data, dict) else None
    if isinstance(items, dict):  # {index: item}, from check_tile
        item = items.get(index)
    else:
        item = items[index] if isinstance(items, list) and index < len(items) else None
    return item if isinstance(item, dict) else {}


def _length(field: str, kind: str, ctx: dict) -> str:
    if kind == "too_short":
        return f"{field} needs at least one name"
    most, actual = ctx.get("max_length"), ctx.get("actual_length")
    if field == "tiles":
        return f"a board has at most {most} tiles; this one has {actual}"
    if field == "rules":
        return f"a tile has at most {most} alert rules; this one has {actual}"
    return f"{field} has more than {most} items"
