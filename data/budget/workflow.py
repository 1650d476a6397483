"""The budget round: each department submits its lines; finance reviews them line by line (department,
account), returning or accepting; finance submits the version once every department is accepted; the
approver approves it (its cells locked, the default budget of its year), returns it to draft, or locks it.
Each step is one transaction with its change row and one audit line; a step out of order is refused."""

from __future__ import annotations

from data.budget import rows
from data.budget.records import BudgetError, check_text, now_text
from semantic import authorize

VERDICTS = ("accept", "return", "comment")


def _set_department(con, version, department: str, status: str, who, action: str, note: str, at: str) -> None:
    con.execute(
        "UPDATE budget_departments SET status = ? WHERE version_id = ? AND department = ?",
        (status, version.id, department),
    )
    rows.status_row(con, version, who.username, action, department, note, at)
    rows.bump(con, version)


def submit(name: str, department: str, who) -> None:
    """A department hands its lines in (edit_budget_lines for it): open or returned -> submitted. Every line
    is reviewed again after a resubmission."""
    authorize.authorize(who, "edit_budget_lines", department)
    with rows.writing("submit", who, f"{name}: {department} submitted") as con:
        version = rows.existing(con, name)
        rows.must_be(version, "draft", doing="submit a department of")
        status = rows.department_row(con, version, department)["status"]
        if status not in ("open", "returned"):
            raise BudgetError(
                f"{department} is already {status} in {version.name}; finance returns it if it needs changes."
            )
        con.execute("DELETE FROM budget_line_reviews WHERE version_id = ? AND department = ?", (version.id, department))
        _set_department(con, version, department, "submitted", who, "submit", f"{status} -> submitted", now_text())


def review(name: str, department: str, account: str, who, *, verdict: str, text: str = "") -> None:
    """plan_budget: a verdict on one line (department, account) of a submitted department. return: the
    department goes back to its head (returned); accept: once every account is accepted the department is
    accepted; comment: a note only (text needed)."""
    authorize.authorize(who, "plan_budget")
    if verdict not in VERDICTS:
        raise BudgetError(f"verdict '{verdict}': use accept, return or comment.")
    text = check_text(text, "the comment")
    if verdict == "comment" and not text:
        raise BudgetError("a comment needs text; write what should change.")
    with rows.writing("review", who, f"{name}: {department} / {account} {verdict}{': ' + text if text else ''}") as con:
        version = rows.existing(con, name)
        rows.must_be(version, "draft", doing="review")
        status = rows.department_row(con, version, department)["status"]
        accounts = [r[0] for r in con.execute(
            "SELECT DISTINCT account FROM budget_lines WHERE version_id = ? AND department = ? ORDER BY account",
            (version.id, department),
        )]  # fmt: skip
        if account not in accounts:
            raise BudgetError(f"{department} has no account '{account}' in {version.name}; use {', '.join(accounts)}.")
        if verdict != "comment" and status != "submitted":
            raise BudgetError(
                f"{department} is {status} in {version.name}; lines are accepted or returned once it is submitted."
            )
        at = now_text()
        con.execute(
            "INSERT INTO budget_comments (version_id, department, account, author, at, verdict, text) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (version.id, department, account, who.username, at, verdict, text),
        )
        con.execute(
            "INSERT INTO budget_changes (version_id, at, who, action, department, account, note) "
            "VALUES (?, ?, ?, 'review', ?, ?, ?)",
            (version.id, at, who.username, department, account, f"{verdict}{': ' + text if text else ''}"),
        )
        if verdict == "comment":
            rows.bump(con, version)
            return
        con.execute(
            "INSERT INTO budget_line_reviews (version_id, department, account, verdict) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (version_id, department, account) DO UPDATE SET verdict = excluded.verdict",
            (version.id, department, account, verdict),
        )
        if verdict == "return":
            _set_department(con, version, department, "returned", who, "return_department", "submitted -> returned", at)
            return
        accepted = {r[0] for r in con.execute(
            "SELECT account FROM budget_line_reviews WHERE version_id = ? AND department = ? AND verdict = 'accept'",
            (version.id, department),
        )}  # fmt: skip
        if accepted >= set(accounts):
            _set_department(con, version, department, "accepted", who, "accept_department", "submitted -> accepted", at)
        else:
            rows.bump(con, version)


def _version_step(name: str, who, permission: str, kind: str, source: str, target: str, text: str = "") -> None:
    authorize.authorize(who, permission)
    text = check_text(text, "the note")
    doing = {"submit_version": "submit", "approve": "approve", "return": "return", "lock": "lock"}[kind]
    with rows.writing(kind, who, f"{name}: {source} -> {target}{': ' + text if text else ''}") as con:
        version = rows.existing(con, name)
        rows.must_be(version, source, doing=doing)
        at = now_text()
        if kind == "submit_version":
            open_ = [r[0] for r in con.execute(
                "SELECT department FROM budget_departments WHERE version_id = ? AND status != 'accepted' ORDER BY department",
                (version.id,),
            )]  # fmt: skip
            if open_:
                raise BudgetError(
                    f"{version.name} cannot be submitted: {', '.join(open_)} not accepted yet; review them first."
                )
        if kind == "approve":
            con.execute(
                "UPDATE budget_versions SET status = ?, approved_by = ?, approved_at = ? WHERE id = ?",
                (target, who.username, at, version.id),
            )
        else:
            con.execute("UPDATE budget_versions SET status = ? WHERE id = ?", (target, version.id))
        if text:
            con.execute(
                "INSERT INTO budget_comments (version_id, department, account, author, at, verdict, text) "
                "VALUES (?, '', '', ?, ?, ?, ?)",
                (version.id, who.username, at, kind, text),
            )
        rows.status_row(con, version, who.username, kind, "", f"{source} -> {target}{': ' + text if text else ''}", at)
        rows.bump(con, version)


def submit_version(name: str, who) -> None:
    """plan_budget: draft -> submitted, once every department is accepted."""
    _version_step(name, who, "plan_budget", "submit_version", "draft", "submitted")


def approve(name: str, who) -> None:
    """approve_budget: submitted -> approved (cells locked; the latest approved budget is its year's default)."""
    _version_step(name, who, "approve_budget", "approve", "submitted", "approved")


def return_version(name: str, who, text: str) -> None:
    """approve_budget: submitted -> draft, with the reason (finance edits and submits it again)."""
    _version_step(name, who, "approve_budget", "return", "submitted", "draft", text)


def lock(name: str, who) -> None:
    """approve_budget: approved -> locked (no transfers either)."""
    _version_step(name, who, "approve_budget", "lock", "approved", "locked")
