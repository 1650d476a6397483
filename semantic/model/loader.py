"""Load and check the indicator library: semantic/models/*.yml -> Library.

Every problem is reported as a ModelError that names the file, the key path and
what to do, never a traceback: a broken library must be easy to fix by someone
who only knows YAML.
"""

from __future__ import annotations

import dataclasses
import functools
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import sqlglot
import yaml
from pydantic import ValidationError
from sqlglot import exp

from semantic.errors import ModelError, did_you_mean
from semantic.model import custom_checks
from semantic.model.graph import ColumnRef, check_acyclic, reachable, resolve_sources
from semantic.model.library import TIME, Library, metric_refs
from semantic.model.schema import LibraryFile

MODELS_DIR = Path(__file__).resolve().parent.parent / "models"
COMPANION_FILES = ("policies.yml", "rollups.yml", "checks.yml")  # kept beside the library, read by their owners
SECTIONS = ("tables", "dimensions", "measures", "metrics")
DERIVED_NODES = (
    exp.Column,
    exp.Identifier,
    exp.Literal,
    exp.Paren,
    exp.Add,
    exp.Sub,
    exp.Mul,
    exp.Div,
    exp.Neg,
    exp.Nullif,
    exp.Coalesce,
    exp.Abs,
)


def models_dir() -> Path:
    """The indicator library's folder: CONCORD_MODELS (set from concord.toml's [model] folder by
    data.config.settle) or semantic/models."""
    return Path(os.environ.get("CONCORD_MODELS") or MODELS_DIR)


def default_library() -> Library:
    """The library in models_dir(), loaded once per process and folder."""
    return _library_in(str(models_dir().resolve()))


@functools.lru_cache(maxsize=8)
def _library_in(folder: str) -> Library:
    return load_library(folder)


def companion(name: str, builtin: Path) -> Path | None:
    """A file that belongs with the library (rollups.yml, checks.yml, policies.yml): `name` in the
    library's folder when it is there; the built-in file for the built-in library; else None (a
    company's own library does not inherit the demo's rollups, checks or roles)."""
    folder = models_dir()
    if (folder / name).is_file():
        return folder / name
    return builtin if folder.resolve() == MODELS_DIR.resolve() else None


def load_library(folder: Path | str) -> Library:
    folder = Path(folder)
    files = [p for p in sorted(folder.glob("*.yml")) + sorted(folder.glob("*.yaml")) if p.name not in COMPANION_FILES]
    if not files:
        raise ModelError(f"{folder}: no *.yml files found; the indicator library lives in semantic/models/.")
    merged: dict[str, dict[str, Any]] = {s: {} for s in SECTIONS}
    origin: dict[tuple[str, str], str] = {}
    for path in files:
        parsed = _read(path)
        for section in SECTIONS:
            for name, spec in getattr(parsed, section).items():
                where = _rel(path)
                if name in merged[section]:
                    raise ModelError(
                        f"{where}: {section}.{name}: defined twice (also in {origin[(section, name)]}); "
                        "give one of them another name."
                    )
                merged[section][name] = spec
                origin[(section, name)] = where
    library = Library(files=tuple(_rel(p) for p in files), **merged)
    return _checked(library, origin)


def extend_library(base: Library, extra: LibraryFile, origin: str = "custom") -> Library:
    """`base` with `extra`'s dimensions and metrics added (custom definitions), checked exactly as
    load_library checks a library; `origin` starts every error message. Tables and measures (SQL)
    cannot be added this way, and a name `base` already has is refused."""
    for section in ("tables", "measures"):
        if getattr(extra, section):
            raise ModelError(f"{origin}: {section}: only dimensions and metrics can be added; remove {section}.")
    merged: dict[str, dict[str, Any]] = {s: dict(getattr(base, s)) for s in SECTIONS}
    where: dict[tuple[str, str], str] = {}
    for section in ("dimensions", "metrics"):
        for name, spec in getattr(extra, section).items():
            for other in ("dimensions", "metrics"):
                if name in getattr(base, other):
                    kind = other[:-1]
                    raise ModelError(
                        f"{origin}: {section}.{name}: the library already has a {kind} '{name}'; choose another name."
                    )
            merged[section][name] = spec
            where[(section, name)] = origin
    library = Library(files=base.files, custom=base.custom, **merged)
    return _checked(library, _Origins(where, "library"))


class _Origins(dict):
    """Where each entry comes from; entries of an already checked library are 'library'."""

    def __init__(self, known: Mapping[tuple[str, str], str], default: str):
        super().__init__(known)
        self.default = default

    def __missing__(self, key):
        return self.default


def _checked(library: Library, origin: Mapping[tuple[str, str], str]) -> Library:
    _check(library, origin)
    custom_checks.check_refs(library, origin)
    library = _with_columns(library, origin)
    custom_checks.check_meaning(library, origin)
    return library


class _StrictLoader(yaml.SafeLoader):
    """Safe YAML that refuses a key given twice (plain YAML keeps the last one silently)."""


def _no_duplicates(loader, node, deep=False):
    seen = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"key {key!r} is defined twice in the same mapping; keep one", key_node.start_mark
            )
        seen.add(key)
    return yaml.SafeLoader.construct_mapping(loader, node, deep=deep)


_StrictLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, lambda loader, node: _no_duplicates(loader, node, deep=True)
)


def load_yaml(text: str):
    return yaml.load(text, Loader=_StrictLoader)  # noqa: S506 - a SafeLoader subclass


def _read(path: Path) -> LibraryFile:
    where = _rel(path)
    try:
        raw = load_yaml(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        at = f" line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(err, "problem", None) or "invalid YAML"
        raise ModelError(f"{where}:{at}: {problem}; fix the YAML syntax there.") from None
    except (OSError, UnicodeDecodeError) as err:
        raise ModelError(f"{where}: cannot be read ({err}); check the file is UTF-8 text.") from None
    if not isinstance(raw, dict):
        raise ModelError(f"{where}: the top level must be a mapping with keys {', '.join(SECTIONS)}.")
    try:
        return LibraryFile.model_validate(raw)
    except ValidationError as err:
        first = err.errors()[0]
        key = ".".join(str(p) for p in first["loc"])
        hint = {
            "missing": "add it",
            "extra_forbidden": "remove it or check its spelling (allowed keys are listed in semantic/model/schema.py)",
            "literal_error": "use one of the allowed values",
        }.get(first["type"], "correct the value")
        raise ModelError(f"{where}: {key}: {first['msg']}; {hint}.") from None


def _check(lib: Library, origin: Mapping[tuple[str, str], str]) -> None:
    at = lambda section, name: f"{origin[(section, name)]}: {section}.{name}"  # noqa: E731
    for name, table in lib.tables.items():
        for target, fk in table.joins.items():
            if target not in lib.tables:
                raise ModelError(
                    f"{at('tables', name)}.joins: unknown table '{target}'.{did_you_mean(target, lib.tables)}"
                )
            if fk not in table.columns:
                raise ModelError(f"{at('tables', name)}.joins.{target}: '{fk}' is not a column of {name}.")
            if len(lib.tables[target].key_columns) != 1:
                raise ModelError(
                    f"{at('tables', name)}.joins.{target}: '{target}' needs a single-column primary_key to be joined."
                )
        for key in table.key_columns:
            if key not in table.columns:
                raise ModelError(f"{at('tables', name)}.primary_key: '{key}' is not one of its columns.")
    check_acyclic(lib.tables)
    for name, table in lib.tables.items():
        if table.planning is not None:
            _check_planning(lib, name, table, at("tables", name))
    for name, dim in lib.dimensions.items():
        if name == TIME or "__" in name:
            raise ModelError(
                f"{at('dimensions', name)}: '{TIME}' and names with '__' are reserved for time; rename it."
            )
        if name in lib.metrics:
            raise ModelError(
                f"{at('dimensions', name)}: a metric has the same name; names must be unique across metrics and dimensions."
            )
        for source in dim.sources:
            _check_column(lib, source, None, f"{at('dimensions', name)}.sources")
        if dim.drill is not None and dim.drill not in lib.dimensions:
            raise ModelError(
                f"{at('dimensions', name)}.drill: unknown dimension '{dim.drill}'.{did_you_mean(dim.drill, lib.dimensions)}"
            )
    for name, measure in lib.measures.items():
        where = at("measures", name)
        if measure.table not in lib.tables:
            raise ModelError(
                f"{where}.table: unknown table '{measure.table}'.{did_you_mean(measure.table, lib.tables)}"
            )
        reach = reachable(lib.tables, measure.table)
        for key in ("expr", "filter", "time"):
            text = getattr(measure, key)
            if text is not None:
                _check_sql(lib, text, measure.table, reach, f"{where}.{key}")
    for name, metric in lib.metrics.items():
        _check_metric(lib, name, metric, at("metrics", name))


PLAN_COLUMNS = ("version", "month", "department", "account", "region", "amount")


def _check_planning(lib: Library, name: str, table, where: str) -> None:
    """A planning table has the columns the compiler builds, a known actuals measure on a table with
    them (bar version), and an imported warehouse table with them too; nothing joins to or from it."""
    if tuple(table.columns) != PLAN_COLUMNS:
        raise ModelError(f"{where}.columns: a planning table has exactly the columns {', '.join(PLAN_COLUMNS)}.")
    if table.joins or any(name in other.joins for other in lib.tables.values()):
        raise ModelError(f"{where}: a planning table joins nothing and nothing joins to it; remove the join.")
    plan = table.planning
    if plan.imported not in lib.tables or lib.tables[plan.imported].planning is not None:
        raise ModelError(
            f"{where}.planning.imported: unknown warehouse table '{plan.imported}'.{did_you_mean(plan.imported, lib.tables)}"
        )
    missing = [c for c in PLAN_COLUMNS[1:] if c not in lib.tables[plan.imported].columns]
    if missing:
        raise ModelError(f"{where}.planning.imported: {plan.imported} has no column {', '.join(missing)}.")
    if plan.actuals not in lib.measures:
        raise ModelError(
            f"{where}.planning.actuals: unknown measure '{plan.actuals}'.{did_you_mean(plan.actuals, lib.measures)}"
        )
    actuals = lib.measures[plan.actuals]
    if actuals.agg != "sum" or actuals.table == name:
        raise ModelError(f"{where}.planning.actuals: '{plan.actuals}' must be a sum over a warehouse table.")


def _check_metric(lib: Library, name: str, metric, where: str) -> None:
    needs = {"simple": "measure", "snapshot": "measure", "derived": "expr", "cumulative": "add"}.get(metric.type)
    if needs is None:  # filtered, share: semantic/model/custom_checks.py
        return
    if not getattr(metric, needs):
        raise ModelError(f"{where}: a {metric.type} metric needs '{needs}'; add it.")
    for measure in ((metric.measure,) if metric.measure else ()) + metric.add + metric.subtract:
        if measure not in lib.measures:
            raise ModelError(
                f"{where}: unknown measure '{measure}'.{did_you_mean(measure, lib.measures)} Define it under measures: or fix the name."
            )
    if metric.type == "derived":
        try:
            tree = sqlglot.parse_one(metric.expr, read="duckdb")
        except sqlglot.errors.ParseError:
            raise ModelError(f"{where}.expr: '{metric.expr}' is not a valid expression.") from None
        for node in tree.walk():
            if isinstance(node, exp.Literal) and node.is_string:
                raise ModelError(f"{where}.expr: {node.sql()} is text; a formula uses metric names and numbers.")
            if not isinstance(node, DERIVED_NODES):
                raise ModelError(
                    f"{where}.expr: '{node.sql()}' is not allowed; use metric names, numbers, + - * / and NULLIF, COALESCE, ABS."
                )
        for ref in metric_refs(metric.expr):
            if ref not in lib.metrics:
                raise ModelError(f"{where}.expr: unknown metric '{ref}'.{did_you_mean(ref, lib.metrics)}")


def _check_sql(lib: Library, text: str, table: str, reach: Mapping[str, Any], where: str) -> None:
    try:
        tree = sqlglot.parse_one(text, read="duckdb")
    except sqlglot.errors.ParseError:
        raise ModelError(f"{where}: '{text}' is not valid SQL.") from None
    for column in tree.find_all(exp.Column):
        _check_column(lib, f"{column.table or table}.{column.name}", reach, where)


def _check_column(lib: Library, ref: str, reach: Mapping[str, Any] | None, where: str) -> None:
    table, _, column = ref.rpartition(".")
    if table not in lib.tables:
        raise ModelError(f"{where}: unknown table '{table}' in '{ref}'.{did_you_mean(table, lib.tables)}")
    if reach is not None and table not in reach:
        raise ModelError(
            f"{where}: table '{table}' cannot be reached by joins from here; declare the join under tables."
        )
    if column not in lib.tables[table].columns:
        raise ModelError(
            f"{where}: '{column}' is not a column of {table}.{did_you_mean(column, lib.tables[table].columns)}"
        )


def _with_columns(lib: Library, origin: Mapping[tuple[str, str], str]) -> Library:
    """Precompute, for every fact table, where each dimension lives."""
    columns: dict[tuple[str, str], ColumnRef] = {}
    for fact in {m.table for m in lib.measures.values()}:
        for name, dim in lib.dimensions.items():
            if dim.base is not None:  # a grouping lives where its base lives
                dim = lib.dimensions[dim.base]
            try:
                ref = resolve_sources(lib.tables, fact, dim.sources)
            except ModelError as err:
                raise ModelError(f"{origin[('dimensions', name)]}: dimensions.{name}: {err}") from None
            if ref is not None:
                columns[(fact, name)] = ref
    return dataclasses.replace(lib, dimensions=custom_checks.with_members(lib.dimensions), columns=columns)


def _rel(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)
