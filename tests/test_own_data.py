"""A company's own data, the README's walk: init drafts the library and a starter policy, the user
resolves the review markers and adds a metric, validate says ready, concord.toml names the folder
and the warehouse, and the numbers (through a fresh `python -m semantic query` process) equal hand
SQL over the user's own tables. The demo's rollups, checks and roles are not inherited."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
import yaml

from cli.semantic_cli import main
from semantic.model.loader import load_library
from semantic.policy import access_for, load_policy, visible_metrics
from semantic.principal import Principal
from ui.home_rows import rows_for

ROOT = Path(__file__).resolve().parent.parent

METRICS = """
measures:
  sales:
    table: sales
    expr: amount
    agg: sum
    time: sale_date
dimensions:
  city:
    label: {en: City, zh: 城市}
    description: {en: The city of the store., zh: 门店所在城市。}
    owner: Sales
    sources: [stores.city]
metrics:
  sales:
    label: {en: Sales, zh: 销售额}
    description: {en: Sale amounts by sale date., zh: 按销售日期统计的销售金额。}
    owner: Finance
    format: currency
    good: up
    tags: [sales]
    type: simple
    measure: sales
"""


@pytest.fixture
def shop(tmp_path) -> Path:
    path = tmp_path / "shop.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute("CREATE TABLE stores (store_id INTEGER PRIMARY KEY, store_name VARCHAR, city VARCHAR)")
        con.execute(
            "CREATE TABLE sales (sale_id INTEGER PRIMARY KEY, store_id INTEGER, sale_date DATE, amount DECIMAL(12,2))"
        )
        con.execute(
            "INSERT INTO stores VALUES (1, '北京一店', '北京'), (2, '上海一店', '上海'), (3, '杭州一店', '杭州')"
        )
        con.execute(
            "INSERT INTO sales SELECT i, 1 + i % 3, DATE '2026-01-01' + (i % 300)::INTEGER, (i * 7 % 100) + 0.5 "
            "FROM range(1, 1001) t(i)"
        )
    return path


def resolve_markers(folder: Path) -> None:
    """What the reviewer does: accept each guess (delete the `# review` comments), write zh labels."""
    for file in folder.glob("*.yml"):
        text = re.sub(r"\s*# review:[^\n]*", "", file.read_text(encoding="utf-8"))
        text = text.replace("zh: Sales}", "zh: 销售}").replace("zh: Stores}", "zh: 门店}")
        file.write_text(text, encoding="utf-8")


def test_from_an_empty_folder_to_the_first_metric(shop, tmp_path, capsys):
    models = tmp_path / "mymodels"
    assert main(["init", "--db", str(shop), "--out", str(models)]) == 0
    capsys.readouterr()
    assert (models / "policies.yml").exists()  # the roles in use, narrowed
    (models / "metrics.yml").write_text(METRICS, encoding="utf-8")
    assert main(["validate", "--models", str(models), "--db", str(shop)]) == 1  # review markers left
    assert "review:" in capsys.readouterr().out
    resolve_markers(models)
    assert main(["validate", "--models", str(models), "--db", str(shop)]) == 0
    assert "ready" in capsys.readouterr().out
    policy = (models / "policies.yml").read_text(encoding="utf-8")
    (models / "policies.yml").write_text(policy.replace('["tag:sales"]', '["revenue"]', 1), encoding="utf-8")
    assert main(["validate", "--models", str(models)]) == 2  # a role naming a metric the library lacks
    assert "policies.yml: roles.sales_manager.metrics: unknown metric 'revenue'" in capsys.readouterr().err
    (models / "policies.yml").write_text(policy, encoding="utf-8")

    settings = tmp_path / "concord.toml"
    settings.write_text(f'[model]\nfolder = "mymodels"\n\n[warehouse]\npath = "{shop.name}"\n', encoding="utf-8")
    env = {k: v for k, v in __import__("os").environ.items() if not k.startswith("CONCORD_")}
    shown = subprocess.run(
        [sys.executable, "-m", "semantic", "query", "--metrics", "sales", "--by", "city", "--format", "json"],
        cwd=ROOT,
        env={**env, "CONCORD_CONFIG": str(settings)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert shown.returncode == 0, shown.stderr
    got = {row["city"]: row["sales"] for row in json.loads(shown.stdout)}
    with duckdb.connect(str(shop), read_only=True) as con:
        hand = dict(
            con.execute(
                "SELECT st.city, sum(s.amount) FROM sales s JOIN stores st ON st.store_id = s.store_id GROUP BY 1"
            ).fetchall()
        )
    assert got.keys() == hand.keys() and all(abs(got[c] - float(hand[c])) < 0.005 for c in hand)

    library = load_library(models)
    policy = load_policy(library, models / "policies.yml")
    exec_access = access_for(Principal("ceo", ("exec",)), library, policy)
    rep_access = access_for(Principal("rep", ("sales_rep",), attributes={"region": "East"}), library, policy)
    # Home on your own library: the metrics tagged with the row's name
    assert rows_for(exec_access.home, set(visible_metrics(exec_access, library)), library) == [("sales", ("sales",))]
    # a role that saw only its own rows sees nothing until its row filter is written again
    assert visible_metrics(rep_access, library) == ()
    drafted = yaml.safe_load((models / "policies.yml").read_text(encoding="utf-8"))
    assert drafted["roles"]["sales_rep"]["metrics"] == [] and "row_filter" not in drafted["roles"]["sales_rep"]
