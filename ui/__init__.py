"""Streamlit-facing helpers shared by the pages: language, number formats,
charts, URL state, exports. No SQL here: numbers come from semantic/."""
