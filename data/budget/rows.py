"""Reading and writing the store's rows: a version by name, its department rows, its cells; the writer's
one transaction (generation counted up, the process's Plan forgotten, the audit line after commit)."""

from __future__ import annotations

import datetime as dt
from contextlib import contextmanager

from data import metastore
from data.budget.records import BudgetError, Cell, VersionInfo, from_cents, now_text
from semantic import authorize
from semantic.errors import did_you_mean


def version_info(row) -> VersionInfo:
    return VersionInfo(
        id=int(row["id"]),
        name=row["name"],
        year=int(row["year"]),
        kind=row["kind"],
        status=row["status"],
        switch_month=int(row["switch_month"]),
        based_on=row["based_on"] or "",
        note=row["note"] or "",
        created_by=row["created_by"],
        created_at=row["created_at"],
        approved_by=row["approved_by"] or "",
        approved_at=row["approved_at"] or "",
        revision=int(row["revision"]),
    )


def find_row(con, name: str):
    return con.execute(
        "SELECT * FROM budget_versions WHERE name_key = ?", (str(name or "").strip().casefold(),)
    ).fetchone()


def existing(con, name: str) -> VersionInfo:
    row = find_row(con, name)
    if row is None:
        names = [r[0] for r in con.execute("SELECT name FROM budget_versions ORDER BY name")]
        raise BudgetError(f"there is no budget version '{name}'.{did_you_mean(str(name), names)}")
    return version_info(row)


def department_row(con, version: VersionInfo, department: str):
    row = con.execute(
        "SELECT * FROM budget_departments WHERE version_id = ? AND department = ?", (version.id, department)
    ).fetchone()
    if row is None:
        known = [
            r[0]
            for r in con.execute(
                "SELECT department FROM budget_departments WHERE version_id = ? ORDER BY department", (version.id,)
            )
        ]
        raise BudgetError(
            f"{version.name} has no department '{department}'.{did_you_mean(str(department), known)} "
            f"Departments: {', '.join(known)}."
        )
    return row


def month_text(month: dt.date) -> str:
    return month.strftime("%Y-%m-01")


def read_month(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def cells_of(con, version_id: int, department: str | None = None) -> dict[Cell, tuple[int, int]]:
    """{Cell: (amount cents, seed cents)} of a version (one department's when given)."""
    sql = "SELECT department, account, region, month, amount, seed FROM budget_lines WHERE version_id = ?"
    args: list = [version_id]
    if department is not None:
        sql, args = sql + " AND department = ?", [*args, department]
    return {
        Cell(r[0], r[1], r[2], read_month(r[3])): (int(r[4]), int(r[5]))
        for r in con.execute(sql + " ORDER BY department, account, region, month", args)
    }


def bump(con, version: VersionInfo) -> None:
    """The version's revision and the store's generation, counted up by every change."""
    con.execute("UPDATE budget_versions SET revision = revision + 1 WHERE id = ?", (version.id,))
    con.execute("UPDATE budget_generation SET generation = generation + 1 WHERE singleton = 1")


def record(con, version: VersionInfo, who: str, action: str, rows=(), *, note: str = "", at: str = "") -> None:
    """budget_changes rows: `rows` are (department, account, region, month text, before cents, after cents);
    without rows one status row (department etc. empty) with the note."""
    at = at or now_text()
    rows = list(rows) or [("", "", "", "", None, None)]
    con.executemany(
        "INSERT INTO budget_changes (version_id, at, who, action, department, account, region, month, "
        "before_cents, after_cents, note) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [(version.id, at, who, action, *row, note) for row in rows],
    )


def status_row(con, version: VersionInfo, who: str, action: str, department: str, note: str, at: str) -> None:
    con.execute(
        "INSERT INTO budget_changes (version_id, at, who, action, department, note) VALUES (?, ?, ?, ?, ?, ?)",
        (version.id, at, who, action, department, note),
    )


@contextmanager
def writing(kind: str, who, message):
    """One transaction; after it commits, the audit line (kind, who, message() or text; None: no line) and
    this process reads the Plan again. A refusal inside writes nothing and no audit line."""
    from data.budget import reads

    try:
        with metastore.session() as con, metastore.transaction(con):
            yield con
    finally:
        reads.forget()
    from auth import audit

    text = message() if callable(message) else message
    if text is None:
        return
    audit.append(f"budget_{kind}", who.username, source="app", outcome="ok", message=str(text)[:1000])


def may(who, action: str, resource=None) -> None:
    authorize.authorize(who, action, resource)


def must_be(version: VersionInfo, *statuses: str, doing: str) -> None:
    if version.status in statuses:
        return
    advice = {
        "draft": "it is still a draft (finance submits it for approval when every department is accepted)",
        "submitted": "it is submitted and waiting for approval (the approver may return it to draft)",
        "approved": "it is approved, its cells are locked (move amounts with a transfer)",
        "locked": "it is locked; nothing in it changes any more",
    }[version.status]
    raise BudgetError(f"cannot {doing} {version.name}: {advice}.")


def amount_text(cents: int) -> str:
    return f"{from_cents(cents):,}"
