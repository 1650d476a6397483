"""Shared by the sync tests: the test demo in a PostgreSQL database of its own, a concord.toml naming
it, and the three numbers (revenue, ar_balance, revenue_recon_gap) by hand SQL on PostgreSQL itself
and through the semantic layer on the synced warehouse."""

from __future__ import annotations

import hashlib
import itertools
import os
from pathlib import Path

import psycopg
import pytest

from data.demo import to_postgres
from semantic.execute import Warehouse
from semantic.principal import Principal
from semantic.query import make_query
from semantic.service import run

START, END = "2023-01-01", "2025-12-31"
_count = itertools.count(1)

HAND = {
    "revenue": (
        "SELECT sum(l.net_amount) FROM order_lines l JOIN orders o USING (order_id) WHERE o.status <> 'cancelled' "
        "AND o.order_date BETWEEN %(start)s AND %(end)s AND l.deleted_at IS NULL AND o.deleted_at IS NULL"
    ),
    "ar_balance": (
        "SELECT (SELECT coalesce(sum(amount), 0) FROM invoices WHERE deleted_at IS NULL AND invoice_date <= %(end)s)"
        " - (SELECT coalesce(sum(amount), 0) FROM receipts WHERE deleted_at IS NULL AND receipt_date <= %(end)s)"
    ),
    "ledger_revenue": (
        "SELECT sum(credit - debit) FROM journal_entries WHERE account_code = '6001' "
        "AND entry_date BETWEEN %(start)s AND %(end)s"
    ),
}


def database_url(server, name: str) -> str:
    return server.url.rsplit("/", 1)[0] + f"/{name}"


def create_database(server, name: str, template: str | None = None) -> str:
    with psycopg.connect(server.url, autocommit=True) as con:
        con.execute(f'DROP DATABASE IF EXISTS "{name}"')
        con.execute(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
    return database_url(server, name)


def fresh_erp(server, template: str) -> str:
    return create_database(server, f"erp_{os.getpid()}_{next(_count)}", template)


def write_config(tmp_path: Path, monkeypatch, url: str, extra: str = "", fragment: str | None = None) -> Path:
    """concord.toml with the warehouse at tmp_path/warehouse.duckdb and [sources.erp] for the demo tables."""
    warehouse = tmp_path / "warehouse.duckdb"
    text = fragment if fragment is not None else to_postgres.config_fragment(url, name="erp")
    text = "\n".join(line for line in text.splitlines() if "DEMO_ERP_PASSWORD" not in line)
    config = tmp_path / "concord.toml"
    config.write_text(f'[warehouse]\npath = "{warehouse}"\n\n{text}\n{extra}', encoding="utf-8")
    monkeypatch.setenv("CONCORD_CONFIG", str(config))
    monkeypatch.setenv("CONCORD_WAREHOUSE", str(warehouse))
    return warehouse


def hand_numbers(url: str) -> dict[str, float]:
    with psycopg.connect(url) as con:
        got = {k: float(con.execute(sql, {"start": START, "end": END}).fetchone()[0]) for k, sql in HAND.items()}
    got["revenue_recon_gap"] = got["revenue"] - got.pop("ledger_revenue")
    return got


def semantic_numbers(path: Path) -> dict[str, float]:
    wh = Warehouse(path)
    try:
        out = {}
        for metric in ("revenue", "ar_balance", "revenue_recon_gap"):
            query = make_query(metrics=[metric], time_from=START, time_to=END)
            out[metric] = float(run(query, Principal.operator(), warehouse=wh, cache=None).frame[metric].iloc[0])
        return out
    finally:
        wh.close()


def assert_same_numbers(path: Path, url: str) -> dict[str, float]:
    want, got = hand_numbers(url), semantic_numbers(path)
    for metric, value in want.items():
        assert got[metric] == pytest.approx(value, abs=0.005), metric
    return want


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def pg(url: str, *statements: str) -> None:
    with psycopg.connect(url, autocommit=True) as con:
        for sql in statements:
            con.execute(sql)


_templates: dict[str, str] = {}


def template(server, warehouse_path: Path) -> str:
    """A database holding the test demo (made once per session); each test copies it (CREATE ... TEMPLATE)."""
    if "demo" not in _templates:
        name = f"erp_template_{os.getpid()}"
        url = create_database(server, name)
        to_postgres.write(warehouse_path, url, log=lambda _: None)
        _templates["demo"] = name
    return _templates["demo"]
