"""User text on a page is text: never HTML, never Markdown.

Board titles, descriptions, tile titles, member names and error messages (which
may echo any of these) are written by users or synced from other systems. Most
Streamlit elements (st.markdown, st.caption, st.error, button, expander and
metric labels) read their text as Markdown, which loads images from any host
for every viewer and draws links that can phish; `unsafe_allow_html=True`
runs HTML. So:

- `st.text(...)` for user text that stands alone (it parses nothing);
- `plain(text)` for user text inside a Markdown element: every ASCII punctuation
  character is backslash-escaped (CommonMark allows exactly that), and an
  invisible word joiner goes after each ':' or '@' that a non-space follows and
  after a 'www' before '.': Streamlit's Markdown links bare addresses (http://…,
  www.…, a@b.c) and reads :shortcodes: and :colour[directives] even when they
  are escaped, and the joiner breaks each of them. The reader sees the characters
  typed and nothing else;
- `unsafe_allow_html=True` only ever with a constant string of this app
  (tests/test_ui_units.py checks the source for it).
"""

from __future__ import annotations

import re
import string

JOINER = "\u2060"  # WORD JOINER: invisible, and no address, shortcode or directive spans it
_ESCAPES = str.maketrans({c: "\\" + c for c in string.punctuation})
_JOIN = re.compile(r"(?<=[:@])(?=\S)|(?<=www)(?=\.)", re.IGNORECASE)  # http:|//, a@|b.c, :|smile:, www|.x


def plain(text) -> str:
    """`text` for a Markdown element, shown exactly as typed (no HTML, links, images, emphasis)."""
    return "" if text is None else _JOIN.sub(JOINER, str(text)).translate(_ESCAPES)
