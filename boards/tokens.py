"""Display tokens: a link that shows one board on an office screen, no keyboard login.

A token is 32 random bytes (256 bits), shown once and stored only as its
SHA-256. It is bound to one board and a display role chosen by the owner. It
never grants more than its creator's grants as they are NOW: every use checks
that the creator's account still exists and is enabled, and that the display
role is still within the creator's access (semantic.authorize create_token).
A disabled creator suspends their links; enabling the account restores them
(unless revoked). A link expires (90 days by default) and can be revoked at
once, by the board's owner or by whoever may manage tokens. It opens that
board in kiosk mode only.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass

from auth import audit
from auth.accounts import AccountError, load_users
from boards.store import Board, BoardError, can_edit, get_unchecked
from data import metastore
from semantic.authorize import authorize
from semantic.errors import PolicyError
from semantic.model.loader import default_library
from semantic.policy import attributes_needed, default_policy
from semantic.principal import Principal

DEFAULT_DAYS = 90
COLUMNS = (
    "id",
    "board_id",
    "display_role",
    "created_by",
    "created_at",
    "expires_at",
    "revoked_at",
    "revoked_by",
    "last_used_at",
    "attributes_json",
)


@dataclass(frozen=True)
class Screen:
    """Who a valid token makes the screen: a principal with the display role, for one board."""

    board_id: int
    principal: Principal
    token_id: int


def digest(token: str) -> str:
    """The token as stored (SHA-256): what may key a cache, never the token itself."""
    return _hash(token)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def needed_attributes(display_role: str) -> tuple[str, ...]:
    """The user attributes the role's row filter reads (e.g. ('region',) for a sales rep),
    which a screen link for that role must carry."""
    return tuple(attributes_needed(default_policy(default_library()), (display_role,)))


def create(
    board_id: int, display_role: str, who: Principal, days: int = DEFAULT_DAYS, attributes: dict | None = None
) -> str:
    """A new link; `attributes` are the user attributes the display role's row filter reads
    (stored with the token, given to the screen's principal)."""
    attributes = {k: str(v) for k, v in (attributes or {}).items() if k in needed_attributes(display_role)}
    board = get_unchecked(board_id, "creating a link: authorize(create_token) follows")
    try:
        authorize(who, "create_token", (board, display_role, attributes))
    except PolicyError as err:
        raise BoardError(str(err)) from None
    if not 1 <= days <= 366:
        raise BoardError("a screen link lasts 1 to 366 days.")
    token = secrets.token_urlsafe(32)
    with metastore.session() as con:
        con.execute(
            "INSERT INTO display_tokens (board_id, token_hash, display_role, created_by, created_at, expires_at, "
            "attributes_json) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                board_id,
                _hash(token),
                display_role,
                who.username,
                _now().isoformat(timespec="seconds"),
                (_now() + dt.timedelta(days=days)).isoformat(timespec="seconds"),
                json.dumps(attributes, sort_keys=True),
            ),
        )
    audit.record_login(who.username, "token_created", f"board {board_id} as {display_role}{shown(attributes)}")
    return token


def attributes_of(row) -> dict:
    """The attributes stored with a token row ({} for links made before they were stored)."""
    try:
        data = json.loads(row["attributes_json"] or "{}")
    except (ValueError, TypeError):
        return {}
    return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}


def shown(attributes: dict) -> str:
    """' (region East)' for a caption or audit line; '' without attributes."""
    return f" ({', '.join(f'{k} {v}' for k, v in sorted(attributes.items()))})" if attributes else ""


def suspended(created_by: str, display_role: str, board: Board, users=None, attributes: dict | None = None) -> str:
    """Why the creator's link no longer works ('' while it does): the creator is gone
    or disabled, or the display role now sees more than the creator may."""
    try:
        users = load_users() if users is None else users
    except AccountError:
        return "the accounts file cannot be read"
    user = users.get(created_by)
    if user is None:
        return f"its creator {created_by} no longer has an account"
    if user.disabled:
        return f"its creator {created_by} is disabled"
    try:
        authorize(user.principal(), "create_token", (board, display_role, attributes or {}))
    except PolicyError as err:
        return f"its creator {created_by} may no longer show it as {display_role} ({err})"
    return ""


def _refusal(con, token: str, board_id: int, now: dt.datetime):
    """(row, why not) for a token shown for `board_id`: why is '' while it works."""
    row = con.execute("SELECT * FROM display_tokens WHERE token_hash = ?", (_hash(token or ""),)).fetchone()
    if row is None or not hmac.compare_digest(row["token_hash"], _hash(token or "")):
        return row, "this screen link is not valid"
    if row["revoked_at"]:
        return row, "this screen link was revoked"
    if dt.datetime.fromisoformat(row["expires_at"]) <= now:
        return row, "this screen link has expired"
    if row["board_id"] != board_id:
        return row, "this screen link is for another board"
    board = get_unchecked(board_id, "display token: checking that its creator may still show it")
    why = suspended(row["created_by"], row["display_role"], board, attributes=attributes_of(row))
    return row, (f"this screen link is suspended: {why}" if why else "")


def _screen(row, board_id: int) -> Screen:
    return Screen(
        board_id, Principal(f"screen:{row['id']}", (row["display_role"],), attributes_of(row), "Display"), row["id"]
    )


def resolve(token: str, board_id: int, now: dt.datetime | None = None) -> Screen:
    """The screen a token opens, or a BoardError that says why not (every use is audited):
    what a screen calls when it opens."""
    now = now or _now()
    with metastore.session() as con:
        row, reason = _refusal(con, token, board_id, now)
        if reason:
            audit.record_login(
                f"token:{row['id'] if row else '?'}", "token_refused", f"{reason} (board {board_id})", source="kiosk"
            )
            raise BoardError(f"{reason}; ask the board's owner for a new one.")
        con.execute(
            "UPDATE display_tokens SET last_used_at = ? WHERE id = ?", (now.isoformat(timespec="seconds"), row["id"])
        )
    audit.record_login(f"token:{row['id']}", "token_use", f"board {board_id} as {row['display_role']}", source="kiosk")
    return _screen(row, board_id)


def check(token: str, board_id: int, now: dt.datetime | None = None) -> Screen:
    """The same question as resolve, asked again by an open screen at each refresh (revoked,
    expired or suspended links stop at once): nothing is written; its opening was audited."""
    with metastore.session() as con:
        row, reason = _refusal(con, token, board_id, now or _now())
    if reason:
        raise BoardError(f"{reason}; ask the board's owner for a new one.")
    return _screen(row, board_id)


def revoke(token_id: int, who: Principal) -> None:
    """Revoke a link at once: its board's owner, or anyone granted manage_tokens."""
    with metastore.session() as con:
        row = con.execute("SELECT board_id, revoked_at FROM display_tokens WHERE id = ?", (token_id,)).fetchone()
        if row is None:
            raise BoardError(f"there is no screen link {token_id}.")
        board = get_unchecked(row["board_id"], "revoking: the owner or manage_tokens check is here")
        if not can_edit(board, who):
            try:
                authorize(who, "manage_tokens")
            except PolicyError:
                raise BoardError(f"only {board.owner} or a token manager can revoke screen link {token_id}.") from None
        if row["revoked_at"]:
            raise BoardError(f"screen link {token_id} was already revoked at {row['revoked_at']}.")
        con.execute(
            "UPDATE display_tokens SET revoked_at = ?, revoked_by = ? WHERE id = ?",
            (_now().isoformat(timespec="seconds"), who.username, token_id),
        )
    audit.record_login(who.username, "token_revoked", f"token {token_id} of board {row['board_id']}")


def _rows(sql: str, args: tuple = ()) -> list[dict]:
    """Token rows with their board's title and whether (and why) they are suspended."""
    with metastore.session() as con:
        rows = [dict(r) for r in con.execute(sql, args).fetchall()]
    try:
        users = load_users()
    except AccountError:
        users = {}
    boards: dict[int, Board] = {}
    now = _now()
    for row in rows:
        if row["board_id"] not in boards:
            boards[row["board_id"]] = get_unchecked(row["board_id"], "listing links for their owner or a token manager")
        board = boards[row["board_id"]]
        row["board_title"] = board.title
        row["attributes"] = attributes_of(row)
        del row["attributes_json"]
        row["suspended"] = suspended(row["created_by"], row["display_role"], board, users, row["attributes"])
        row["status"] = (
            "revoked"
            if row["revoked_at"]
            else "expired"
            if dt.datetime.fromisoformat(row["expires_at"]) <= now
            else "suspended"
            if row["suspended"]
            else "active"
        )
    return rows


def listed(board_id: int) -> list[dict]:
    """The links of one board (for its owner's page)."""
    return _rows(f"SELECT {', '.join(COLUMNS)} FROM display_tokens WHERE board_id = ? ORDER BY id", (board_id,))


def all_tokens(who: Principal) -> list[dict]:
    """Every screen link of every board, for whoever is granted manage_tokens: id, board_id,
    board_title, created_by, display_role, created_at, expires_at, revoked_at, revoked_by,
    last_used_at, suspended (why, or ''), status (active, suspended, expired, revoked)."""
    try:
        authorize(who, "manage_tokens")
    except PolicyError as err:
        raise BoardError(str(err)) from None
    return _rows(f"SELECT {', '.join(COLUMNS)} FROM display_tokens ORDER BY id")
