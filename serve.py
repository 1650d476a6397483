"""Start Concord: `streamlit run serve.py` (what `make run` does).

The app is app.py; this adds the two small routes that set and clear the
HttpOnly sign-in cookie (auth/routes.py) to Streamlit's own server.

Before the server answers anyone, the modules every page needs are imported and the indicator
library is loaded: otherwise the first run after a (re)start does it while a hundred office
screens reconnecting at once wait behind it (docs/benchmarks.md, "Office screens")."""

import threading

import streamlit as st

import boards.tokens  # noqa: F401 - warm-up: screens resolve their links first
import ui.kiosk  # noqa: F401 - warm-up: plotly, pandas, the charts and the tiles come with it
from auth.routes import routes
from data import budget, config, custom_store
from semantic import default_library
from semantic.errors import SemanticError
from semantic.execute import EngineSettings, open_engine


def warm_engine() -> None:
    """Spark starts a JVM and its session at the first query (16 s on the test machine): start them now, in the
    background, so the first page does not wait and the server answers its health check at once. The session
    is the process's (semantic/execute/spark.py), shared by the pages' executor. A failure is the pages' to say."""
    try:
        open_engine(EngineSettings.from_env()).columns()
    except Exception:  # noqa: BLE001, S110 - the first page says what is wrong, in its reader's language
        pass


try:
    config.settle()  # concord.toml's warehouse, library and policy, before anything loads them
    default_library()
    custom_store.register()  # users' custom metrics and groupings, read from the metadata store
    budget.register()  # budget versions: a screen's budget tiles read the year's approved version
    if EngineSettings.from_env().engine == "spark":
        threading.Thread(target=warm_engine, daemon=True, name="concord-warm-engine").start()
except SemanticError:
    pass  # app.py shows the one-line message on the page

app = st.App("app.py", routes=routes())
