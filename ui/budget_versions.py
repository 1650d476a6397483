"""Budget versions on the Budget vs actual page (issue 17): the Version and Compare with choices, and
the comparison of two versions (a waterfall from A's total to B's by department, a table by department
and account). Pure: the Plan and frames from the layer in, options, frames and a Plotly figure out; the
numbers themselves always come from the layer (one query per version, Query.budget_version)."""

from __future__ import annotations

import html

import pandas as pd
import plotly.graph_objects as go

from semantic.planning.model import IMPORTED, Plan
from ui.finance_charts import BUDGET, OVER, UNDER, axis, layout, member_label, signed_money
from ui.fmt import format_value
from ui.i18n import text

DEFAULT = ""  # the option "Approved budget": each year's approved version (Query.budget_version None)
KEYS = ["department", "account"]


def years(plan: Plan, recent: list[int]) -> list[int]:
    """The page's years, newest first: the recent ones with data plus every year a version is for."""
    return sorted(set(recent) | {v.year for v in plan.versions}, reverse=True)


def options(plan: Plan, year: int) -> list[str]:
    """Approved budget (default), each version of `year` by name, then imported."""
    return (
        [DEFAULT]
        + [v.name for v in sorted(plan.versions, key=lambda v: v.name.casefold()) if v.year == year]
        + [IMPORTED]
    )


def option_text(plan: Plan, choice: str, lang: str, year: int | None = None) -> str:
    """An option as shown; the default names the version it resolves to for `year` (when it has one)."""
    if choice == DEFAULT:
        resolved = plan.default_for(year) if year is not None else None
        if resolved is not None:
            return text("budget.version_default_is", lang, name=resolved.name)
        return text("budget.version_default", lang)
    if choice == IMPORTED:
        return text("budget.version_imported", lang)
    version = plan.find(choice)
    if version is None:
        return choice
    kind, status = text(f"budget.kind.{version.kind}", lang), text(f"budget.status.{version.status}", lang)
    return text("budget.version_item", lang, name=version.name, kind=kind, status=status)


def others(plan: Plan, year: int, chosen: str) -> list[str]:
    """What `chosen` can be compared with: the year's other options, without the one that IS the chosen
    (the default and the approved version it resolves to read the same numbers)."""
    resolved = plan.default_for(year)
    same = {chosen} | ({DEFAULT, resolved.name} if resolved and chosen in (DEFAULT, resolved.name) else set())
    return [o for o in options(plan, year) if o not in same]


def as_query_version(choice: str) -> str | None:
    """The Query.budget_version of an option (None: the default resolution)."""
    return None if choice == DEFAULT else choice


def compared(a: pd.DataFrame, b: pd.DataFrame) -> pd.DataFrame:
    """Budget of A and B by department and account (frames of department, account, budget from the layer),
    a missing cell as 0, and the difference B − A; sorted by department and account."""
    left = a[KEYS + ["budget"]].rename(columns={"budget": "a"})
    right = b[KEYS + ["budget"]].rename(columns={"budget": "b"})
    both = left.merge(right, on=KEYS, how="outer")
    both[["a", "b"]] = both[["a", "b"]].astype(float).fillna(0.0)
    both["difference"] = both["b"] - both["a"]
    return both.sort_values(KEYS, kind="stable").reset_index(drop=True)


def by_department(table: pd.DataFrame) -> pd.DataFrame:
    return table.groupby("department", as_index=False)[["a", "b", "difference"]].sum()


def waterfall(table: pd.DataFrame, name_a: str, name_b: str, lang: str, library) -> go.Figure:
    """A's total, each department's difference (B − A) as a step, B's total: the bridge between versions.
    Version names are users' text: escaped, so Plotly's few HTML tags in a name show as typed."""
    name_a, name_b = html.escape(name_a), html.escape(name_b)
    depts = by_department(table)
    depts = depts[depts["difference"].abs() >= 0.005].sort_values("difference", ascending=False)
    total_a, total_b = float(table["a"].sum()), float(table["b"].sum())
    names = [member_label(library, "department", d, lang) for d in depts["department"]]
    steps = [float(v) for v in depts["difference"]]
    hovers = [text("budget.compare_hover", lang, who=n, a=name_a, b=name_b, diff=signed_money(v, lang)) for n, v in
              zip(names, steps)]  # fmt: skip
    fig = go.Figure(
        go.Waterfall(
            x=[name_a] + names + [name_b],
            y=[total_a] + steps + [total_b],
            measure=["absolute"] + ["relative"] * len(steps) + ["total"],
            text=[format_value(total_a, "currency", lang)]
            + [signed_money(v, lang) for v in steps]
            + [format_value(total_b, "currency", lang)],
            textposition="outside",
            hovertext=[name_a] + hovers + [name_b],
            hovertemplate="%{hovertext}<extra></extra>",
            increasing={"marker": {"color": OVER}},
            decreasing={"marker": {"color": UNDER}},
            totals={"marker": {"color": BUDGET}},
            connector={"line": {"color": "#94a3b8", "dash": "dot"}},
        )
    )
    levels = [total_a, total_b] + [total_a + sum(steps[: i + 1]) for i in range(len(steps))]
    # money from zero, as every chart of the app; headroom for the labels above the bars; 万 in Chinese
    top = max([0.0, *levels]) * 1.12
    fig.update_layout(
        showlegend=False,
        yaxis=axis([min([0.0, *levels]), top], "currency", lang, title=text("budget.compare_axis", lang)),
    )
    return layout(fig, 380)
