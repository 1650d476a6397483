"""Changing a version's lines: create it, save a department's cells (optimistic revision per department),
spread a total into one line's months, top-down from a company total. Each is one transaction with its
before/after rows in budget_changes and one audit line; every refusal is one line and writes nothing."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from decimal import Decimal

import pandas as pd

from data import metastore
from data.budget import math, rows
from data.budget.records import (
    PERIODS,
    BudgetError,
    Cell,
    CellChange,
    SaveResult,
    StaleEdit,
    VersionInfo,
    amount_of,
    check_kind,
    check_name,
    check_text,
    from_cents,
    hhmm,
    month_of,
    now_text,
    to_cents,
)
from semantic import authorize


def create(
    name: str,
    year: int,
    who,
    *,
    lines: pd.DataFrame,
    kind: str = "budget",
    switch_month: int = 0,
    based_on: str = "",
    note: str = "",
) -> VersionInfo:
    """A new draft version with `lines` (month, department, account, region, amount), each stored as its
    amount and its seed. plan_budget only."""
    rows.may(who, "plan_budget")
    name = check_name(name)
    year, switch_month = check_kind(kind, year, switch_month)
    note, based_on = check_text(note), check_text(based_on, "based on")
    cells = math.frame_cells(lines, year)
    if not cells:
        raise BudgetError("a version needs lines; seed it from actuals or another version first.")
    at = now_text()
    total = sum(cells.values(), Decimal(0))
    with rows.writing("create", who, f"created {name} ({kind} {year}): {len(cells)} lines, total {total:,}") as con:
        if rows.find_row(con, name) is not None:
            raise BudgetError(
                f"there is already a version called '{rows.find_row(con, name)['name']}'; choose another name."
            )
        version_id = con.execute(
            "INSERT INTO budget_versions (name, name_key, year, kind, status, switch_month, based_on, note, "
            "created_by, created_at, revision) VALUES (?, ?, ?, ?, 'draft', ?, ?, ?, ?, ?, 0) RETURNING id",
            (name, name.casefold(), year, kind, switch_month, based_on, note, who.username, at),
        ).fetchone()[0]
        values = [
            (version_id, d, a, r, rows.month_text(m), to_cents(v), to_cents(v)) for (d, a, r, m), v in cells.items()
        ]
        con.executemany(
            "INSERT INTO budget_lines (version_id, department, account, region, month, amount, seed) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            values,
        )
        departments = sorted({d for d, _, _, _ in cells})
        con.executemany(
            "INSERT INTO budget_departments (version_id, department, status, revision, saved_by, saved_at) "
            "VALUES (?, ?, 'open', 1, ?, ?)",
            [(version_id, d, who.username, at) for d in departments],
        )
        version = rows.existing(con, name)
        rows.record(
            con,
            version,
            who.username,
            "create",
            [(v[1], v[2], v[3], v[4], None, v[5]) for v in values],
            note=note,
            at=at,
        )
        rows.bump(con, version)
        return rows.existing(con, name)


def _cells_checked(con, version: VersionInfo, department: str, amounts: Mapping) -> dict[Cell, int]:
    """The cells a save asks for, each checked (its department, year, a known account and region, an
    amount of 0 or more), as {Cell: cents}."""
    known = con.execute(
        "SELECT DISTINCT account FROM budget_lines WHERE version_id = ? AND department = ?", (version.id, department)
    )
    accounts = {r[0] for r in known}
    regions = {
        r[0] for r in con.execute("SELECT DISTINCT region FROM budget_lines WHERE version_id = ?", (version.id,))
    }
    out: dict[Cell, int] = {}
    for cell, value in amounts.items():
        if not isinstance(cell, Cell):
            raise BudgetError(f"'{str(cell)[:60]}' is not a cell; give Cell(department, account, region, month).")
        try:
            month = month_of(cell.month)
        except ValueError:
            raise BudgetError(
                f"{cell.department} / {cell.account} / {cell.region}: '{cell.month}' is not a month."
            ) from None
        cell = Cell(cell.department, cell.account, cell.region, month)
        where = cell.text()
        if cell.department != department:
            raise BudgetError(
                f"{where} is a cell of {cell.department}, not {department}; save each department on its own."
            )
        if month.year != version.year:
            raise BudgetError(
                f"{where} is a cell of {month.year}; {version.name} is the {version.year} {version.kind}."
            )
        if version.kind == "forecast" and month.month <= version.switch_month:
            raise BudgetError(
                f"{where} is an actual month of {version.name} (actuals up to month {version.switch_month}); edit months after it."
            )
        if cell.account not in accounts:
            raise BudgetError(
                f"{where}: {department} has no account '{cell.account}' in {version.name}; use {', '.join(sorted(accounts))}."
            )
        if cell.region not in regions:
            raise BudgetError(
                f"{where}: {version.name} has no region '{cell.region}'; use {', '.join(sorted(regions))}."
            )
        out[cell] = int(to_cents(amount_of(value, where)))
    return out


def _may_edit(con, version: VersionInfo, department: str, who) -> None:
    authorize.authorize(who, "edit_budget_lines", department)
    rows.must_be(version, "draft", doing="edit")
    status = rows.department_row(con, version, department)["status"]
    if status in ("submitted", "accepted") and not authorize.allowed(who, "plan_budget"):
        raise BudgetError(f"{department} is {status} in {version.name}; finance returns it to you for changes.")


def _stale(version: VersionInfo, row, expected_revision: int) -> StaleEdit:
    return StaleEdit(
        f"{row['department']} in {version.name} was saved by {row['saved_by']} at {hhmm(row['saved_at'])} since you "
        f"opened it (revision {row['revision']}, yours {expected_revision}); reload and re-apply your changes — "
        "yours are still in the grid."
    )


def _apply(con, version, department, wanted: dict[Cell, int], who, action, note, expected, at) -> SaveResult:
    """Inside the writer's transaction: the stale check, then the cells that change, their rows, the revision."""
    row = rows.department_row(con, version, department)
    if int(row["revision"]) != int(expected):
        raise _stale(version, row, expected)
    current = rows.cells_of(con, version.id, department)
    changed = [(c, current.get(c, (None, None))[0], v) for c, v in wanted.items() if current.get(c, (None,))[0] != v]
    if not changed:
        return SaveResult(int(row["revision"]), ())
    con.executemany(
        "UPDATE budget_lines SET amount = ? WHERE version_id = ? AND department = ? AND account = ? AND region = ? AND month = ?",
        [
            (v, version.id, c.department, c.account, c.region, rows.month_text(c.month))
            for c, b, v in changed
            if b is not None
        ],
    )
    con.executemany(
        "INSERT INTO budget_lines (version_id, department, account, region, month, amount, seed) VALUES (?, ?, ?, ?, ?, ?, 0)",
        [
            (version.id, c.department, c.account, c.region, rows.month_text(c.month), v)
            for c, b, v in changed
            if b is None
        ],
    )
    rows.record(
        con, version, who.username, action,
        [(c.department, c.account, c.region, rows.month_text(c.month), b, v) for c, b, v in changed],
        note=note, at=at,
    )  # fmt: skip
    revision = int(row["revision"]) + 1
    con.execute(
        "UPDATE budget_departments SET revision = ?, saved_by = ?, saved_at = ? WHERE version_id = ? AND department = ?",
        (revision, who.username, at, version.id, department),
    )
    changes = tuple(CellChange(c, from_cents(b or 0), from_cents(v)) for c, b, v in changed)
    return SaveResult(revision, changes)


def _saved(kind: str, who, name: str, results: dict) -> rows.writing:
    def message() -> str | None:
        cells = sum(len(r.changes) for r in results.values())
        if not cells:
            return None  # nothing written, nothing to audit
        return f"{name}: {', '.join(results) or 'nothing'} {kind.replace('_', ' ')}, {cells} cells changed"

    return rows.writing(kind, who, message)


def save(
    name, department, amounts: Mapping, who, *, expected_revision: int, note: str = "", action: str = "save"
) -> SaveResult:
    """Save these cells of `department` (only the ones that differ are written). Refused, nothing written:
    not allowed, a bad cell or amount, a version that is not a draft, a department handed in (for its head),
    or someone saved the department since `expected_revision` (StaleEdit)."""
    note = check_text(note)
    with metastore.session() as con:
        version = rows.existing(con, name)
        _may_edit(con, version, department, who)
        wanted = _cells_checked(con, version, department, amounts)
    results: dict[str, SaveResult] = {}
    with _saved(action, who, version.name, results) as con:
        version = rows.existing(con, name)  # again, inside the one writer's transaction
        _may_edit(con, version, department, who)
        result = _apply(con, version, department, wanted, who, action, note, expected_revision, now_text())
        if result.changes:
            rows.bump(con, version)
        results[department] = result
    return result


def grid_revision(name: str, department: str) -> int:
    with metastore.session() as con:
        return int(rows.department_row(con, rows.existing(con, name), department)["revision"])


def diff(name: str, department: str, amounts: Mapping) -> tuple[CellChange, ...]:
    """What saving `amounts` would change now (the same checks of cells and amounts as a save, no writing)."""
    with metastore.session() as con:
        version = rows.existing(con, name)
        rows.department_row(con, version, department)
        wanted = _cells_checked(con, version, department, amounts)
        current = rows.cells_of(con, version.id, department)
    return tuple(
        CellChange(c, from_cents(current.get(c, (0,))[0]), from_cents(v))
        for c, v in wanted.items()
        if current.get(c, (None,))[0] != v
    )


def spread_into(name, department, account, region, who, *, total, period: str = "year", weights: Sequence = (),
                expected_revision: int, note: str = "") -> SaveResult:  # fmt: skip
    """`total` spread over the months of `period` of one line (department, account, region) by `weights`
    (one per month of the period; all zero or none: equally), then saved like a save."""
    if period not in PERIODS:
        raise BudgetError(f"period '{period}': use year, Q1, Q2, Q3 or Q4.")
    months = list(PERIODS[period])
    weights = list(weights) or [1] * len(months)
    if len(weights) != len(months):
        raise BudgetError(
            f"{period} has {len(months)} months but {len(weights)} weights were given; give one per month."
        )
    total = amount_of(total, f"the total for {department} / {account} / {region}")
    with metastore.session() as con:
        year = rows.existing(con, name).year
    parts = math.spread(total, weights)
    amounts = {Cell(department, account, region, dt.date(year, m, 1)): p for m, p in zip(months, parts, strict=True)}
    return save(name, department, amounts, who, expected_revision=expected_revision, note=note, action="spread")


def top_down(
    name, who, *, total, shares: Mapping[str, Decimal], expected: Mapping[str, int], note: str = ""
) -> dict[str, SaveResult]:
    """plan_budget: `total` split by `shares` (adding up to 1) into department totals, the remainder on the
    last department; within each, proportionally to its current cells, the remainder on its last cell. One
    transaction for every department; each must be at the revision in `expected`."""
    rows.may(who, "plan_budget")
    note = check_text(note)
    total = amount_of(total, "the company total")
    shares = math.check_shares(shares)
    targets = math.split_total(total, shares)
    missing = [d for d in targets if d not in expected]
    if missing:
        raise BudgetError(f"no revision given for {', '.join(missing)}; reload the version and try again.")
    results: dict[str, SaveResult] = {}
    with _saved("top_down", who, str(name), results) as con:
        version = rows.existing(con, name)
        rows.must_be(version, "draft", doing="edit")
        at = now_text()
        for department, target in targets.items():
            rows.department_row(con, version, department)
            current = {c: from_cents(v[0]) for c, v in rows.cells_of(con, version.id, department).items()}
            if not current:
                raise BudgetError(f"{department} has no lines in {version.name}; give it a share of 0.")
            wanted = {c: to_cents(v) for c, v in math.scale_cells(target, current).items()}
            results[department] = _apply(
                con, version, department, wanted, who, "top_down", note, expected[department], at
            )
        if any(r.changes for r in results.values()):
            rows.bump(con, version)
    return results
