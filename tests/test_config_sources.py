"""concord.toml names the warehouse, the library, the policy and the sources; each mistake is one line
naming the key and the fix, and settle() hands the paths to the rest of the app."""

from __future__ import annotations

import os

import pytest

from data import config
from semantic.execute import warehouse_path
from semantic.model.loader import models_dir


def write(tmp_path, text: str):
    file = tmp_path / "concord.toml"
    file.write_text(text, encoding="utf-8")
    return file


def test_the_example_file_loads_as_the_defaults():
    settings = config.load(config.ROOT / "concord.example.toml")
    assert settings.sources == {} and settings.sync.every_minutes == 0 and settings.warehouse.path is None


@pytest.mark.parametrize(
    ("text", "says"),
    [
        (
            '[sources.erp]\nkind = "postgres"\nurl = "postgresql://u:secret@h/db"\n[sources.erp.tables.orders]\n'
            'table = "orders"\nprimary_key = ["order_id"]\n',
            "sources.erp.url: holds a password",
        ),
        (
            '[sources.erp]\nkind = "oracle"\n[sources.erp.tables.orders]\nprimary_key = "id"\n',
            'sources.erp.kind: must be "postgres", "folder" or "file"',
        ),
        (
            '[sources.erp]\nkind = "postgres"\nurl = "postgresql://u@h/db"\n[sources.erp.tables.orders]\n'
            'table = "orders"\n',
            "sources.erp.tables.orders.primary_key: is missing",
        ),
        (
            '[sources.files]\nkind = "folder"\npath = "x"\n[sources.files.tables.expenses]\nprimary_key = "id"\n',
            'give files = "name_*.csv"',
        ),
        ('[sync]\nevery_minutes = "often"\n', "sync.every_minutes: must be a whole number of minutes"),
        ('[warehouse]\npaht = "x.duckdb"\n', "warehouse.paht: unknown setting"),
        ("[model]\nfolder = 3\n", "model.folder: must be a path in quotes"),
    ],
)
def test_each_mistake_is_one_line_naming_the_key(tmp_path, text, says):
    file = write(tmp_path, text)
    with pytest.raises(config.ConfigError) as caught:
        config.load(file)
    message = str(caught.value)
    assert says in message and "\n" not in message and "secret" not in message


@pytest.fixture
def clean_settled(monkeypatch):
    """settle() writes os.environ itself: monkeypatch records each variable first (setenv), so whatever
    settle sets is undone after the test and never leaks into the next one."""
    for variable in config.SETTLED:
        monkeypatch.setenv(variable, "-")
        monkeypatch.delenv(variable)
    monkeypatch.setattr(config, "_set_by_us", {})
    monkeypatch.setattr(config, "_settled", {})


def test_settle_hands_the_paths_over_and_follows_the_file(tmp_path, clean_settled):
    file = write(tmp_path, '[warehouse]\npath = "own/w.duckdb"\n[model]\nfolder = "mymodels"\n')
    config.settle(file)
    assert warehouse_path() == tmp_path / "own" / "w.duckdb"  # relative to the file's folder
    assert models_dir() == tmp_path / "mymodels"
    os.utime(file, ns=(1, 1))  # an edit (a new mtime) is read again; a removed key goes back to the default
    file.write_text('[warehouse]\npath = "/abs/w.duckdb"\n', encoding="utf-8")
    config.settle(file)
    assert str(warehouse_path()) == "/abs/w.duckdb"
    assert "CONCORD_MODELS" not in os.environ


def test_a_variable_set_before_start_wins_over_the_file(tmp_path, monkeypatch, clean_settled):
    monkeypatch.setenv("CONCORD_WAREHOUSE", "/from/env.duckdb")
    config.settle(write(tmp_path, '[warehouse]\npath = "file.duckdb"\n'))
    assert str(warehouse_path()) == "/from/env.duckdb"


def test_a_password_file_readable_by_others_is_refused(tmp_path):
    secret = tmp_path / "erp.pass"
    secret.write_text("s3cret\n")
    secret.chmod(0o644)
    file = write(
        tmp_path,
        f'[sources.erp]\nkind = "postgres"\nurl = "postgresql://u@h/db"\npassword_file = "{secret}"\n'
        '[sources.erp.tables.orders]\ntable = "orders"\nprimary_key = "order_id"\n',
    )
    source = config.load(file).sources["erp"]
    with pytest.raises(config.ConfigError, match="chmod 600"):
        source.password()
    secret.chmod(0o600)
    assert source.password() == "s3cret"
    assert "s3cret" not in str(source.shown())
