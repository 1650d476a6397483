"""Property-based checks of the policy (hypothesis): whatever a user asks,
they never get a metric outside their grants or a row outside their row
filter, and a rep's totals are exactly the exec's totals for the rep's region."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from semantic import PolicyError, Principal, Query, QueryError, default_library, run
from semantic.policy import access_for, visible_metrics
from semantic.query import member_filter
from tests.conftest import ALL_ENGINES

ENGINES = ALL_ENGINES  # every test here runs on DuckDB, PostgreSQL and Spark (tests/conftest.py)

USERS = {
    "ceo": Principal("ceo", ("exec",)),
    "cfo": Principal("cfo", ("finance",)),
    "sales_lead": Principal("sales_lead", ("sales_manager",)),
    "sales_east": Principal("sales_east", ("sales_rep",), {"region": "East"}),
    "sales_south": Principal("sales_south", ("sales_rep",), {"region": "South"}),
}
ADDITIVE = ("revenue", "cogs", "units", "orders", "invoiced", "cash_in", "expense", "cash_out")
DIMS = ("region", "city", "channel", "segment", "category")
LIB = default_library()
SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.fixture(scope="module")
def members(raw):
    out = {
        d: [r[0] for r in raw.execute(f"SELECT DISTINCT {c} FROM {t} ORDER BY 1").fetchall()]
        for d, (t, c) in {
            "region": ("customers", "region"),
            "city": ("customers", "city"),
            "channel": ("customers", "channel"),
            "segment": ("customers", "segment"),
            "category": ("products", "category"),
        }.items()
    }
    out["city_region"] = dict(raw.execute("SELECT DISTINCT city, region FROM customers").fetchall())
    return out


def where_strategy(members):
    clause = st.sampled_from(DIMS).flatmap(
        lambda d: st.lists(st.sampled_from(members[d]), min_size=1, max_size=3, unique=True).map(lambda v: {d: v})
    )
    hostile = st.sampled_from(
        [
            "region = 'South' OR region = 'North'",
            "region <> 'East' OR channel = 'Online'",
            "NOT (region = 'East')",
            "region IN ('South', 'East', 'North', 'Central', 'Southwest')",
        ]
    )
    return st.one_of(st.none(), clause.map(member_filter), hostile)


@given(data=st.data())
@SETTINGS
def test_no_metric_outside_the_grants_and_no_row_outside_the_row_filter(data, warehouse, members):
    user = data.draw(st.sampled_from(sorted(USERS)))
    principal = USERS[user]
    metrics = tuple(data.draw(st.lists(st.sampled_from(ADDITIVE), min_size=1, max_size=3, unique=True)))
    by = tuple(data.draw(st.lists(st.sampled_from(DIMS), max_size=2, unique=True)))
    where = data.draw(where_strategy(members))
    granted = set(visible_metrics(access_for(principal, LIB), LIB))
    query = Query(
        metrics=metrics, group_by=by, where=where, time_from=dt.date(2025, 1, 1), time_to=dt.date(2025, 6, 30)
    )
    try:
        frame = run(query, principal, warehouse=warehouse, cache=None).frame
    except PolicyError as err:
        assert not set(metrics) <= granted
        assert "is not available to your roles" in str(err)
        return
    except QueryError:
        return  # e.g. a dimension that does not apply to one of the metrics: refused, nothing returned
    assert set(metrics) <= granted
    region = principal.attributes.get("region")
    if region:
        if "region" in frame.columns:
            assert set(frame["region"].dropna()) <= {region}
        if "city" in frame.columns:
            assert {members["city_region"][c] for c in frame["city"].dropna()} <= {region}


@pytest.mark.parametrize("rep", ["sales_east", "sales_south"])
@given(data=st.data())
@SETTINGS
def test_a_reps_totals_equal_the_execs_filtered_to_the_reps_region(rep, data, warehouse, members):
    metrics = tuple(
        data.draw(
            st.lists(
                st.sampled_from(("revenue", "cogs", "units", "orders", "gross_margin_pct", "discount_rate")),
                min_size=1,
                max_size=3,
                unique=True,
            )
        )
    )
    by = tuple(
        data.draw(st.lists(st.sampled_from(("channel", "segment", "category", "metric_time__quarter")), max_size=1))
    )
    region = USERS[rep].attributes["region"]
    mine = run(Query(metrics=metrics, group_by=by), USERS[rep], warehouse=warehouse, cache=None).frame
    theirs = run(
        Query(metrics=metrics, group_by=by, where=f"region = '{region}'"), USERS["ceo"], warehouse=warehouse, cache=None
    ).frame
    key = list(by)
    left = mine.sort_values(key).reset_index(drop=True) if key else mine
    right = theirs.sort_values(key).reset_index(drop=True) if key else theirs
    assert left.shape == right.shape
    for m in metrics:
        assert [float(x) for x in left[m]] == pytest.approx([float(x) for x in right[m]], rel=1e-9, abs=1e-6)


@pytest.mark.parametrize(
    "attribute", ["East' OR '1'='1", "East') OR (1=1", "East'; DROP TABLE orders; --", "' OR region IS NOT NULL OR '"]
)
def test_crafted_attributes_stay_one_literal_and_match_nothing(attribute, warehouse, raw):
    crafted = Principal("mallory", ("sales_rep",), {"region": attribute})
    frame = run(Query(metrics=("revenue",), group_by=("region",)), crafted, warehouse=warehouse, cache=None).frame
    assert frame.empty
    assert raw.execute("SELECT count(*) FROM orders").fetchall()[0][0] > 0  # still there


def test_a_user_without_the_attribute_is_refused(warehouse):
    with pytest.raises(PolicyError, match="no 'region' attribute"):
        run(Query(metrics=("revenue",)), Principal("x", ("sales_rep",)), warehouse=warehouse)


def test_several_roles_get_the_union_of_grants_and_the_or_of_filters(warehouse):
    both = Principal("mixed", ("sales_rep", "finance"), {"region": "East"})
    frame = run(
        Query(metrics=("revenue", "cash_in"), group_by=("region",)), both, warehouse=warehouse, cache=None
    ).frame
    assert set(frame["region"]) == {"East", "South", "North", "Central", "Southwest"}  # finance has no row filter
    two_reps = Principal("two", ("sales_rep",), {"region": "East"})
    assert set(
        run(Query(metrics=("revenue",), group_by=("region",)), two_reps, warehouse=warehouse, cache=None).frame[
            "region"
        ]
    ) == {"East"}


def test_unknown_roles_see_nothing(warehouse):
    with pytest.raises(PolicyError, match="not available to your roles: none"):
        run(Query(metrics=("revenue",)), Principal("ghost", ("wizard",)), warehouse=warehouse)


def test_compiled_plans_are_reused_but_never_across_different_principals():
    """Plans are cached per (query, whole principal, rollups): the same user asking
    again gets the same plan; users with other attributes or roles never do."""
    from semantic.service import plan

    query = Query(metrics=("revenue", "gross_margin_pct"), group_by=("channel",))
    east = Principal("sales_east", ("sales_rep",), {"region": "East"})
    south = Principal("sales_south", ("sales_rep",), {"region": "South"})
    moved = Principal("sales_east", ("sales_rep",), {"region": "South"})  # same name, region changed by an admin
    lead = Principal("sales_east", ("sales_manager",), {"region": "East"})  # same name, promoted
    assert plan(query, east) is plan(query, Principal("sales_east", ("sales_rep",), {"region": "East"}))
    east_sql, south_sql, moved_sql, lead_sql = (plan(query, p).sql() for p in (east, south, moved, lead))
    assert "'East'" in east_sql and "'South'" not in east_sql
    assert "'South'" in south_sql and "'South'" in moved_sql and "'East'" not in moved_sql
    assert "'East'" not in lead_sql and "'South'" not in lead_sql  # a manager sees every region
    with pytest.raises(PolicyError):  # refusals are not cached as plans: asked twice, refused twice
        plan(Query(metrics=("cash_in",)), east)
    with pytest.raises(PolicyError):
        plan(Query(metrics=("cash_in",)), east)
