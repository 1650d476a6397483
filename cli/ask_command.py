"""`python -m semantic ask "QUESTION"`: a question in Chinese or English, read and answered from the library.

    python -m semantic ask "华东区上个月毛利率" --as sales_east
    python -m semantic ask "top 5 customers by revenue this quarter" --format json

Prints how the question was read (the Query as JSON, the words each part came from, what was not
understood), then runs the Query on the normal path (policy, cache, audit, like `query --as`) and
prints the result. A refusal (policy, not understood, impossible period) is one line, exit 1; bad
input (flags, an unknown user, no warehouse) one line, exit 2.
"""

from __future__ import annotations

import argparse
import json
import sys

from auth import audit
from cli.semantic_commands import _principal, engine_for, with_custom
from semantic import output
from semantic.ask import answer
from semantic.model.loader import models_dir


def add_parser(commands) -> None:
    sub = commands.add_parser(
        "ask", help="ask a question in Chinese or English", description="Ask a question in Chinese or English."
    )
    sub.add_argument("question", help='e.g. "华东区上个月毛利率" or "top 5 customers by revenue this quarter"')
    sub.add_argument("--as", dest="as_user", default=None, help="ask as this user, under that user's policy")
    sub.add_argument(
        "--lang", choices=("zh", "en"), default=None, help="the language of messages (default: the question's)"
    )
    sub.add_argument("--format", choices=("table", "json"), default="table")
    sub.add_argument(
        "--db",
        default=None,
        help="a DuckDB warehouse file (default: the engine in concord.toml [warehouse], else data/warehouse.duckdb)",
    )
    sub.add_argument("--models", default=str(models_dir()), help=argparse.SUPPRESS)


def cmd_ask(args) -> int:
    audit.install()  # a question from the shell is audited like a query from a page
    library = with_custom(args.models)
    warehouse = engine_for(args.db)
    warehouse.version()  # a missing warehouse, an engine not answering: one line, exit 2
    reading, result = answer(
        args.question, _principal(args), warehouse=warehouse, library=library, lang=args.lang, source="cli:ask"
    )
    if args.format == "json":
        body = reading.as_dict()
        body["result"] = output.records(result.frame) if result is not None else None
        print(json.dumps(body, ensure_ascii=False, indent=1, default=str))
    else:
        _print_reading(reading, library)
        if result is not None:
            sys.stdout.write(output.render(result.frame, library, "table"))
    if reading.refused:
        print(f"{reading.refusal}: {reading.message}", file=sys.stderr)
        return 1
    return 0


def _print_reading(reading, library) -> None:
    for span in reading.spans:
        custom = f" · {output.status(library, span.value)}" if str(span.value) in library.custom else ""
        print(f"# {span.kind:<9} {span.text!r} -> {span.value}{custom}")  # a user's draft says so
    for word, chosen, others in reading.alternatives:
        print(f"# '{word}' read as {chosen}; it may also mean {', '.join(others)}")
    if reading.not_understood:
        print(f"# not understood: {', '.join(repr(w) for w in reading.not_understood)}")
    if reading.query is not None:
        print("# query: " + reading.query.model_dump_json(exclude_defaults=True))
