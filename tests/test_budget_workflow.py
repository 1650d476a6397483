"""The budget round as each demo role (dept_sales, dept_marketing, fin_analyst, cfo, ceo, sales_east) on
SQLite and PostgreSQL: submit, review line by line, return and resubmit, submit the version, approve, transfer,
lock; every step out of order or by the wrong role refused in one line with nothing written; the change log
and the audit log hold each step."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest

from data import budget
from semantic.errors import PolicyError
from semantic.plan import registry
from tests.budgetstore import PLAN, YEAR, budget_events, cell_amount, counts, small_lines, who

METASTORE_BACKENDS = ("sqlite", "postgres")
NAME = "Budget FY2026"


@pytest.fixture(autouse=True)
def fresh(metastore_file):
    budget.forget()
    budget.create(NAME, YEAR, who("cfo"), lines=small_lines())
    yield
    budget.forget()
    registry.provide(None)


def cell(department="Sales", account="Travel", region="East", month=1) -> budget.Cell:
    return budget.Cell(department, account, region, dt.date(YEAR, month, 1))


def status() -> dict[str, str]:
    return {d.department: d.status for d in budget.departments(NAME)}


def refused(error, message, step) -> None:
    """`step` is refused with one line matching `message`, and nothing is written."""
    before, events = counts(), budget_events()
    with pytest.raises(error, match=message) as raised:
        step()
    assert "\n" not in str(raised.value)
    assert counts() == before and budget_events() == events


def accept_all(department: str, by: str = "fin_analyst") -> None:
    for account in PLAN[department]:
        budget.review(NAME, department, account, who(by), verdict="accept")


def hand_in_everything() -> None:
    budget.submit(NAME, "Sales", who("dept_sales"))
    budget.submit(NAME, "Marketing", who("dept_marketing"))
    budget.submit(NAME, "Finance", who("fin_analyst"))  # finance hands in its own department
    for department in PLAN:
        accept_all(department)


def test_a_whole_round_as_each_role():
    sales, marketing, analyst, cfo = who("dept_sales"), who("dept_marketing"), who("fin_analyst"), who("cfo")
    budget.save(NAME, "Sales", {cell(): "180.00"}, sales, expected_revision=1)
    refused(PolicyError, "only the Sales department", lambda: budget.submit(NAME, "Marketing", sales))
    budget.submit(NAME, "Sales", sales)
    assert status()["Sales"] == "submitted"
    refused(
        budget.BudgetError,
        "Sales is submitted",
        lambda: budget.save(NAME, "Sales", {cell(): 1}, sales, expected_revision=2),
    )
    refused(budget.BudgetError, "already submitted", lambda: budget.submit(NAME, "Sales", sales))
    refused(
        PolicyError,
        "plan budget is not granted",
        lambda: budget.review(NAME, "Sales", "Travel", sales, verdict="accept"),
    )
    refused(
        budget.BudgetError,
        "Marketing is open",
        lambda: budget.review(NAME, "Marketing", "Ads", analyst, verdict="accept"),
    )

    budget.review(NAME, "Sales", "Events", analyst, verdict="accept")
    assert status()["Sales"] == "submitted"  # Travel not reviewed yet
    budget.review(NAME, "Sales", "Travel", analyst, verdict="return", text="Travel +80% in January? Explain or cut.")
    assert status()["Sales"] == "returned"
    budget.save(NAME, "Sales", {cell(): "120.00"}, sales, expected_revision=2)  # the head edits again
    budget.submit(NAME, "Sales", sales)
    accept_all("Sales")  # every line is reviewed again after a resubmission
    assert status()["Sales"] == "accepted"
    refused(
        budget.BudgetError,
        "Sales is accepted",
        lambda: budget.save(NAME, "Sales", {cell(): 1}, sales, expected_revision=3),
    )

    refused(budget.BudgetError, "Finance, Marketing not accepted yet", lambda: budget.submit_version(NAME, analyst))
    budget.submit(NAME, "Marketing", marketing)
    budget.review(NAME, "Marketing", "Ads", analyst, verdict="comment", text="fine")
    assert status()["Marketing"] == "submitted"  # a comment is no verdict
    accept_all("Marketing")
    budget.submit(NAME, "Finance", analyst)
    accept_all("Finance", by="cfo")
    refused(PolicyError, "plan budget is not granted", lambda: budget.submit_version(NAME, sales))
    refused(PolicyError, "approve budget is not granted", lambda: budget.approve(NAME, analyst))
    refused(budget.BudgetError, "cannot approve Budget FY2026: it is still a draft", lambda: budget.approve(NAME, cfo))
    budget.submit_version(NAME, analyst)
    assert budget.find(NAME).status == "submitted"
    refused(
        budget.BudgetError,
        "is submitted, not approved; transfers wait for its approval",
        lambda: budget.transfer(NAME, analyst, source=cell(), target=cell(month=2), amount=1),
    )
    refused(
        budget.BudgetError,
        "cannot edit Budget FY2026: it is submitted",
        lambda: budget.save(NAME, "Sales", {cell(): 1}, analyst, expected_revision=3),
    )
    for outsider in ("ceo", "sales_east", "fin_analyst", "dept_sales"):
        refused(PolicyError, "approve budget is not granted", lambda o=outsider: budget.approve(NAME, who(o)))

    budget.approve(NAME, cfo)
    approved = budget.find(NAME)
    assert (approved.status, approved.approved_by) == ("approved", "cfo") and approved.approved_at
    plan = budget.current_plan()
    assert plan.default_for(YEAR).name == NAME and plan.default_for(YEAR).approved_at == approved.approved_at
    refused(
        budget.BudgetError,
        "it is approved, its cells are locked",
        lambda: budget.save(NAME, "Sales", {cell(): 1}, analyst, expected_revision=3),
    )
    refused(budget.BudgetError, "it is approved", lambda: budget.submit(NAME, "Sales", sales))

    moved = budget.transfer(
        NAME, analyst, source=cell(), target=cell("Marketing", "Ads", "North", 3), amount=D("20.50"), note="fair moved"
    )
    # Sales Travel East Jan 120.00 - 20.50 = 99.50; Marketing Ads North Mar 100.00 + 20.50 = 120.50
    lines = budget.lines(NAME, cfo)
    assert cell_amount(lines, "Sales", "Travel", "East", dt.date(YEAR, 1, 1)) == D("99.50")
    assert cell_amount(lines, "Marketing", "Ads", "North", dt.date(YEAR, 3, 1)) == D("120.50")
    assert sum(lines["amount"]) == D("9620.00")  # 9,600 + 20 (the January save), the transfer moved nothing out
    assert budget.transfers(NAME) == (moved,) and (moved.amount, moved.by, moved.note) == (
        D("20.50"),
        "fin_analyst",
        "fair moved",
    )
    refused(
        budget.BudgetError,
        "holds 99.50; move at most that",
        lambda: budget.transfer(NAME, analyst, source=cell(), target=cell(month=2), amount="99.51"),
    )
    refused(
        budget.BudgetError,
        "above zero",
        lambda: budget.transfer(NAME, analyst, source=cell(), target=cell(month=2), amount=0),
    )
    refused(
        budget.BudgetError,
        "above zero",
        lambda: budget.transfer(NAME, analyst, source=cell(), target=cell(month=2), amount="-5"),
    )
    refused(
        budget.BudgetError, "same cell", lambda: budget.transfer(NAME, analyst, source=cell(), target=cell(), amount=1)
    )
    refused(
        budget.BudgetError,
        "not a cell of",
        lambda: budget.transfer(NAME, analyst, source=cell(), target=cell(account="Yachts"), amount=1),
    )
    refused(
        PolicyError,
        "plan budget is not granted",
        lambda: budget.transfer(NAME, sales, source=cell(), target=cell(month=2), amount=1),
    )

    refused(PolicyError, "approve budget is not granted", lambda: budget.lock(NAME, analyst))
    budget.lock(NAME, cfo)
    assert budget.find(NAME).status == "locked" and budget.current_plan().default_for(YEAR).name == NAME
    refused(
        budget.BudgetError,
        "locked; nothing in it moves",
        lambda: budget.transfer(NAME, analyst, source=cell(), target=cell(month=2), amount=1),
    )
    refused(budget.BudgetError, "cannot lock Budget FY2026: it is locked", lambda: budget.lock(NAME, cfo))

    kinds = [k for k, *_ in budget_events()]
    assert kinds[:2] == ["budget_create", "budget_save"]
    assert [k for k in kinds if k in ("budget_submit_version", "budget_approve", "budget_transfer", "budget_lock")] == [
        "budget_submit_version", "budget_approve", "budget_transfer", "budget_lock",
    ]  # fmt: skip
    assert (
        "budget_review",
        "fin_analyst",
        f"{NAME}: Sales / Travel return: Travel +80% in January? Explain or cut.",
    ) in budget_events()
    steps = [(c.action, c.department, c.note) for c in budget.changes(NAME) if c.before is None and c.after is None]
    assert ("return_department", "Sales", "submitted -> returned") in steps
    assert steps[-3:] == [
        ("submit_version", "", "draft -> submitted"),
        ("approve", "", "submitted -> approved"),
        ("lock", "", "approved -> locked"),
    ]
    transfer_rows = [(c.department, c.before, c.after) for c in budget.changes(NAME) if c.action == "transfer"]
    assert transfer_rows == [("Sales", D("120.00"), D("99.50")), ("Marketing", D("100.00"), D("120.50"))]
    verdicts = [(c.department, c.account, c.author, c.verdict) for c in budget.comments(NAME, "Sales")]
    assert verdicts[:2] == [("Sales", "Events", "fin_analyst", "accept"), ("Sales", "Travel", "fin_analyst", "return")]


def test_the_approver_returns_a_version_to_draft():
    hand_in_everything()
    budget.submit_version(NAME, who("fin_analyst"))
    refused(
        budget.BudgetError, "longer than 500 characters", lambda: budget.return_version(NAME, who("cfo"), "x" * 501)
    )
    refused(PolicyError, "approve budget is not granted", lambda: budget.return_version(NAME, who("fin_analyst"), "no"))
    budget.return_version(NAME, who("cfo"), "Marketing is 10% too high")
    assert budget.find(NAME).status == "draft"
    assert budget.comments(NAME, "")[-1].text == "Marketing is 10% too high"
    # finance edits (departments stay accepted, so their heads no longer can) and submits again
    refused(
        budget.BudgetError,
        "Marketing is accepted",
        lambda: budget.save(
            NAME, "Marketing", {cell("Marketing", "Ads"): 90}, who("dept_marketing"), expected_revision=1
        ),
    )
    budget.save(NAME, "Marketing", {cell("Marketing", "Ads"): 90}, who("fin_analyst"), expected_revision=1)
    budget.submit_version(NAME, who("fin_analyst"))
    budget.approve(NAME, who("cfo"))
    assert budget.find(NAME).status == "approved"


def test_transfers_and_approval_out_of_order():
    analyst = who("fin_analyst")
    refused(
        budget.BudgetError,
        "is draft, not approved; edit its cells",
        lambda: budget.transfer(NAME, analyst, source=cell(), target=cell(month=2), amount=1),
    )
    refused(budget.BudgetError, "cannot lock Budget FY2026: it is still a draft", lambda: budget.lock(NAME, who("cfo")))
    refused(budget.BudgetError, "cannot return Budget FY2026", lambda: budget.return_version(NAME, who("cfo"), "no"))
    refused(
        budget.BudgetError, "verdict 'maybe'", lambda: budget.review(NAME, "Sales", "Travel", analyst, verdict="maybe")
    )
    refused(
        budget.BudgetError, "needs text", lambda: budget.review(NAME, "Sales", "Travel", analyst, verdict="comment")
    )
    refused(
        budget.BudgetError,
        "no account 'Yachts'",
        lambda: budget.review(NAME, "Sales", "Yachts", analyst, verdict="comment", text="?"),
    )
    refused(
        budget.BudgetError,
        "no budget version 'Budget FY2062'",
        lambda: budget.submit(NAME.replace("26", "62"), "Sales", who("dept_sales")),
    )


def test_a_later_approved_budget_becomes_the_years_default():
    hand_in_everything()
    budget.submit_version(NAME, who("fin_analyst"))
    budget.approve(NAME, who("cfo"))
    budget.create("Budget FY2026 v2", YEAR, who("cfo"), lines=small_lines(D("50.00")), based_on=NAME)
    assert budget.current_plan().default_for(YEAR).name == NAME  # a draft is never the default
    for department in PLAN:
        budget.submit(budget.find("Budget FY2026 v2").name, department, who("cfo"))
        for account in PLAN[department]:
            budget.review("Budget FY2026 v2", department, account, who("cfo"), verdict="accept")
    budget.submit_version("Budget FY2026 v2", who("cfo"))
    budget.approve("Budget FY2026 v2", who("cfo"))
    plan = budget.current_plan()
    assert plan.default_for(YEAR).name == "Budget FY2026 v2"
    assert sum(line.amount for line in plan.lines["Budget FY2026 v2"]) == D("4800.00")  # 96 × 50.00
