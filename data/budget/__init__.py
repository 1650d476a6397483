"""Budget preparation (issue 17): versions and their lines in the metadata store (migration 013).

A version (budget or forecast, one year) is created from seeded lines, each kept as its amount and its
seed; departments edit their cells (an optimistic revision per department), submit, finance reviews line
by line and submits the version, the approver approves (cells locked; the year's default budget) and
locks it; within an approved version amounts move by recorded transfers. Every change is one transaction
with before/after rows in budget_changes and one audit line (kind budget_...). `current_plan()` hands the
semantic layer the semantic.plan.model.Plan (token = the store's generation, checked at most once a second).
Amounts are exact Decimals to the cent (integer cents in the store). See /work/notes/planstore.md.
"""

from __future__ import annotations

from data.budget.math import PROFILE_LABELS, PROFILES, seed_lines, spread, top_down_shares
from data.budget.reads import changes, comments, current_plan, departments, find, forget, lines, register, versions
from data.budget.records import (
    Adjustment,
    BudgetError,
    Cell,
    CellChange,
    Change,
    Comment,
    DepartmentStatus,
    Driver,
    SaveResult,
    StaleEdit,
    Transfer,
    VersionInfo,
)
from data.budget.transfers import transfer, transfers
from data.budget.workflow import approve, lock, return_version, review, submit, submit_version
from data.budget.writes import create, diff, grid_revision, save, spread_into, top_down

__all__ = [
    "PROFILES",
    "PROFILE_LABELS",
    "Adjustment",
    "BudgetError",
    "Cell",
    "CellChange",
    "Change",
    "Comment",
    "DepartmentStatus",
    "Driver",
    "SaveResult",
    "StaleEdit",
    "Transfer",
    "VersionInfo",
    "approve",
    "changes",
    "comments",
    "create",
    "current_plan",
    "departments",
    "diff",
    "find",
    "forget",
    "grid_revision",
    "lines",
    "lock",
    "register",
    "return_version",
    "review",
    "save",
    "seed_lines",
    "spread",
    "spread_into",
    "submit",
    "submit_version",
    "top_down",
    "top_down_shares",
    "transfer",
    "transfers",
    "versions",
]
