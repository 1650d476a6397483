"""python -m data.load FILE --into TABLE [--sheet S] [--map 'Header=column' ...] [--set column=value ...] [--yes]
python -m data.load --history [--into TABLE]      python -m data.load --restore LOAD_ID

Prints the mapping, the first rows as they will be loaded, every row that cannot be read and the effect,
then asks before loading (--yes: do not ask). Exit codes: 0 loaded (or nothing to do), 1 refused (the
file, a row, a check; one line each), 2 a mistake in the command or the configuration."""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path

from data.load.mapping import parse_pairs

SHOW = 10


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m data.load", description="Load a CSV or Excel file into a table.")
    p.add_argument("file", nargs="?", help="a .csv, .xlsx or .xls file")
    p.add_argument("--into", metavar="TABLE", help="the warehouse table, e.g. budgets")
    p.add_argument("--sheet", help="the sheet of a workbook (default: the first)")
    p.add_argument("--map", action="append", default=[], metavar="'Header=column'", help="map a header (repeat)")
    p.add_argument("--set", action="append", default=[], metavar="column=value", help="one value for every row")
    p.add_argument("--yes", action="store_true", help="load without asking")
    p.add_argument("--who", default=None, help="recorded as who loaded (default: your login name)")
    p.add_argument("--history", action="store_true", help="list the loads (of --into TABLE)")
    p.add_argument("--restore", type=int, metavar="LOAD_ID", help="put back what a load replaced")
    return p


def _print_preview(p) -> None:
    print(
        f"{p.filename} -> {p.table}"
        + (f" (sheet {p.sheet})" if p.sheet else "")
        + (f", {p.encoding}" if p.encoding else "")
    )
    print(f"header on line {p.header_line}; mapping:")
    for c in p.choices:
        print(f"  {c.header:<16} -> {c.column or '(not loaded)'}  [{c.how}]")
    for column, value in p.constants.items():
        print(f"  (every row)      -> {column} = {value}")
    for note in p.notes:
        print(f"note: {note}")
    rows = p.first_rows(SHOW)
    if rows:
        print(f"first {len(rows)} of {p.rows.num_rows:,} rows as they will be loaded:")
        print("  " + " | ".join(p.columns))
        for row in rows:
            print("  " + " | ".join("" if row[c] is None else str(row[c]) for c in p.columns))
    for line, reason in p.errors:
        print(f"error: line {line}: {reason}", file=sys.stderr)
    e = p.effect
    if e is not None:
        scope = (
            f"the {', '.join(map(str, e.years))} rows of {p.table}"
            if e.years
            else f"rows of {p.table} with the same key"
        )
        print(f"effect: {e.written:,} rows written; {e.replaced:,} replaced ({scope}); {e.added:,} new")


def _history(table) -> int:
    from data.load import history

    for r in history(table):
        print(
            f"{r.id:>5}  {r.started_at}  {r.kind:<7} {r.table:<12} {r.status:<8} {r.who:<12} "
            f"written {r.rows_written:,} replaced {r.rows_replaced:,}  {r.file_name}"
            + (f"  (restores {r.restores})" if r.restores else "")
            + (f"  {r.message}" if r.message else "")
        )
    return 0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    from data import config
    from data.config import ConfigError
    from data.load import LoadError, apply, preview, refusal, restore
    from data.load.read import too_big
    from semantic.errors import SemanticError

    who = args.who or getpass.getuser()
    try:
        config.settle()
        if (refused := config.writes_elsewhere()) and not args.history:
            print(f"error: {refused}", file=sys.stderr)
            return 2
        if args.history:
            return _history(args.into)
        if args.restore is not None:
            record = restore(args.restore, who)
            print(f"restored: load {record.restores}'s replaced rows are back in {record.table} (restore {record.id})")
            return 0
        if not args.file or not args.into:
            print("give a FILE and --into TABLE (or --history, --restore ID); see --help.", file=sys.stderr)
            return 2
        path = Path(args.file)
        if not path.is_file():
            print(f"{path}: no such file.", file=sys.stderr)
            return 2
        too_big(path.stat().st_size, path.name)
        constants = {}
        for pair in args.set:
            column, sep, value = pair.partition("=")
            if not sep:
                print(f"--set '{pair}': write it as column=value.", file=sys.stderr)
                return 2
            constants[column.strip()] = value.strip()
        p = preview(
            path.read_bytes(), path.name, args.into, parse_pairs(args.map) or None, args.sheet, constants=constants
        )
        _print_preview(p)
        why = refusal(p)
        if why:
            print(why, file=sys.stderr)
            return 1
        if not args.yes:
            if not sys.stdin.isatty():
                print("nothing loaded: add --yes to load without a terminal to confirm in.", file=sys.stderr)
                return 1
            if input("load it? [y/N] ").strip().lower() not in ("y", "yes"):
                print("nothing loaded.")
                return 0
        record = apply(p, who)
        print(
            f"loaded: load {record.id}, {record.rows_written:,} rows written, {record.rows_replaced:,} replaced "
            f"in {record.seconds:.1f} s (undo: python -m data.load --restore {record.id})"
        )
        return 0
    except ConfigError as err:
        print(str(err), file=sys.stderr)
        return 2
    except (LoadError, SemanticError) as err:
        print(str(err), file=sys.stderr)
        return 1
    except OSError as err:
        print(f"{args.file}: {err.strerror or err}.", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("stopped; nothing loaded.", file=sys.stderr)
        return 1
    except Exception as err:  # noqa: BLE001 - the last line of defence: one line, never a traceback
        first = str(err).splitlines()[0] if str(err) else ""
        print(f"the load stopped: {type(err).__name__}: {first}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
