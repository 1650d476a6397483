"""Budget vs actual (预算执行): by month, department, account and region; YTD,
full year and a stated run-rate forecast; a variance waterfall; drill from
department to account to the expense rows."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from semantic.detail import drill_through
from semantic.planning import registry
from semantic.query import make_query, member_filter
from ui import budget_versions as versions
from ui import context as ctx
from ui import finance_charts as charts
from ui.fmt import format_change, format_value
from ui.forecast import run_rate
from ui.periods import add_months
from ui.safe import plain
from ui.table import drill_rows, period_text, show

METRICS = ("budget", "expense", "budget_variance", "budget_variance_pct")


def vs_budget(change) -> str | None:
    """'+4.5% vs budget' (st.metric colours by its sign; expense is good down), None without a budget."""
    pct = format_change(change)
    return ctx.t("budget.vs_budget", pct=pct) if pct else None


def render() -> None:
    st.title(ctx.t("page.budget"))
    if not ctx.require_metrics(*METRICS):
        return
    lang, me = ctx.lang(), ctx.principal()
    last_day = ctx.as_of() or dt.date.today()
    plan = registry.current()  # the budget versions (the planning store registers its reader at start)
    a, b, v, c, d = st.columns([1, 1.5, 2.2, 2, 2])  # "2025-12" whole in the month box at 1280 px
    years = versions.years(plan, list(range(last_day.year, last_day.year - 3, -1)))
    # the year being tracked (the data date's) by default; a later year with a version is offered, not forced
    year = a.selectbox(ctx.t("budget.year"), years, index=years.index(last_day.year), key="b_year")
    choices = versions.options(plan, year)
    chosen = _choose(
        v, ctx.t("budget.version"), choices, lambda o: versions.option_text(plan, o, lang, year), "b_version"
    )
    budget_version = versions.as_query_version(chosen)
    upto_choices = [dt.date(year, m, 1) for m in range(1, 13) if dt.date(year, m, 1) <= last_day]
    upto_choices = upto_choices or [dt.date(year, 12, 1)]  # a year ahead (a new budget): no actuals yet
    upto = b.selectbox(
        ctx.t("budget.as_of_month"),
        upto_choices,
        index=len(upto_choices) - 1,
        format_func=lambda m: period_text(m, "month", lang),
        key="b_upto",
        disabled=dt.date(year, 1, 1) > last_day,  # no actuals in the year yet: nothing to choose
    )
    upto_end = add_months(upto, 1) - dt.timedelta(days=1)
    depts = c.multiselect(
        ctx.t("budget.department"),
        ctx.members("department"),
        format_func=lambda v: ctx.member_label("department", v),
        placeholder=ctx.t("finance.all_departments"),
        key="b_depts",
    )
    regions = d.multiselect(
        ctx.t("budget.region"),
        ctx.members("region"),
        format_func=lambda v: ctx.member_label("region", v),
        placeholder=ctx.t("finance.all_regions"),
        key="b_regions",
    )
    where = member_filter({"department": depts, "region": regions})
    ytd_range = {
        "time_from": dt.date(year, 1, 1),
        "time_to": upto_end,
        "where": where,
        "budget_version": budget_version,
    }
    ytd_text = ctx.t(
        "budget.ytd_period", start=period_text(dt.date(year, 1, 1), "month", lang), end=period_text(upto, "month", lang)
    )
    monthly = ctx.ask(
        make_query(
            metrics=METRICS,
            group_by=("metric_time__month",),
            time_from=dt.date(year, 1, 1),
            time_to=dt.date(year, 12, 31),
            where=where,
            budget_version=budget_version,
        ),
        "page:budget",
    )
    if monthly is None:
        return
    if monthly.frame.empty:  # the chosen departments and regions have nothing booked in the year
        year_text = period_text(dt.date(year, 1, 1), "year", lang)
        filtered = depts or regions
        st.info(ctx.t("finance.no_rows" if filtered else "finance.no_rows_period", period=year_text))
        return
    ytd = ctx.ask(make_query(metrics=METRICS, **ytd_range), "page:budget")
    by_dept = ctx.ask(make_query(metrics=METRICS, group_by=("department",), **ytd_range), "page:budget")
    if ytd is None or by_dept is None:
        return
    full_budget = float(monthly.frame["budget"].sum())
    if dt.date(year, 1, 1) > last_day:  # a year ahead (a new budget): no actuals to compare with yet
        _plan_only(plan, year, chosen, where, monthly.frame, full_budget, last_day, budget_version)
        return
    _, avg, projected = run_rate(monthly.frame, year, upto)
    row = ytd.frame.iloc[0]
    k = st.columns(4)
    k[0].metric(
        ctx.t("budget.ytd") + " · " + ctx.metric_label("expense"),
        format_value(row["expense"], "currency", lang),
        vs_budget(row["budget_variance_pct"]),
        delta_color="inverse",
    )
    k[1].metric(ctx.t("budget.ytd") + " · " + ctx.metric_label("budget"), format_value(row["budget"], "currency", lang))
    k[2].metric(
        ctx.t("budget.full_year") + " · " + ctx.metric_label("budget"), format_value(full_budget, "currency", lang)
    )
    k[3].metric(
        ctx.t("budget.forecast"),
        format_value(projected, "currency", lang),
        vs_budget((projected - full_budget) / full_budget if full_budget else None),
        delta_color="inverse",
    )
    st.caption(ctx.t("budget.forecast_note", avg=format_value(avg, "currency", lang)))
    st.subheader(ctx.t("budget.waterfall"))
    if by_dept.frame.empty:
        st.info(ctx.t("finance.no_rows", period=ytd_text))
    else:
        st.caption(
            plain(
                ctx.t(
                    "budget.waterfall_caption",
                    period=ytd_text,
                    budget=format_value(row["budget"], "currency", lang),
                    actual=format_value(row["expense"], "currency", lang),
                )
            )
        )
        st.plotly_chart(charts.variance_waterfall(by_dept.frame, lang, ctx.library()), key="b_waterfall")
    st.subheader(ctx.t("budget.by_month"))
    year_text = period_text(dt.date(year, 1, 1), "year", lang)
    if upto.month == 12:
        st.caption(ctx.t("budget.months_caption_all", year=year_text))
    else:
        st.caption(ctx.t("budget.months_caption", year=year_text, upto=period_text(upto, "month", lang)))
    st.plotly_chart(charts.budget_months(monthly.frame, upto, lang, ctx.library()), key="b_months")
    _compare(plan, year, chosen, where)
    st.subheader(ctx.t("budget.drill"))
    if by_dept.frame.empty:
        return
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
                time_to=upto_end,
                where=where_dept,
                order_by=("-budget_variance",),
                budget_version=budget_version,
            ),
            "page:budget",
        )
        if accounts is not None:
            st.caption(
                plain(ctx.t("budget.accounts_period", dept=ctx.member_label("department", dept), period=ytd_text))
            )
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
                time_to=upto_end,
                budget_version=budget_version,
            )
            rows = ctx.kept(
                ("drill", expense_rows, 200),
                lambda: drill_through(expense_rows, me, warehouse=ctx.warehouse(), page_size=200),
            )
            drill_rows(rows, expense_rows, key="b_rows")


def _choose(where, label: str, options: list, format_func, key: str):
    """A selectbox whose shown labels follow a language switch (a widget key per language; the choice
    itself kept under `key`, so it survives the switch)."""
    current = st.session_state.get(key)
    index = options.index(current) if current in options else 0
    value = where.selectbox(label, options, index=index, format_func=format_func, key=f"{key}_{ctx.lang()}")
    st.session_state[key] = value
    return value


def _plan_only(plan, year, chosen, where, frame, full_budget, last_day, budget_version) -> None:
    """A year that has a budget and no actuals yet: the budget itself (full year, by quarter, by month,
    by department and account), never a -100% variance or a zero run-rate."""
    lang = ctx.lang()
    year_text = period_text(dt.date(year, 1, 1), "year", lang)
    st.info(ctx.t("budget.ahead", year=year_text, last=period_text(last_day, "day", lang)))
    months = frame.assign(q=[(m.month - 1) // 3 for m in pd.to_datetime(frame["metric_time__month"])])
    quarters = months.groupby("q")["budget"].sum()
    k = st.columns([1.6, 1, 1, 1, 1])  # the full year's number is the longest (¥2,314.9万): room for it
    k[0].metric(
        ctx.t("budget.full_year") + " · " + ctx.metric_label("budget"), format_value(full_budget, "currency", lang)
    )
    for q in range(4):
        value = float(quarters.get(q, 0.0))
        k[q + 1].metric(f"Q{q + 1} · " + ctx.metric_label("budget"), format_value(value, "currency", lang))
    st.subheader(ctx.t("budget.by_month"))
    st.caption(ctx.t("budget.ahead_months", year=year_text))
    st.plotly_chart(charts.budget_months(frame, dt.date(year - 1, 12, 1), lang, ctx.library()), key="b_months")
    _compare(plan, year, chosen, where)
    st.subheader(ctx.t("budget.ahead_table"))
    answer = ctx.ask(
        make_query(
            metrics=("budget",),
            group_by=("department", "account"),
            time_from=dt.date(year, 1, 1),
            time_to=dt.date(year, 12, 31),
            where=where,
            budget_version=budget_version,
        ),
        "page:budget",
    )
    if answer is not None:
        show(answer.frame, key="b_plan_table")


def _compare(plan, year: int, chosen: str, where: str | None) -> None:
    """Compare with: a second version of the year, bridged from the chosen one by department, and a
    table by department and account; both versions' numbers from the layer (one query each)."""
    lang = ctx.lang()
    others = versions.others(plan, year, chosen)
    other = _choose(
        st,
        ctx.t("budget.compare_with"),
        [None] + others,
        lambda o: ctx.t("budget.compare_none") if o is None else versions.option_text(plan, o, lang, year),
        "b_compare",
    )
    if other is None:
        return
    frames = []
    for choice in (chosen, other):
        query = make_query(
            metrics=("budget",),
            group_by=("department", "account"),
            time_from=dt.date(year, 1, 1),
            time_to=dt.date(year, 12, 31),
            where=where,
            budget_version=versions.as_query_version(choice),
        )
        answer = ctx.ask(query, "page:budget")
        if answer is None:
            return
        frames.append(answer.frame)
    name_a, name_b = (versions.option_text(plan, o, lang, year) for o in (chosen, other))
    table = versions.compared(*frames)
    year_text = period_text(dt.date(year, 1, 1), "year", lang)
    empty = [n for n, f in zip((name_a, name_b), frames, strict=True) if f.empty or not f["budget"].astype(float).any()]
    if empty:  # a version with no budget for the year: a bridge to zero would read as a cut of everything
        st.info(plain(ctx.t("budget.compare_empty", name=empty[-1], year=year_text)))
        return
    st.subheader(plain(ctx.t("budget.compare_title", a=name_a, b=name_b)))
    st.caption(
        plain(
            ctx.t(
                "budget.compare_caption",
                year=year_text,
                a=name_a,
                b=name_b,
                total_a=format_value(float(table["a"].sum()), "currency", lang),
                total_b=format_value(float(table["b"].sum()), "currency", lang),
            )
        )
    )
    st.plotly_chart(versions.waterfall(table, name_a, name_b, lang, ctx.library()), key="b_compare_chart")
    st.caption(ctx.t("budget.compare_table"))
    labels = {"a": name_a, "b": name_b, "difference": ctx.t("budget.difference")}
    changed_first = table.sort_values("difference", key=abs, ascending=False, kind="stable")  # what moved, on top
    show(changed_first, key="b_compare_table", labels=labels, formats=dict.fromkeys(labels, "currency"))


ctx.guard(render)
