"""Reference numbers by hand, and a strict comparison with the semantic layer.

Expected values in the correctness suite come only from SQL written here (or in
the tests) straight from the metric definitions of issue 2 §3, over the raw
demo tables. Nothing in this module imports the semantic layer: a bug in the
compiler can never produce its own expectation.

- FACTS, FLOWS, DERIVED: each raw table with the joins its dimensions need, the
  date its definition names and the rows that count; each metric as an
  aggregate or an expression over other metrics.
- metric_sql(): hand SQL for one contract metric at a grouping, with a where and
  an inclusive range; balances (ar_balance, inventory_value) and dso are built
  period by period from their definitions, never by summing.
- A where is written once as a template, "{channel} = 'Online'": the semantic
  query gets the dimension names (`where_text`), the hand SQL the raw columns of
  each table (`bind`).
- assert_same(): compare a semantic frame with a hand frame keyed on the group
  columns: NULL-aware, amounts within half a cent, ratios within 1e-9 relative,
  duplicate keys (a fan-out) fail, and a failure prints a readable diff.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

import pandas as pd

ABS_TOL = 0.005  # amounts: half a cent, whatever their size (decimal sums vs floats)
REL_TOL = 1e-9  # ratios, day counts and change percentages: relative, no half-cent slack
RATIO_FLOOR = 1e-12  # ... with a floor for ratios at zero
TIME = "metric_time"


# ---- the raw tables, as the definitions read them ---------------------------
@dataclass(frozen=True)
class Fact:
    source: str  # FROM ... with the many-to-one joins its dimensions need (LEFT: a label never drops a row)
    day: str  # the date the definition names
    keep: str  # the rows that count
    dims: Mapping[str, str]  # dimension -> column


CUSTOMER_DIMS = {
    "region": "c.region",
    "city": "c.city",
    "channel": "c.channel",
    "segment": "c.segment",
    "customer": "c.customer_name",
    "sales_rep": "s.rep_name",
}
ORDER_LABELS = "LEFT JOIN customers c ON c.customer_id = o.customer_id LEFT JOIN sales_reps s ON s.rep_id = o.rep_id"
FACTS = {
    "order_lines": Fact(
        f"order_lines l JOIN orders o ON o.order_id = l.order_id {ORDER_LABELS} "
        "LEFT JOIN products p ON p.product_id = l.product_id",
        "o.order_date",
        "o.status <> 'cancelled'",
        {**CUSTOMER_DIMS, "product": "p.product_name", "category": "p.category"},
    ),
    "invoices": Fact(
        f"invoices i LEFT JOIN orders o ON o.order_id = i.order_id {ORDER_LABELS}",
        "i.invoice_date",
        "TRUE",
        CUSTOMER_DIMS,
    ),
    "receipts": Fact(
        f"receipts r LEFT JOIN invoices i ON i.invoice_id = r.invoice_id "
        f"LEFT JOIN orders o ON o.order_id = i.order_id {ORDER_LABELS}",
        "r.receipt_date",
        "TRUE",
        CUSTOMER_DIMS,
    ),
    "payments": Fact(
        "payments y LEFT JOIN bills b ON b.bill_id = y.bill_id", "y.payment_date", "TRUE", {"region": "b.region"}
    ),
    "expenses": Fact(
        "expenses e",
        "e.expense_date",
        "TRUE",
        {"region": "e.region", "department": "e.department", "account": "e.account"},
    ),
    "budgets": Fact(
        "budgets g", "g.month", "TRUE", {"region": "g.region", "department": "g.department", "account": "g.account"}
    ),
    "journal_entries": Fact(
        "journal_entries j",
        "j.entry_date",
        "j.account_code = '6001'",
        {"region": "j.region", "account": "j.account_name"},
    ),
    "inventory_snapshots": Fact(
        "inventory_snapshots v LEFT JOIN products p ON p.product_id = v.product_id",
        "v.snapshot_date",
        "TRUE",
        {"product": "p.product_name", "category": "p.category"},
    ),
}

# metric: (table, aggregate), from the definitions table of issue 2 §3
FLOWS = {
    "revenue": ("order_lines", "sum(l.net_amount)"),
    "cogs": ("order_lines", "sum(l.cost_amount)"),
    "orders": ("order_lines", "count(DISTINCT o.order_id)"),
    "units": ("order_lines", "sum(l.quantity)"),
    "gross_sales": ("order_lines", "sum(l.quantity * l.unit_price)"),  # discount_rate's sum(quantity * unit_price)
    "invoiced": ("invoices", "sum(i.amount)"),
    "cash_in": ("receipts", "sum(r.amount)"),
    "cash_out": ("payments", "sum(y.amount)"),
    "expense": ("expenses", "sum(e.amount)"),
    "budget": ("budgets", "sum(g.amount)"),
    "ledger_revenue": ("journal_entries", "sum(j.credit - j.debit)"),
}
# metric: (the flows it needs, its definition over them); computed after summing each flow
DERIVED = {
    "gross_profit": (("revenue", "cogs"), "revenue - cogs"),
    "gross_margin_pct": (("revenue", "cogs"), "(revenue - cogs) / NULLIF(revenue, 0)"),
    "avg_order_value": (("revenue", "orders"), "revenue / NULLIF(orders, 0)"),
    "discount_rate": (("revenue", "gross_sales"), "1 - revenue / NULLIF(gross_sales, 0)"),
    "net_cash_flow": (("cash_in", "cash_out"), "cash_in - cash_out"),
    "budget_variance": (("expense", "budget"), "expense - budget"),
    "budget_variance_pct": (("expense", "budget"), "(expense - budget) / NULLIF(budget, 0)"),
    "revenue_recon_gap": (("revenue", "ledger_revenue"), "revenue - ledger_revenue"),
}
CONTRACT = (
    "revenue",
    "cogs",
    "gross_profit",
    "gross_margin_pct",
    "orders",
    "units",
    "avg_order_value",
    "discount_rate",
    "invoiced",
    "cash_in",
    "cash_out",
    "net_cash_flow",
    "ar_balance",
    "dso",
    "expense",
    "budget",
    "budget_variance",
    "budget_variance_pct",
    "ledger_revenue",
    "revenue_recon_gap",
    "inventory_value",
)
RATIOS = {"gross_margin_pct", "discount_rate", "budget_variance_pct", "dso"}
STEP = {
    "day": "INTERVAL 1 DAY",
    "week": "INTERVAL 7 DAY",
    "month": "INTERVAL 1 MONTH",
    "quarter": "INTERVAL 3 MONTH",
    "year": "INTERVAL 1 YEAR",
}


def tables_of(metric: str) -> tuple[str, ...]:
    """The raw tables a contract metric reads."""
    if metric in ("ar_balance", "dso"):
        return ("invoices", "receipts")
    if metric == "inventory_value":
        return ("inventory_snapshots",)
    parts = DERIVED[metric][0] if metric in DERIVED else (metric,)
    return tuple(dict.fromkeys(FLOWS[p][0] for p in parts))


def dims_of(metric: str) -> set[str]:
    """Dimensions that apply: those every table of the metric can reach."""
    return set.intersection(*(set(FACTS[t].dims) for t in tables_of(metric)))


# ---- pieces of hand SQL ------------------------------------------------------
def lit(value) -> str:
    """A SQL literal for a test value (text quoted, quotes doubled)."""
    if isinstance(value, dt.date):
        return f"DATE '{value.isoformat()}'"
    if isinstance(value, (int, float, Decimal)):
        return str(value)
    return "'" + str(value).replace("'", "''") + "'"


def where_text(template: str | None) -> str | None:
    """The where the semantic query gets: "{channel} = 'Online'" -> "channel = 'Online'"."""
    return None if template is None else re.sub(r"\{(\w+)\}", r"\1", template)


def bind(template: str | None, fact: Fact) -> str:
    """The same where over one table's raw columns."""
    return "TRUE" if template is None else "(" + re.sub(r"\{(\w+)\}", lambda m: fact.dims[m.group(1)], template) + ")"


def grain_of(key: str) -> str | None:
    return key.split("__", 1)[1] if key.startswith(TIME + "__") else None


def period_of(day: str, grain: str) -> str:
    return f"CAST({day} AS DATE)" if grain == "day" else f"CAST(date_trunc('{grain}', {day}) AS DATE)"


def key_sql(fact: Fact, key: str) -> str:
    grain = grain_of(key)
    return period_of(fact.day, grain) if grain else fact.dims[key]


def in_range(day: str, start: dt.date | None, end: dt.date | None) -> list[str]:
    return ([f"{day} >= {lit(start)}"] if start else []) + ([f"{day} <= {lit(end)}"] if end else [])


def flow_sql(
    table: str,
    aggregates: Mapping[str, str],
    keys: Sequence[str],
    where: str | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> str:
    """SELECT keys, aggregates FROM one raw table, rows that count, in range, matching where."""
    fact = FACTS[table]
    select = [f"{key_sql(fact, k)} AS {k}" for k in keys] + [f"{a} AS {name}" for name, a in aggregates.items()]
    cond = [fact.keep, *in_range(fact.day, start, end), bind(where, fact)]
    group = f" GROUP BY {', '.join(str(i + 1) for i in range(len(keys)))}" if keys else ""
    return f"SELECT {', '.join(select)} FROM {fact.source} WHERE {' AND '.join(cond)}{group}"


def _join_on_keys(subqueries: Sequence[str], keys: Sequence[str]) -> str:
    """FROM (a) t0 FULL JOIN (b) t1 USING (keys) ... (CROSS JOIN when there are no keys)."""
    out = f"({subqueries[0]}) t0"
    for i, sub in enumerate(subqueries[1:], start=1):
        out += f" FULL JOIN ({sub}) t{i} USING ({', '.join(keys)})" if keys else f" CROSS JOIN ({sub}) t{i}"
    return out


def derived_sql(metric: str, keys: Sequence[str], where=None, start=None, end=None) -> str:
    parts, definition = DERIVED[metric]
    by_table: dict[str, dict[str, str]] = {}
    for part in parts:
        table, aggregate = FLOWS[part]
        by_table.setdefault(table, {})[part] = aggregate
    subs = [flow_sql(t, aggs, keys, where, start, end) for t, aggs in by_table.items()]
    # a flow with no row for a group is zero there (nothing moved), once several tables meet
    values = [f"coalesce({p}, 0) AS {p}" if len(subs) > 1 else p for p in parts]
    inner = f"SELECT {', '.join([*keys, *values])} FROM {_join_on_keys(subs, keys)}"
    return f"SELECT {', '.join([*keys, f'{definition} AS {metric}'])} FROM ({inner}) parts"


def periods_sql(grain: str, start, end, first_day: str, last_day: str) -> str:
    """One row per period from the one holding `start` (or `first_day`, SQL) to the one
    holding `end` (or `last_day`): period (its first day), first_day and last_day, both
    clipped to the queried range."""
    lo, hi = (lit(start) if start else first_day), (lit(end) if end else last_day)
    last = f"CAST(t.p + {STEP[grain]} - INTERVAL 1 DAY AS DATE)"
    return (
        f"SELECT CAST(t.p AS DATE) AS period, "
        f"{f'greatest(CAST(t.p AS DATE), {lit(start)})' if start else 'CAST(t.p AS DATE)'} AS first_day, "
        f"{f'least({last}, {lit(end)})' if end else last} AS last_day "
        f"FROM generate_series(CAST({period_of(lo, grain)} AS TIMESTAMP), "
        f"CAST({period_of(hi, grain)} AS TIMESTAMP), {STEP[grain]}) t(p)"
    )


def ar_sql(keys: Sequence[str], where=None, start=None, end=None, days: bool = False) -> str:
    """ar_balance at the end of each period (clipped to the range): everything invoiced up
    to that day minus everything received up to that day; without a time key, as of the
    end of the range. `days` adds the period's first_day and last_day."""
    inv, rec = FACTS["invoices"], FACTS["receipts"]
    time = next((k for k in keys if grain_of(k)), None)
    dims = [k for k in keys if not grain_of(k)]

    def to_date(fact: Fact, amount: str, upto: str | None) -> str:
        cond = [*([f"{fact.day} <= {upto}"] if upto else []), bind(where, fact)]
        cond += [f"{fact.dims[d]} IS NOT DISTINCT FROM grp.{d}" for d in dims]
        return f"(SELECT coalesce(sum({amount}), 0) FROM {fact.source} WHERE {' AND '.join(cond)})"

    def groups() -> str:
        if not dims:
            return "SELECT 1 AS one"
        parts = [
            f"SELECT DISTINCT {', '.join(f'{f.dims[d]} AS {d}' for d in dims)} FROM {f.source} "
            f"WHERE {' AND '.join([*in_range(f.day, None, end), bind(where, f)])}"
            for f in (inv, rec)
        ]
        return " UNION ".join(parts)

    if time is None:
        upto = lit(end) if end else None
        balance = f"{to_date(inv, 'i.amount', upto)} - {to_date(rec, 'r.amount', upto)}"
        return f"SELECT {', '.join([*[f'grp.{d}' for d in dims], f'{balance} AS ar_balance'])} FROM ({groups()}) grp"
    flows = (
        f"SELECT {inv.day} AS day FROM {inv.source} WHERE {bind(where, inv)} "
        f"UNION ALL SELECT {rec.day} FROM {rec.source} WHERE {bind(where, rec)}"
    )
    first, last = f"(SELECT min(day) FROM ({flows}))", f"(SELECT max(day) FROM ({flows}))"
    balance = f"{to_date(inv, 'i.amount', 'per.last_day')} - {to_date(rec, 'r.amount', 'per.last_day')}"
    select = [f"per.period AS {time}", *[f"grp.{d}" for d in dims], f"{balance} AS ar_balance"]
    if days:
        select += ["per.first_day", "per.last_day"]
    return (
        f"SELECT {', '.join(select)} FROM ({periods_sql(grain_of(time), start, end, first, last)}) per "
        f"CROSS JOIN ({groups()}) grp"
    )


def dso_sql(keys: Sequence[str], where=None, start=None, end=None) -> str:
    """dso = ar_balance / invoiced * days in the period (the range when not grouped by time)."""
    time = next((k for k in keys if grain_of(k)), None)
    invoiced = flow_sql("invoices", {"invoiced": FLOWS["invoiced"][1]}, keys, where, start, end)
    if time is not None:
        days = "(date_diff('day', a.first_day, a.last_day) + 1)"
    else:
        days = f"({lit(end)} - {lit(start)} + 1)"
    join = f"LEFT JOIN ({invoiced}) f USING ({', '.join(keys)})" if keys else f"CROSS JOIN ({invoiced}) f"
    select = [*keys, f"a.ar_balance / NULLIF(coalesce(f.invoiced, 0), 0) * {days} AS dso"]
    return f"SELECT {', '.join(select)} FROM ({ar_sql(keys, where, start, end, days=True)}) a {join}"


def stock_sql(keys: Sequence[str], where=None, start=None, end=None) -> str:
    """inventory_value: the sum of value on the last snapshot date within each period
    (clipped to the range); without a time key, within the range."""
    fact = FACTS["inventory_snapshots"]
    time = next((k for k in keys if grain_of(k)), None)
    dims = [k for k in keys if not grain_of(k)]
    stock = (
        f"SELECT {', '.join([f'{fact.day} AS day', *[f'{fact.dims[d]} AS {d}' for d in dims], 'v.value'])} "
        f"FROM {fact.source} WHERE {' AND '.join([*in_range(fact.day, start, end), bind(where, fact)])}"
    )
    group = f" GROUP BY {', '.join(str(i + 1) for i in range(len(keys)))}" if keys else ""
    if time is None:
        return (
            f"WITH stock AS ({stock}) SELECT {', '.join([*dims, 'sum(value) AS inventory_value'])} FROM stock "
            f"WHERE day = (SELECT max(day) FROM stock){group}"
        )
    periods = periods_sql(grain_of(time), start, end, "(SELECT min(day) FROM stock)", "(SELECT max(day) FROM stock)")
    return (
        f"WITH stock AS ({stock}), per AS ({periods}), "
        f"last AS (SELECT per.period, max(stock.day) AS day FROM per JOIN stock "
        f"ON stock.day BETWEEN per.first_day AND per.last_day GROUP BY per.period) "
        f"SELECT {', '.join([f'last.period AS {time}', *[f'stock.{d}' for d in dims], 'sum(stock.value) AS inventory_value'])} "
        f"FROM last JOIN stock ON stock.day = last.day{group}"
    )


def metric_sql(
    metric: str,
    keys: Sequence[str] = (),
    where: str | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> str:
    """Hand SQL for one contract metric: columns `keys` then `metric`."""
    if metric in FLOWS:
        table, aggregate = FLOWS[metric]
        return flow_sql(table, {metric: aggregate}, keys, where, start, end)
    if metric in DERIVED:
        return derived_sql(metric, keys, where, start, end)
    if metric == "ar_balance":
        return f"SELECT {', '.join([*keys, 'ar_balance'])} FROM ({ar_sql(keys, where, start, end)}) b"
    if metric == "dso":
        return dso_sql(keys, where, start, end)
    if metric == "inventory_value":
        return stock_sql(keys, where, start, end)
    raise KeyError(f"no hand SQL for metric {metric!r}")


def compared_sql(metric: str, keys: Sequence[str], where, current: tuple, prior: tuple, shift: str | None) -> str:
    """A comparison by hand: the metric over the `current` range, its value over the
    `prior` range (both written out by the test) as m__prior, and m__change_pct =
    (m - prior) / |prior|. A prior period is labelled with the period it is compared
    to: its time key moved forward by `shift` (SQL interval)."""
    now, before = metric_sql(metric, keys, where, *current), metric_sql(metric, keys, where, *prior)
    time = next((k for k in keys if grain_of(k)), None)
    if time is not None:
        moved = [f"CAST({time} + {shift} AS DATE) AS {time}" if k == time else k for k in keys]
        before = f"SELECT {', '.join([*moved, metric])} FROM ({before}) q"
    join = f"LEFT JOIN ({before}) p USING ({', '.join(keys)})" if keys else f"CROSS JOIN ({before}) p"
    m = metric
    return (
        f"SELECT {', '.join([*keys, f'c.{m}', f'p.{m} AS {m}__prior'])}, "
        f"(c.{m} - p.{m}) / abs(NULLIF(p.{m}, 0)) AS {m}__change_pct FROM ({now}) c {join}"
    )


def hand(raw, sql: str) -> pd.DataFrame:
    """Run reference SQL on the raw read-only connection (results consumed in full)."""
    return raw.execute(sql).df()


def expected(raw, metric: str, keys: Sequence[str] = (), where=None, start=None, end=None) -> pd.DataFrame:
    return hand(raw, metric_sql(metric, keys, where, start, end))


# ---- comparing ---------------------------------------------------------------
def as_number(value) -> float | None:
    """Decimal, numpy or float as float; NULL, NaN and NA as None."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    number = float(value)
    return None if math.isnan(number) else number


def as_key(value) -> str | None:
    """A group key as text: a date (or timestamp at midnight) as its ISO day."""
    if value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, (pd.Timestamp, dt.datetime)):
        return value.date().isoformat() if value.time() == dt.time(0) else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def close(got: float | None, want: float | None, ratio: bool = False) -> bool:
    """Equal, or both NULL: amounts within half a cent, ratios within 1e-9 relative."""
    if got is None or want is None:
        return got is None and want is None
    return abs(got - want) <= (max(REL_TOL * abs(want), RATIO_FLOOR) if ratio else ABS_TOL)


def is_ratio(column: str) -> bool:
    return column in RATIOS or column.endswith("__change_pct") or column.split("__")[0] in RATIOS


def keyed(frame: pd.DataFrame, keys: Sequence[str], columns: Sequence[str], side: str) -> dict[tuple, dict]:
    missing = [c for c in [*keys, *columns] if c not in frame.columns]
    assert not missing, f"{side} has no column(s) {missing}; it has {list(frame.columns)}"
    out: dict[tuple, dict] = {}
    duplicates = []
    for record in frame[[*keys, *columns]].to_dict("records"):
        key = tuple(as_key(record[k]) for k in keys)
        if key in out:
            duplicates.append(key)
        out[key] = {c: as_number(record[c]) for c in columns}
    assert not duplicates, (
        f"{side} has {len(duplicates)} repeated group key(s) (rows counted twice?), e.g. {duplicates[:3]}"
    )
    return out


def _fmt(value) -> str:
    return "NULL" if value is None else f"{value:,.6f}".rstrip("0").rstrip(".")


def assert_same(
    got: pd.DataFrame,
    want: pd.DataFrame,
    keys: Sequence[str] = (),
    columns: Sequence[str] | None = None,
    what: str = "",
    show: int = 15,
) -> None:
    """`got` (the semantic layer) equals `want` (hand SQL): the same group keys, and in
    every column the same value or both NULL. Fails with the differences, first `show`."""
    __tracebackhide__ = True
    keys = list(keys)
    columns = list(columns) if columns is not None else [c for c in want.columns if c not in keys]
    a, b = keyed(got, keys, columns, "semantic result"), keyed(want, keys, columns, "hand SQL")
    lines = []
    if missing := [k for k in b if k not in a]:
        lines.append(
            f"  {len(missing)} group(s) in hand SQL but not in the semantic result, e.g. {sorted(missing, key=str)[:5]}"
        )
    if extra := [k for k in a if k not in b]:
        lines.append(
            f"  {len(extra)} group(s) in the semantic result but not in hand SQL, e.g. {sorted(extra, key=str)[:5]}"
        )
    wrong = [
        (k, c, a[k][c], b[k][c])
        for k in sorted(set(a) & set(b), key=str)
        for c in columns
        if not close(a[k][c], b[k][c], ratio=is_ratio(c))
    ]
    if wrong:
        lines.append(f"  {len(wrong)} value(s) differ (semantic vs hand SQL):")
        for k, c, x, y in wrong[:show]:
            diff = "" if x is None or y is None else f"  (diff {_fmt(x - y)})"
            lines.append(f"    {dict(zip(keys, k)) or '(total)'} {c}: {_fmt(x)} vs {_fmt(y)}{diff}")
        if len(wrong) > show:
            lines.append(f"    ... and {len(wrong) - show} more")
    if lines:
        raise AssertionError(
            f"{what or 'result'} differs from hand SQL ({len(a)} vs {len(b)} rows):\n" + "\n".join(lines)
        )


def column(frame: pd.DataFrame, keys: Sequence[str], name: str) -> dict[tuple, float | None]:
    """{group key: value} of one column (keys as text, values as float or None)."""
    return {k: v[name] for k, v in keyed(frame, keys, [name], "frame").items()}


def members(raw, dimension: str, tables: Iterable[str] | None = None) -> list[str]:
    """Every value a dimension takes in the raw tables (for filters drawn from real data)."""
    facts = [FACTS[t] for t in (tables or FACTS) if dimension in FACTS[t].dims]
    sql = " UNION ".join(f"SELECT DISTINCT {f.dims[dimension]} AS v FROM {f.source}" for f in facts)
    return sorted(v for (v,) in raw.execute(sql).fetchall() if v is not None)
