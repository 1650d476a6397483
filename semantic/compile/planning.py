"""The planning table (budget_lines) as a CTE built from the current Plan of budget versions.

A planning table is not in the warehouse (TableSpec.planning). Wherever a compiled tree reads it, the
compiler puts a CTE of the same name in front, a UNION ALL of what the selection needs:
- the warehouse's own budget table (`planning.imported`), as version 'imported';
- the versions' lines from the store, as ONE JSON string literal in a neutral `PlanRows` node that each
  dialect spells (semantic/compile/dialects);
- for a forecast, the actuals measure (`planning.actuals`, aggregated by month, department, account
  and region through measure_select, rollups and all) for months 1..switch_month of its year.
Which versions: Query.budget_version (that one only), the version dimension grouped or filtered (every
version), or by default each year's approved budget in place of the warehouse's rows of that year.
Row policies and filters are applied outside, on the CTE, exactly as on any other table.
"""

from __future__ import annotations

import calendar
import datetime as dt
import functools
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlglot import exp

from semantic.compile import sqlbits, timegrain
from semantic.compile.dialects import PLAN_COLUMNS, PlanRows
from semantic.compile.source import GroupKey, Range, measure_select
from semantic.errors import QueryError
from semantic.model.library import Library
from semantic.planning.model import IMPORTED, Line, Plan, Version

AMOUNT = exp.DataType.build("decimal(18,2)")
_KEYS = ("department", "account", "region")


@dataclass(frozen=True)
class Selection:
    """The versions one compile reads: `store` from the Plan, `imported` warehouse rows (all years, or
    all but `replaced` years)."""

    store: tuple[Version, ...]
    imported: bool
    replaced: tuple[int, ...] = ()


def planning_tables(lib: Library) -> tuple[str, ...]:
    return tuple(name for name, spec in lib.tables.items() if spec.planning is not None)


def reads(tree: exp.Expression, names: Sequence[str]) -> tuple[str, ...]:
    """The planning tables `names` that `tree` reads as tables."""
    found = {t.name for t in tree.find_all(exp.Table) if not t.args.get("db")}
    return tuple(n for n in names if n in found)


def version_names(plan: Plan) -> str:
    return ", ".join([IMPORTED] + [v.name for v in plan.versions])


def select(plan: Plan, budget_version: str | None, by_version: bool, years: Sequence[int] = ()) -> Selection:
    """Which versions a query reads (see the module doc); an unknown name is a one-line refusal."""
    if budget_version is not None:
        wanted = budget_version.strip()
        if wanted.casefold() == IMPORTED:
            return Selection((), True)
        version = plan.find(wanted)
        if version is None:
            raise QueryError(f"budget version '{wanted}' does not exist; use one of: {version_names(plan)}.")
        return Selection((version,), False)
    if by_version:
        return Selection(tuple(plan.versions), True)
    defaults = {v.year: v for v in plan.versions if plan.default_for(v.year) == v}
    chosen = tuple(defaults[y] for y in sorted(defaults))
    return Selection(chosen, True, tuple(sorted(defaults)))


def lines_json(plan: Plan, versions: Sequence[Version]) -> str:
    """The lines of `versions` (a forecast's only after its switch month) as one JSON array: dates ISO,
    amounts JSON numbers written from the Decimal exactly. Written once per (Plan token, versions): a
    page's several queries share it."""
    return _lines_json(plan, tuple(versions))


@functools.lru_cache(maxsize=32)
def _lines_json(plan: Plan, versions: tuple[Version, ...]) -> str:
    parts = []
    for version in versions:
        for line in plan.lines.get(version.name, ()):
            if version.kind == "forecast" and line.month.month <= version.switch_month:
                continue
            parts.append(_line(version.name, line))
    return "[" + ",".join(parts) + "]"


def _line(version: str, line: Line) -> str:
    values = [("version", json.dumps(version)), ("month", json.dumps(line.month.isoformat()))]
    values += [(k, json.dumps(getattr(line, k))) for k in _KEYS]
    values.append(("amount", format(line.amount, "f")))  # the Decimal's own digits: exact, no float on the way
    return "{" + ",".join(f'"{key}":{text}' for key, text in values) + "}"


def cte(lib: Library, table: str, plan: Plan, selection: Selection, rollups: Mapping[str, str]) -> exp.Expression:
    """The body of the planning table's CTE for `selection`."""
    planning = lib.tables[table].planning
    parts: list[exp.Select] = []
    if selection.imported:
        parts.append(_imported(planning.imported, selection.replaced))
    if any(plan.lines.get(v.name) for v in selection.store):
        parts.append(_stored(lines_json(plan, selection.store)))
    for version in selection.store:
        if version.kind == "forecast" and version.switch_month > 0:
            parts.append(_actuals(lib, planning.actuals, version, rollups))
    if not parts:  # nothing selected (a version without lines): no rows, typed
        empty = _stored("[]")
        return empty.where(exp.false(), copy=False)
    return parts[0] if len(parts) == 1 else exp.union(*parts, distinct=False, copy=False)


def _columns(version: exp.Expression, table: str, month: exp.Expression, amount: exp.Expression) -> list:
    out = [exp.alias_(version, "version", quoted=False), exp.alias_(month, "month", quoted=False)]
    out += [exp.alias_(exp.column(k, table=table), k, quoted=False) for k in _KEYS]
    return out + [exp.alias_(exp.cast(amount, AMOUNT), "amount", quoted=False)]


def _imported(table: str, replaced: Sequence[int]) -> exp.Select:
    month = exp.column("month", table=table)
    body = exp.select(
        *_columns(exp.Literal.string(IMPORTED), table, month.copy(), exp.column("amount", table=table)), copy=False
    ).from_(sqlbits.table(table), copy=False)
    ranges = [
        exp.Between(
            this=month.copy(),
            low=timegrain.date_literal(dt.date(year, 1, 1)),
            high=timegrain.date_literal(dt.date(year, 12, 31)),
        )
        for year in replaced
    ]
    if ranges:
        body = body.where(exp.not_(exp.or_(*ranges, copy=False), copy=False), copy=False)
    return body


def _stored(text: str) -> exp.Select:
    names = [name for name, _ in PLAN_COLUMNS]
    return exp.select(*[exp.column(n, table="plan_rows") for n in names], copy=False).from_(
        PlanRows(this=exp.Literal.string(text)), copy=False
    )


def _actuals(lib: Library, measure: str, version: Version, rollups: Mapping[str, str]) -> exp.Select:
    """The actuals measure by month, department, account and region for months 1..switch_month."""
    last = calendar.monthrange(version.year, version.switch_month)[1]
    span = Range(dt.date(version.year, 1, 1), dt.date(version.year, version.switch_month, last))
    keys = [GroupKey.parse("metric_time__month")] + [GroupKey.parse(k) for k in _KEYS]
    inner = measure_select(lib, [measure], keys, [], span, rollups=rollups)
    month = exp.cast(exp.column("metric_time__month", table="actuals"), exp.DataType.build("date"))
    amount = exp.column(measure, table="actuals")
    return exp.select(*_columns(exp.Literal.string(version.name), "actuals", month, amount), copy=False).from_(
        exp.Subquery(this=inner, alias=exp.TableAlias(this=exp.to_identifier("actuals"))), copy=False
    )
