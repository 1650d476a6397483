"""Shared pieces of the planning store tests: the demo accounts as principals, a small version's lines
(amounts chosen so the hand calculations stay readable), counting rows, reading the audit log."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pandas as pd

from auth import accounts, audit
from data import metastore

YEAR = 2026
# department -> accounts; every account in the two regions, 12 months
PLAN = {"Sales": ("Events", "Travel"), "Marketing": ("Ads",), "Finance": ("Audit",)}
REGIONS = ("East", "North")


def who(username: str):
    """The demo account's principal (auth/users.yaml: roles and the department attribute)."""
    return accounts.principal_for(username)


def small_lines(amount: D = D("100.00"), year: int = YEAR) -> pd.DataFrame:
    """4 lines × 2 regions × 12 months = 96 cells of `amount` each."""
    rows = [
        (dt.date(year, m, 1), dept, account, region, amount)
        for dept, names in PLAN.items()
        for account in names
        for region in REGIONS
        for m in range(1, 13)
    ]
    return pd.DataFrame(rows, columns=["month", "department", "account", "region", "amount"])


def count(table: str) -> int:
    with metastore.session() as con:
        return con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def counts() -> tuple[int, ...]:
    """Rows in every budget table and the generation: a refusal changes none of them."""
    tables = ("budget_versions", "budget_lines", "budget_departments", "budget_line_reviews", "budget_comments")
    with metastore.session() as con:
        found = [con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in tables]
        found += [
            con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("budget_transfers", "budget_changes")
        ]
        found.append(con.execute("SELECT generation FROM budget_generation").fetchone()[0])
        found.append(con.execute("SELECT coalesce(sum(amount), 0) FROM budget_lines").fetchone()[0])
        found.append(con.execute("SELECT coalesce(sum(revision), 0) FROM budget_departments").fetchone()[0])
        found.append(con.execute("SELECT coalesce(sum(revision), 0) FROM budget_versions").fetchone()[0])
    return tuple(found)


def budget_events() -> list[tuple[str, str, str]]:
    """(kind, username, message) of the audit log's budget lines, oldest first."""
    return [
        (e["kind"], e["username"], e["message"])
        for e in reversed(audit.read_events())
        if str(e["kind"]).startswith("budget_")
    ]


def cell_amount(con_rows, department, account, region, month) -> D:
    return next(
        r.amount
        for r in con_rows.itertuples()
        if (r.department, r.account, r.region, r.month) == (department, account, region, month)
    )
