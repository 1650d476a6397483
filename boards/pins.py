"""Pins: a board on a role's Home page. Who may pin for which role is granted in
policies.yml (pins_for) and asked of semantic.authorize; every pin, unpin and
refusal is audited; a viewer is only ever shown a pinned board they may view."""

from __future__ import annotations

from dataclasses import dataclass

from auth import audit
from boards.schema import BoardError
from boards.store import Board, can_view, now_text, read_board
from data import metastore
from semantic.authorize import authorize
from semantic.errors import PolicyError
from semantic.principal import Principal


@dataclass(frozen=True)
class _AnyBoard:
    """Unpinning asks only whether the role may be pinned for: a board shared with everyone."""

    owner: str = ""
    sharing: str = "everyone"
    shared_roles: tuple[str, ...] = ()


def pin(role: str, board_id: int | None, who: Principal) -> None:
    """Pin a board on a role's home page (None unpins). Only a principal whose roles
    are granted pins_for that role may, and only a board they can see that is shared
    with the role. Every pin, unpin and refusal is audited."""
    what = f"board {board_id} for role {role}" if board_id is not None else f"unpin role {role}"
    try:
        with metastore.session() as con, metastore.transaction(con):
            before = con.execute("SELECT board_id FROM role_pins WHERE role = ?", (role,)).fetchone()
            if board_id is None:
                _may_pin(who, _AnyBoard(), role)
                con.execute("DELETE FROM role_pins WHERE role = ?", (role,))
            else:
                board = read_board(con, board_id)
                if not can_view(board, who):
                    raise BoardError(f"board {board_id} is not shared with you.")
                _may_pin(who, board, role)
                con.execute(
                    "INSERT INTO role_pins (role, board_id, pinned_by, pinned_at) VALUES (?, ?, ?, ?) "
                    "ON CONFLICT (role) DO UPDATE SET board_id = excluded.board_id, "
                    "pinned_by = excluded.pinned_by, pinned_at = excluded.pinned_at",
                    (role, board_id, who.username, now_text()),
                )
    except BoardError as err:
        audit.append("pin_refused", who.username, source="app", outcome="refused", message=f"{what}: {err}")
        raise
    replaced = f" (replacing board {before[0]})" if before and before[0] != board_id else ""
    audit.append(
        "board_pinned" if board_id is not None else "board_unpinned",
        who.username,
        source="app",
        outcome="ok",
        message=f"{what}{replaced}" if board_id is not None else f"role {role}{replaced}",
    )


def _may_pin(who: Principal, board, role: str) -> None:
    try:
        authorize(who, "pin", (board, role))
    except PolicyError as err:
        raise BoardError(str(err)) from None


def pinned_for(who: Principal) -> Board | None:
    with metastore.session() as con:
        for role in who.roles:
            row = con.execute("SELECT board_id FROM role_pins WHERE role = ?", (role,)).fetchone()
            if row:
                board = read_board(con, row[0])
                if can_view(board, who):
                    return board
    return None
