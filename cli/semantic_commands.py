"""The commands behind `python -m semantic` (parsed in cli/semantic_cli.py).

Each takes the parsed arguments and returns the exit code; bad input raises
SemanticError, which main() prints as one line (exit 2).
"""

from __future__ import annotations

import contextlib
import json
import sys
from dataclasses import dataclass
from pathlib import Path

from auth import audit
from auth.accounts import principal_for
from data import quality_runs
from semantic import output
from semantic.custom.overlay import extend
from semantic.custom.registry import definitions
from semantic.errors import SemanticError
from semantic.execute import EngineSettings, Warehouse, open_engine
from semantic.model import draft, draft_policy, draft_yaml, review
from semantic.model.loader import MODELS_DIR, default_library, load_library
from semantic.policy import POLICY_FILE, load_policy
from semantic.principal import Principal
from semantic.quality import run_checks
from semantic.query import make_query, parse_date, split_names
from semantic.rollup.build import build_rollups, rollup_states, rollups_current
from semantic.rollup.spec import load_rollups
from semantic.service import plan, run


def engine_for(db: str | None):
    """--db PATH: that DuckDB file; without it, the engine concord.toml configures (data.config.settle:
    [warehouse] engine, or CONCORD_ENGINE*): DuckDB, PostgreSQL or Spark. Its errors are one line (exit 2)."""
    return Warehouse(Path(db)) if db else open_engine(EngineSettings.from_env())


def _query(args):
    if args.limit is not None and args.limit < 1:
        raise SemanticError("--limit must be 1 or more.")
    return make_query(
        metrics=split_names(args.metrics),
        group_by=split_names(args.by),
        where=args.where,
        time_from=parse_date(args.time_from, "--from") if args.time_from else None,
        time_to=parse_date(args.time_to, "--to") if args.time_to else None,
        compare=args.compare,
        order_by=split_names(args.order),
        limit=args.limit,
        budget_version=args.budget_version,
    )


def _principal(args) -> Principal:
    """--as USER applies that user's policy; without it, the local operator (full access)."""
    if args.as_user:
        return principal_for(args.as_user)  # the accounts live in auth/
    print(
        "note: running as the local operator with full access; use --as USERNAME to apply a user's policy.",
        file=sys.stderr,
    )
    return Principal.operator()


def cmd_query(args) -> int:
    audit.install()  # every query from the shell is audited like one from a page
    library = with_custom(args.models)
    result = run(
        _query(args),
        _principal(args),
        warehouse=engine_for(args.db),
        library=library,
        source="cli:query",
        rollups=not args.no_rollups,
    )
    sys.stdout.write(output.render(result.frame, library, args.format))
    return 0


def cmd_rollups(args) -> int:
    library = default_library()
    settings = EngineSettings.from_env()
    if args.action == "build":
        if not args.db and settings.engine != "duckdb":
            name = {"postgres": "PostgreSQL", "spark": "Spark"}[settings.engine]
            raise SemanticError(
                f"rollups on {name} are built when its data is loaded: run python -m data.demo --engine "
                f"{settings.engine} ... (or your own loader); pass --db PATH to build them in a DuckDB file."
            )
        path = args.db or settings.path
        if args.if_stale and rollups_current(Warehouse(path), library):
            print("rollups are current; nothing to build", file=sys.stderr)
            return 0
        build_rollups(path, library, log=lambda m: print(m, file=sys.stderr))
        return 0
    states = rollup_states(engine_for(args.db), library)
    for spec in load_rollups(library).values():
        print(
            f"{spec.name:<20} {states[spec.name]:<8} {', '.join(spec.measures)} by {spec.grain}, {', '.join(spec.dimensions)}"
        )
    return 0


def cmd_check(args) -> int:
    warehouse = engine_for(args.db)
    warehouse.version()  # a missing warehouse is bad input (exit 2), not a failed check
    results = run_checks(warehouse, list(split_names(args.only)) or None)
    try:
        quality_runs.record(results)  # the page shows when each check last ran, also from the shell
    except Exception as err:  # noqa: BLE001 - recording is a convenience; the checks still ran
        print(f"warning: results not recorded in the metadata store: {err}", file=sys.stderr)
    if args.format == "json":
        print(json.dumps([r.as_record() for r in results], ensure_ascii=False, indent=1))
    else:
        for r in results:
            mark = {"pass": "ok  ", "fail": "FAIL", "error": "ERR "}[r.status]
            print(
                f"{mark} {r.failing_rows:>8}  {r.name:<26} {'blocking' if r.blocking else 'warning ':<8}  "
                f"{r.label['en']}{'  (' + r.message + ')' if r.message else ''}"
            )
    failed = [r.name for r in results if r.blocking and r.status != "pass"]
    if failed:
        print(f"{len(failed)} blocking check(s) failed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


def with_custom(models: str):
    """The library in `models` with the users' custom metrics and groupings (drafts are used only by
    their author and the roles they are shared with: --as decides)."""
    return extend(load_library(models), definitions())


def cmd_sql(args) -> int:
    library = with_custom(args.models)
    dialect = args.dialect or ("duckdb" if args.db else EngineSettings.from_env().dialect)
    compiled = plan(_query(args), _principal(args), library=library, rollups=_rollups_built(args))
    print(f"-- rollups used: {', '.join(compiled.rollups)}" if compiled.rollups else "-- rollups used: none")
    print(compiled.sql(dialect))
    return 0


def _rollups_built(args) -> dict[str, str]:
    """The rollups the warehouse has, for `sql` to choose from; none when it cannot be read (the SQL is still
    printed: compiling needs no engine), said on stderr."""
    settings = EngineSettings.from_env()
    file = args.db or (settings.path if settings.engine == "duckdb" else None)
    if args.no_rollups or (file and not Path(file).exists()):
        return {}
    try:
        return engine_for(args.db).rollups()
    except SemanticError as err:
        print(f"note: compiled without rollups: {err}", file=sys.stderr)
        return {}


def cmd_list(args) -> int:
    library = with_custom(args.models)
    sys.stdout.write(output.listing(library, args.what, args.lang))
    return 0


def cmd_validate(args) -> int:
    """Load the library (bad: exit 2), then list what is left to decide: exit 1 while items remain."""
    library = load_library(args.models)
    policy = Path(args.models) / "policies.yml"
    if policy.is_file():
        load_policy(library, policy)  # roles naming a metric the library does not have: one line, exit 2
    print(
        f"ok: {len(library.metrics)} metrics, {len(library.dimensions)} dimensions, "
        f"{len(library.measures)} measures, {len(library.tables)} tables in {len(library.files)} files"
    )
    items = review.markers(args.models) + review.keyless(library)
    if args.db:
        with opened(args.db, args.schema) as db:
            items += db.run(review.against_warehouse, library, db.connection, db.dialect, db.schema, db.shown)
    for item in items:
        print(item)
    print("ready: nothing left to decide" if not items else f"{len(items)} item(s) left to decide")
    return 1 if items else 0


def cmd_init(args) -> int:
    """Draft tables.yml (and a starter metrics.yml) from a database, every guess marked for review."""
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise SemanticError(f"{out} is a file; give --out a folder (it is created when missing).")
    _refuse_overwrite(out / "tables.yml", args.force)
    with opened(args.db, args.schema) as db:
        found = db.run(draft.describe, db.connection, db.dialect, db.schema, db.shown, split_names(args.tables))
        shown = db.shown  # the URL without its password
    tables = draft_yaml.tables_yaml(found)
    metrics = draft_yaml.metrics_yaml(found)
    if metrics is not None:
        _refuse_overwrite(out / "metrics.yml", args.force)
    out.mkdir(parents=True, exist_ok=True)
    (out / "tables.yml").write_text(tables, encoding="utf-8")
    keys = [t.key.how for t in found.tables]
    joins = sum(j.accepted for t in found.tables for j in t.joins)
    print(
        f"wrote {out / 'tables.yml'}: {len(found.tables)} tables, {keys.count('declared')} declared and "
        f"{keys.count('guessed')} guessed keys, {joins} joins; {tables.count('# review:')} review markers"
    )
    if metrics is None:
        print(
            "no metrics.yml: no table has a numeric amount column (amount or *_amount) and a date column; "
            "write your first metric by hand (see the README)"
        )
    else:
        (out / "metrics.yml").write_text(metrics, encoding="utf-8")
        print(f"wrote {out / 'metrics.yml'}: {metrics.count('measure: ')} starter metrics (sums of amount columns)")
    policy = out / "policies.yml"
    if not policy.exists() or args.force:
        builtin = load_policy(load_library(MODELS_DIR), POLICY_FILE)  # the roles the accounts were made for
        policy.write_text(draft_policy.policy_yaml(builtin), encoding="utf-8")
        print(f"wrote {policy}: the roles in use, each narrowed to what is safe; review who sees what")
    for table in found.tables:
        if table.key.how == "none":
            print(f"warning: {table.name}: {table.key.note}; write its primary_key by hand", file=sys.stderr)
    print(f"next: resolve the review markers, then run: python -m semantic validate --models {out} --db {shown}")
    return 0


def _refuse_overwrite(path: Path, force: bool) -> None:
    if path.exists() and not force:
        raise SemanticError(f"{path} already exists; add --force to overwrite it, or choose another --out folder.")


@dataclass
class Database:
    """A read-only connection for init/validate: a DuckDB file or a PostgreSQL database."""

    connection: object
    dialect: str
    schema: str
    shown: str  # how messages name it: never a password
    errors: tuple[type[Exception], ...]  # the driver's errors, reported as one line

    def run(self, function, *args):
        try:
            return function(*args)
        except self.errors as err:
            text = " ".join(str(err).split())[:200]
            raise SemanticError(
                f"{self.shown}: reading the database failed ({text}); check the user may read it."
            ) from None


@contextlib.contextmanager
def opened(db: str, schema: str | None):
    found = _open_postgres(db, schema) if db.startswith(("postgresql://", "postgres://")) else _open_duckdb(db, schema)
    try:
        yield found
    finally:
        found.connection.close()


def _open_duckdb(db: str, schema: str | None) -> Database:
    import duckdb

    path = Path(db)
    if not path.is_file():
        raise SemanticError(f"{db}: no such file; give the path of a DuckDB database file or a postgresql:// URL.")
    try:
        connection = duckdb.connect(str(path), read_only=True)
    except duckdb.Error as err:
        first = str(err).splitlines()[0][:160] if str(err) else type(err).__name__
        raise SemanticError(f"{db} cannot be opened as a DuckDB database ({first}); give a DuckDB file.") from None
    return Database(connection, "duckdb", schema or "main", str(path), (duckdb.Error,))


def _open_postgres(url: str, schema: str | None) -> Database:
    import getpass

    import psycopg
    from psycopg.conninfo import conninfo_to_dict

    try:
        info = conninfo_to_dict(url)
    except psycopg.Error:
        raise SemanticError(
            "the PostgreSQL URL cannot be read; write it as postgresql://user@host:port/database "
            "(the password goes in PGPASSWORD or ~/.pgpass)."
        ) from None
    user = str(info.get("user") or getpass.getuser())
    host, port, name = info.get("host") or "localhost", info.get("port") or "5432", info.get("dbname") or user
    shown = f"postgresql://{user}@{host}:{port}/{name}"
    options = f"{info.get('options') or ''} -c default_transaction_read_only=on".strip()
    try:
        connection = psycopg.connect(url, autocommit=True, connect_timeout=10, options=options)
    except psycopg.Error as err:
        text = " ".join(str(err).split())
        secret = info.get("password")
        if secret:
            text = text.replace(str(secret), "***")
        if "password" in text.lower():
            why = f"wrong or missing password for user {user}; set PGPASSWORD or add the host to ~/.pgpass"
        elif "does not exist" in text:
            why = text.rpartition("FATAL:")[2].strip()[:160] + "; check the user and database in the URL"
        else:
            why = "cannot reach the server; check the host and port and that PostgreSQL is running there"
        raise SemanticError(f"PostgreSQL at {host}:{port} (database {name}): {why}.") from None
    return Database(connection, "postgres", schema or "public", shown, (psycopg.Error,))


COMMANDS = {
    "query": cmd_query,
    "sql": cmd_sql,
    "list": cmd_list,
    "validate": cmd_validate,
    "check": cmd_check,
    "init": cmd_init,
    "rollups": cmd_rollups,
}
