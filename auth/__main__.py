"""python -m auth add-user | set-password | set-roles | disable | enable | unlock | list | audit

Passwords are read without echo from the terminal, or as one line from stdin
(for scripts); never from a command-line argument, which would land in shell
history and process lists."""

from __future__ import annotations

import argparse
import datetime as dt
import getpass
import json
import sys

from auth import accounts, audit, throttle
from semantic.errors import SemanticError


class Parser(argparse.ArgumentParser):
    def error(self, message: str):
        raise SemanticError(f"{message}; run `python -m auth --help` for the commands.")


def read_password(prompt: str = "Password: ") -> str:
    if sys.stdin.isatty():
        first = getpass.getpass(prompt)
        if getpass.getpass("Again: ") != first:
            raise accounts.AccountError("the two passwords differ; nothing was changed.")
        return first
    return sys.stdin.readline().rstrip("\r\n")


def parse_attrs(items: list[str]) -> dict[str, str]:
    out = {}
    for item in items or []:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise accounts.AccountError(f"--attr '{item}' must look like name=value, e.g. region=East.")
        out[key.strip()] = value.strip()
    return out


def main(argv=None) -> int:
    parser = Parser(prog="python -m auth", description="Manage Concord's local accounts and read the audit log.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=Parser)
    add = sub.add_parser("add-user", help="create an account (password from the terminal or stdin)")
    add.add_argument("username")
    add.add_argument("--name", default="")
    add.add_argument("--email", default="")
    add.add_argument("--roles", required=True, help="comma-separated, e.g. sales_rep")
    add.add_argument("--attr", action="append", help="user attribute name=value, e.g. region=East (repeatable)")
    pw = sub.add_parser("set-password", help="change a password (from the terminal or stdin)")
    pw.add_argument("username")
    roles = sub.add_parser("set-roles", help="replace a user's roles")
    roles.add_argument("username")
    roles.add_argument("roles", help="comma-separated")
    for name in ("disable", "enable"):
        sub.add_parser(name, help=f"{name} an account").add_argument("username")
    sub.add_parser("unlock", help="lift the sign-in slow-down of a user (forgets their failed attempts)").add_argument(
        "username"
    )
    sub.add_parser("list", help="list accounts (never their hashes)")
    log = sub.add_parser("audit", help="print the audit log")
    log.add_argument("--since", default=None, help="YYYY-MM-DD")
    log.add_argument("--user", default=None)
    log.add_argument(
        "--kind",
        default=None,
        help="query, login_ok, login_failed, login_refused, lockout, unlock, logout, token_use, account ...",
    )
    log.add_argument("--format", choices=("table", "json"), default="table")
    try:
        args = parser.parse_args(argv)
        return COMMANDS[args.command](args)
    except SemanticError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("cancelled; nothing was changed.", file=sys.stderr)
        return 2


def by() -> str:
    """Who changes accounts from the shell (the audit log's 'by')."""
    try:
        return f"shell user {getpass.getuser()}"
    except (KeyError, OSError):
        return "shell user"


def cmd_add(args) -> int:
    names = tuple(r.strip() for r in args.roles.split(",") if r.strip())
    attrs = parse_attrs(args.attr)
    user = accounts.create(args.username, args.name, read_password(), names, attrs, args.email, by=by(), source="cli")
    print(f"added {user.username} ({', '.join(user.roles)})")
    return 0


def cmd_password(args) -> int:
    accounts.find(args.username)
    accounts.reset_password(args.username, read_password("New password: "), by=by(), source="cli")
    print(f"password of {args.username} changed")
    return 0


def cmd_roles(args) -> int:
    accounts.find(args.username)
    names = tuple(r.strip() for r in args.roles.split(",") if r.strip())
    names = accounts.change(args.username, roles=names, by=by(), source="cli").roles
    print(f"{args.username}: {', '.join(names)}")
    return 0


def cmd_disable(args, disabled: bool = True) -> int:
    accounts.change(args.username, disabled=disabled, by=by(), source="cli")
    print(f"{args.username} {'disabled' if disabled else 'enabled'}")
    return 0


def cmd_unlock(args) -> int:
    accounts.find(args.username)
    cleared = throttle.unlock(args.username)
    audit.record_login(args.username, "unlock", f"{cleared} failed attempts cleared", source="cli")
    print(f"{args.username} unlocked ({cleared} failed attempts cleared)")
    return 0


def cmd_list(args) -> int:
    for user in accounts.load_users().values():
        attrs = ", ".join(f"{k}={v}" for k, v in user.attributes.items())
        state = "disabled" if user.disabled else "active"
        print(f"{user.username:<14} {state:<9} {','.join(user.roles):<16} {attrs:<16} {user.name}")
    return 0


def cmd_audit(args) -> int:
    since = None
    if args.since:
        try:
            since = dt.date.fromisoformat(args.since)
        except ValueError:
            raise SemanticError(f"--since '{args.since}' is not a date; write it as YYYY-MM-DD.") from None
    rows = audit.read_events(since, args.user, args.kind)
    if args.format == "json":
        print(json.dumps(rows, ensure_ascii=False, indent=1))
        return 0
    for r in reversed(rows):
        detail = (
            f"{r['metrics']} by {r['dimensions'] or '-'} rows={r['rows']}" if r["kind"] == "query" else r["message"]
        )
        print(f"{r['at'][:19]}  {r['kind']:<13} {r['username']:<12} {r['source']:<14} {r['outcome']:<8} {detail}")
    return 0


COMMANDS = {
    "add-user": cmd_add,
    "set-password": cmd_password,
    "set-roles": cmd_roles,
    "disable": cmd_disable,
    "unlock": cmd_unlock,
    "enable": lambda a: cmd_disable(a, False),
    "list": cmd_list,
    "audit": cmd_audit,
}

if __name__ == "__main__":
    sys.exit(main())
