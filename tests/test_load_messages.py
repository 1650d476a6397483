"""The Upload page says data.load's refusals and row reasons in the user's language. The messages are
the real ones, made by data.load from bad files and rows (tests/test_load_files.py's cases), never
written here: a new refusal without a Chinese line fails this test."""

from __future__ import annotations

import re

import pytest

from data import load
from data.load import read as reading
from tests.test_load_budget import budget_workbook
from tests.test_load_files import BAD_ROWS, EXPENSES, _bad_inputs, preview, wh  # noqa: F401 (wh is a fixture)
from ui.load_messages import reason, said

CJK = re.compile(r"[\u4e00-\u9fff]")
ENGLISH_CLAUSE = re.compile(r"\b(is not|cannot|has no|there is|nothing was|rows? of|of|sheet)\b")


def chinese(text: str) -> bool:
    return bool(CJK.search(text)) and not ENGLISH_CLAUSE.search(text)


@pytest.mark.parametrize("name, data, _", _bad_inputs(), ids=[b[0] for b in _bad_inputs()])
def test_every_refused_file_is_said_in_chinese(wh, monkeypatch, name, data, _):  # noqa: F811
    if name == "big.csv":
        monkeypatch.setattr(reading, "MAX_BYTES", 10)
    with pytest.raises(load.LoadError) as err:
        preview(wh, data, name)
    zh = said(err.value, "zh")
    assert chinese(zh), zh
    assert name in zh or re.search(r"[A-Z]+\d+", zh), zh  # the file or the cell is still named
    assert said(err.value, "en") == str(err.value)  # English: as data.load said it


@pytest.mark.parametrize("line, _", BAD_ROWS, ids=[r[1][:20] for r in BAD_ROWS])
def test_every_row_reason_and_the_refusal_are_said_in_chinese(wh, line, _):  # noqa: F811
    p = preview(wh, (EXPENSES + line).encode("gbk"), "e.csv")
    ((_, why),) = p.errors
    assert chinese(reason(why, "zh")), reason(why, "zh")
    assert reason(why, "en") == why
    with pytest.raises(load.LoadError) as err:
        load.apply(p, "fin", warehouse=wh)
    assert chinese(said(err.value, "zh")) and "e.csv" in said(err.value, "zh")


def test_a_budget_without_region_is_said_without_shell_flags(wh):  # noqa: F811
    data, _ = budget_workbook(2025, region=False)
    with pytest.raises(load.LoadError) as err:
        load.preview(data, "2025年预算.xlsx", "budgets", warehouse=wh)
    assert "--set" in str(err.value)  # the shell's advice, for the shell
    assert "--" not in said(err.value, "en") and "region" in said(err.value, "en")
    assert chinese(said(err.value, "zh")) and "region" in said(err.value, "zh")
