"""Start Concord: `streamlit run serve.py` (what `make run` does).

The app is app.py; this adds the two small routes that set and clear the
HttpOnly sign-in cookie (auth/routes.py) to Streamlit's own server.

Before the server answers anyone, the modules every page needs are imported and the indicator
library is loaded: otherwise the first run after a (re)start does it while a hundred office
screens reconnecting at once wait behind it (docs/benchmarks.md, "Office screens")."""

import streamlit as st

import boards.tokens  # noqa: F401 - warm-up: screens resolve their links first
import ui.kiosk  # noqa: F401 - warm-up: plotly, pandas, the charts and the tiles come with it
from auth.routes import routes
from data import config, custom_store
from semantic import default_library
from semantic.errors import SemanticError

try:
    config.settle()  # concord.toml's warehouse, library and policy, before anything loads them
    default_library()
    custom_store.register()  # users' custom metrics and groupings, read from the metadata store
except SemanticError:
    pass  # app.py shows the one-line message on the page

app = st.App("app.py", routes=routes())
