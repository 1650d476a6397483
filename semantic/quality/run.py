"""Compile each check to the SELECT of its failing rows, run it, keep the result."""

from __future__ import annotations

import datetime as dt
import json
import time
from dataclasses import dataclass, field

import pandas as pd
from sqlglot import exp

from semantic.compile.dialects import render
from semantic.errors import WarehouseError
from semantic.execute import Warehouse
from semantic.quality.model import load_checks, pick


def _col(name: str, table: str) -> exp.Column:
    return exp.column(name, table=table)


def failing_rows(check) -> exp.Select:
    t = check.table
    if check.kind == "not_null":
        return exp.select("*").from_(t).where(exp.or_(*[_col(c, t).is_(exp.null()) for c in check.columns]))
    if check.kind == "unique":
        cols = [_col(c, t) for c in check.columns]
        return (
            exp.select(*cols, exp.alias_(exp.Count(this=exp.Star()), "copies"))
            .from_(t)
            .group_by(*cols)
            .having(exp.Count(this=exp.Star()) > exp.Literal.number(1))
        )
    if check.kind == "references":
        target, key = check.target.split(".")
        on = exp.EQ(this=_col(check.column, t), expression=_col(key, "ref"))
        return (
            exp.select(exp.Column(this=exp.Star(), table=exp.to_identifier(t)))
            .from_(t)
            .join(exp.to_table(target).as_("ref"), on=on, join_type="left")
            .where(exp.and_(_col(check.column, t).is_(exp.null()).not_(), _col(key, "ref").is_(exp.null())))
        )
    if check.kind == "accepted_values":
        allowed = [exp.Literal.string(v) if isinstance(v, str) else exp.Literal.number(v) for v in check.values]
        return exp.select("*").from_(t).where(exp.not_(_col(check.column, t).isin(*allowed)))
    if check.kind == "total_matches":
        other = (
            exp.select(
                exp.alias_(_col(check.other_key, check.other_table), "k"),
                exp.alias_(exp.Sum(this=_col(check.other_value, check.other_table)), "total"),
            )
            .from_(check.other_table)
            .group_by(_col(check.other_key, check.other_table))
        )
        mine = (
            exp.select(exp.alias_(_col(check.key, t), "k"), exp.alias_(exp.Sum(this=_col(check.value, t)), "total"))
            .from_(t)
            .group_by(_col(check.key, t))
        )
        left, right = _col("total", "a"), exp.Coalesce(this=_col("total", "b"), expressions=[exp.Literal.number(0)])
        keeps = {"=": exp.EQ, ">=": exp.GTE, "<=": exp.LTE}[check.op](this=left, expression=right)
        return (
            exp.select(
                exp.alias_(_col("k", "a"), check.key),
                exp.alias_(_col("total", "a"), check.value),
                exp.alias_(right.copy(), f"{check.other_table}_{check.other_value}"),
            )
            .from_(mine.subquery("a"))
            .join(other.subquery("b"), on=exp.EQ(this=_col("k", "a"), expression=_col("k", "b")), join_type="left")
            .where(exp.not_(keeps))
        )
    if check.kind == "balanced":
        debit, credit = exp.Sum(this=_col(check.debit, t)), exp.Sum(this=_col(check.credit, t))
        return (
            exp.select(_col(check.key, t), exp.alias_(debit, "debit"), exp.alias_(credit, "credit"))
            .from_(t)
            .group_by(_col(check.key, t))
            .having(exp.NEQ(this=debit.copy(), expression=credit.copy()))
        )
    if check.kind == "date_not_before":
        on = exp.EQ(this=_col(check.key, t), expression=_col(check.other_key, "o"))
        return (
            exp.select(
                exp.Column(this=exp.Star(), table=exp.to_identifier(t)),
                exp.alias_(_col(check.other_column, "o"), f"{check.other_table}_{check.other_column}"),
            )
            .from_(t)
            .join(exp.to_table(check.other_table).as_("o"), on=on)
            .where(_col(check.column, t) < _col(check.other_column, "o"))
        )
    raise ValueError(f"unknown check kind {check.kind}")


def check_sql(check, dialect: str = "duckdb") -> str:
    return render(failing_rows(check), dialect, pretty=True)


@dataclass(frozen=True)
class CheckResult:
    name: str
    label: dict
    kind: str
    blocking: bool
    status: str  # pass, fail, error
    failing_rows: int
    sample: pd.DataFrame = field(repr=False)
    seconds: float = 0.0
    sql: str = ""
    ran_at: str = ""
    message: str = ""

    def as_record(self) -> dict:
        sample = (
            json.loads(self.sample.head(20).to_json(orient="records", date_format="iso")) if len(self.sample) else []
        )
        return {
            "name": self.name,
            "status": self.status,
            "failing_rows": self.failing_rows,
            "blocking": self.blocking,
            "seconds": round(self.seconds, 4),
            "ran_at": self.ran_at,
            "message": self.message,
            "sample": sample,
        }


def run_one(check, warehouse: Warehouse) -> CheckResult:
    select = failing_rows(check)
    sql = render(select, warehouse.dialect)
    started = time.perf_counter()
    ran_at = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    label = check.label.model_dump()
    try:
        counted = exp.select(exp.alias_(exp.Count(this=exp.Star()), "n")).from_(select.subquery("failing"))
        n = int(warehouse.run(render(counted, warehouse.dialect))[0].iloc[0, 0])
        sample = warehouse.run(render(select.limit(check.sample), warehouse.dialect))[0] if n else pd.DataFrame()
    except WarehouseError as err:
        return CheckResult(
            check.name,
            label,
            check.kind,
            check.blocking,
            "error",
            0,
            pd.DataFrame(),
            time.perf_counter() - started,
            sql,
            ran_at,
            str(err),
        )
    return CheckResult(
        check.name,
        label,
        check.kind,
        check.blocking,
        "fail" if n else "pass",
        n,
        sample,
        time.perf_counter() - started,
        sql,
        ran_at,
    )


def run_checks(warehouse: Warehouse, names: list[str] | None = None, checks: dict | None = None) -> list[CheckResult]:
    return [run_one(c, warehouse) for c in pick(checks or load_checks(), names)]
