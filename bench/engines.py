"""The suite on another engine: its hand-written SQL in that engine's dialect, and the engine loaded
and opened as the app opens it.

Hand SQL: each case's DuckDB SQL (bench/suite.py) transpiled by sqlglot (read duckdb, write the
engine's dialect); PostgreSQL has no GROUP BY ALL, so there it is expanded into the positions of the
non-aggregate columns, the way one writes it by hand. Where a transpile is wrong, the case's SQL is
written for that engine in WRITTEN below. Every hand answer is checked equal to DuckDB's before timing.
"""

from __future__ import annotations

import contextlib
import subprocess
import tempfile
import time
from pathlib import Path

import sqlglot
from sqlglot import exp

NO_GROUP_BY_ALL = ("postgres",)


class EngineSetupError(Exception):
    """The engine could not be started or loaded: one line, said by python -m bench."""


# (case, engine) -> the hand SQL written for that engine, where sqlglot's transpile is wrong.
WRITTEN = {
    # sqlglot turns DuckDB's range() into EXPLODE(IF(..., SEQUENCE(...))) AS _u(t) and then reads column m, which
    # Spark cannot resolve; the months are written as Spark spells them, the rest is the DuckDB query.
    ("ar_balance_by_month", "spark"): """
        WITH months AS (SELECT explode(sequence(DATE '2025-01-01', DATE '2025-12-01', INTERVAL 1 MONTH)) AS m),
             flows AS (SELECT invoice_date d, amount v FROM invoices WHERE invoice_date <= DATE '2025-12-31'
                       UNION ALL SELECT receipt_date, -amount FROM receipts WHERE receipt_date <= DATE '2025-12-31')
        SELECT months.m, (SELECT sum(v) FROM flows WHERE d <= last_day(months.m)) FROM months ORDER BY 1""",
    # Spark expands l.* after USING joins with the join keys moved first (product_id before order_id): the same
    # values in another column order. The columns are listed, in DuckDB's order.
    ("drill_through_city_month", "spark"): """
        SELECT o.order_date, l.order_id, l.line_no, l.product_id, l.quantity, l.unit_price, l.discount, l.net_amount,
               l.cost_amount, c.region, c.city, c.channel, c.segment, c.customer_name, p.product_name, p.category,
               p.list_price, s.rep_name, count(*) OVER () AS total
        FROM order_lines l JOIN orders o USING (order_id) JOIN customers c USING (customer_id)
             JOIN products p USING (product_id) JOIN sales_reps s ON s.rep_id = o.rep_id
        WHERE o.status <> 'cancelled' AND c.city = 'Hangzhou' AND o.order_date BETWEEN DATE '2025-03-01' AND DATE '2025-03-31'
        ORDER BY o.order_date DESC, l.order_id, l.line_no LIMIT 1000""",
}


def _expand_group_by_all(tree: exp.Expression) -> exp.Expression:
    """GROUP BY ALL -> GROUP BY 1, 2, ... (the select items with no aggregate and no window)."""
    for select in tree.find_all(exp.Select):
        group = select.args.get("group")
        if group is None or not group.args.get("all"):
            continue
        keys = [
            exp.Literal.number(i)
            for i, item in enumerate(select.expressions, 1)
            if not item.find(exp.AggFunc) and not item.find(exp.Window)
        ]
        select.set("group", exp.Group(expressions=keys))
    return tree


def hand_sql(case, dialect: str) -> tuple[str, str]:
    """(the case's hand SQL for `dialect`, where it came from: 'duckdb' | 'transpiled' | 'written')."""
    if dialect == "duckdb":
        return case.sql, "duckdb"
    written = WRITTEN.get((case.name, dialect))
    if written is not None:
        return written, "written"
    tree = sqlglot.parse_one(case.sql, read="duckdb")
    if dialect in NO_GROUP_BY_ALL:
        tree = _expand_group_by_all(tree)
    return _distinct_names(tree).sql(dialect=dialect), "transpiled"


def _distinct_names(tree: exp.Expression) -> exp.Expression:
    """The outer SELECT's columns named c1, c2, ... when two would share a name (home_finance's cin.v, cout.v):
    DuckDB renames duplicates itself, Spark returns both as `v`, which no frame keeps apart. Answers are
    compared by position, so the names do not matter."""
    if not isinstance(tree, exp.Select):
        return tree
    names = [item.alias_or_name for item in tree.expressions]
    if len(set(names)) == len(names):
        return tree
    tree.set("expressions", [exp.alias_(item.unalias(), f"c{i}") for i, item in enumerate(tree.expressions, 1)])
    return tree


@contextlib.contextmanager
def opened(args, db: Path, log):
    """The executor for `args.engine` over the scale's DuckDB warehouse `db`, loaded into the engine first
    (unless --no-load; its rollups built there unless --rollups off); yields (executor, facts about the set-up for the report). Everything started here
    (a throwaway PostgreSQL server, a temporary Parquet folder) is stopped and removed on the way out."""
    from semantic.execute.settings import EngineSettings, open_engine

    facts: dict = {"engine": args.engine}
    with contextlib.ExitStack() as stack:
        if args.engine == "duckdb":
            settings = EngineSettings("duckdb", path=str(db))
        elif args.engine == "postgres":
            settings = stack.enter_context(_postgres(args, db, log, facts))
        else:
            settings = stack.enter_context(_spark(args, db, log, facts))
        started = time.perf_counter()
        wh = open_engine(settings)
        stack.callback(wh.close)
        facts["describe"] = wh.describe()
        version = wh.run("SELECT version() AS v")[0]  # the connection or the session up, outside every timing
        words = str(version.iloc[0, 0]).split()  # 'PostgreSQL 15.14 on ...', Spark's '4.1.4 <commit>'
        facts["version"] = " ".join(words[:2]) if words and words[0].isalpha() else words[0] if words else ""
        facts["open_s"] = round(time.perf_counter() - started, 2)
        yield wh, facts


def _line(err: BaseException) -> str:
    return " ".join(str(err).split())[:300] or type(err).__name__


@contextlib.contextmanager
def _loading(engine: str, where: str, todo: str):
    """A loader's failure as one line (a loader's own WarehouseError passes through as it is)."""
    from semantic.errors import SemanticError

    try:
        yield
    except SemanticError:
        raise
    except Exception as err:  # noqa: BLE001 - the CLI says one line, whatever the loader raised
        raise EngineSetupError(f"loading the warehouse into {engine} ({where}) failed: {_line(err)}; {todo}.") from None


@contextlib.contextmanager
def _postgres(args, db: Path, log, facts: dict):
    from data.demo.to_postgres import without_password
    from semantic.execute.settings import EngineSettings

    server = None
    url = args.url
    if args.start_postgres:
        from tests import pgserver

        try:
            server = pgserver.start()
        except (pgserver.Missing, RuntimeError, OSError, subprocess.SubprocessError) as err:
            raise EngineSetupError(f"could not start a throwaway PostgreSQL server: {_line(err)}") from None
        url = server.url
        log(f"started a throwaway PostgreSQL server on port {server.port}")
    try:
        facts["server"] = "throwaway (tests/pgserver.py)" if server else without_password(url)
        from data.engines import postgres

        reader = postgres.reader_url(url, postgres.READER)  # as the app reads: the loader's read-only role
        if not args.no_load:
            started = time.perf_counter()
            todo = "check --url: the server running, a role that may create schemas and roles (or use --start-postgres)"
            with _loading("PostgreSQL", without_password(url), todo):
                reader = postgres.load(db, url, schema=args.schema, log=log, rollups=args.rollups != "off")
            facts["load_s"] = round(time.perf_counter() - started, 1)
        yield EngineSettings("postgres", url=reader, schema=args.schema)
    finally:
        if server is not None:
            from data import metastore

            metastore.close_all()
            server.stop()


@contextlib.contextmanager
def _spark(args, db: Path, log, facts: dict):
    from semantic.execute.settings import EngineSettings

    with contextlib.ExitStack() as stack:
        folder = Path(args.tables) if args.tables else Path(stack.enter_context(tempfile.TemporaryDirectory()))
        facts["tables"] = str(folder) if args.tables else "a temporary folder"
        facts["master"] = args.master
        if not args.no_load:
            from data.engines import spark

            started = time.perf_counter()
            with _loading("Spark", str(folder), "check --tables is a folder you may write and Java 17 is installed"):
                folder = Path(spark.load(db, folder, log=log, master=args.master, rollups=args.rollups != "off"))
            facts["load_s"] = round(time.perf_counter() - started, 1)
        yield EngineSettings("spark", url=args.master, tables=str(folder))
