"""Start Concord: `streamlit run serve.py` (what `make run` does).

The app is app.py; this adds the two small routes that set and clear the
HttpOnly sign-in cookie (auth/routes.py) to Streamlit's own server."""

import streamlit as st

from auth.routes import routes

app = st.App("app.py", routes=routes())
