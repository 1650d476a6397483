"""Display tokens: a link that shows one board on an office screen, no keyboard login.

A token is 32 random bytes (256 bits), shown once and stored only as its
SHA-256. It is bound to one board and a display role chosen by the owner,
never granting more than the owner's own grants; it expires (90 days by
default) and can be revoked at once. It opens that board in kiosk mode only.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from dataclasses import dataclass

from auth import audit
from boards.store import BoardError, can_edit, get_unchecked
from data import metastore
from semantic.policy import access_for
from semantic.model.loader import default_library
from semantic.principal import Principal

DEFAULT_DAYS = 90


@dataclass(frozen=True)
class Screen:
    """Who a valid token makes the screen: a principal with the display role, for one board."""

    board_id: int
    principal: Principal
    token_id: int


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def create(board_id: int, display_role: str, who: Principal, days: int = DEFAULT_DAYS) -> str:
    board = get_unchecked(board_id, "creating a link: the owner check follows")
    if not can_edit(board, who):
        raise BoardError(f"only {board.owner} can create screen links for board '{board.title}'.")
    lib = default_library()
    mine, theirs = access_for(who, lib), access_for(Principal("screen", (display_role,)), lib)
    if not theirs.roles:
        raise BoardError(f"unknown display role '{display_role}'.")
    if not (theirs.metrics <= mine.metrics and theirs.dimensions <= mine.dimensions) or \
            (mine.row_filter is not None and theirs.row_filter is None):
        raise BoardError(f"role {display_role} sees more than you do; choose a role within your own grants.")
    if not 1 <= days <= 366:
        raise BoardError("a screen link lasts 1 to 366 days.")
    token = secrets.token_urlsafe(32)
    with metastore.session() as con:
        con.execute("INSERT INTO display_tokens (board_id, token_hash, display_role, created_by, created_at, expires_at) "
                    "VALUES (?, ?, ?, ?, ?, ?)",
                    (board_id, _hash(token), display_role, who.username, _now().isoformat(timespec="seconds"),
                     (_now() + dt.timedelta(days=days)).isoformat(timespec="seconds")))
    audit.record_login(who.username, "token_created", f"board {board_id} as {display_role}")
    return token


def resolve(token: str, board_id: int, now: dt.datetime | None = None) -> Screen:
    """The screen a token opens, or a BoardError that says why not (every use is audited)."""
    now = now or _now()
    with metastore.session() as con:
        row = con.execute("SELECT * FROM display_tokens WHERE token_hash = ?", (_hash(token or ""),)).fetchone()
        reason = None
        if row is None or not hmac.compare_digest(row["token_hash"], _hash(token or "")):
            reason = "this screen link is not valid"
        elif row["revoked_at"]:
            reason = "this screen link was revoked"
        elif dt.datetime.fromisoformat(row["expires_at"]) <= now:
            reason = "this screen link has expired"
        elif row["board_id"] != board_id:
            reason = "this screen link is for another board"
        if reason:
            audit.record_login(f"token:{row['id'] if row else '?'}", "token_refused", f"{reason} (board {board_id})",
                               source="kiosk")
            raise BoardError(f"{reason}; ask the board's owner for a new one.")
        con.execute("UPDATE display_tokens SET last_used_at = ? WHERE id = ?", (now.isoformat(timespec="seconds"), row["id"]))
    audit.record_login(f"token:{row['id']}", "token_use", f"board {board_id} as {row['display_role']}", source="kiosk")
    return Screen(board_id, Principal(f"screen:{row['id']}", (row["display_role"],), {}, "Display"), row["id"])


def revoke(token_id: int, who: Principal) -> None:
    with metastore.session() as con:
        row = con.execute("SELECT board_id FROM display_tokens WHERE id = ?", (token_id,)).fetchone()
        if row is None:
            raise BoardError(f"there is no screen link {token_id}.")
        if not can_edit(get_unchecked(row["board_id"], "revoking: the owner check is here"), who):
            raise BoardError("only the board's owner can revoke its screen links.")
        con.execute("UPDATE display_tokens SET revoked_at = ? WHERE id = ?", (_now().isoformat(timespec="seconds"), token_id))
    audit.record_login(who.username, "token_revoked", f"token {token_id}")


def listed(board_id: int) -> list[dict]:
    with metastore.session() as con:
        rows = con.execute("SELECT id, display_role, created_by, created_at, expires_at, revoked_at, last_used_at "
                           "FROM display_tokens WHERE board_id = ? ORDER BY id", (board_id,)).fetchall()
    return [dict(r) for r in rows]
