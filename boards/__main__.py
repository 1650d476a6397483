"""python -m boards tokens list | tokens revoke ID

Screen links of every board, for the local operator at the shell (who may
manage tokens by definition). Errors are one line on stderr, exit status 2."""

from __future__ import annotations

import argparse
import sys

from semantic.errors import SemanticError
from semantic.principal import Principal


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m boards", description="Boards: screen links (display tokens).")
    top = parser.add_subparsers(dest="what", required=True)
    tokens_cmd = top.add_parser("tokens", help="list or revoke screen links of every board")
    sub = tokens_cmd.add_subparsers(dest="action", required=True)
    sub.add_parser("list", help="every screen link: board, creator, role, dates, status")
    revoke = sub.add_parser("revoke", help="revoke one screen link at once")
    revoke.add_argument("id", type=int, help="the link's number, from `tokens list`")
    args = parser.parse_args(argv)
    from boards import tokens  # after parsing, so --help is quick
    from data import metastore

    operator = Principal.operator()
    try:
        if args.action == "list":
            print(table(tokens.all_tokens(operator)))
        else:
            tokens.revoke(args.id, operator)
            print(f"screen link {args.id} revoked")
    except SemanticError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except metastore.errors() as err:
        why = (str(err).strip().splitlines() or [type(err).__name__])[0]  # psycopg's messages span lines
        print(
            f"error: the metadata store cannot be read ({why}); check CONCORD_METASTORE_URL or CONCORD_METASTORE.",
            file=sys.stderr,
        )
        return 2
    return 0


def _plain(text) -> str:
    """A value for the terminal: control characters (a crafted board title) shown as '?'."""
    return "".join(c if c.isprintable() else "?" for c in str(text))


def table(rows: list[dict]) -> str:
    if not rows:
        return "no screen links"
    head = ("id", "board", "creator", "role", "created", "expires", "last used", "status")
    lines = [tuple(_plain(v) for v in line) for line in _lines(rows)]
    widths = [max(len(h), *(len(line[i]) for line in lines)) for i, h in enumerate(head[:-1])]
    fmt = "  ".join(f"{{:<{w}}}" for w in widths) + "  {}"
    return "\n".join([fmt.format(*head)] + [fmt.format(*line) for line in lines])


def _lines(rows: list[dict]) -> list[tuple]:
    return [
        (
            str(r["id"]),
            f"{r['board_id']} {r['board_title']}"[:40],
            r["created_by"],
            r["display_role"],
            r["created_at"][:10],
            r["expires_at"][:10],
            (r["last_used_at"] or "-")[:16],
            r["status"]
            + (f": {r['suspended']}" if r["status"] == "suspended" else "")
            + (f" by {r['revoked_by']}" if r["status"] == "revoked" and r["revoked_by"] else ""),
        )
        for r in rows
    ]


if __name__ == "__main__":
    sys.exit(main())
