"""User text on a page is text: never HTML, never Markdown.

Board titles, descriptions, tile titles, member names and error messages (which
may echo any of these) are written by users or synced from other systems. Most
Streamlit elements (st.markdown, st.caption, st.error, button, expander and
metric labels) read their text as Markdown, which loads images from any host
for every viewer and draws links that can phish; `unsafe_allow_html=True`
runs HTML. So:

- `st.text(...)` for user text that stands alone (it parses nothing);
- `plain(text)` for user text inside a Markdown element: every ASCII punctuation
  character is backslash-escaped (CommonMark allows exactly that), so the
  reader sees the characters typed and nothing else;
- `unsafe_allow_html=True` only ever with a constant string of this app
  (tests/test_ui_units.py checks the source for it).
"""
from __future__ import annotations

import string

_ESCAPES = str.maketrans({c: "\\" + c for c in string.punctuation})


def plain(text) -> str:
    """`text` for a Markdown element, shown exactly as typed (no HTML, links, images, emphasis)."""
    return "" if text is None else str(text).translate(_ESCAPES)


def error(message) -> None:
    """An error box whose message may echo user text."""
    import streamlit as st

    st.error(plain(message))
