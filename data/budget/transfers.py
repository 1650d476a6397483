"""Reallocation within an approved version: an amount moved from one cell to another is a recorded
transfer (source − amount, target + amount, the version's total unchanged), never an edit."""

from __future__ import annotations

from decimal import Decimal

from data import metastore
from data.budget import rows
from data.budget.records import (
    BudgetError,
    Cell,
    Transfer,
    amount_of,
    check_text,
    from_cents,
    month_of,
    now_text,
    to_cents,
)


def moved(source: Decimal, target: Decimal, amount: Decimal) -> tuple[Decimal, Decimal]:
    """PURE: the two cells after moving `amount` (0 < amount <= source)."""
    if amount <= 0:
        raise BudgetError(f"move an amount above zero, not {amount}.")
    if amount > source:
        raise BudgetError(f"the source cell holds {source:,}; move at most that, not {amount:,}.")
    return source - amount, target + amount


def _cell(cell: Cell, what: str) -> Cell:
    if not isinstance(cell, Cell):
        raise BudgetError(f"the {what} is not a cell; give Cell(department, account, region, month).")
    try:
        return Cell(cell.department, cell.account, cell.region, month_of(cell.month))
    except ValueError:
        raise BudgetError(f"the {what}'s month '{cell.month}' is not a month.") from None


def transfer(name: str, who, *, source: Cell, target: Cell, amount, note: str = "") -> Transfer:
    """plan_budget: move `amount` from `source` to `target`, two cells of an approved version."""
    rows.may(who, "plan_budget")
    note = check_text(note)
    source, target = _cell(source, "source"), _cell(target, "target")
    if source == target:
        raise BudgetError("the source and the target are the same cell; choose another target.")
    try:
        amount = amount_of(amount, "the amount to move")
    except BudgetError:
        if str(amount).strip().startswith("-"):
            raise BudgetError(f"move an amount above zero, not {amount}.") from None
        raise
    found: list[Transfer] = []
    message = lambda: f"{name}: moved {amount:,} from {source.text()} to {target.text()}{': ' + note if note else ''}"  # noqa: E731
    with rows.writing("transfer", who, message) as con:
        version = rows.existing(con, name)
        if version.status != "approved":
            if version.status == "locked":
                raise BudgetError(f"{version.name} is locked; nothing in it moves any more.")
            advice = "edit its cells instead" if version.status == "draft" else "transfers wait for its approval"
            raise BudgetError(f"{version.name} is {version.status}, not approved; {advice}.")
        cells = rows.cells_of(con, version.id)
        for cell, what in ((source, "source"), (target, "target")):
            if cell not in cells:
                raise BudgetError(f"the {what} {cell.text()} is not a cell of {version.name}; choose one of its cells.")
        before_source, before_target = cells[source][0], cells[target][0]
        after_source, after_target = moved(from_cents(before_source), from_cents(before_target), amount)
        at = now_text()
        for cell, after in ((source, after_source), (target, after_target)):
            con.execute(
                "UPDATE budget_lines SET amount = ? WHERE version_id = ? AND department = ? AND account = ? "
                "AND region = ? AND month = ?",
                (to_cents(after), version.id, cell.department, cell.account, cell.region, rows.month_text(cell.month)),
            )
        transfer_id = con.execute(
            "INSERT INTO budget_transfers (version_id, source_department, source_account, source_region, source_month, "
            "target_department, target_account, target_region, target_month, amount, note, by_user, at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
            (
                version.id,
                *(source.department, source.account, source.region, rows.month_text(source.month)),
                *(target.department, target.account, target.region, rows.month_text(target.month)),
                to_cents(amount),
                note,
                who.username,
                at,
            ),
        ).fetchone()[0]
        rows.record(
            con,
            version,
            who.username,
            "transfer",
            [
                (
                    source.department,
                    source.account,
                    source.region,
                    rows.month_text(source.month),
                    before_source,
                    to_cents(after_source),
                ),
                (
                    target.department,
                    target.account,
                    target.region,
                    rows.month_text(target.month),
                    before_target,
                    to_cents(after_target),
                ),
            ],
            note=f"transfer {transfer_id}{': ' + note if note else ''}",
            at=at,
        )
        rows.bump(con, version)
        found.append(Transfer(int(transfer_id), source, target, amount, note, who.username, at))
    return found[0]


def transfers(name: str) -> tuple[Transfer, ...]:
    with metastore.session() as con:
        version = rows.existing(con, name)
        found = con.execute("SELECT * FROM budget_transfers WHERE version_id = ? ORDER BY id", (version.id,)).fetchall()
    return tuple(
        Transfer(
            int(r["id"]),
            Cell(r["source_department"], r["source_account"], r["source_region"], rows.read_month(r["source_month"])),
            Cell(r["target_department"], r["target_account"], r["target_region"], rows.read_month(r["target_month"])),
            from_cents(r["amount"]),
            r["note"],
            r["by_user"],
            r["at"],
        )
        for r in found
    )
