"""Base lines for seeding a version, asked of the semantic layer as the user (so their policy applies: a
department head gets only their department): a year's actual expenses, or another version's budget. Never
SQL of our own: the layer compiles, checks and audits the query (source "budget")."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from data.budget.records import BudgetError, cents_of, check_year

GROUPS = ("metric_time__month", "department", "account", "region")
COLUMNS = ["month", "department", "account", "region", "amount"]


def _year(year: int) -> tuple[dt.date, dt.date]:
    year = check_year(year)
    return dt.date(year, 1, 1), dt.date(year, 12, 31)


def _lines(frame: pd.DataFrame, metric: str) -> pd.DataFrame:
    """The layer's answer as base lines: month (date), department, account, region, amount (Decimal, to the
    cent), by department, account, region, month; months without an amount left out."""
    rows = [
        (pd.Timestamp(month).date().replace(day=1), str(department), str(account), str(region), cents_of(value))
        for month, department, account, region, value in frame[[*GROUPS, metric]].itertuples(index=False, name=None)
        if value is not None and not pd.isna(value) and not pd.isna(month)
    ]
    rows.sort(key=lambda r: (r[1], r[2], r[3], r[0]))
    return pd.DataFrame(rows, columns=COLUMNS)


def _ask(metric: str, start: dt.date, end: dt.date, who, warehouse, version: str | None = None) -> pd.DataFrame:
    from semantic import service
    from semantic.query import make_query

    query = make_query(metrics=(metric,), group_by=GROUPS, time_from=start, time_to=end, budget_version=version)
    return _lines(service.run(query, who, warehouse=warehouse, source="budget").frame, metric)


def base_from_actuals(year: int, who, warehouse) -> pd.DataFrame:
    """`year`'s actual expenses by month, department, account and region, as `who` may see them."""
    start, end = _year(year)
    return _ask("expense", start, end, who, warehouse)


def base_from_version(name: str, who, warehouse, year: int | None = None) -> pd.DataFrame:
    """Version `name`'s budget lines as the layer reads them (its year unless `year` is given), as `who`
    may see them: the way to seed a version from another (or from the warehouse's own budget, 'imported')."""
    if year is None:
        from data.budget import reads

        found = reads.find(name)
        if found is None:
            raise BudgetError(f"there is no budget version '{name}'; choose one of the versions listed.")
        year = found.year
    start, end = _year(year)
    return _ask("budget", start, end, who, warehouse, version=name)
