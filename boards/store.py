"""Boards and tiles in the metadata store, with sharing and optimistic versions."""
from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field

from data import metastore
from semantic.authorize import allowed
from semantic.errors import SemanticError
from semantic.principal import Principal
from semantic.query import Query, make_query

SHARING = ("private", "roles", "everyone")


class BoardError(SemanticError):
    """A board request that cannot be done (not found, not allowed, edited meanwhile)."""


@dataclass(frozen=True)
class Rule:
    metric: str
    op: str  # > >= < <=
    value: float
    level: str = "warning"  # warning, critical
    webhook: str = ""

    def text(self) -> str:
        return f"{self.metric} {self.op} {self.value:g}"

    def breached(self, value) -> bool:
        if value is None or value != value:
            return False
        v = float(value)
        return {">": v > self.value, ">=": v >= self.value, "<": v < self.value, "<=": v <= self.value}[self.op]


@dataclass(frozen=True)
class Tile:
    query: Query
    title: str = ""
    width: int = 1
    chart: str = "auto"
    rules: tuple[Rule, ...] = ()
    id: int | None = None


@dataclass(frozen=True)
class Board:
    title: str
    owner: str
    tiles: tuple[Tile, ...] = ()
    description: str = ""
    sharing: str = "private"
    shared_roles: tuple[str, ...] = ()
    columns: int = 2
    refresh_seconds: int = 60
    theme: str = "light"
    filters: dict = field(default_factory=dict)
    id: int | None = None
    version: int = 0


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


def _validate(board: Board) -> None:
    if not board.title.strip():
        raise BoardError("a board needs a title.")
    if board.sharing not in SHARING:
        raise BoardError(f"sharing must be one of {', '.join(SHARING)}.")
    if not 1 <= board.columns <= 4:
        raise BoardError("a board has 1 to 4 columns.")
    if not 5 <= board.refresh_seconds <= 86400:
        raise BoardError("refresh every 5 seconds to 1 day.")
    for tile in board.tiles:
        if not 1 <= tile.width <= board.columns:
            raise BoardError(f"tile '{tile.title}' is wider than the board ({board.columns} columns).")
        for rule in tile.rules:
            if rule.op not in (">", ">=", "<", "<=") or rule.level not in ("warning", "critical"):
                raise BoardError(f"rule '{rule.text()}': use > >= < <= and level warning or critical.")


def can_view(board: Board, who: Principal) -> bool:
    return allowed(who, "view_board", board)


def can_edit(board: Board, who: Principal) -> bool:
    return allowed(who, "edit_board", board)


def save(board: Board, who: Principal) -> Board:
    """Create (id None) or update a board; an update must carry the version it read,
    and is refused when someone saved in between (nothing is silently lost)."""
    _validate(board)
    with metastore.session() as con, metastore.transaction(con):
        if board.id is None:
            if board.owner != who.username:
                raise BoardError("a new board belongs to whoever creates it.")
            cur = con.execute(
                "INSERT INTO boards (title, description, owner, sharing, shared_roles, columns, refresh_seconds, theme, "
                "filters_json, version, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?)",
                (board.title, board.description, board.owner, board.sharing, ",".join(board.shared_roles),
                 board.columns, board.refresh_seconds, board.theme, json.dumps(board.filters), _now(), _now()))
            board_id, version = cur.lastrowid, 1
        else:
            current = _load(con, board.id)
            if not can_edit(current, who):
                raise BoardError(f"only {current.owner} can edit board '{current.title}'.")
            cur = con.execute(
                "UPDATE boards SET title = ?, description = ?, sharing = ?, shared_roles = ?, columns = ?, "
                "refresh_seconds = ?, theme = ?, filters_json = ?, version = version + 1, updated_at = ? "
                "WHERE id = ? AND version = ?",
                (board.title, board.description, board.sharing, ",".join(board.shared_roles), board.columns,
                 board.refresh_seconds, board.theme, json.dumps(board.filters), _now(), board.id, board.version))
            if cur.rowcount == 0:
                raise BoardError(f"board '{current.title}' was changed by someone else since you opened it "
                                 f"(version {current.version}, yours {board.version}); reload it and make your change again.")
            board_id, version = board.id, board.version + 1
            con.execute("DELETE FROM tiles WHERE board_id = ?", (board_id,))
        for position, tile in enumerate(board.tiles):
            con.execute("INSERT INTO tiles (board_id, position, width, title, query_json, chart, rules_json) "
                        "VALUES (?, ?, ?, ?, ?, ?, ?)",
                        (board_id, position, tile.width, tile.title, tile.query.model_dump_json(), tile.chart,
                         json.dumps([r.__dict__ for r in tile.rules])))
        return _load(con, board_id)


def _load(con, board_id: int) -> Board:
    row = con.execute("SELECT * FROM boards WHERE id = ?", (board_id,)).fetchone()
    if row is None:
        raise BoardError(f"there is no board {board_id}.")
    tiles = tuple(
        Tile(query=make_query(**json.loads(t["query_json"])), title=t["title"], width=t["width"], chart=t["chart"],
             rules=tuple(Rule(**r) for r in json.loads(t["rules_json"])), id=t["id"])
        for t in con.execute("SELECT * FROM tiles WHERE board_id = ? ORDER BY position", (board_id,)))
    return Board(title=row["title"], owner=row["owner"], tiles=tiles, description=row["description"],
                 sharing=row["sharing"], shared_roles=tuple(r for r in row["shared_roles"].split(",") if r),
                 columns=row["columns"], refresh_seconds=row["refresh_seconds"], theme=row["theme"],
                 filters=json.loads(row["filters_json"]), id=row["id"], version=row["version"])


def get(board_id: int, who: Principal) -> Board:
    """A board the principal may view."""
    board = get_unchecked(board_id, "checked below")
    if not can_view(board, who):
        raise BoardError(f"board {board_id} is not shared with you.")
    return board


def get_unchecked(board_id: int, why: str) -> Board:
    """A board without asking who may view it. Only for callers that have already
    authorised the access some other way, and say how in `why` (a display token
    resolved for this board; the alert evaluator running as the board's owner)."""
    assert why, "say why the view check is skipped"
    with metastore.session() as con:
        return _load(con, board_id)


def visible(who: Principal) -> list[Board]:
    with metastore.session() as con:
        ids = [r[0] for r in con.execute("SELECT id FROM boards ORDER BY title")]
        boards = [_load(con, i) for i in ids]
    return [b for b in boards if can_view(b, who)]


def delete(board_id: int, who: Principal) -> None:
    with metastore.session() as con, metastore.transaction(con):
        board = _load(con, board_id)
        if not can_edit(board, who):
            raise BoardError(f"only {board.owner} can delete board '{board.title}'.")
        con.execute("DELETE FROM boards WHERE id = ?", (board_id,))


def pin(role: str, board_id: int | None, who: Principal) -> None:
    """Pin a board on a role's home page (None unpins); admins and the board's owner may pin."""
    with metastore.session() as con, metastore.transaction(con):
        if board_id is None:
            con.execute("DELETE FROM role_pins WHERE role = ?", (role,))
            return
        board = _load(con, board_id)
        if not can_edit(board, who) and "admin" not in who.roles:
            raise BoardError("only the board's owner or an admin can pin it.")
        if not (board.sharing == "everyone" or (board.sharing == "roles" and role in board.shared_roles)):
            raise BoardError(f"share board '{board.title}' with role {role} (or everyone) before pinning it there.")
        con.execute("INSERT INTO role_pins (role, board_id) VALUES (?, ?) ON CONFLICT (role) DO UPDATE SET "
                    "board_id = excluded.board_id", (role, board_id))


def pinned_for(who: Principal) -> Board | None:
    with metastore.session() as con:
        for role in who.roles:
            row = con.execute("SELECT board_id FROM role_pins WHERE role = ?", (role,)).fetchone()
            if row:
                board = _load(con, row[0])
                if can_view(board, who):
                    return board
    return None


def export_json(board: Board) -> str:
    return json.dumps({"title": board.title, "description": board.description, "columns": board.columns,
                       "refresh_seconds": board.refresh_seconds, "theme": board.theme, "filters": board.filters,
                       "tiles": [{"title": t.title, "width": t.width, "chart": t.chart,
                                  "query": json.loads(t.query.model_dump_json()), "rules": [r.__dict__ for r in t.rules]}
                                 for t in board.tiles]}, ensure_ascii=False, indent=1)


def import_json(text: str, who: Principal) -> Board:
    try:
        data = json.loads(text)
        tiles = tuple(Tile(query=make_query(**t["query"]), title=t.get("title", ""), width=int(t.get("width", 1)),
                           chart=t.get("chart", "auto"), rules=tuple(Rule(**r) for r in t.get("rules", [])))
                      for t in data["tiles"])
        board = Board(title=str(data["title"]), owner=who.username, tiles=tiles, description=str(data.get("description", "")),
                      columns=int(data.get("columns", 2)), refresh_seconds=int(data.get("refresh_seconds", 60)),
                      theme=str(data.get("theme", "light")), filters=dict(data.get("filters", {})))
    except (SemanticError, ValueError, KeyError, TypeError) as err:
        raise BoardError(f"this is not a Concord board export ({type(err).__name__}: {err}); "
                         "export one from a board's page.") from None
    return save(board, who)
