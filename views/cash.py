"""Cash and receivables (资金与应收): cash flows with a cumulative line, AR balance
and DSO trend, AR ageing by region and customer as of a day, overdue invoices."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from semantic.finance.receivables import BUCKETS, open_invoices
from semantic.query import make_query
from ui import context as ctx
from ui import finance_charts as charts
from ui.charts import period_label
from ui.export import to_csv
from ui.fmt import format_value
from ui.periods import add_months
from ui.table import period_text, show

BUCKET_METRICS = dict(zip(BUCKETS, ("ar_not_due", "ar_1_30", "ar_31_60", "ar_61_90", "ar_over_90")))


def render() -> None:
    st.title(ctx.t("page.cash"))
    if not ctx.require_metrics("cash_in", "cash_out", "net_cash_flow", "ar_balance", "dso", "overdue_ar"):
        return
    lang, me = ctx.lang(), ctx.principal()
    last_day = ctx.as_of() or dt.date.today()
    start = add_months(last_day.replace(day=1), -23)
    flows = ctx.ask(
        make_query(
            metrics=("cash_in", "cash_out", "net_cash_flow", "ar_balance", "dso"),
            group_by=("metric_time__month",),
            time_from=start,
            time_to=last_day,
        ),
        "page:cash",
    )
    if flows is None:
        return
    f = flows.frame.sort_values("metric_time__month")
    span = {"start": period_text(start, "month", lang), "end": period_text(last_day, "month", lang)}
    st.subheader(ctx.t("cash.flows"))
    moved = not f.empty and bool(f[["cash_in", "cash_out"]].fillna(0).abs().to_numpy().sum())
    if not moved:  # balances run on over a dense calendar; without a receipt or payment there is nothing to draw
        st.info(ctx.t("finance.no_rows_period", period=ctx.t("finance.span", **span)))
    else:
        st.caption(ctx.t("cash.flows_caption", **span))
        st.plotly_chart(charts.cash_flows(f, lang, ctx.library()), key="cash_flows")
    if not f.empty:
        st.subheader(ctx.t("cash.ar_trend"))
        st.caption(ctx.t("cash.ar_caption", **span))
        st.plotly_chart(charts.ar_trend(f, lang, ctx.library()), key="cash_ar")

    day = st.date_input(ctx.t("cash.as_of"), last_day, max_value=last_day, key="cash_day")
    day_text = period_label(day, "day", lang)
    st.subheader(ctx.t("cash.ageing", day=day_text))
    ageing = ctx.ask(make_query(metrics=tuple(BUCKET_METRICS.values()), group_by=("region",), time_to=day), "page:cash")
    if ageing is not None:
        a = ageing.frame
        if a.empty or not a[list(BUCKET_METRICS.values())].fillna(0).abs().to_numpy().sum():
            st.info(ctx.t("cash.no_ageing", day=day_text))
        else:
            st.plotly_chart(charts.ageing(a, BUCKET_METRICS, lang, ctx.library()), key="cash_ageing")
    customers = ctx.ask(
        make_query(
            metrics=("overdue_ar", "ar_over_90"),
            group_by=("customer",),
            time_to=day,
            order_by=("-overdue_ar",),
            limit=20,
        ),
        "page:cash",
    )
    if customers is not None:
        st.caption(ctx.t("cash.by_customer"))
        show(customers.frame)
    st.subheader(ctx.t("cash.overdue_list"))
    overdue = ctx.kept(("overdue", day), lambda: open_invoices(day, me, warehouse=ctx.warehouse(), overdue_only=True))
    st.caption(
        ctx.t("explore.rows", n=len(overdue))
        + " · "
        + format_value(float(overdue["outstanding"].sum()) if len(overdue) else 0, "currency", lang)
    )
    show(
        overdue,
        values={
            "bucket": lambda b: ctx.t(f"cash.bucket.{b}"),
            "status": lambda s: ctx.t(f"recon.status.{s}"),
        },
    )
    st.download_button(
        ctx.t("explore.download_csv"), to_csv(overdue), file_name=f"overdue-{day}.csv", mime="text/csv", key="cash_csv"
    )


ctx.guard(render)
