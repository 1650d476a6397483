"""Each language reads as that language (issue 11): an English message holds no Chinese character, so the
English UI shows Chinese only in the language switch's own name (简体中文)."""

from __future__ import annotations

import re

from ui.i18n import MESSAGES

CHINESE = re.compile(r"[\u3400-\u9fff]")


def test_no_english_message_holds_chinese():
    mixed = {key: entry["en"] for key, entry in MESSAGES.items() if CHINESE.search(entry["en"])}
    assert not mixed, mixed
