"""The planning table in the library (issue 17): budget_lines is declared with a `planning` marker, checked
by the loader, and every place that walks the library's tables against the warehouse skips it or refuses
it with a reason (a rollup or a quality check cannot hold it: it is built from budget versions per query)."""

from __future__ import annotations

import shutil

import pytest

from semantic.errors import ModelError
from semantic.model.loader import MODELS_DIR, default_library, load_library
from semantic.quality.model import load_checks
from semantic.rollup.spec import load_rollups


def edited(tmp_path, old: str, new: str):
    folder = tmp_path / "models"
    shutil.copytree(MODELS_DIR, folder)
    path = folder / "tables.yml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")
    return folder


def test_the_library_declares_budget_lines_as_planning_and_budget_reads_it():
    lib = default_library()
    spec = lib.tables["budget_lines"]
    assert (spec.planning.actuals, spec.planning.imported) == ("expense", "budgets")
    assert "budget_lines" not in lib.warehouse_tables and "budgets" in lib.warehouse_tables
    assert lib.measures["budget"].table == "budget_lines"
    assert lib.dimensions["version"].sources == ("budget_lines.version",)
    assert lib.dimensions["version"].label.zh == "预算版本"
    for dim in ("department", "account", "region", "version"):
        assert lib.applies("budget", dim), dim


@pytest.mark.parametrize(
    "old, new, says",
    [
        ("{actuals: expense, imported: budgets}", "{actuals: expenze, imported: budgets}", "unknown measure 'expenze'"),
        ("{actuals: expense, imported: budgets}", "{actuals: expense, imported: budget}", "unknown warehouse table"),
        (
            "{actuals: expense, imported: budgets}",
            "{actuals: budget, imported: budgets}",
            "must be a sum over a warehouse",
        ),
        (
            "columns: [version, month, department, account, region, amount]",
            "columns: [version, month, department, account, amount]",
            "exactly the columns",
        ),
        ("{actuals: expense, imported: budgets}", "{actuals: expense}", "imported"),
    ],
)
def test_a_wrong_planning_marker_is_one_line(tmp_path, old, new, says):
    folder = edited(tmp_path, old, new)
    if "region, amount]" in old:  # the dimension source and primary key on region go too
        text = (folder / "dimensions.yml").read_text(encoding="utf-8").replace(" budget_lines.region,", "")
        (folder / "dimensions.yml").write_text(text, encoding="utf-8")
        tables = (folder / "tables.yml").read_text(encoding="utf-8")
        tables = tables.replace(
            "[version, month, department, account, region]", "[version, month, department, account]"
        )
        (folder / "tables.yml").write_text(tables, encoding="utf-8")
    with pytest.raises(ModelError) as refused:
        load_library(folder)
    assert says in str(refused.value) and "\n" not in str(refused.value)


def test_a_rollup_of_budget_is_refused_with_the_reason(tmp_path):
    path = tmp_path / "rollups.yml"
    path.write_text(
        "rollups:\n  budget_by_month:\n    grain: month\n    measures: [budget]\n    dimensions: [department]\n"
    )
    with pytest.raises(ModelError, match="reads the planning table budget_lines"):
        load_rollups(default_library(), path)


def test_a_quality_check_on_budget_lines_is_refused_pointing_at_the_imported_table(tmp_path):
    path = tmp_path / "checks.yml"
    path.write_text(
        "checks:\n  lines_not_null:\n    label: {en: x, zh: x}\n    description: {en: x, zh: x}\n"
        "    kind: not_null\n    table: budget_lines\n    columns: [amount]\n    blocking: true\n"
    )
    with pytest.raises(ModelError, match="planning table .* check its imported table budgets"):
        load_checks(path, default_library())
