"""The surfaces around the semantic layer leak nothing, for random boards imported by random users.

A hostile colleague imports a board (any metrics, any rules, webhooks), shares
it, pins it and waits for the alert evaluator. Whatever is generated, a viewer
may learn a number through an alert, the Alert log, a webhook body, a pinned
board, a tile or an export only when the viewer's own policy would give them
exactly that number. The reference is the viewer's own run of the same query
(the semantic layer's answers are themselves checked against hand-written SQL
in test_metrics_vs_direct_sql and test_policy_properties).
"""

from __future__ import annotations

import dataclasses
import io
import json

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from auth.accounts import principal_for
from boards import alerts, evaluate, pins, store
from boards.schema import BoardError
from semantic import PolicyError, run
from semantic.authorize import allowed
from semantic.policy import access_for
from ui.export import to_csv

USERS = ("ceo", "cfo", "sales_lead", "sales_east", "sales_south", "admin")
ROLES = ("exec", "finance", "sales_manager", "sales_rep", "admin")
METRICS = (
    "revenue",
    "gross_margin_pct",
    "orders",
    "cash_in",
    "net_cash_flow",
    "ar_balance",
    "dso",
    "expense",
    "budget_variance",
)
HOOK = "https://hooks.example.com/alert"


@st.composite
def boards(draw):
    tiles = []
    for _ in range(draw(st.integers(1, 3))):
        metrics = draw(st.lists(st.sampled_from(METRICS), min_size=1, max_size=2, unique=True))
        rules = [
            {
                "metric": m,
                "op": ">",
                "value": -1e18,
                "level": draw(st.sampled_from(("warning", "critical"))),
                "webhook": HOOK if draw(st.booleans()) else "",
            }
            for m in metrics
        ]
        tiles.append(
            {
                "title": "+".join(metrics),
                "query": {"metrics": metrics, "time_from": "2025-01-01", "time_to": "2025-06-30"},
                "rules": rules,
            }
        )
    region = draw(st.sampled_from((None, ["East"], ["South"], ["East", "South"])))
    filters = {"region": region} if region else {}
    return {"title": "Imported", "tiles": tiles, "filters": filters}


@pytest.fixture
def env(metastore_file, users_file, tmp_path, monkeypatch):
    (tmp_path / "concord.toml").write_text('[webhooks]\nallowed_hosts = ["hooks.example.com"]\n', encoding="utf-8")
    monkeypatch.setenv("CONCORD_CONFIG", str(tmp_path / "concord.toml"))
    return tmp_path


def _fresh_store(tmp_path, monkeypatch, n=[0]):  # noqa: B006 - a counter across examples
    n[0] += 1
    monkeypatch.setenv("CONCORD_METASTORE", str(tmp_path / f"meta-{n[0]}.sqlite"))


def _own_number(query, metric, viewer, warehouse):
    """The number the viewer's own policy gives for `metric` of `query`, or None when refused."""
    try:
        frame = run(query, viewer, warehouse=warehouse, cache=None).frame
    except PolicyError:
        return None
    return frame.iloc[0][metric] if len(frame) == 1 else None


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    spec=boards(),
    importer=st.sampled_from(USERS),
    viewer=st.sampled_from(USERS),
    sharing=st.sampled_from(("private", "roles", "everyone")),
    shared=st.lists(st.sampled_from(ROLES), max_size=2),
    pin_role=st.sampled_from(ROLES),
)
def test_no_surface_reveals_a_number_the_viewers_policy_refuses(
    env, monkeypatch, warehouse, library, spec, importer, viewer, sharing, shared, pin_role
):
    _fresh_store(env, monkeypatch)
    owner, who = principal_for(importer), principal_for(viewer)
    owner_access = access_for(owner, library)
    wanted = {m for t in spec["tiles"] for m in t["query"]["metrics"]}
    hooks = any(r["webhook"] for t in spec["tiles"] for r in t["rules"])

    # import: refused unless the importer may see every metric (and set webhooks, when there are any)
    try:
        board = store.import_json(json.dumps(spec), owner)
    except BoardError:
        assert not wanted <= owner_access.metrics or (hooks and "set_webhooks" not in owner_access.permissions)
        assert store.visible(owner) == []  # nothing stored
        return
    assert wanted <= owner_access.metrics and (not hooks or "set_webhooks" in owner_access.permissions)
    board = store.save(dataclasses.replace(board, sharing=sharing, shared_roles=tuple(dict.fromkeys(shared))), owner)

    # pin: only for a role the importer's grants name, and only a board shared with that role
    try:
        pins.pin(pin_role, board.id, owner)
        assert pin_role in owner_access.pins_for
        assert sharing == "everyone" or (sharing == "roles" and pin_role in shared)
    except (BoardError, PolicyError):
        pass
    pinned = pins.pinned_for(who)
    assert pinned is None or allowed(who, "view_board", pinned)

    # alerts: evaluated under the owner; each webhook body is the owner's own number
    bodies = []
    evaluate.evaluate_board(board, warehouse, post=lambda alert_id, url, payload: bodies.append(payload))
    for body in bodies:
        tile = next(t for t in board.tiles if t.title == body["tile"])
        query = evaluate.board_query(tile, board, library)
        assert body["value"] == pytest.approx(_own_number(query, body["metric"], owner, warehouse))

    # the Alert log: every number shown is one the viewer's own query gives
    for row in alerts.history(who):
        tile = next(t for t in board.tiles if t.title == row["tile"])
        query = evaluate.board_query(tile, board, library)
        own = _own_number(query, row["metric"], who, warehouse)
        assert own is not None, f"{viewer} saw {row['metric']} of {importer}'s board in the Alert log"
        if access_for(who, library).row_filter == owner_access.row_filter:
            assert row["value"] == pytest.approx(float(own))
        else:  # a viewer of all rows may see the owner's narrower number (a rep's East breach), never wider
            assert access_for(who, library).row_filter is None
            assert row["value"] == pytest.approx(float(_own_number(query, row["metric"], owner, warehouse)))

    # tiles and exports: whatever the viewer gets of a board they may open is their own policy's answer
    if allowed(who, "view_board", board):
        for tile in board.tiles:
            query = evaluate.board_query(tile, board, library)
            try:
                frame = run(query, who, warehouse=warehouse).frame
            except PolicyError:
                assert not set(query.metrics) <= access_for(who, library).metrics
                continue
            assert set(query.metrics) <= access_for(who, library).metrics
            exported = pd.read_csv(io.BytesIO(to_csv(frame)), encoding="utf-8-sig")
            assert set(exported.columns) <= set(frame.columns)
    else:
        with pytest.raises(BoardError):
            store.get(board.id, who)
