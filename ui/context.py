"""What every page needs from the running app: who is asking, in which
language, the warehouse, and one way to ask the semantic layer (errors become
st.error with the layer's message; no traceback reaches the page)."""
from __future__ import annotations

import os
from pathlib import Path

import streamlit as st

from semantic import Principal, Query, Result, SemanticError, Warehouse, default_library, run
from semantic.execute import DEFAULT_WAREHOUSE
from semantic.model.library import TIME, split_time
from ui.i18n import label, text

PRINCIPAL_KEY = "principal"


@st.cache_resource
def warehouse() -> Warehouse:
    return Warehouse(Path(os.environ.get("CONCORD_WAREHOUSE", DEFAULT_WAREHOUSE)))


def library():
    return default_library()


def principal() -> Principal:
    return st.session_state[PRINCIPAL_KEY]


def visible_metrics() -> tuple[str, ...]:
    from semantic.policy import access_for, visible_metrics as visible

    return visible(access_for(principal(), library()), library())


def lang() -> str:
    return st.session_state.get("lang", "en")


def t(key: str, **values) -> str:
    return text(key, lang(), **values)


def metric_label(name: str) -> str:
    base = name.split("__")[0]
    spec = library().metrics.get(base)
    shown = label(spec.label, lang()) if spec else name
    suffix = name[len(base):]
    if suffix == "__prior":
        return f"{shown} ({t('explore.compare')})"
    if suffix == "__change_pct":
        return f"{shown} Δ%"
    return shown


def dimension_label(name: str) -> str:
    base, grain = split_time(name)
    if base == TIME:
        return {"en": "Time", "zh": "时间"}[lang()] + (f" ({grain})" if grain else "")
    spec = library().dimensions.get(base)
    return label(spec.label, lang()) if spec else name


def member_label(dimension: str, value) -> str:
    spec = library().dimensions.get(dimension)
    if spec is not None and str(value) in spec.members:
        return label(spec.members[str(value)], lang())
    return "—" if value is None else str(value)


def ask(query: Query, source: str) -> Result | None:
    """Run `query` as the signed-in user; on refusal or error show the message and return None."""
    try:
        return run(query, principal(), warehouse=warehouse(), source=source)
    except SemanticError as err:
        st.error(str(err))
        return None


def guard(render) -> None:
    """Run a page body; anything unexpected becomes one readable line, not a traceback.
    Pages live in views/, not pages/: Streamlit would route /name straight to a
    file in a pages/ folder, past app.py's login. A page run without a signed-in
    user (it cannot happen through app.py) shows nothing."""
    if PRINCIPAL_KEY not in st.session_state:
        st.error("Sign in first.")
        st.stop()
    try:
        render()
    except SemanticError as err:
        st.error(str(err))
    except Exception as err:  # noqa: BLE001 - the last line of defence (st.stop/rerun are BaseExceptions)
        st.error(t("error.page", message=f"{type(err).__name__}: {err}"))


def require_metrics(*metrics: str) -> bool:
    """True when the user may see all `metrics`; otherwise says which are missing (the page stops there).
    The navigation hides such pages too; this is the lock on the door, not just the missing sign."""
    missing = [m for m in metrics if m not in visible_metrics()]
    if missing:
        st.error(text("error.not_granted", lang(), metrics=", ".join(missing), roles=", ".join(principal().roles)))
        return False
    return True
