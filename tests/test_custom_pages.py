"""Explore's New metric / New grouping forms and the Definitions page under Streamlit's AppTest: a
sales lead makes "online revenue" without SQL, sees it marked as their draft with the number hand
SQL gives, a rep does not see it until it is shared, finance certifies it on the Definitions page."""

from __future__ import annotations

import json

import pytest
from streamlit.testing.v1 import AppTest

from data import custom_store
from semantic import Principal

ROOT = __import__("pathlib").Path(__file__).resolve().parent.parent
LEAD = Principal("sales_lead", ("sales_manager",), display_name="Zhou Min · Head of Sales")
CFO = Principal("cfo", ("finance",), display_name="Lin Fang · CFO")
EAST = Principal("sales_east", ("sales_rep",), {"region": "East"}, display_name="Wang Lei · Sales East")
PERIOD = {"from": "2025-01-01", "to": "2025-12-31"}


@pytest.fixture(autouse=True)
def _env(monkeypatch, warehouse_path, metastore_file):
    monkeypatch.setenv("CONCORD_WAREHOUSE", str(warehouse_path))
    custom_store.register()
    custom_store.forget()
    yield
    custom_store.forget()


def page(name: str, who: Principal, lang: str = "en", **params) -> AppTest:
    at = AppTest.from_file(str(ROOT / "views" / f"{name}.py"), default_timeout=120)
    at.session_state["principal"] = who
    at.session_state["lang"] = lang
    for key, value in params.items():
        at.query_params[key] = value
    return at.run()


def clean(text: str) -> str:
    return str(text).replace("\\", "").replace("\u2060", "")


def by_label(widgets, label: str):
    return next(w for w in widgets if clean(w.label) == label)


def url(at: AppTest, key: str) -> list[str]:
    value = at.query_params.get(key, [""])
    value = value[0] if isinstance(value, list) else value
    return [v for v in value.split(",") if v]


def online_revenue(raw, region: str | None = None) -> float:
    extra = f"AND c.region = '{region}'" if region else ""
    return raw.execute(
        f"""SELECT sum(l.net_amount) FROM order_lines l JOIN orders o USING (order_id)
            JOIN customers c ON c.customer_id = o.customer_id
            WHERE o.status <> 'cancelled' AND c.channel = 'Online' {extra}
              AND o.order_date BETWEEN DATE '2025-01-01' AND DATE '2025-12-31'"""
    ).fetchone()[0]


def make_online_revenue(at: AppTest) -> AppTest:
    by_label(at.toggle, ":material/add: New metric").set_value(True).run()
    assert not at.exception, [e.value for e in at.exception]
    by_label(at.selectbox, "Metric").set_value("revenue").run()
    by_label(at.selectbox, "Only where").set_value("channel").run()
    by_label(at.multiselect, "is one of").set_value(["Online"]).run()
    by_label(at.text_input, "Name (for links and the CLI)").set_value("online_revenue")
    by_label(at.text_input, "Label in English").set_value("Online revenue")
    by_label(at.text_input, "Label in Chinese").set_value("线上收入").run()
    by_label(at.toggle, "Preview").set_value(True).run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    return at


def test_a_sales_lead_makes_online_revenue_without_sql_and_sees_it_marked_as_a_draft(raw):
    at = make_online_revenue(page("explore", LEAD, m="revenue", **PERIOD))
    assert any("SELECT" in c.value and "'Online'" in c.value for c in at.code), [c.value for c in at.code]
    next(b for b in at.button if clean(b.label) == "Save draft").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert url(at, "m") == ["revenue", "online_revenue"]
    assert any("Saved online_revenue as a draft" in clean(s.value) for s in at.success)
    labels = json.loads(at.dataframe[0].proto.columns)  # ui.table.show: the grid shows column_config labels
    headers = [labels[c]["label"] for c in at.dataframe[0].value.columns]
    assert "Online revenue (draft · Zhou Min)" in headers, headers
    stored = custom_store.definitions()
    assert [(d.name, d.info.author, d.info.status, d.spec.type) for d in stored] == [
        ("online_revenue", "sales_lead", "draft", "filtered")
    ]


def test_the_draft_number_equals_hand_sql_and_a_rep_sees_it_only_once_shared(raw, warehouse):
    import datetime as dt

    from semantic import Query, run

    make_online_revenue(page("explore", LEAD, m="revenue", **PERIOD))
    next(
        b
        for b in make_online_revenue(page("explore", LEAD, m="revenue", **PERIOD)).button
        if clean(b.label) == "Save draft"
    ).click().run()
    east = page("explore", EAST, m="online_revenue", **PERIOD)
    assert any(
        "is a draft of Zhou Min · Head of Sales, not shared with your roles" in clean(e.value) for e in east.error
    )
    custom_store.share("online_revenue", ["sales_rep"], LEAD)
    east = page("explore", EAST, m="online_revenue", **PERIOD)
    assert not east.error, [e.value for e in east.error]
    query = Query(metrics=("online_revenue",), time_from=dt.date(2025, 1, 1), time_to=dt.date(2025, 12, 31))
    mine = run(query, EAST, warehouse=warehouse, cache=None).frame.iloc[0, 0]
    assert float(mine) == pytest.approx(float(online_revenue(raw, "East")), abs=0.01)
    theirs = run(query, LEAD, warehouse=warehouse, cache=None).frame.iloc[0, 0]
    assert float(theirs) == pytest.approx(float(online_revenue(raw)), abs=0.01)


def test_finance_certifies_a_shared_draft_on_the_definitions_page_in_both_languages():
    saving = make_online_revenue(page("explore", LEAD, m="revenue", **PERIOD))
    next(b for b in saving.button if clean(b.label) == "Save draft").click().run()
    custom_store.share("online_revenue", ["finance"], LEAD)
    for lang, tab, button in (("zh", "待认证（1）", "认证"), ("en", "Waiting for review (1)", "Certify")):
        review = page("definitions", CFO, lang)
        assert not review.exception, [e.value for e in review.exception]
        assert tab in [clean(t.label) for t in review.tabs]
        assert button in [clean(b.label) for b in review.button]
    review = page("definitions", CFO)
    by_label(review.text_input, "Certification note").set_value("Matches the online channel report")
    next(b for b in review.button if clean(b.label) == "Certify").click().run()
    assert not review.exception and not review.error, [e.value for e in review.error]
    (certified,) = custom_store.definitions()
    assert (certified.info.status, certified.info.certified_by, certified.info.note) == (
        "certified",
        "cfo",
        "Matches the online channel report",
    )
    lead = page("definitions", LEAD)
    assert any("certified by Lin Fang" in clean(e.label) for e in lead.expander)


def test_a_grouping_of_cities_into_tiers_is_usable_like_any_dimension(raw):
    at = page("explore", LEAD, m="revenue", grain="none", **PERIOD)
    by_label(at.toggle, ":material/add: New grouping").set_value(True).run()
    by_label(at.selectbox, "Group the members of").set_value("city").run()
    by_label(at.text_input, "Bucket 1").set_value("Tier 1")
    by_label(at.multiselect, "Members of bucket 1").set_value(["Shanghai", "Beijing", "Guangzhou", "Shenzhen"])
    by_label(at.text_input, "Bucket 2").set_value("Tier 2")
    by_label(at.multiselect, "Members of bucket 2").set_value(["Hangzhou", "Nanjing", "Chengdu"])
    by_label(at.text_input, "Name (for links and the CLI)").set_value("city_tier").run()
    next(b for b in at.button if clean(b.label) == "Save draft").click().run()
    at.run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert url(at, "by") == ["city_tier"] or "city_tier" in str(at.query_params)
    table = at.dataframe[0].value
    got = dict(zip(table.iloc[:, 0], table.iloc[:, 1]))
    hand = dict(
        raw.execute(
            """SELECT CASE WHEN c.city IN ('Shanghai','Beijing','Guangzhou','Shenzhen') THEN 'Tier 1'
                           WHEN c.city IN ('Hangzhou','Nanjing','Chengdu') THEN 'Tier 2' ELSE 'Other' END,
                      sum(l.net_amount)
               FROM order_lines l JOIN orders o USING (order_id) JOIN customers c ON c.customer_id = o.customer_id
               WHERE o.status <> 'cancelled' AND o.order_date BETWEEN DATE '2025-01-01' AND DATE '2025-12-31'
               GROUP BY 1"""
        ).fetchall()
    )
    assert set(got) == set(hand)
    for bucket, value in hand.items():
        assert float(str(got[bucket]).replace("¥", "").replace(",", "")) == pytest.approx(float(value), abs=1)


def test_a_bad_formula_is_one_line_and_nothing_is_saved():
    at = page("explore", LEAD, m="revenue", **PERIOD)
    by_label(at.toggle, ":material/add: New metric").set_value(True).run()
    at.radio[0].set_value("formula").run()
    by_label(at.text_input, "Formula").set_value("revenue; DROP TABLE orders")
    by_label(at.text_input, "Name (for links and the CLI)").set_value("bad_one").run()
    next(b for b in at.button if clean(b.label) == "Save draft").click().run()
    assert not at.exception
    errors = [clean(e.value) for e in at.error]
    assert errors and "';' at character 8 is not allowed" in errors[0] and "\n" not in errors[0]
    assert custom_store.definitions() == ()
