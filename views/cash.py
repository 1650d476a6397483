"""Cash and receivables (资金与应收): cash flows with a cumulative line, AR balance
and DSO trend, AR ageing by region and customer as of a day, overdue invoices."""

from __future__ import annotations

import datetime as dt

import plotly.graph_objects as go
import streamlit as st

from semantic.detail import as_of
from semantic.finance.receivables import BUCKETS, open_invoices
from semantic.query import make_query
from ui import context as ctx
from ui.export import to_csv
from ui.fmt import format_value
from ui.periods import add_months
from ui.table import show

BUCKET_METRICS = dict(zip(BUCKETS, ("ar_not_due", "ar_1_30", "ar_31_60", "ar_61_90", "ar_over_90")))


def render() -> None:
    st.title(ctx.t("page.cash"))
    if not ctx.require_metrics("cash_in", "cash_out", "net_cash_flow", "ar_balance", "dso", "overdue_ar"):
        return
    lang, wh, me = ctx.lang(), ctx.warehouse(), ctx.principal()
    last_day = as_of(wh) or dt.date.today()
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
    st.subheader(ctx.t("cash.flows"))
    fig = go.Figure(
        [
            go.Bar(x=f["metric_time__month"], y=f["cash_in"], name=ctx.metric_label("cash_in"), marker_color="#10b981"),
            go.Bar(
                x=f["metric_time__month"],
                y=-f["cash_out"].astype(float),
                name=ctx.metric_label("cash_out"),
                marker_color="#e11d48",
            ),
            go.Scatter(
                x=f["metric_time__month"],
                y=f["net_cash_flow"].astype(float).cumsum(),
                yaxis="y2",
                name=ctx.t("cash.cumulative"),
                mode="lines+markers",
                line={"color": "#2563eb"},
            ),
        ]
    )
    fig.update_layout(
        barmode="relative",
        height=360,
        template="plotly_white",
        margin={"l": 10, "r": 10, "t": 10, "b": 10},
        yaxis2={"overlaying": "y", "side": "right", "showgrid": False},
        legend={"orientation": "h"},
    )
    st.plotly_chart(fig, key="cash_flows")
    st.subheader(ctx.t("cash.ar_trend"))
    fig = go.Figure(
        [
            go.Bar(
                x=f["metric_time__month"],
                y=f["ar_balance"],
                name=ctx.metric_label("ar_balance"),
                marker_color="#94a3b8",
            ),
            go.Scatter(
                x=f["metric_time__month"],
                y=f["dso"],
                name=ctx.metric_label("dso"),
                yaxis="y2",
                mode="lines+markers",
                line={"color": "#f97316"},
            ),
        ]
    )
    fig.update_layout(
        height=320,
        template="plotly_white",
        margin={"l": 10, "r": 10, "t": 10, "b": 10},
        yaxis2={"overlaying": "y", "side": "right", "showgrid": False},
        legend={"orientation": "h"},
    )
    st.plotly_chart(fig, key="cash_ar")

    day = st.date_input(ctx.t("cash.as_of"), last_day, max_value=last_day, key="cash_day")
    st.subheader(ctx.t("cash.ageing", day=day.isoformat()))
    ageing = ctx.ask(make_query(metrics=tuple(BUCKET_METRICS.values()), group_by=("region",), time_to=day), "page:cash")
    if ageing is not None:
        a = ageing.frame
        fig = go.Figure(
            [
                go.Bar(
                    y=[ctx.member_label("region", r) for r in a["region"]],
                    x=a[m],
                    orientation="h",
                    name=ctx.t(f"cash.bucket.{b}"),
                )
                for b, m in BUCKET_METRICS.items()
            ]
        )
        fig.update_layout(
            barmode="stack", height=300, template="plotly_white", margin={"l": 10, "r": 10, "t": 10, "b": 10}
        )
        st.plotly_chart(fig, key="cash_ageing")
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
    overdue = open_invoices(day, me, warehouse=wh, overdue_only=True)
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
