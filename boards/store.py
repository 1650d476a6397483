"""Boards and tiles in the metadata store, with sharing and optimistic versions.

Everything a board holds is checked before it is stored (boards.schema), and
every tile must be a query its saver may run (semantic.authorize). Tiles keep
their ids across saves, so alerts stay attached to the tile they watch."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field

from auth import audit
from boards import schema, webhooks
from boards.schema import BoardError, label
from data import metastore
from semantic import plan
from semantic.authorize import allowed, authorize
from semantic.errors import SemanticError
from semantic.principal import Principal
from semantic.query import Query, make_query

__all__ = [
    "SHARING",
    "Board",
    "BoardError",
    "Rule",
    "Tile",
    "can_edit",
    "can_view",
    "delete",
    "export_json",
    "get",
    "get_unchecked",
    "import_json",
    "number_text",
    "save",
    "visible",
]

SHARING = ("private", "roles", "everyone")


def number_text(value: float) -> str:
    """A rule's value written exactly: the shortest text that reads back as the same
    float (534949901.95, 0.30000000000000004), without a trailing '.0' (60, not 60.0)."""
    text = repr(float(value))
    return text.removesuffix(".0")


@dataclass(frozen=True)
class Rule:
    metric: str
    op: str  # > >= < <=
    value: float
    level: str = "warning"  # warning, critical
    webhook: str = ""

    @property
    def value_text(self) -> str:
        """The threshold as pages should show and edit it (exact; never rounded)."""
        return number_text(self.value)

    def text(self) -> str:
        return f"{self.metric} {self.op} {self.value_text}"

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
    id: int | None = None  # None until stored; then kept across saves


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
    problems: tuple[str, ...] = ()  # stored parts that could not be read (left out; a save drops them)


def now_text() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def board_data(board: Board) -> dict:
    """A board in its export form (JSON types): what import reads and schema checks."""
    return {
        "title": board.title,
        "description": board.description,
        "columns": board.columns,
        "refresh_seconds": board.refresh_seconds,
        "theme": board.theme,
        "filters": board.filters,
        "tiles": [
            {
                "title": t.title,
                "width": t.width,
                "chart": t.chart,
                "query": json.loads(t.query.model_dump_json()),
                "rules": [_rule_data(r) for r in t.rules],
            }
            for t in board.tiles
        ],
    }


def _rule_data(rule: Rule) -> dict:
    return {"metric": rule.metric, "op": rule.op, "value": rule.value, "level": rule.level, "webhook": rule.webhook}


def _validate(board: Board) -> None:
    schema.validate(board_data(board))
    if board.sharing not in SHARING:
        raise BoardError(f"sharing must be one of {', '.join(SHARING)}.")


def _check_tiles(board: Board, who: Principal) -> None:
    """Every tile a query `who` may run, and that compiles as the board runs it."""
    for i, tile in enumerate(board.tiles):
        name = label(i, tile.title, tile.query.metrics)
        try:
            authorize(who, "query", tile.query)
            plan(_with_some_period(schema.with_board_filters(tile.query, board.filters)), who)
        except SemanticError as err:
            raise BoardError(f"{name}: {err}") from None
        except RecursionError:
            raise BoardError(f"{name}: the where filter nests too deeply; simplify it.") from None


def _with_some_period(query: Query) -> Query:
    """A tile without a period gets one from the board (or the page) when shown; the
    compile check stands in a year for the part missing, so it checks everything else."""
    if query.time_from and query.time_to:
        return query
    year = dt.timedelta(days=365)
    since = query.time_from or (query.time_to - year if query.time_to else dt.date(2000, 1, 1))
    return query.with_(time_from=since, time_to=query.time_to or since + year)


def _check_webhooks(board: Board, before: Board | None, who: Principal) -> None:
    """A webhook new to this board needs the set_webhooks permission and an allowed
    http(s) host (boards.webhooks.check); kept ones stay, and are checked again at delivery."""
    kept = {r.webhook for t in (before.tiles if before else ()) for r in t.rules}
    for i, tile in enumerate(board.tiles):
        for rule in tile.rules:
            if rule.webhook and rule.webhook not in kept:
                try:
                    webhooks.check(rule.webhook, who)
                except SemanticError as err:
                    raise BoardError(f"{label(i, tile.title, tile.query.metrics)}: rule {rule.text()}: {err}") from None


def can_view(board: Board, who: Principal) -> bool:
    return allowed(who, "view_board", board)


def can_edit(board: Board, who: Principal) -> bool:
    return allowed(who, "edit_board", board)


def save(board: Board, who: Principal) -> Board:
    """Create (id None) or update a board; an update must carry the version it read,
    and is refused when someone saved in between (nothing is silently lost).
    Everything is checked before anything is written."""
    _validate(board)
    if board.id is not None:  # who may edit first, then what the tiles ask (checked again below, in the transaction)
        _may_edit(get_unchecked(board.id, "saving: the edit check is next"), who)
    _check_tiles(board, who)
    with metastore.session() as con, metastore.transaction(con):
        if board.id is None:
            if board.owner != who.username:
                raise BoardError("a new board belongs to whoever creates it.")
            _check_webhooks(board, None, who)
            cur = con.execute(
                "INSERT INTO boards (title, description, owner, sharing, shared_roles, columns, refresh_seconds, theme, "
                "filters_json, version, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?) RETURNING id",
                (
                    board.title,
                    board.description,
                    board.owner,
                    board.sharing,
                    ",".join(board.shared_roles),
                    board.columns,
                    board.refresh_seconds,
                    board.theme,
                    json.dumps(board.filters),
                    now_text(),
                    now_text(),
                ),
            )
            board_id = cur.fetchall()[0][0]
        else:
            current = read_board(con, board.id)
            _may_edit(current, who)
            _check_webhooks(board, current, who)
            cur = con.execute(
                "UPDATE boards SET title = ?, description = ?, sharing = ?, shared_roles = ?, columns = ?, "
                "refresh_seconds = ?, theme = ?, filters_json = ?, version = version + 1, updated_at = ? "
                "WHERE id = ? AND version = ?",
                (
                    board.title,
                    board.description,
                    board.sharing,
                    ",".join(board.shared_roles),
                    board.columns,
                    board.refresh_seconds,
                    board.theme,
                    json.dumps(board.filters),
                    now_text(),
                    board.id,
                    board.version,
                ),
            )
            if cur.rowcount == 0:
                raise BoardError(
                    f"board '{current.title}' was changed by someone else since you opened it "
                    f"(version {current.version}, yours {board.version}); reload it and make your change again."
                )
            board_id = board.id
        _write_tiles(con, board_id, board.tiles)
        return read_board(con, board_id)


def _may_edit(current: Board, who: Principal) -> None:
    if not can_edit(current, who):
        raise BoardError(f"only {current.owner} can edit board '{current.title}'.")


def _write_tiles(con, board_id: int, tiles: tuple[Tile, ...]) -> None:
    """Update tiles in place (same id), insert new ones (id None), delete the ones left out."""
    existing = {row[0] for row in con.execute("SELECT id FROM tiles WHERE board_id = ?", (board_id,))}
    kept: set[int] = set()
    for position, tile in enumerate(tiles):
        values = (
            position,
            tile.width,
            tile.title,
            tile.query.model_dump_json(),
            tile.chart,
            json.dumps([_rule_data(r) for r in tile.rules]),
        )
        if tile.id is None:
            con.execute(
                "INSERT INTO tiles (position, width, title, query_json, chart, rules_json, board_id) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                values + (board_id,),
            )
            continue
        name = label(position, tile.title, tile.query.metrics)
        if tile.id in kept:
            raise BoardError(f"{name} is on the board twice (tile id {tile.id}); remove one.")
        if tile.id not in existing:
            raise BoardError(
                f"{name}: tile id {tile.id} is not a tile of this board; add it as a new tile (without an id)."
            )
        kept.add(tile.id)
        con.execute(
            "UPDATE tiles SET position = ?, width = ?, title = ?, query_json = ?, chart = ?, rules_json = ? "
            "WHERE id = ? AND board_id = ?",
            values + (tile.id, board_id),
        )
    gone = sorted(existing - kept)
    if gone:
        con.execute(f"DELETE FROM tiles WHERE id IN ({', '.join('?' * len(gone))})", gone)


def read_board(con, board_id: int) -> Board:
    """A stored board. A tile or filter that cannot be read is left out and named in
    `problems` (the page shows them), so one bad row never breaks the whole board."""
    row = con.execute("SELECT * FROM boards WHERE id = ?", (board_id,)).fetchone()
    if row is None:
        raise BoardError(f"there is no board {board_id}.")
    problems: list[str] = []
    try:
        filters = json.loads(row["filters_json"])
        if not isinstance(filters, dict):
            raise TypeError("not an object")
        schema.check_filters(filters)
    except (ValueError, TypeError, RecursionError) as err:
        problems.append(f"the board's filters could not be read ({err}); they are ignored until the board is saved.")
        filters = {}
    tiles = []
    for index, t in enumerate(con.execute("SELECT * FROM tiles WHERE board_id = ? ORDER BY position, id", (board_id,))):
        try:
            tiles.append(_tile(t, index))
        except BoardError as err:
            problems.append(f"{err} This tile cannot be shown; saving the board removes it.")
    return Board(
        title=row["title"],
        owner=row["owner"],
        tiles=tuple(tiles),
        description=row["description"],
        sharing=row["sharing"],
        shared_roles=tuple(r for r in row["shared_roles"].split(",") if r),
        columns=row["columns"],
        refresh_seconds=row["refresh_seconds"],
        theme=row["theme"],
        filters=filters,
        id=row["id"],
        version=row["version"],
        problems=tuple(problems),
    )


def _tile(row, index: int) -> Tile:
    name = label(index, row["title"] or "")
    try:
        data = {
            "title": row["title"],
            "width": row["width"],
            "chart": row["chart"],
            "query": json.loads(row["query_json"]),
            "rules": json.loads(row["rules_json"]),
        }
    except (ValueError, RecursionError):
        raise BoardError(f"{name}: its stored query or rules are not readable JSON.") from None
    return _tile_from(schema.check_tile(data, index), index, row["id"])


def _tile_from(checked: schema.TileIn, index: int, tile_id: int | None = None) -> Tile:
    try:
        query = make_query(**checked.query.model_dump())
    except SemanticError as err:
        raise BoardError(f"{label(index, checked.title, checked.query.metrics)}: {err}") from None
    return Tile(
        query=query,
        title=checked.title,
        width=checked.width,
        chart=checked.chart,
        rules=tuple(Rule(**r.model_dump()) for r in checked.rules),
        id=tile_id,
    )


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
        return read_board(con, board_id)


def visible(who: Principal) -> list[Board]:
    with metastore.session() as con:
        ids = [r[0] for r in con.execute("SELECT id FROM boards ORDER BY title")]
        boards = [read_board(con, i) for i in ids]
    return [b for b in boards if can_view(b, who)]


def delete(board_id: int, who: Principal) -> None:
    with metastore.session() as con, metastore.transaction(con):
        board = read_board(con, board_id)
        if not can_edit(board, who):
            raise BoardError(f"only {board.owner} can delete board '{board.title}'.")
        con.execute("DELETE FROM boards WHERE id = ?", (board_id,))


def export_json(board: Board) -> str:
    return json.dumps(board_data(board), ensure_ascii=False, indent=1)


def import_json(text: str | bytes, who: Principal) -> Board:
    """A new board of `who` from an export. The file is checked in full (size, JSON,
    every field, limits; then every tile against the importer's grants, compiled)
    before anything is stored; any problem is one BoardError line naming the tile."""
    try:
        _, checked = schema.parse_import(text)
        tiles = tuple(_tile_from(t, i) for i, t in enumerate(checked.tiles))
        board = Board(
            title=schema.unique_title(checked.title, (b.title for b in visible(who))),
            owner=who.username,
            tiles=tiles,
            description=checked.description,
            columns=checked.columns,
            refresh_seconds=checked.refresh_seconds,
            theme=checked.theme,
            filters=dict(checked.filters),
        )
        saved = save(board, who)
    except BoardError as err:
        audit.append("board_import_refused", who.username, source="app", outcome="refused", message=str(err)[:500])
        raise
    audit.append(
        "board_imported",
        who.username,
        source="app",
        outcome="ok",
        message=f"board {saved.id} with {len(saved.tiles)} tiles",
    )
    return saved
