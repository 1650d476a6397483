"""Users' custom metrics and groupings in the suite: a filtered metric, a formula with a constant, a
share of total and a grouping, each against hand-written SQL. Their definitions are given to the
layer as the app's store would give them (semantic.custom.registry), so they compile on the same path."""

from __future__ import annotations

import datetime as dt

from semantic import Query
from semantic.custom.model import CustomInfo, Definition
from semantic.model.schema import DimensionSpec, MetricSpec, Text

D = dt.date
LINES_C = "order_lines l JOIN orders o USING (order_id) JOIN customers c USING (customer_id)"
OK = "o.status <> 'cancelled'"
YEAR = "o.order_date BETWEEN DATE '2025-01-01' AND DATE '2025-12-31'"
TIER_1 = ("Shanghai", "Beijing", "Guangzhou", "Shenzhen")


def _metric(**fields) -> MetricSpec:
    return MetricSpec(
        label=Text(en="x", zh="x"),
        description=Text(en="x", zh="x"),
        owner="bench",
        good="up",
        tags=("custom",),
        **fields,
    )


def _info(name: str, kind: str = "metric") -> CustomInfo:
    return CustomInfo(name=name, kind=kind, author="bench", status="certified", certified_by="bench")


DEFINITIONS = (
    Definition(
        info=_info("online_revenue"),
        spec=_metric(format="currency", type="filtered", base="revenue", where="channel = 'Online'"),
    ),
    Definition(
        info=_info("margin_after_fee"),
        spec=_metric(format="currency", type="derived", expr="gross_profit - 0.03 * revenue"),
    ),
    Definition(
        info=_info("revenue_share"), spec=_metric(format="percent", type="share", base="revenue", across="region")
    ),
    Definition(
        info=_info("city_tier", "grouping"),
        spec=DimensionSpec(
            label=Text(en="City tier", zh="城市等级"),
            description=Text(en="x", zh="x"),
            owner="bench",
            base="city",
            buckets=({"label": Text(en="Tier 1", zh="一线"), "members": TIER_1},),
        ),
    ),
)


def cases(case):
    """The custom cases, built with the suite's Case (passed in: no import cycle with bench.suite)."""
    tier = "CASE WHEN c.city IS NULL THEN NULL WHEN c.city IN ('Shanghai', 'Beijing', 'Guangzhou', 'Shenzhen') THEN 'Tier 1' ELSE 'Other' END"
    return (
        case(
            "custom_filtered_month",
            "custom",
            Query(
                metrics=("online_revenue",),
                group_by=("metric_time__month",),
                time_from=D(2025, 1, 1),
                time_to=D(2025, 12, 31),
            ),
            f"""SELECT date_trunc('month', o.order_date)::DATE AS m, sum(l.net_amount) FROM {LINES_C}
                 WHERE {OK} AND c.channel = 'Online' AND {YEAR} GROUP BY 1 ORDER BY 1""",
        ),
        case(
            "custom_formula_region",
            "custom",
            Query(
                metrics=("margin_after_fee",), group_by=("region",), time_from=D(2025, 1, 1), time_to=D(2025, 12, 31)
            ),
            f"""SELECT c.region, sum(l.net_amount) - sum(l.cost_amount) - 0.03 * sum(l.net_amount) FROM {LINES_C}
                 WHERE {OK} AND {YEAR} GROUP BY 1 ORDER BY 1""",
        ),
        case(
            "custom_share_region",
            "custom",
            Query(metrics=("revenue_share",), group_by=("region",), time_from=D(2025, 1, 1), time_to=D(2025, 12, 31)),
            f"""SELECT c.region, sum(l.net_amount) / sum(sum(l.net_amount)) OVER () FROM {LINES_C}
                 WHERE {OK} AND {YEAR} GROUP BY 1 ORDER BY 1""",
        ),
        case(
            "custom_grouping_month",
            "custom",
            Query(
                metrics=("revenue",),
                group_by=("city_tier", "metric_time__quarter"),
                time_from=D(2025, 1, 1),
                time_to=D(2025, 12, 31),
            ),
            f"""SELECT {tier} AS t, date_trunc('quarter', o.order_date)::DATE AS q, sum(l.net_amount) FROM {LINES_C}
                 WHERE {OK} AND {YEAR} GROUP BY 1, 2 ORDER BY 1, 2""",
        ),
    )
