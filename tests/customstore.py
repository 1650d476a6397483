"""Shared pieces for the custom store tests (the fixtures are plain functions: a test module makes them
fixtures with `accepting = pytest.fixture(customstore.accepting)`): specs, principals, a stand-in for the lead's validate
(until semantic.custom.check.validate is written) and the certify_metrics permission (until policies.yml
grants it)."""

from __future__ import annotations

import json

from semantic import Principal
from semantic.model.schema import DimensionSpec, MetricSpec

AUTHOR = Principal("sales_lead", ("sales_manager",), display_name="Zhou Min")
COLLEAGUE = Principal("sales_east", ("sales_manager",))
CFO = Principal("cfo", ("finance",), display_name="Wang Fang")


def metric(expr: str = "gross_profit - 0.03 * revenue", en: str = "Margin after channel fee") -> MetricSpec:
    return MetricSpec(
        label={"en": en, "zh": "扣渠道费毛利"},
        description={"en": "Gross profit less a 3% channel fee.", "zh": "毛利减去 3% 渠道费。"},
        owner="Sales Operations",
        format="currency",
        tags=("sales",),
        good="up",
        type="derived",
        expr=expr,
    )


def grouping() -> DimensionSpec:
    """A grouping as the current schema can hold one (helper A adds base/buckets/bands)."""
    return DimensionSpec(
        label={"en": "City tier", "zh": "城市等级"},
        description={"en": "Cities by tier.", "zh": "按等级分的城市。"},
        owner="Sales Operations",
        sources=("customers.city",),
    )


def accepting(monkeypatch):
    """semantic.custom.check.validate accepting everything; the calls it got, to assert it was asked."""
    calls = []

    def validate(definition, principal, library=None):
        calls.append((definition, principal))
        return library

    monkeypatch.setattr("semantic.custom.check.validate", validate)
    return calls


def certifying(monkeypatch, tmp_path):
    """The certify_metrics permission granted to finance (what the lead adds to semantic/policy.py and
    policies.yml); a no-op once the layer has it."""
    from semantic import authorize, policy

    if "certify_metrics" not in authorize.ACTIONS:
        monkeypatch.setattr(authorize, "ACTIONS", (*authorize.ACTIONS, "certify_metrics"))
        monkeypatch.setattr(
            authorize, "PERMISSION_OF", {**authorize.PERMISSION_OF, "certify_metrics": "certify_metrics"}
        )
        monkeypatch.setattr(policy, "PERMISSIONS", (*policy.PERMISSIONS, "certify_metrics"))
        text = policy.policy_file().read_text(encoding="utf-8")
        marker = "permissions: [set_webhooks, check_data_quality, load_files]"
        assert marker in text
        file = tmp_path / "policies.yml"
        file.write_text(text.replace(marker, marker[:-1] + ", certify_metrics]", 1), encoding="utf-8")
        monkeypatch.setenv("CONCORD_POLICY", str(file))
        policy._policy_at.cache_clear()
        yield
        policy._policy_at.cache_clear()
    else:
        yield


def add_board(con, title: str, owner: str, tiles: list[tuple[str, dict]], filters: dict | None = None) -> int:
    """A board with tiles, written as boards.store writes them (the layer does not know custom names yet)."""
    board_id = con.execute(
        "INSERT INTO boards (title, owner, filters_json, created_at, updated_at) VALUES (?, ?, ?, ?, ?) RETURNING id",
        (title, owner, json.dumps(filters or {}), "2026-01-01T00:00:00+00:00", "2026-01-01T00:00:00+00:00"),
    ).fetchone()[0]
    for position, (tile_title, query) in enumerate(tiles):
        con.execute(
            "INSERT INTO tiles (board_id, position, title, query_json) VALUES (?, ?, ?, ?)",
            (board_id, position, tile_title, json.dumps(query)),
        )
    return board_id
