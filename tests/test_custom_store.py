"""The custom metrics store (data/custom_store.py, migration 012) on SQLite and PostgreSQL: versions,
sharing, certification (draft -> shared -> certified -> edited -> recertified), refusals in one line with
nothing written, and which tiles use a name."""

from __future__ import annotations

import pytest

from data import custom_store as store
from data import metastore
from semantic.custom import registry
from semantic.errors import PolicyError, QueryError
from tests import customstore
from tests.customstore import AUTHOR, CFO, COLLEAGUE, add_board, grouping, metric

METASTORE_BACKENDS = ("sqlite", "postgres")
accepting = pytest.fixture(customstore.accepting)
certifying = pytest.fixture(customstore.certifying)


@pytest.fixture(autouse=True)
def fresh(metastore_file, accepting):
    store.forget()
    yield
    store.forget()
    registry.provide(None)


def count(table: str) -> int:
    with metastore.session() as con:
        return con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def effective(name: str):
    return store.find(store.definitions(), name)


def test_draft_shared_certified_edited_recertified(certifying, accepting):
    saved = store.save("metric", "net_margin", metric(), AUTHOR, expected_version=None, comment="first")
    assert accepting[0][0].info.name == "net_margin" and accepting[0][1] == AUTHOR  # validated first
    assert (saved.info.version, saved.info.status, saved.info.author, saved.info.author_label) == (
        1,
        "draft",
        "sales_lead",
        "Zhou Min",
    )
    assert store.pending() == ()  # a private draft waits for no one

    shared = store.share("net_margin", ["sales_rep", "finance"], AUTHOR)
    assert shared.info.shared_with == ("finance", "sales_rep")
    assert [(v.name, v.version) for v in store.pending()] == [("net_margin", 1)]

    certified = store.certify("net_margin", 1, CFO, note="checked against the ledger")
    assert (certified.info.status, certified.info.certified_by, certified.info.note) == (
        "certified",
        "cfo",
        "checked against the ledger",
    )
    assert certified.spec.certified is True and certified.info.certified_at
    assert store.pending() == ()

    edited = store.save(
        "metric", "net_margin", metric("gross_profit - 0.05 * revenue"), AUTHOR, expected_version=1, comment="5%"
    )
    assert (edited.info.version, edited.info.status, edited.info.pending_version) == (1, "certified", 2)
    checked = accepting[-1][0].info  # what validate saw for the edit: the new draft version, still shared
    assert (checked.version, checked.status, checked.shared_with) == (2, "draft", ("finance", "sales_rep"))
    now = effective("net_margin")
    assert now.spec.expr == "gross_profit - 0.03 * revenue" and now.info.certified  # the certified one stays
    assert [(v.name, v.version) for v in store.pending()] == [("net_margin", 2)]
    assert [(c.field, c.before, c.after) for c in store.diff("net_margin", 1, 2)] == [
        ("expr", "gross_profit - 0.03 * revenue", "gross_profit - 0.05 * revenue")
    ]
    history = store.history("net_margin")
    assert [(v.version, v.saved_by, v.comment) for v in history] == [
        (1, "sales_lead", "first"),
        (2, "sales_lead", "5%"),
    ]
    assert history[0].certification.certified_by == "cfo" and history[1].certification is None
    assert history[1].spec.certified is False  # a save never certifies

    store.certify("net_margin", 2, CFO, note="5% from 2026")
    now = effective("net_margin")
    assert (now.info.version, now.info.status, now.info.pending_version, now.spec.expr) == (
        2,
        "certified",
        None,
        "gross_profit - 0.05 * revenue",
    )
    assert [v.certification.note for v in store.history("net_margin")] == ["checked against the ledger", "5% from 2026"]
    assert store.pending() == ()


def test_a_save_cannot_certify_itself(accepting):
    spec = metric().model_copy(update={"certified": True})
    saved = store.save("metric", "net_margin", spec, AUTHOR, expected_version=None)
    assert saved.info.status == "draft" and saved.spec.certified is False


def test_a_refused_formula_saves_nothing(monkeypatch):
    def refuse(definition, principal, library=None):
        raise QueryError("formula: unknown metric 'revenu'. Did you mean 'revenue'?")

    monkeypatch.setattr("semantic.custom.check.validate", refuse)
    with pytest.raises(QueryError, match="unknown metric 'revenu'"):
        store.save("metric", "net_margin", metric("gross_profit - revenu"), AUTHOR, expected_version=None)
    assert (count("custom_definitions"), count("custom_versions"), store.definitions()) == (0, 0, ())


def test_an_edit_refused_by_the_check_keeps_the_last_version(accepting, monkeypatch):
    store.save("metric", "net_margin", metric(), AUTHOR, expected_version=None)
    monkeypatch.setattr(
        "semantic.custom.check.validate",
        lambda *a, **k: (_ for _ in ()).throw(QueryError("formula: net_margin uses itself (a cycle).")),
    )
    with pytest.raises(QueryError, match="cycle"):
        store.save("metric", "net_margin", metric("net_margin + 1"), AUTHOR, expected_version=1)
    assert [v.version for v in store.history("net_margin")] == [1]


def test_only_the_author_changes_it_and_a_stale_editor_loses_nothing(accepting):
    store.save("metric", "net_margin", metric(), AUTHOR, expected_version=None)
    with pytest.raises(PolicyError, match=r"^only Zhou Min \(sales_lead\) can change net_margin"):
        store.save("metric", "net_margin", metric("revenue"), COLLEAGUE, expected_version=1)
    with pytest.raises(PolicyError, match="only Zhou Min"):
        store.share("net_margin", ["sales_rep"], COLLEAGUE)
    with pytest.raises(QueryError, match="there is no role 'sales_reps'. Did you mean 'sales_rep'"):
        store.share("net_margin", ["finance", "sales_reps"], AUTHOR)
    assert store.find(store.definitions(), "net_margin").info.shared_with == ()
    with pytest.raises(QueryError, match=r"already exists \(version 1, by Zhou Min"):
        store.save("metric", "net_margin", metric("revenue"), COLLEAGUE, expected_version=None)

    assert store.latest("net_margin").version == 1  # what both tabs opened
    store.save("metric", "net_margin", metric("revenue - cogs"), AUTHOR, expected_version=1)  # tab one
    with pytest.raises(QueryError) as refused:  # tab two, opened at version 1
        store.save("metric", "net_margin", metric("revenue"), AUTHOR, expected_version=1)
    assert str(refused.value) == "net_margin was changed since you opened it (now version 2); reopen it."
    assert [v.spec.expr for v in store.history("net_margin")] == ["gross_profit - 0.03 * revenue", "revenue - cogs"]
    with pytest.raises(QueryError, match="already the name of a custom metric"):
        store.save("grouping", "net_margin", grouping(), AUTHOR, expected_version=2)


def test_certifying_needs_the_permission(certifying):
    store.save("metric", "net_margin", metric(), AUTHOR, expected_version=None)
    with pytest.raises(PolicyError, match="certify metrics is not granted"):
        store.certify("net_margin", 1, AUTHOR, note="mine is fine")
    assert count("custom_certifications") == 0 and effective("net_margin").info.status == "draft"
    with pytest.raises(QueryError, match="has no version 3"):
        store.certify("net_margin", 3, CFO)
    store.certify("net_margin", 1, CFO)
    with pytest.raises(QueryError, match="version 1 of net_margin is already certified"):
        store.certify("net_margin", 1, CFO)


def test_unknown_names_suggest_a_close_one(certifying):
    store.save("metric", "online_revenue", metric(), AUTHOR, expected_version=None)
    for act in (
        lambda: store.share("online_revenu", ["sales_rep"], AUTHOR),
        lambda: store.certify("online_revenu", 1, CFO),
        lambda: store.history("online_revenu"),
        lambda: store.delete("online_revenu", AUTHOR),
        lambda: store.rename("online_revenu", "web_revenue", AUTHOR),
    ):
        with pytest.raises(
            QueryError, match=r"no custom metric or grouping 'online_revenu'\. Did you mean 'online_revenue'"
        ):
            act()
    with pytest.raises(QueryError, match="lower_snake_case"):
        store.save("metric", "Online Revenue; DROP", metric(), AUTHOR, expected_version=None)


def test_delete_and_rename_list_the_tiles_that_would_break(accepting):
    store.save("metric", "online_revenue", metric(), AUTHOR, expected_version=None)
    store.save("grouping", "city_tier", grouping(), AUTHOR, expected_version=None)
    with metastore.session() as con, metastore.transaction(con):
        sales = add_board(
            con,
            "Sales board",
            "sales_lead",
            [
                ("Online revenue", {"metrics": ["online_revenue"], "group_by": ["metric_time__month"]}),
                ("", {"metrics": ["revenue", "online_revenue"], "order_by": ["-online_revenue"]}),
                ("Share", {"metrics": ["online_revenue_share"], "where": "region = 'online_revenue'"}),
            ],
        )
        add_board(con, "Tiers", "cfo", [("By tier", {"metrics": ["revenue"], "where": "city_tier IN ('Tier 1')"})])
    uses = store.tiles_using("online_revenue")
    assert [(u.board_id, u.board_title, u.owner, u.tile_label) for u in uses] == [
        (sales, "Sales board", "sales_lead", "Online revenue"),
        (sales, "Sales board", "sales_lead", "revenue, online_revenue"),
    ]  # never online_revenue_share, nor the text 'online_revenue' inside quotes
    assert [u.tile_label for u in store.tiles_using("city_tier")] == ["By tier"]

    with pytest.raises(QueryError) as refused:
        store.delete("online_revenue", AUTHOR)
    assert str(refused.value) == (
        "online_revenue is used by 2 tiles: 'Sales board' › 'Online revenue', "
        "'Sales board' › 'revenue, online_revenue'; remove them first, then delete it."
    )
    with pytest.raises(QueryError, match=r"city_tier is used by 1 tile: 'Tiers' › 'By tier'; remove it first"):
        store.rename("city_tier", "tier", AUTHOR)
    assert {d.name for d in store.definitions()} == {"online_revenue", "city_tier"}

    with metastore.session() as con, metastore.transaction(con):
        con.execute("DELETE FROM boards")
        con.execute("DELETE FROM tiles")
    with pytest.raises(PolicyError, match="only Zhou Min"):
        store.delete("online_revenue", COLLEAGUE)
    store.save("metric", "online_revenue", metric("revenue"), AUTHOR, expected_version=1)
    renamed = store.rename("online_revenue", "web_revenue", AUTHOR)
    assert renamed.name == "web_revenue" and [v.version for v in store.history("web_revenue")] == [1, 2]
    store.delete("city_tier", AUTHOR)
    assert [d.name for d in store.definitions()] == ["web_revenue"]
    assert count("custom_versions") == 3  # the deleted one's history is kept
    again = store.save("grouping", "city_tier", grouping(), COLLEAGUE, expected_version=None)
    assert (again.info.author, again.info.version) == ("sales_east", 1)  # the name is free again


def test_a_definition_used_by_another_is_not_deleted(accepting):
    store.save("metric", "online_revenue", metric("revenue"), AUTHOR, expected_version=None)
    store.save("metric", "online_margin", metric("online_revenue - 0.03 * revenue"), AUTHOR, expected_version=None)
    with pytest.raises(QueryError, match="online_revenue is used by custom definition online_margin; remove it first"):
        store.delete("online_revenue", AUTHOR)


def test_a_certified_definition_is_removed_by_a_certifier_only(certifying):
    store.save("metric", "net_margin", metric(), AUTHOR, expected_version=None)
    store.certify("net_margin", 1, CFO)
    with pytest.raises(PolicyError, match="net_margin is certified; only a certifier can delete it"):
        store.delete("net_margin", AUTHOR)
    store.delete("net_margin", CFO)
    assert store.definitions() == ()


def test_definitions_are_read_again_only_when_the_generation_changed(accepting, monkeypatch):
    store.save("metric", "net_margin", metric(), AUTHOR, expected_version=None)
    store.register()
    assert [d.name for d in registry.definitions()] == ["net_margin"]
    with metastore.session() as con, metastore.transaction(con):  # another process's write, not counted
        con.execute("UPDATE custom_definitions SET author_label = 'changed behind the counter'")
    monkeypatch.setattr("data.custom.reads.KEPT.check_every", 0.0)
    assert effective("net_margin").info.author_label == "Zhou Min"  # same generation: the cached value
    with metastore.session() as con, metastore.transaction(con):
        con.execute("UPDATE custom_generation SET generation = generation + 1")
    assert effective("net_margin").info.author_label == "changed behind the counter"


def test_the_cache_is_checked_at_most_once_a_second(accepting):
    store.save("metric", "net_margin", metric(), AUTHOR, expected_version=None)
    assert store.definitions()
    with metastore.session() as con, metastore.transaction(con):
        con.execute("DELETE FROM custom_versions")
        con.execute("UPDATE custom_generation SET generation = generation + 1")
    assert [d.name for d in store.definitions()] == ["net_margin"]  # within the second: not asked
    store.forget()
    assert store.definitions() == ()


def test_a_grouping_keeps_its_kind(accepting):
    saved = store.save("grouping", "city_tier", grouping(), AUTHOR, expected_version=None)
    assert saved.info.kind == "grouping" and type(saved.spec).__name__ == "DimensionSpec"
    with pytest.raises(QueryError, match="a custom metric must be a metric"):
        store.save("metric", "other", grouping(), AUTHOR, expected_version=None)


def test_a_spec_the_schema_no_longer_reads_is_left_out_not_fatal(accepting):
    store.save("metric", "net_margin", metric(), AUTHOR, expected_version=None)
    store.save("metric", "old_one", metric("revenue"), AUTHOR, expected_version=None)
    with metastore.session() as con, metastore.transaction(con):
        con.execute(
            "UPDATE custom_versions SET spec = ? WHERE definition_id = "
            "(SELECT id FROM custom_definitions WHERE name = 'old_one')",
            ('{"type": "ratio_of_old"}',),
        )
        con.execute("UPDATE custom_generation SET generation = generation + 1")
    store.forget()
    assert [d.name for d in store.definitions()] == ["net_margin"]
