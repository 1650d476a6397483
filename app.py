"""Concord: the app shell. Log in, then see only the pages and metrics your roles allow.

Layout only: every number on every page comes from the semantic layer with the
signed-in user's principal (ui.context.ask); pages never write SQL.
"""

from __future__ import annotations

import logging

import streamlit as st

from boards import evaluate
from data import config, schedule
from semantic.authorize import allowed
from semantic.errors import SemanticError
from semantic.execute import open_engine
from semantic.query import make_query
from ui import context as ctx
from ui import prefs
from ui.i18n import LANGUAGES
from ui.safe import plain

st.set_page_config(page_title="Concord", page_icon="📊", layout="wide")
try:
    config.settle()  # concord.toml: the warehouse, the library, the policy (read again when the file changes)
except SemanticError as err:
    st.error(str(err))
    st.stop()
# Alert rules are evaluated by one background thread per process, under each board's owner (boards.evaluate);
# starting it again is a no-op, and CONCORD_ALERTS_SCHEDULER=off leaves it to cron. It shares the pages' engine; a
# setting the engine refuses here is said by the page, and the thread opens one itself at its next pass.
try:
    _warehouse = ctx.warehouse()
except SemanticError:
    _warehouse = None
evaluate.start(lambda: _warehouse or open_engine())


@st.cache_resource
def _no_schedule(engine: str) -> bool:
    """Said once per process: syncs write the DuckDB warehouse, never the PostgreSQL or Spark one the app reads."""
    logging.getLogger("concord.sync").warning(
        "[sync] schedule not started: this deployment reads from %s, and a sync writes only the DuckDB warehouse; "
        "load %s with your own pipeline (or python -m data.demo --engine %s).",
        ctx.ENGINE_NAMES[engine],
        ctx.ENGINE_NAMES[engine],
        engine,
    )
    return True


if ctx.engine() == "duckdb":
    schedule.start()  # [sync] every_minutes in concord.toml; CONCORD_SYNC_SCHEDULER=off leaves it to cron
elif config.settle().sync.every_minutes:
    _no_schedule(ctx.engine())


def sign_in():
    from auth.login import require_login  # the login form; stops the script until signed in

    principal = require_login(lang=st.session_state.get("lang", "en"), before_form=hidden_pages)
    if st.session_state.get(ctx.PRINCIPAL_KEY) != principal:
        st.session_state[ctx.PRINCIPAL_KEY] = principal
        st.session_state["lang"] = prefs.language(principal.username)
    return principal


def hidden_pages() -> None:
    """While the login form shows, every page is registered but hidden and not run,
    so a shared link's page and query parameters are still there after signing in."""
    names = ["home", "explore", "ask", "boards", "alerts", "catalog", "definitions"] + [
        name for name, _, _ in FINANCE_PAGES + ADMIN_PAGES
    ]
    st.navigation([page(n, icon="lock", default=(n == "home")) for n in names], position="hidden")


def sidebar(principal) -> None:
    from auth.login import logout_button

    with st.sidebar:
        st.markdown(f"**{ctx.t('sidebar.user')}:** {plain(principal.display_name or principal.username)}")
        st.caption(plain(f"{ctx.t('sidebar.roles')}: {', '.join(ctx.role_label(r) for r in principal.roles)}"))
        codes = list(LANGUAGES)
        choice = st.radio(
            ctx.t("sidebar.language"),
            codes,
            index=codes.index(ctx.lang()),
            format_func=LANGUAGES.get,
            horizontal=True,
            key="lang_choice",
        )
        if choice != ctx.lang():
            st.session_state["lang"] = choice
            prefs.set_language(principal.username, choice)
            st.rerun()
        day, synced = ctx.data_dates()  # one query on every page load; the kept date while the engine is away
        st.caption(ctx.t("sidebar.as_of", date=day.isoformat()) if day else ctx.t("sidebar.as_of_unknown"))
        if ctx.engine() != "duckdb":  # where the numbers come from, when it is not the DuckDB file
            st.caption(ctx.t("sidebar.engine", engine=ctx.ENGINE_NAMES[ctx.engine()]))
        if synced:
            st.caption(ctx.t("sidebar.synced", when=synced.strftime("%Y-%m-%d %H:%M")))
        logout_button(lang=ctx.lang())


def navigation(principal):
    """The pages `principal` may open, listed; every other page is registered too, hidden from the
    menu, so its address (/cash, /users typed or shared) says who may open it instead of falling
    back to Home without a word."""
    groups = {
        ctx.t("nav.overview"): [page("home", icon="home", default=True)],
        ctx.t("nav.analysis"): [
            page("explore", icon="query_stats"),
            page("ask", icon="chat"),
            page("boards", icon="dashboard"),
            page("alerts", icon="notifications"),
            page("catalog", icon="menu_book"),
            page("definitions", icon="edit_note"),
        ],
    }
    finance = [(name, icon) for name, icon, needs in FINANCE_PAGES if may_open(principal, needs)]
    if finance:
        groups[ctx.t("nav.finance")] = [page(name, icon=icon) for name, icon in finance]
    admin = [(name, icon) for name, icon, needs in ADMIN_PAGES if may_open(principal, needs)]
    if admin:
        groups[ctx.t("nav.admin")] = [page(name, icon=icon) for name, icon in admin]
    listed = {p.url_path for pages in groups.values() for p in pages}
    # hidden in a section that always has a listed page, so no empty heading shows
    groups[ctx.t("nav.overview")] += [locked(name, needs) for name, needs in NEEDS.items() if name not in listed]
    return st.navigation(groups)


def may_open(principal, needs) -> bool:
    """A page needs either a permission (a name) or every one of a set of metrics: asked of semantic.authorize."""
    if isinstance(needs, str):
        return allowed(principal, needs, library=ctx.library())
    if isinstance(needs, tuple):  # any one of these actions; edit_budget_lines asks for the user's own department
        own = principal.attributes.get("department")
        return any(allowed(principal, action, own, library=ctx.library()) for action in needs)
    return allowed(principal, "query", make_query(metrics=tuple(sorted(needs))), library=ctx.library())


# A finance page is listed only to users it is granted to (the page checks again).
FINANCE_PAGES = (
    ("budget", "account_balance_wallet", {"budget", "expense", "budget_variance", "budget_variance_pct"}),
    ("budget_plan", "edit_calendar", ("plan_budget", "approve_budget", "edit_budget_lines")),
    ("cash", "payments", {"cash_in", "cash_out", "net_cash_flow", "ar_balance", "dso", "overdue_ar"}),
    ("reconciliation", "rule", {"revenue", "ledger_revenue", "revenue_recon_gap"}),
    ("data_quality", "fact_check", "check_data_quality"),
    ("upload", "upload_file", "load_files"),
)
ADMIN_PAGES = (
    ("users", "group", "manage_users"),
    ("audit", "policy", "manage_users"),
    ("sources", "sync", "manage_sources"),
)
TITLES = {"reconciliation": "recon", "data_quality": "quality"}
NEEDS = {name: needs for name, _, needs in FINANCE_PAGES + ADMIN_PAGES}


def locked(name: str, needs):
    """`name`'s address for a user who may not open it: a hidden page saying so, naming (by label) the
    roles that would open it. The real page is never run for them."""
    title = ctx.t(f"page.{TITLES.get(name, name)}")
    return st.Page(
        lambda: ctx.no_access(title, granting(needs)),
        title=title,
        icon=":material/lock:",
        url_path=name,
        visibility="hidden",
    )


def granting(needs) -> list[str]:
    """The roles in policies.yml that would open a page needing `needs`, each asked of semantic.authorize
    as a user holding only that role (with any attribute its row filter reads: rows do not open pages)."""
    from semantic import Principal
    from semantic.policy import attributes_needed, default_policy

    policy = default_policy(ctx.library())
    out = []
    for role in policy.roles:
        attributes = {a: "-" for a in attributes_needed(policy, (role,))}
        if may_open(Principal(f"role:{role}", (role,), attributes), needs):
            out.append(role)
    return out


# A view file must not share a name with a top-level package: Streamlit puts the
# script's folder first on sys.path, so views/boards.py would shadow boards/.
FILES = {"boards": "boards_page"}


def page(name: str, icon: str, default: bool = False):
    return st.Page(
        f"views/{FILES.get(name, name)}.py",
        title=ctx.t(f"page.{TITLES.get(name, name)}"),
        icon=f":material/{icon}:",
        url_path=None if default else name,
        default=default,
    )


if st.query_params.get("kiosk") == "1" and st.query_params.get("board"):
    from ui import kiosk

    kiosk.show(st.query_params.to_dict(), sign_in)  # stops: a screen shows its board and nothing else

principal = sign_in()
sidebar(principal)
navigation(principal).run()
