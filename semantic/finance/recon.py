"""Revenue reconciliation (业财对账): the orders behind a month's gap between
revenue from orders and revenue in the ledger, each classified:

  timing_out   an order of this month posted in a later month
  not_posted   an order never posted
  amount       posted this month with a different amount
  timing_in    posted this month for an order of an earlier month
  unmatched    a ledger revenue line with no order behind it
The differences (order amount minus amount posted in the month) add up to the
month's revenue_recon_gap exactly, by construction.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
from sqlglot import exp

from semantic.compile.dialects import render
from semantic.compile.source import Range
from semantic.execute import Warehouse
from semantic.finance.scoped import checked_filters, rows_of
from semantic.model.library import Library
from semantic.model.loader import default_library
from semantic.principal import Principal
from semantic.query import Query

KINDS = ("timing_out", "not_posted", "amount", "timing_in", "unmatched")


def _month(day: dt.date) -> tuple[dt.date, dt.date]:
    start = day.replace(day=1)
    end = (pd.Timestamp(start) + pd.offsets.MonthEnd(1)).date()
    return start, end


def gap_rows_plan(
    month: dt.date, principal: Principal | None = None, where: str | None = None, library: Library | None = None
) -> exp.Select:
    library = library or default_library()
    start, end = _month(month)
    query = Query(metrics=("revenue", "ledger_revenue", "revenue_recon_gap"), where=where, time_from=start, time_to=end)
    filters = checked_filters(query, principal, library)
    orders = rows_of(
        library,
        "revenue",
        [
            ("order_id", "orders.order_id"),
            ("order_date", "metric_time"),
            ("customer", "customer"),
            ("region", "region"),
        ],
        filters,
        Range(start, end),
        [("order_amount", exp.Sum(this=exp.column("net_amount", "order_lines")))],
    )
    posted = rows_of(
        library,
        "ledger_revenue",
        [("source_type", "source_type"), ("source_id", "source_id")],
        filters,
        Range(start, end),
        [
            (
                "posted_amount",
                exp.Sum(
                    this=exp.Sub(
                        this=exp.column("credit", "journal_entries"), expression=exp.column("debit", "journal_entries")
                    )
                ),
            )
        ],
    )
    later = rows_of(
        library,
        "ledger_revenue",
        [("source_id", "source_id")],
        [],
        Range(end + dt.timedelta(days=1), None),
        [("first_posted", exp.Min(this=exp.column("entry_date", "journal_entries")))],
    )
    later = later.where(exp.column("source_type", "journal_entries").eq(exp.Literal.string("order")), copy=False)
    earlier = exp.select("order_id", exp.alias_("order_date", "order_date"), "customer_id").from_("orders")
    template = exp.maybe_parse(
        """
        SELECT coalesce(o.order_id, p.source_id) AS order_id,
               coalesce(o.order_date, e.order_date) AS order_date,
               coalesce(o.customer, c.customer_name) AS customer,
               coalesce(o.region, c.region) AS region,
               coalesce(o.order_amount, 0) AS order_amount,
               coalesce(p.posted_amount, 0) AS posted_in_month,
               l.first_posted AS posted_later_on,
               coalesce(o.order_amount, 0) - coalesce(p.posted_amount, 0) AS difference,
               CASE WHEN o.order_id IS NULL AND p.source_type = 'order' AND e.order_id IS NOT NULL THEN 'timing_in'
                    WHEN o.order_id IS NULL THEN 'unmatched'
                    WHEN p.source_id IS NULL AND l.first_posted IS NOT NULL THEN 'timing_out'
                    WHEN p.source_id IS NULL THEN 'not_posted'
                    ELSE 'amount' END AS kind
        FROM o FULL OUTER JOIN p ON p.source_type = 'order' AND p.source_id = o.order_id
        LEFT JOIN l ON l.source_id = coalesce(o.order_id, p.source_id) AND o.order_id IS NOT NULL
        LEFT JOIN e ON p.source_type = 'order' AND e.order_id = p.source_id
        LEFT JOIN customers AS c ON c.customer_id = e.customer_id
        WHERE coalesce(o.order_amount, 0) <> coalesce(p.posted_amount, 0)
        ORDER BY kind, order_id""",
        dialect="duckdb",
    )
    for name, body in (("o", orders), ("p", posted), ("l", later), ("e", earlier)):
        template = template.with_(name, as_=body, copy=False)
    return template


def gap_rows(
    month: dt.date,
    principal: Principal | None = None,
    *,
    warehouse: Warehouse,
    where: str | None = None,
    library: Library | None = None,
) -> pd.DataFrame:
    """Every order (or ledger line) behind the month's revenue gap, classified; `difference` sums to the gap."""
    return warehouse.run(render(gap_rows_plan(month, principal, where, library), warehouse.dialect))[0]
