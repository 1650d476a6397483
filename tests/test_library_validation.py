"""A broken indicator library fails with the file, the key path and what to do."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from semantic import ModelError, load_library
from semantic.model.loader import MODELS_DIR

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def models(tmp_path):
    folder = tmp_path / "models"
    shutil.copytree(MODELS_DIR, folder)
    return folder


def edit(folder: Path, name: str, old: str, new: str) -> None:
    path = folder / name
    text = path.read_text(encoding="utf-8")
    assert old in text, f"test setup: {old!r} not in {name}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_the_shipped_library_loads():
    library = load_library(MODELS_DIR)
    for name in (
        "revenue",
        "cogs",
        "gross_profit",
        "gross_margin_pct",
        "orders",
        "units",
        "avg_order_value",
        "discount_rate",
        "invoiced",
        "cash_in",
        "cash_out",
        "net_cash_flow",
        "ar_balance",
        "dso",
        "expense",
        "budget",
        "budget_variance",
        "budget_variance_pct",
        "ledger_revenue",
        "revenue_recon_gap",
        "inventory_value",
    ):
        metric = library.metrics[name]
        assert metric.label.en and metric.label.zh and metric.description.zh and metric.owner
    for name in (
        "region",
        "city",
        "channel",
        "segment",
        "customer",
        "product",
        "category",
        "sales_rep",
        "department",
        "account",
    ):
        assert name in library.dimensions


CASES = [
    (
        "sales.yml",
        "measure: revenue\n  cogs:",
        "measure: revenu\n  cogs:",
        ["sales.yml", "metrics.revenue", "unknown measure 'revenu'", "Did you mean 'revenue'"],
    ),
    (
        "sales.yml",
        "expr: revenue - cogs",
        "expr: revenue - cost",
        ["metrics.gross_profit.expr", "unknown metric 'cost'"],
    ),
    ("sales.yml", "expr: gross_profit / revenue", "expr: gross_margin_pct / revenue", ["cycle"]),
    (
        "sales.yml",
        "expr: net_amount",
        "expr: net_amount_x",
        ["measures.revenue.expr", "'net_amount_x' is not a column of order_lines"],
    ),
    ("sales.yml", "table: order_lines", "table: order_line", ["measures.revenue.table", "unknown table 'order_line'"]),
    (
        "sales.yml",
        "expr: revenue / orders",
        "expr: read_csv('/etc/passwd')",
        ["metrics.avg_order_value.expr", "not allowed"],
    ),
    ("finance.yml", "format: days", "format: hours", ["metrics.dso.format"]),
    (
        "finance.yml",
        "good: down\n    change: absolute",
        "good: sideways\n    change: absolute",
        ["finance.yml", "metrics.dso.good", "'up', 'down' or 'neutral'"],
    ),
    ("sales.yml", "    good: up\n    tags: [sales]", "    tags: [sales]", ["metrics.revenue.good", "Field required"]),
    ("finance.yml", "change: absolute", "change: percent", ["metrics.net_cash_flow.change"]),
    (
        "finance.yml",
        "    owner: Finance\n    format: currency\n    good: up\n    tags: [finance]\n    certified: true\n",
        "    format: currency\n    good: up\n    tags: [finance]\n    certified: true\n",
        ["metrics.invoiced.owner", "Field required"],
    ),
    (
        "dimensions.yml",
        "sources: [customers.city]",
        "sources: [customers.town]",
        ["dimensions.city.sources", "'town' is not a column of customers"],
    ),
    ("dimensions.yml", "drill: city", "drill: cities", ["dimensions.region.drill", "unknown dimension 'cities'"]),
    (
        "tables.yml",
        "joins: {orders: order_id}\n  receipts",
        "joins: {order: order_id}\n  receipts",
        ["tables.invoices.joins", "unknown table 'order'"],
    ),
    (
        "tables.yml",
        "    columns: [customer_id, customer_name, region, city, channel, segment]",
        "    columns: [customer_id, customer_name, region, city, channel, segment]\n    joins: {orders: customer_id}",
        ["cycle"],
    ),
    ("sales.yml", "metrics:\n", "metrics:\n  revenue: {}\n", ["defined twice"]),
    (
        "sales.yml",
        "    type: simple\n    measure: units",
        "    type: simple\n    measure: units\n    colour: red",
        ["metrics.units.colour", "Extra inputs"],
    ),
    ("sales.yml", "measures:\n", "measures: [\n", ["sales.yml", "line"]),
]


@pytest.mark.parametrize("name,old,new,expected", CASES)
def test_broken_library_is_reported_precisely(models, name, old, new, expected):
    edit(models, name, old, new)
    with pytest.raises(ModelError) as caught:
        load_library(models)
    message = str(caught.value)
    for part in expected:
        assert part in message, message
    assert "\n" not in message and "Traceback" not in message


def test_duplicate_across_files_names_both_files(models):
    (models / "extra.yml").write_text(
        (models / "sales.yml").read_text(encoding="utf-8").split("metrics:")[0], encoding="utf-8"
    )
    with pytest.raises(ModelError, match=r"defined twice \(also in"):
        load_library(models)


def test_validate_command_reports_one_line_and_exit_2(models):
    edit(models, "sales.yml", "measure: units", "measure: unit")
    done = subprocess.run(
        [sys.executable, "-m", "semantic", "validate", "--models", str(models)],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "unknown measure 'unit'" in done.stderr
    assert "Traceback" not in done.stderr


def test_validate_against_the_warehouse(warehouse_path):
    done = subprocess.run(
        [sys.executable, "-m", "semantic", "validate", "--db", str(warehouse_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("ok:")
