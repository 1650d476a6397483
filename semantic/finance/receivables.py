"""Open receivables as of a day (资金与应收): each invoice still not fully paid,
with customer, sales rep, amount, received, outstanding, days overdue and its
ageing bucket; partial payments and over-payments (unapplied excess) marked.
Governed by the overdue_ar metric: whoever may not see it may not list these."""

from __future__ import annotations

import datetime as dt

import pandas as pd
from sqlglot import exp

from semantic.compile.dialects import render
from semantic.compile.source import Range
from semantic.compile.timegrain import date_literal
from semantic.execute import Warehouse
from semantic.finance.scoped import checked_filters, rows_of
from semantic.model.library import Library
from semantic.model.loader import default_library
from semantic.principal import Principal
from semantic.query import Query

BUCKETS = ("not_due", "1_30", "31_60", "61_90", "over_90")


def open_invoices_plan(
    as_of: dt.date,
    principal: Principal | None = None,
    where: str | None = None,
    library: Library | None = None,
    overdue_only: bool = False,
) -> exp.Select:
    library = library or default_library()
    filters = checked_filters(Query(metrics=("overdue_ar",), where=where, time_to=as_of), principal, library)
    invoices = rows_of(
        library,
        "invoiced",
        [
            ("invoice_id", "invoice_id"),
            ("order_id", "order_id"),
            ("invoice_date", "metric_time"),
            ("due_date", "due_date"),
            ("amount", "amount"),
            ("customer", "customer"),
            ("sales_rep", "sales_rep"),
            ("region", "region"),
        ],
        filters,
        Range(None, as_of),
    )
    received = rows_of(
        library,
        "cash_in",
        [("invoice_id", "receipts.invoice_id")],
        [],
        Range(None, as_of),
        [
            ("received", exp.Sum(this=exp.column("amount", "receipts"))),
            ("receipts", exp.Count(this=exp.Star())),
            ("last_receipt", exp.Max(this=exp.column("receipt_date", "receipts"))),
        ],
    )
    template = exp.maybe_parse(
        """
        SELECT i.invoice_id, i.order_id, i.customer, i.sales_rep, i.region, i.invoice_date, i.due_date, i.amount,
               coalesce(r.received, 0) AS received, i.amount - coalesce(r.received, 0) AS outstanding,
               greatest(date_diff('day', i.due_date, :as_of), 0) AS days_overdue,
               CASE WHEN date_diff('day', i.due_date, :as_of) <= 0 THEN 'not_due'
                    WHEN date_diff('day', i.due_date, :as_of) <= 30 THEN '1_30'
                    WHEN date_diff('day', i.due_date, :as_of) <= 60 THEN '31_60'
                    WHEN date_diff('day', i.due_date, :as_of) <= 90 THEN '61_90'
                    ELSE 'over_90' END AS bucket,
               CASE WHEN coalesce(r.received, 0) = 0 THEN 'unpaid' WHEN r.received < i.amount THEN 'partial'
                    ELSE 'overpaid' END AS status,
               r.last_receipt
        FROM i LEFT JOIN r ON r.invoice_id = i.invoice_id
        WHERE i.amount <> coalesce(r.received, 0)
        ORDER BY days_overdue DESC, outstanding DESC, i.invoice_id""",
        dialect="duckdb",
    )
    day = date_literal(as_of)
    template = template.transform(lambda n: day.copy() if isinstance(n, exp.Placeholder) else n)
    if overdue_only:
        template = template.where(exp.column("due_date", "i") < day.copy(), copy=False)
    for name, body in (("i", invoices), ("r", received)):
        template = template.with_(name, as_=body, copy=False)
    return template


def open_invoices(
    as_of: dt.date,
    principal: Principal | None = None,
    *,
    warehouse: Warehouse,
    where: str | None = None,
    library: Library | None = None,
    overdue_only: bool = False,
) -> pd.DataFrame:
    sql = render(open_invoices_plan(as_of, principal, where, library, overdue_only), warehouse.dialect)
    return warehouse.run(sql)[0]
