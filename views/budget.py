"""Budget vs actual (预算执行): by month, department, account and region; YTD,
full year and a stated run-rate forecast; a variance waterfall; drill from
department to account to the expense rows."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from semantic.detail import as_of, drill_through, members
from semantic.query import make_query, member_filter
from ui import context as ctx
from ui.fmt import format_value
from ui.forecast import run_rate
from ui.periods import add_months
from ui.safe import plain
from ui.table import drill_rows, period_text, show

METRICS = ("budget", "expense", "budget_variance", "budget_variance_pct")


def waterfall(by_dept: pd.DataFrame, lang: str) -> go.Figure:
    budget = float(by_dept["budget"].sum())
    names = [ctx.t("budget.full_year") + " · " + ctx.metric_label("budget")]
    names += [ctx.member_label("department", d) for d in by_dept["department"]] + [ctx.metric_label("expense")]
    values = [budget] + [float(v) for v in by_dept["budget_variance"]] + [0]
    fig = go.Figure(
        go.Waterfall(
            x=names,
            y=values,
            measure=["absolute"] + ["relative"] * len(by_dept) + ["total"],
            text=[format_value(v, "currency", lang) for v in values[:-1]]
            + [format_value(float(by_dept["expense"].sum()), "currency", lang)],
            increasing={"marker": {"color": "#e11d48"}},
            decreasing={"marker": {"color": "#10b981"}},
        )
    )
    fig.update_layout(height=380, margin={"l": 10, "r": 10, "t": 30, "b": 10}, template="plotly_white")
    return fig


def render() -> None:
    st.title(ctx.t("page.budget"))
    if not ctx.require_metrics(*METRICS):
        return
    lang, wh, me = ctx.lang(), ctx.warehouse(), ctx.principal()
    last_day = as_of(wh) or dt.date.today()
    a, b, c, d = st.columns(4)
    year = a.selectbox(ctx.t("budget.year"), list(range(last_day.year, last_day.year - 3, -1)), key="b_year")
    upto_choices = [dt.date(year, m, 1) for m in range(1, 13) if dt.date(year, m, 1) <= last_day]
    upto = b.selectbox(
        ctx.t("budget.as_of_month"),
        upto_choices,
        index=len(upto_choices) - 1,
        format_func=lambda m: period_text(m, "month", lang),
        key="b_upto",
    )
    upto_end = add_months(upto, 1) - dt.timedelta(days=1)
    depts = c.multiselect(
        ctx.t("budget.department"),
        members("department", me, warehouse=wh),
        format_func=lambda v: ctx.member_label("department", v),
        key="b_depts",
    )
    regions = d.multiselect(
        ctx.t("budget.region"),
        members("region", me, warehouse=wh),
        format_func=lambda v: ctx.member_label("region", v),
        key="b_regions",
    )
    where = member_filter({"department": depts, "region": regions})
    year_range = {"time_from": dt.date(year, 1, 1), "time_to": dt.date(year, 12, 31), "where": where}
    monthly = ctx.ask(make_query(metrics=METRICS, group_by=("metric_time__month",), **year_range), "page:budget")
    ytd = ctx.ask(
        make_query(metrics=METRICS, time_from=dt.date(year, 1, 1), time_to=upto_end, where=where), "page:budget"
    )
    by_dept = ctx.ask(make_query(metrics=METRICS, group_by=("department",), **year_range), "page:budget")
    if monthly is None or ytd is None or by_dept is None:
        return
    _, avg, projected = run_rate(monthly.frame, year, upto)
    full_budget = float(monthly.frame["budget"].sum())
    row = ytd.frame.iloc[0]
    k = st.columns(4)
    k[0].metric(
        ctx.t("budget.ytd") + " · " + ctx.metric_label("expense"),
        format_value(row["expense"], "currency", lang),
        f"{format_value(row['budget_variance_pct'], 'percent', lang)} vs {ctx.metric_label('budget')}",
        delta_color="inverse",
    )
    k[1].metric(ctx.t("budget.ytd") + " · " + ctx.metric_label("budget"), format_value(row["budget"], "currency", lang))
    k[2].metric(
        ctx.t("budget.full_year") + " · " + ctx.metric_label("budget"), format_value(full_budget, "currency", lang)
    )
    k[3].metric(
        ctx.t("budget.forecast"),
        format_value(projected, "currency", lang),
        format_value((projected - full_budget) / full_budget if full_budget else None, "percent", lang),
        delta_color="inverse",
    )
    st.caption(ctx.t("budget.forecast_note", avg=format_value(avg, "currency", lang)))
    st.subheader(ctx.t("budget.waterfall"))
    st.plotly_chart(waterfall(by_dept.frame, lang), key="b_waterfall")
    st.subheader(ctx.t("budget.by_month"))
    frame = monthly.frame.copy()
    fig = go.Figure(
        [
            go.Bar(
                x=frame["metric_time__month"],
                y=frame["budget"],
                name=ctx.metric_label("budget"),
                marker_color="#94a3b8",
            ),
            go.Bar(
                x=frame["metric_time__month"],
                y=frame["expense"],
                name=ctx.metric_label("expense"),
                marker_color="#2563eb",
            ),
        ]
    )
    fig.update_layout(barmode="group", height=320, margin={"l": 10, "r": 10, "t": 10, "b": 10}, template="plotly_white")
    st.plotly_chart(fig, key="b_months")
    st.subheader(ctx.t("budget.drill"))
    dept = st.selectbox(
        ctx.t("budget.drill"),
        list(by_dept.frame["department"]),
        label_visibility="collapsed",
        format_func=lambda v: ctx.member_label("department", v),
        key="b_dept",
    )
    if dept:
        where_dept = member_filter({"department": [dept], "region": regions})
        accounts = ctx.ask(
            make_query(
                metrics=METRICS,
                group_by=("account",),
                time_from=dt.date(year, 1, 1),
                time_to=dt.date(year, 12, 31),
                where=where_dept,
                order_by=("-budget_variance",),
            ),
            "page:budget",
        )
        if accounts is not None:
            st.caption(plain(ctx.t("budget.accounts", dept=ctx.member_label("department", dept))))
            show(accounts.frame)
            account = st.selectbox(
                ctx.t("budget.rows"),
                list(accounts.frame["account"]),
                format_func=lambda v: ctx.member_label("account", v),
                key="b_account",
            )
            expense_rows = make_query(
                metrics=("expense",),
                where=member_filter({"department": [dept], "account": [account], "region": regions}),
                time_from=dt.date(year, 1, 1),
                time_to=dt.date(year, 12, 31),
            )
            rows = drill_through(expense_rows, me, warehouse=wh, page_size=200)
            drill_rows(rows, expense_rows, key="b_rows")


ctx.guard(render)
