"""`python -m semantic`: query the indicator library from the shell.

    python -m semantic query --metrics revenue,cash_in --by metric_time__quarter,region
    python -m semantic sql   --metrics revenue --by region --dialect postgres
    python -m semantic list metrics
    python -m semantic ask "华东区上个月毛利率" --as sales_east
    python -m semantic validate [--models FOLDER --db PATH_OR_URL]
    python -m semantic init --db PATH_OR_URL --out mymodels
    python -m semantic certified export --out semantic/models/certified.yml

Bad input exits 2 with one line saying what is wrong and how to fix it. This
module parses the arguments; the commands are in cli/semantic_commands.py.
semantic/__main__.py only hands over to `main` here.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from cli.ask_command import add_parser as add_ask_parser
from cli.ask_command import cmd_ask
from cli.certified_command import add_parser as add_certified_parser
from cli.certified_command import cmd_certified
from cli.semantic_commands import COMMANDS
from cli.versions_command import add_parser as add_versions_parser
from cli.versions_command import cmd_versions
from data import budget, config, custom_store
from semantic.errors import SemanticError
from semantic.model.loader import models_dir

ENGINE_HELP = (
    "a DuckDB warehouse file (default: the engine in concord.toml [warehouse], PostgreSQL or Spark too, "
    "else data/warehouse.duckdb)"
)
DB_HELP = "a DuckDB file, or postgresql://user@host:port/database (password from PGPASSWORD or ~/.pgpass)"


class Parser(argparse.ArgumentParser):
    def error(self, message: str):  # one line, exit 2, like every other bad input
        raise SemanticError(f"{message}; run `{self.prog} --help` for the options.")


def build_parser() -> Parser:
    parser = Parser(prog="python -m semantic", description="Query Concord's shared indicator library.")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=Parser)
    for name, text in (
        ("query", "run a query and print the result"),
        ("sql", "print the compiled SQL without running it"),
    ):
        sub = commands.add_parser(name, help=text, description=text)
        _query_flags(sub)
        if name == "query":
            sub.add_argument("--format", choices=("table", "csv", "json"), default="table")
        else:
            sub.add_argument(
                "--dialect",
                default=None,
                help="any sqlglot dialect: duckdb, postgres, spark ... (default: the configured engine's; duckdb "
                "with --db)",
            )
    listing = commands.add_parser("list", help="list metrics or dimensions")
    listing.add_argument("what", choices=("metrics", "dimensions"))
    listing.add_argument("--lang", choices=("en", "zh"), default="en")
    listing.add_argument("--models", default=str(models_dir()), help=argparse.SUPPRESS)
    rollups = commands.add_parser("rollups", help="build the declared rollups into the warehouse")
    rollups.add_argument("action", choices=("build", "list"))
    rollups.add_argument(
        "--db",
        default=None,
        help=ENGINE_HELP,
    )
    rollups.add_argument(
        "--if-stale",
        action="store_true",
        help="build only when a declared rollup is missing or was built from another definition",
    )
    quality = commands.add_parser("check", help="run the data-quality checks; exit 1 when a blocking one fails")
    quality.add_argument(
        "--db",
        default=None,
        help=ENGINE_HELP,
    )
    quality.add_argument("--only", default="", help="comma-separated check names")
    quality.add_argument("--format", choices=("table", "json"), default="table")
    check = commands.add_parser(
        "validate", help="check the indicator library and list what is left to decide (exit 1 while items remain)"
    )
    check.add_argument(
        "--models",
        default=str(models_dir()),
        help="folder of *.yml files (default: concord.toml [model] folder, else semantic/models)",
    )
    check.add_argument(
        "--db", default=None, help=f"also check the library against this warehouse: {DB_HELP}; read only"
    )
    check.add_argument(
        "--schema", default=None, help="the schema to read (default: main in DuckDB, public in PostgreSQL)"
    )
    init = commands.add_parser("init", help="draft tables.yml (and starter metrics) from a database's schema and data")
    init.add_argument("--db", required=True, help=f"{DB_HELP}; opened read only")
    init.add_argument("--out", default="models", help="folder to write tables.yml into (default: ./models)")
    init.add_argument("--force", action="store_true", help="overwrite tables.yml / metrics.yml in --out")
    init.add_argument(
        "--schema", default=None, help="the schema to read (default: main in DuckDB, public in PostgreSQL)"
    )
    init.add_argument("--tables", default="", help="comma-separated tables to draft (default: all)")
    add_ask_parser(commands)
    add_certified_parser(commands)
    add_versions_parser(commands)
    return parser


def _query_flags(sub: argparse.ArgumentParser) -> None:
    sub.add_argument("--metrics", required=True, help="comma-separated metric names")
    sub.add_argument("--by", default="", help="comma-separated dimensions, time as metric_time__month etc.")
    sub.add_argument("--where", default=None, help="filter over dimensions, e.g. \"channel = 'Online'\"")
    sub.add_argument("--from", dest="time_from", default=None, help="first day, YYYY-MM-DD (inclusive)")
    sub.add_argument("--to", dest="time_to", default=None, help="last day, YYYY-MM-DD (inclusive)")
    sub.add_argument("--compare", choices=("prior_period", "prior_year"), default=None)
    sub.add_argument(
        "--compare-version",
        dest="budget_version",
        default=None,
        metavar="NAME",
        help="budget metrics read this budget version (python -m semantic versions; 'imported': the warehouse's "
        "budgets); default: each year's approved budget",
    )
    sub.add_argument("--order", default="", help="comma-separated columns, -name for descending")
    sub.add_argument("--limit", type=int, default=None)
    sub.add_argument(
        "--db",
        default=None,
        help=ENGINE_HELP,
    )
    sub.add_argument("--models", default=str(models_dir()), help=argparse.SUPPRESS)
    sub.add_argument("--as", dest="as_user", default=None, help="run as this user, under that user's policy")
    sub.add_argument("--no-rollups", action="store_true", help="never answer from rollups (for comparison)")


def main(argv: Sequence[str] | None = None) -> int:
    try:
        config.settle()  # concord.toml's warehouse, library and policy become the defaults below
        args = build_parser().parse_args(argv)
        custom_store.register()  # users' custom metrics (drafts for their author and shared roles only)
        budget.register()  # budget versions prepared in the app (--compare-version, versions)
        return {**COMMANDS, "ask": cmd_ask, "certified": cmd_certified, "versions": cmd_versions}[args.command](args)
    except SemanticError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0
