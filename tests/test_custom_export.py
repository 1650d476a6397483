"""`python -m semantic certified list|export`: certified custom definitions leave the metadata store as library
YAML that loads with the library (semantic.model.loader.load_library); bad input is one line, exit 2."""

from __future__ import annotations

import shutil

import pytest
import yaml

from cli.semantic_cli import main
from data import custom_store as store
from semantic.model.loader import MODELS_DIR, load_library
from semantic.model.schema import DimensionSpec, MetricSpec
from tests import customstore
from tests.customstore import AUTHOR, CFO, grouping, metric

METASTORE_BACKENDS = ("sqlite", "postgres")
accepting = pytest.fixture(customstore.accepting)
certifying = pytest.fixture(customstore.certifying)


@pytest.fixture
def certified(metastore_file, accepting, certifying):
    """net_margin certified at version 1 with a newer draft waiting; city_tier certified; a draft never certified."""
    store.forget()
    store.save("metric", "net_margin", metric(), AUTHOR, expected_version=None)
    store.certify("net_margin", 1, CFO, note="checked against the ledger\nfor 2025")
    store.save("metric", "net_margin", metric("gross_profit - 0.05 * revenue"), AUTHOR, expected_version=1)
    store.save("grouping", "city_tier", grouping(), AUTHOR, expected_version=None)
    store.certify("city_tier", 1, CFO)
    store.save("metric", "still_a_draft", metric("revenue - cogs"), AUTHOR, expected_version=None)
    yield
    store.forget()


def test_export_writes_yaml_the_library_loads(certified, tmp_path, capsys):
    models = tmp_path / "models"
    shutil.copytree(MODELS_DIR, models)
    out = models / "certified.yml"
    assert main(["certified", "export", "--out", str(out), "--models", str(models)]) == 0
    said = capsys.readouterr()
    assert "wrote 2 certified definitions" in said.out and "loads with it" in said.out and said.err == ""

    exported = yaml.safe_load(out.read_text(encoding="utf-8"))
    assert set(exported) == {"metrics", "dimensions"}
    assert set(exported["metrics"]) == {"net_margin"} and set(exported["dimensions"]) == {"city_tier"}
    entry = exported["metrics"]["net_margin"]
    assert entry["expr"] == "gross_profit - 0.03 * revenue"  # the certified version, not the waiting draft
    assert entry["certified"] is True
    text = out.read_text(encoding="utf-8")
    assert "certified by cfo at " in text and ": checked against the ledger for 2025" in text

    library = load_library(models)
    loaded = library.metrics["net_margin"]
    assert (loaded.type, loaded.expr, loaded.certified, loaded.label.zh) == (
        "derived",
        "gross_profit - 0.03 * revenue",
        True,
        "扣渠道费毛利",
    )
    assert "city_tier" in library.dimensions and "still_a_draft" not in library.metrics


def test_export_prints_to_stdout_and_list_names_them(certified, capsys):
    assert main(["certified", "export"]) == 0
    printed = yaml.safe_load(capsys.readouterr().out)
    assert set(printed["metrics"]) == {"net_margin"}
    assert main(["certified", "list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2 and lines[1].startswith("metric   net_margin")
    assert "version 1 by Zhou Min, certified by cfo" in lines[1] and "draft version 2 waiting" in lines[1]


def test_an_export_that_breaks_the_library_says_so(certified, tmp_path, capsys):
    models = tmp_path / "models"
    shutil.copytree(MODELS_DIR, models)
    out = tmp_path / "elsewhere" / "certified.yml"
    (models / "mine.yml").write_text(
        "dimensions:\n  city_tier:\n"
        + "".join(
            "    " + line + "\n"
            for line in yaml.safe_dump(grouping().model_dump(mode="json", exclude_defaults=True)).splitlines()
        ),
        encoding="utf-8",
    )  # city_tier is in the library already, under another file
    assert main(["certified", "export", "--out", str(out), "--models", str(models)]) == 1
    said = capsys.readouterr()
    assert out.exists() and said.err.count("\n") == 1 and "city_tier" in said.err


@pytest.mark.parametrize(
    "argv, message",
    [
        (["certified", "export", "--out", "{tmp}/a_file/certified.yml"], "cannot write"),
        (["certified", "export", "--out", "{tmp}/policies.yml"], "write a .yml file the library reads"),
        (["certified", "list", "--metastore", "{tmp}/nowhere/metastore.sqlite"], "no metadata store at"),
        (["certified", "list", "--metastore", "postgresql://nobody@127.0.0.1:1/none"], "cannot read the metadata"),
        (["certified", "export", "--out", "{tmp}/x.json"], "write a .yml file"),
    ],
)
def test_bad_input_is_one_line(certified, tmp_path, capsys, argv, message):
    (tmp_path / "a_file").write_text("not a folder", encoding="utf-8")
    assert main([a.replace("{tmp}", str(tmp_path)) for a in argv]) == 2
    said = capsys.readouterr()
    assert said.err.startswith("error: ") and said.err.count("\n") == 1 and message in said.err, said.err


def test_nothing_certified_is_one_line(metastore_file, accepting, capsys):
    store.forget()
    store.save("metric", "still_a_draft", metric(), AUTHOR, expected_version=None)
    assert main(["certified", "export"]) == 2
    said = capsys.readouterr()
    assert said.err == (
        "error: no certified custom metrics or groupings in the metadata store; "
        "a certifier certifies a shared draft in the app first.\n"
    )


NEW_SCHEMA = "base" in DimensionSpec.model_fields and "certified_by" in MetricSpec.model_fields


def _text(en: str, zh: str) -> dict:
    return {"en": en, "zh": zh}


@pytest.mark.skipif(not NEW_SCHEMA, reason="needs the issue-15 library schema (filtered, share, groupings)")
def test_every_kind_exports_with_its_certification_and_loads(metastore_file, accepting, certifying, tmp_path):
    common = {"description": _text("Made in the app.", "在应用中定义。"), "owner": "Sales Operations"}
    metric_common = {**common, "tags": ("sales",), "good": "up"}
    specs = [
        (
            "metric",
            "online_revenue",
            MetricSpec(
                label=_text("Online revenue", "线上收入"),
                format="currency",
                type="filtered",
                base="revenue",
                where="channel = 'Online'",
                **metric_common,
            ),
        ),
        (
            "metric",
            "region_revenue_share",
            MetricSpec(
                label=_text("Revenue share of region", "区域收入占比"),
                format="percent",
                type="share",
                base="revenue",
                across="region",
                **metric_common,
            ),
        ),
        (
            "grouping",
            "city_tier",
            DimensionSpec(
                label=_text("City tier", "城市等级"),
                base="city",
                buckets=({"label": _text("Tier 1", "一线"), "members": ("Shanghai", "Beijing")},),
                **common,
            ),
        ),
        (
            "grouping",
            "price_band",
            DimensionSpec(
                label=_text("Price band", "价格段"),
                base="list_price",
                bands=(
                    {"label": _text("Under 100", "100 以下"), "below": 100},
                    {"label": _text("100 to 500", "100-500"), "below": 500},
                ),
                **common,
            ),
        ),
    ]
    store.forget()
    for kind, name, spec in specs:
        store.save(kind, name, spec, AUTHOR, expected_version=None)
        store.certify(name, 1, CFO, note=f"{name} reviewed")
    models = tmp_path / "models"
    shutil.copytree(MODELS_DIR, models)
    assert main(["certified", "export", "--out", str(models / "certified.yml"), "--models", str(models)]) == 0
    library = load_library(models)
    for kind, name, spec in specs:
        loaded = (library.metrics if kind == "metric" else library.dimensions)[name]
        assert (loaded.certified, loaded.certified_by, loaded.certification_note) == (True, "cfo", f"{name} reviewed")
        assert loaded.certified_at == store.find(store.definitions(), name).info.certified_at
        assert {k: v for k, v in loaded.model_dump().items() if not k.startswith("certifi") and k != "members"} == {
            k: v for k, v in spec.model_dump().items() if not k.startswith("certifi") and k != "members"
        }
    store.forget()
