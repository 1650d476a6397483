"""The New metric / New grouping checks: every bad input is one line pointing at the part that is
wrong, and a user can only build on what they are granted."""

from __future__ import annotations

import pytest

from semantic import PolicyError, Principal, QueryError, default_library
from semantic.custom import registry
from semantic.custom.check import GroupingDraft, MetricDraft, grouping_spec, metric_spec, validate
from semantic.custom.model import CustomInfo, Definition
from semantic.model.schema import MetricSpec, Text

LEAD = Principal("sales_lead", ("sales_manager",), display_name="Zhou Min · Head of Sales")
CFO = Principal("cfo", ("finance",), display_name="Lin Fang · CFO")


@pytest.fixture(autouse=True)
def no_store():
    registry.provide(None)
    yield
    registry.provide(None)


def formula(text: str, who: Principal = LEAD, name: str = "my_metric") -> MetricSpec:
    return metric_spec(MetricDraft(name=name, kind="formula", formula=text), who)


def definition(name: str, spec, author: str = "sales_lead") -> Definition:
    return Definition(info=CustomInfo(name=name, kind="metric", author=author), spec=spec)


def one_line(err) -> str:
    text = str(err.value)
    assert "\n" not in text and "Traceback" not in text
    return text


@pytest.mark.parametrize(
    "text, expr",
    [
        ("gross_profit - 3% * revenue", "gross_profit - 0.03 * revenue"),
        ("毛利 - 0.03 × 营业收入", "gross_profit - 0.03 * revenue"),
        ("[Gross profit] / [Revenue]", "gross_profit / revenue"),
        ("revenue / orders", "revenue / orders"),
        ("(revenue + cogs) * 12.5%", "(revenue + cogs) * 0.125"),
    ],
)
def test_a_formula_in_names_or_labels_becomes_the_librarys_expression(text, expr):
    assert formula(text).expr == expr


@pytest.mark.parametrize(
    "text, fmt",
    [
        ("revenue - cogs", "currency"),
        ("revenue / orders", "currency"),
        ("revenue / units / 2", "currency"),
        ("gross_profit / revenue", "percent"),
        ("revenue * units", "number"),
        ("orders / orders", "percent"),
    ],
)
def test_the_format_follows_from_the_formula(text, fmt):
    assert formula(text).format == fmt


@pytest.mark.parametrize(
    "text, says",
    [
        ("revenu * 2", "'revenu' at character 1 is not a metric you can use. Did you mean 'revenue'?"),
        ("revenue; DROP TABLE orders", "';' at character 8 is not allowed"),
        ("SELECT net_amount FROM order_lines", "'SELECT' at character 1 is not a metric you can use"),
        ("revenue + 'x'", "''x'' at character 11 is not allowed"),
        ("sum(revenue)", "'sum' at character 1 is not a metric you can use"),
        ("revenue /* x */", "'*' at character 10 needs a name or a number before it"),
        ("revenue / 0", "it divides by 0"),
        ("(revenue", "a ')' is missing"),
        ("revenue revenue", "'revenue' at character 9 does not follow"),
        ("revenue * " * 1200 + "1", "characters long; keep it under 2,000"),
        ("my_metric * 2", "'my_metric' uses itself"),
        ("cash_in - revenue", "'cash_in' at character 1 is not a metric you can use"),  # not granted to sales
    ],
)
def test_a_bad_formula_is_one_line_pointing_at_the_part_that_is_wrong(text, says):
    with pytest.raises(QueryError) as err:
        formula(text)
    assert says in one_line(err)


def test_ten_thousand_characters_are_refused_before_parsing():
    with pytest.raises(QueryError) as err:
        formula("(" * 10_000)
    assert "10,000 characters long" in one_line(err)


@pytest.mark.parametrize(
    "name, says",
    [
        ("revenue", "'revenue' is already a library metric"),
        ("region", "'region' is already a library dimension"),
        ("Online Revenue", "is not a usable name"),
        ("online__revenue", "is not a usable name"),
        ("x" * 60, "is not a usable name"),
    ],
)
def test_a_name_that_clashes_or_is_not_a_name_is_refused(name, says):
    with pytest.raises(QueryError) as err:
        validate(definition(name, formula("revenue * 2")), LEAD)
    assert says in one_line(err)


def test_a_crafted_definition_reading_a_metric_the_author_is_not_granted_is_refused():
    crafted = MetricSpec(
        label=Text(en="x", zh="x"),
        description=Text(en="x", zh="x"),
        owner="x",
        format="currency",
        good="up",
        tags=("custom",),
        type="derived",
        expr="cash_in - revenue",
    )
    with pytest.raises(PolicyError) as err:
        validate(definition("sneaky", crafted), LEAD)
    assert "reads metric cash_in, which is not available to your roles" in one_line(err)
    assert "sneaky" in validate(definition("sneaky", crafted, "cfo"), CFO).metrics


def test_a_cycle_through_two_drafts_is_refused():
    first = definition("draft_a", formula("revenue * 2", name="draft_a"))
    registry.provide(lambda: (first,))
    second = definition("draft_b", formula("draft_a + 1", name="draft_b"))
    registry.provide(lambda: (first, second))
    changed = definition("draft_a", formula("draft_b * 2", name="draft_a"))
    with pytest.raises(QueryError) as err:
        validate(changed, LEAD)
    assert "cycle" in one_line(err)


def test_a_filtered_metric_and_a_share_are_built_on_granted_names_only():
    spec = metric_spec(
        MetricDraft(name="online_revenue", kind="filtered", base="revenue", where="channel IN ('Online')"), LEAD
    )
    assert (spec.type, spec.base, spec.where, spec.format) == (
        "filtered",
        "revenue",
        "channel IN ('Online')",
        "currency",
    )
    share = metric_spec(MetricDraft(name="region_share", kind="share", base="revenue", across="region"), LEAD)
    assert (share.type, share.across, share.format) == ("share", "region", "percent")
    with pytest.raises(QueryError) as err:
        metric_spec(MetricDraft(name="x_cash", kind="filtered", base="cash_in", where="region = 'East'"), LEAD)
    assert "'cash_in' is not a metric you can use" in one_line(err)
    assert "online_revenue" in validate(definition("online_revenue", spec), LEAD).metrics


def test_a_filter_with_sql_in_it_is_refused_by_the_loader():
    spec = metric_spec(
        MetricDraft(
            name="bad_filter", kind="filtered", base="revenue", where="channel = 'Online' OR 1=1; DROP TABLE x"
        ),
        LEAD,
    )
    with pytest.raises(QueryError) as err:
        validate(definition("bad_filter", spec), LEAD)
    assert "bad_filter" in one_line(err)


def test_a_grouping_that_maps_one_member_twice_is_refused():
    draft = GroupingDraft(
        name="city_tier",
        base="city",
        buckets=(("Tier 1", ("Shanghai", "Beijing")), ("Tier 2", ("Hangzhou", "Shanghai"))),
    )
    with pytest.raises(QueryError) as err:
        grouping_spec(draft, LEAD)
    assert "Shanghai" in one_line(err)


def test_a_grouping_needs_buckets_or_bands_and_a_granted_base():
    with pytest.raises(QueryError) as err:
        grouping_spec(GroupingDraft(name="g_one", base="city"), LEAD)
    assert "buckets" in one_line(err)
    with pytest.raises(QueryError) as err:
        grouping_spec(GroupingDraft(name="g_two", base="citty", buckets=(("A", ("Shanghai",)),)), LEAD)
    assert "Did you mean 'city'?" in one_line(err)
    good = grouping_spec(GroupingDraft(name="city_tier", base="city", buckets=(("Tier 1", ("Shanghai",)),)), LEAD)
    assert validate(
        Definition(info=CustomInfo(name="city_tier", kind="grouping", author="sales_lead"), spec=good), LEAD
    )


def test_yaml_library_unchanged_by_checks():
    before = set(default_library().metrics)
    validate(definition("online_x", formula("revenue * 2", name="online_x")), LEAD)
    assert set(default_library().metrics) == before


@pytest.mark.parametrize(
    "draft",
    [
        MetricDraft(
            name="m_link", kind="formula", formula="revenue * 2", label_en='<a href="https://x.example">Click</a>'
        ),
        MetricDraft(name="m_bold", kind="formula", formula="revenue * 2", label_zh="<b>收入</b>"),
    ],
)
def test_a_label_with_markup_is_refused_charts_would_draw_it(draft):
    with pytest.raises(QueryError) as err:
        metric_spec(draft, LEAD)
    assert "'<' and '>' are not allowed in a label" in one_line(err)
    with pytest.raises(QueryError):
        grouping_spec(GroupingDraft(name="g_x", base="city", buckets=(("<i>T1</i>", ("Shanghai",)),)), LEAD)


def test_a_crafted_definition_with_markup_in_its_label_is_refused_at_save():
    crafted = formula("revenue * 2", name="crafted").model_copy(update={"label": Text(en="<b>x</b>", zh="x")})
    with pytest.raises(QueryError) as err:
        validate(definition("crafted", crafted), LEAD)
    assert "'<' and '>' are not allowed" in one_line(err)
