"""Reading the planning store: versions, a version's lines (a department head: their department only),
department statuses, comments, the change log, and the Plan the semantic layer reads (cached per process;
the store's generation counter checked at most once a second)."""

from __future__ import annotations

import zlib

import pandas as pd

from data import metastore
from data.budget import rows
from data.budget.records import Change, Comment, DepartmentStatus, VersionInfo, from_cents
from data.store_reading import StoreReading
from semantic import authorize
from semantic.planning import registry
from semantic.planning.model import EMPTY, Line, Plan, Version

LINE_COLUMNS = ["month", "department", "account", "region", "amount", "seed"]


def versions() -> tuple[VersionInfo, ...]:
    """Every version, newest year first, then by name."""
    with metastore.session() as con:
        found = con.execute("SELECT * FROM budget_versions ORDER BY year DESC, name_key").fetchall()
    return tuple(rows.version_info(r) for r in found)


def find(name: str) -> VersionInfo | None:
    with metastore.session() as con:
        row = rows.find_row(con, name)
    return rows.version_info(row) if row is not None else None


def _readable_department(who, department: str | None) -> str | None:
    """None: every department (plan_budget or approve_budget); else the one department `who` may read."""
    if authorize.allowed(who, "plan_budget") or authorize.allowed(who, "approve_budget"):
        return department
    wanted = department if department is not None else (who.attributes.get("department") or "")
    authorize.authorize(who, "edit_budget_lines", wanted)  # a department head: only their own
    return wanted


def lines(name: str, who, department: str | None = None) -> pd.DataFrame:
    """month (date), department, account, region, amount, seed (Decimal) of a version, by department,
    account, region, month. A department head gets only their department; finance and the approver all."""
    only = _readable_department(who, department)
    with metastore.session() as con:
        version = rows.existing(con, name)
        cells = rows.cells_of(con, version.id, only)
    data = [(c.month, c.department, c.account, c.region, from_cents(a), from_cents(s)) for c, (a, s) in cells.items()]
    return pd.DataFrame(data, columns=LINE_COLUMNS)


def departments(name: str) -> tuple[DepartmentStatus, ...]:
    with metastore.session() as con:
        version = rows.existing(con, name)
        found = con.execute(
            "SELECT * FROM budget_departments WHERE version_id = ? ORDER BY department", (version.id,)
        ).fetchall()
    return tuple(
        DepartmentStatus(r["department"], r["status"], int(r["revision"]), r["saved_by"], r["saved_at"]) for r in found
    )


def comments(name: str, department: str | None = None) -> tuple[Comment, ...]:
    """Finance's verdicts and comments on lines (and the approver's notes, department ''), oldest first."""
    with metastore.session() as con:
        version = rows.existing(con, name)
        sql, args = "SELECT * FROM budget_comments WHERE version_id = ?", [version.id]
        if department is not None:
            sql, args = sql + " AND department = ?", [*args, department]
        found = con.execute(sql + " ORDER BY id", args).fetchall()
    return tuple(Comment(r["department"], r["account"], r["author"], r["at"], r["verdict"], r["text"]) for r in found)


def changes(name: str, department: str | None = None) -> tuple[Change, ...]:
    """Every change to a version, oldest first: cells with before and after (None: the cell was new),
    and status steps (department '' for the version's own)."""
    with metastore.session() as con:
        version = rows.existing(con, name)
        sql, args = "SELECT * FROM budget_changes WHERE version_id = ?", [version.id]
        if department is not None:
            sql, args = sql + " AND department = ?", [*args, department]
        found = con.execute(sql + " ORDER BY id", args).fetchall()
    return tuple(
        Change(
            r["at"],
            r["who"],
            r["action"],
            r["department"],
            r["account"],
            r["region"],
            rows.read_month(r["month"]) if r["month"] else None,
            from_cents(r["before_cents"]),
            from_cents(r["after_cents"]),
            r["note"],
        )
        for r in found
    )


def generation(con) -> int:
    row = con.execute("SELECT generation FROM budget_generation WHERE singleton = 1").fetchone()
    return int(row[0]) if row else 0


def plan_of(con, counted: int, store: str = "") -> Plan:
    """Every version and its lines as the layer's Plan (token: the store and its generation, so two stores
    a process switches between, as tests do, never share a token)."""
    found = [rows.version_info(r) for r in con.execute("SELECT * FROM budget_versions ORDER BY id")]
    by_id: dict[int, list[Line]] = {v.id: [] for v in found}
    for r in con.execute(
        "SELECT version_id, month, department, account, region, amount FROM budget_lines "
        "ORDER BY version_id, department, account, region, month"
    ):
        by_id[int(r[0])].append(Line(rows.read_month(r[1]), r[2], r[3], r[4], from_cents(r[5])))
    versions_ = tuple(Version(v.name, v.year, v.kind, v.status, v.switch_month, v.approved_at) for v in found)
    return Plan(
        token=f"budget-{zlib.crc32(store.encode('utf-8')):08x}-{counted}",
        versions=versions_,
        lines={v.name: tuple(by_id[v.id]) for v in found},
    )


def _read_plan(con, counted: int, found: metastore.Target) -> Plan:
    return plan_of(con, counted, found.where) if counted else EMPTY


KEPT = StoreReading("budget versions", generation, _read_plan, EMPTY)


def current_plan() -> Plan:
    """The Plan of the configured store, kept in this process until the store's generation moves
    (data.store_reading: the counter read at most once a second)."""
    return KEPT.current()


def forget() -> None:
    """Read the store again at the next call (tests; every write of this process does it too)."""
    KEPT.forget()


def register() -> None:
    """Let the semantic layer read the store's versions (the app, the screen server and the CLI call this);
    a store that cannot be read just now keeps the last Plan read, so no page goes blank meanwhile."""
    registry.provide(KEPT.or_last)
