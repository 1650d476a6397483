"""One authorisation for every surface: `authorize(principal, action, resource)`.

Pages, boards, screens, alerts, webhooks, imports, tokens and account
management all ask this one function before they act; it raises PolicyError
with a one-line reason, and `allowed` is the same check as a bool. Role names
live only in policies.yml: what a role may do is read from its grants there
(metrics, dimensions, rows, permissions, pins_for), never from its name.

Actions and their resource:

    query         a Query                       metrics, dimensions and filter within the grants
    view_board    a Shared (owner, sharing)     owner, shared with everyone or with one of the roles
    edit_board    a Shared                      the owner only
    pin           (Shared, role)                pins_for grants the role, and the board is shared with it
    create_token  (Shared, display role[, attributes])  edit_board, and the display role (with the user
                                                attributes its row filter reads) sees no more than the creator
    see_result    Evaluated                     a number computed under another principal (an alert's value):
                                                view_board, query, and rows no narrower than that principal's
    set_webhook   None                          the set_webhooks permission
    manage_users  None                          the manage_users permission
    manage_tokens None                          the manage_tokens permission (list and revoke any screen link)
    check_data_quality None                     the check_data_quality permission (failing raw rows, all of them)
    manage_sources None                         the manage_sources permission (the sources page: sync now, runs)
    load_files    None                          the load_files permission (upload a file into a warehouse table)
    certify_metrics None                        the certify_metrics permission (review and certify users' drafts)
    edit_custom   CustomInfo                    the author of a custom metric or grouping only
    plan_budget   None                          the plan_budget permission (finance: versions, seeding, spreading,
                                                review of departments' lines, transfers)
    approve_budget None                         the approve_budget permission (the CFO: approve, lock)
    edit_budget_lines a department name         plan_budget (any department), or edit_budget with that
                                                department as the user's own `department` attribute

Listeners (`on_check`) see every decision, so tests can assert that a surface asked.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from semantic import policy
from semantic.custom.overlay import current_library
from semantic.errors import PolicyError
from semantic.model.library import Library
from semantic.principal import Principal
from semantic.query import Query

ACTIONS = (
    "query",
    "view_board",
    "edit_board",
    "pin",
    "create_token",
    "see_result",
    "set_webhook",
    "manage_users",
    "manage_tokens",
    "check_data_quality",
    "manage_sources",
    "load_files",
    "certify_metrics",
    "edit_custom",
    "plan_budget",
    "approve_budget",
    "edit_budget_lines",
)
PERMISSION_OF = {
    "set_webhook": "set_webhooks",
    "manage_users": "manage_users",
    "manage_tokens": "manage_tokens",
    "check_data_quality": "check_data_quality",
    "manage_sources": "manage_sources",
    "load_files": "load_files",
    "certify_metrics": "certify_metrics",
    "plan_budget": "plan_budget",
    "approve_budget": "approve_budget",
}


class Shared(Protocol):
    """Anything shared the way a board is: an owner and who else may see it."""

    owner: str
    sharing: str  # private, roles, everyone
    shared_roles: tuple[str, ...]


@dataclass(frozen=True)
class Evaluated:
    """A result computed under `principal` (a rule's fixed principal) for `query`,
    on something shared as `board`: who else may see it?"""

    query: Query
    principal: Principal
    board: Shared


@dataclass(frozen=True)
class Decision:
    principal: Principal
    action: str
    allowed: bool
    reason: str = ""


_listeners: list[Callable[[Decision], None]] = []


def on_check(listener: Callable[[Decision], None]) -> Callable[[], None]:
    """Call `listener` with every decision; returns a function that removes it."""
    _listeners.append(listener)
    return lambda: _listeners.remove(listener) if listener in _listeners else None


def authorize(principal: Principal, action: str, resource=None, library: Library | None = None) -> None:
    """Allow, or raise PolicyError saying why not."""
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}")  # a programming error, not a user's
    reason = _reason(principal, action, resource, library or current_library())
    decision = Decision(principal, action, reason is None, reason or "")
    for listener in list(_listeners):
        listener(decision)
    if reason is not None:
        raise PolicyError(reason)


def allowed(principal: Principal, action: str, resource=None, library: Library | None = None) -> bool:
    try:
        authorize(principal, action, resource, library)
    except PolicyError:
        return False
    return True


def _reason(principal: Principal, action: str, resource, library: Library) -> str | None:
    """None when allowed; otherwise the one-line reason."""
    access = policy.access_for(principal, library)
    if action in PERMISSION_OF:
        if PERMISSION_OF[action] in access.permissions:
            return None
        return f"{action.replace('_', ' ')} is not granted to your roles: {policy.roles_text(access)}."
    if action == "query":
        try:
            policy.check(resource, access, library)
        except PolicyError as err:
            return str(err)
        return None
    if action == "view_board":
        return None if _may_view(resource, principal) else "this board is not shared with you."
    if action == "edit_board":
        return None if resource.owner == principal.username else f"only {resource.owner} can change this board."
    if action == "pin":
        board, role = resource
        if role not in access.pins_for:
            return f"your roles ({policy.roles_text(access)}) may not pin boards for role {role}."
        if not (board.sharing == "everyone" or (board.sharing == "roles" and role in board.shared_roles)):
            return f"share the board with role {role} (or everyone) before pinning it there."
        return None
    if action == "create_token":
        board, display_role, *more = resource
        if board.owner != principal.username:
            return f"only {board.owner} can create screen links for this board."
        try:
            theirs = policy.access_for(Principal("screen", (display_role,), more[0] if more else {}), library)
        except PolicyError:
            return f"role {display_role} chooses its rows by a user's attributes; choose them for the screen."
        if not theirs.roles:
            return f"unknown display role '{display_role}'."
        if not _within(theirs, access):
            return f"role {display_role} sees more than you do; choose a role within your own grants."
        return None
    if action == "edit_custom":
        return (
            None if resource.author == principal.username else f"only {resource.owner_text} can change {resource.name}."
        )
    if action == "see_result":
        return _see_result(principal, access, resource, library)
    if action == "edit_budget_lines":
        return _edit_budget_lines(principal, access, resource)
    raise AssertionError(action)  # pragma: no cover - ACTIONS is checked above


def _edit_budget_lines(principal: Principal, access: policy.Access, department: str) -> str | None:
    """Finance (plan_budget) edits every department's lines; a department head (edit_budget) only the
    department their account's `department` attribute names, the one their row filter shows."""
    if "plan_budget" in access.permissions:
        return None
    if "edit_budget" not in access.permissions:
        return f"editing budget lines is not granted to your roles: {policy.roles_text(access)}."
    own = principal.attributes.get("department")
    if not own:
        return "your account has no department; ask an administrator to set it."
    if str(department) != own:
        return f"you may edit only the {own} department's budget, not {department}."
    return None


def _may_view(board: Shared, principal: Principal) -> bool:
    if board.owner == principal.username or board.sharing == "everyone":
        return True
    return board.sharing == "roles" and bool(set(board.shared_roles) & set(principal.roles))


def _within(inner: policy.Access, outer: policy.Access) -> bool:
    """`inner` sees nothing `outer` does not: names granted, and rows no wider."""
    if not (inner.metrics <= outer.metrics and inner.dimensions <= outer.dimensions):
        return False
    return outer.row_filter is None or (inner.row_filter is not None and inner.row_filter == outer.row_filter)


def _see_result(viewer: Principal, access: policy.Access, evaluated: Evaluated, library: Library) -> str | None:
    if not _may_view(evaluated.board, viewer):
        return "this board is not shared with you."
    try:
        policy.check(evaluated.query, access, library)
    except PolicyError as err:
        return str(err)
    source = policy.access_for(evaluated.principal, library)
    if access.row_filter is not None and access.row_filter != source.row_filter:
        return "this number was computed over rows your roles do not cover."
    return None
