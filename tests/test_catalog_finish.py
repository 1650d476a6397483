"""The metric catalog reads as a catalog for finance users (issue 11): a metric's header is its label in the
user's language with a written "Certified" (no emoji, which shows as an empty box where no emoji font is
installed, and no raw name like `gross_margin_pct`); the name used in links and exports and the roles that
see it are rows of its table, the roles by their policies.yml labels."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from semantic import Principal, default_library

ROOT = Path(__file__).resolve().parent.parent
CEO = Principal("ceo", ("exec",))
RAW = re.compile(r"__|\b[a-z]+_[a-z_]+\b|`")
EMOJI = re.compile("[\U0001f300-\U0001faff\u2600-\u27bf]")


@pytest.fixture(autouse=True)
def _env(monkeypatch, warehouse_path, metastore_file):
    monkeypatch.setenv("CONCORD_WAREHOUSE", str(warehouse_path))


def open_catalog(lang: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / "views" / "catalog.py"), default_timeout=120)
    at.session_state["principal"] = CEO
    at.session_state["lang"] = lang
    return at.run()


@pytest.mark.parametrize("lang, certified, role", [("en", "Certified", "Executive"), ("zh", "已认证", "管理层")])
def test_catalog_headers_are_labels_and_say_certified_in_words(lang, certified, role):
    at = open_catalog(lang)
    assert not at.exception
    titles = [e.label for e in at.expander]
    lib = default_library()
    assert len(titles) == len(lib.metrics)
    assert not [t for t in titles if RAW.search(t) or EMOJI.search(t)], titles
    margin = next(t for t in titles if t.startswith(lib.metrics["gross_margin_pct"].label.model_dump()[lang]))
    assert certified in margin
    cells = [str(v) for t in at.table for v in t.value.to_numpy().ravel()]
    assert "gross_margin_pct" in cells  # the name for links and exports is still there, as a value
    roles = [c for c in cells if role in c]
    assert roles and not [c for c in roles if re.search(r"\bexec\b", c)], roles
    assert not [c for c in cells if EMOJI.search(c)]
