"""Reconciliation (业财对账): revenue from orders against the ledger by month and
region; one click lists the orders behind a month's gap, classified, adding up
to the gap exactly; invoices against receipts."""

from __future__ import annotations

import datetime as dt
import time

import pandas as pd
import streamlit as st

from semantic.finance.receivables import open_invoices
from semantic.finance.recon import KINDS, gap_rows
from semantic.query import make_query
from ui import context as ctx
from ui import finance_charts as charts
from ui.export import to_csv
from ui.fmt import format_value
from ui.table import period_text, show


def render() -> None:
    st.title(ctx.t("page.recon"))
    if not ctx.require_metrics("revenue", "ledger_revenue", "revenue_recon_gap"):
        return
    lang, me = ctx.lang(), ctx.principal()
    last_day = ctx.as_of() or dt.date.today()
    year = st.selectbox(ctx.t("budget.year"), list(range(last_day.year, last_day.year - 3, -1)), key="r_year")
    span = dict(time_from=dt.date(year, 1, 1), time_to=dt.date(year, 12, 31))
    st.subheader(ctx.t("recon.overview"))
    by_month = ctx.ask(
        make_query(
            metrics=("revenue", "ledger_revenue", "revenue_recon_gap"), group_by=("metric_time__month",), **span
        ),
        "page:recon",
    )
    by_region = ctx.ask(
        make_query(metrics=("revenue_recon_gap",), group_by=("metric_time__month", "region"), **span), "page:recon"
    )
    if by_month is None or by_region is None:
        return
    year_text = period_text(dt.date(year, 1, 1), "year", lang)
    if by_month.frame.empty:
        st.info(ctx.t("finance.no_rows_period", period=year_text))
        return
    months = charts.unreconciled(by_month.frame)
    st.caption(ctx.t("recon.gap_caption", year=year_text, n=len(months), months=len(by_month.frame)))
    st.plotly_chart(charts.recon_gap(by_month.frame, lang, ctx.library()), key="r_gap")
    show(by_month.frame)
    st.caption(ctx.t("recon.gap_by_region"))
    grid = by_region.frame.pivot(index="metric_time__month", columns="region", values="revenue_recon_gap")
    grid.columns = [ctx.member_label("region", r) for r in grid.columns]
    show(grid, index=True, formats={c: "currency" for c in grid.columns})
    if not months:
        st.success(ctx.t("recon.no_gap"))
    else:
        month = st.selectbox(
            ctx.t("recon.month"), months, format_func=lambda m: period_text(m, "month", lang), key="r_month"
        )
        if st.button(ctx.t("recon.explain"), type="primary", key="r_explain"):
            started = time.perf_counter()
            rows = ctx.kept(("recon_gap", month), lambda: gap_rows(month, me, warehouse=ctx.warehouse()))
            took = (time.perf_counter() - started) * 1000
            gap = float(
                by_month.frame.loc[
                    pd.to_datetime(by_month.frame["metric_time__month"]).dt.date == month, "revenue_recon_gap"
                ].iloc[0]
            )
            totals = rows.groupby("kind")["difference"].agg(["count", "sum"]).reindex(KINDS).dropna()
            totals.index = pd.Index([ctx.t(f"recon.kind.{k}") for k in totals.index], name="kind")
            show(totals, index=True)
            st.caption(
                ctx.t(
                    "recon.adds_up",
                    total=format_value(float(rows["difference"].sum()), "currency", lang, False),
                    gap=format_value(gap, "currency", lang, False),
                )
                + " "
                + ctx.t("recon.took", ms=f"{took:.0f}")
            )
            show(rows, values={"kind": lambda k: ctx.t(f"recon.kind.{k}")})
            st.download_button(
                ctx.t("explore.download_csv"),
                to_csv(rows),
                file_name=f"recon-{month:%Y-%m}.csv",
                mime="text/csv",
                key="r_csv",
            )
    st.subheader(ctx.t("recon.receipts"))
    if ctx.require_metrics("overdue_ar"):
        invoices = ctx.kept(("invoices", last_day), lambda: open_invoices(last_day, me, warehouse=ctx.warehouse()))
        odd = invoices[invoices["status"].isin(["partial", "overpaid"])]
        st.caption(ctx.t("explore.rows", n=len(odd)))
        show(
            odd,
            values={
                "status": lambda s: ctx.t(f"recon.status.{s}"),
                "bucket": lambda b: ctx.t(f"cash.bucket.{b}"),
            },
        )


ctx.guard(render)
