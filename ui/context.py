"""What every page needs from the running app: who is asking, in which
language, the warehouse, and one way to ask the semantic layer (errors become
st.error with the layer's message; no traceback reaches the page)."""

from __future__ import annotations

import datetime as dt
import functools

import streamlit as st

from data import budget, custom_store
from semantic import (
    Principal,
    Query,
    Result,
    SemanticError,
    Warehouse,
    current_library,
    run,
)
from semantic.authorize import allowed
from semantic.errors import WarehouseError
from semantic.execute import EngineSettings, open_engine
from semantic.execute.settings import ENGINE_NAMES
from semantic.model.library import TIME, split_time
from semantic.query import make_query
from semantic.service import DEFAULT_PAGE_ROWS
from ui import last_good
from ui.fmt import exact
from ui.i18n import label, text
from ui.messages import browser
from ui.safe import plain

custom_store.register()  # every page reads the users' custom metrics and groupings from the metadata store
budget.register()  # and the budget versions prepared in the app (budget metrics read them)
PRINCIPAL_KEY = "principal"
PAGE_ROWS = DEFAULT_PAGE_ROWS  # rows a page receives; more is a download (EXPORT_ROWS), never a 200 MB message
EXPORT_ROWS = 1_000_000  # rows a download may carry


def warehouse() -> Warehouse:
    """The configured engine's executor (concord.toml [warehouse]: DuckDB by default, the demo file;
    PostgreSQL or Spark when `engine` says so), one per process for each setting."""
    return _engine_for(EngineSettings.from_env())


@st.cache_resource
def _engine_for(settings: EngineSettings) -> Warehouse:
    return open_engine(settings)


def engine() -> str:
    """The configured engine: duckdb, postgres or spark (a wrong name reads as duckdb here; opening it says why)."""
    try:
        return EngineSettings.from_env().engine
    except SemanticError:
        return "duckdb"


def duckdb_only() -> bool:
    """True on a DuckDB deployment. Elsewhere (the numbers come from PostgreSQL or Spark) say in one line that
    uploads and syncs write only the DuckDB warehouse, so a page that writes it offers no button at all."""
    if engine() == "duckdb":
        return True
    st.info(plain(t("engine.writes_duckdb_only", engine=ENGINE_NAMES[engine()])), icon=":material/database:")
    return False


def library():
    """The indicator library with the users' custom metrics and groupings (the policy decides who sees which)."""
    return current_library()


def principal() -> Principal:
    return st.session_state[PRINCIPAL_KEY]


def visible_metrics() -> tuple[str, ...]:
    from semantic.policy import access_for
    from semantic.policy import visible_metrics as visible

    return visible(access_for(principal(), library()), library())


def lang() -> str:
    return st.session_state.get("lang", "en")


def t(key: str, **values) -> str:
    return text(key, lang(), **values)


def metric_label(name: str, marked: bool = True) -> str:
    base, lib = name.split("__")[0], library()
    spec = lib.metrics.get(base)
    shown = label(spec.label, lang()) if spec else name
    suffix = name[len(base) :]
    if suffix == "__prior":
        return f"{shown} ({t('explore.compare')})"
    if suffix == "__change_pct":
        return f"{shown} Δ%"
    info = lib.custom.get(base)
    if marked and info is not None and not info.certified:  # a draft is marked wherever its number shows
        return marked_label(shown, custom_mark(base))
    return shown


def a_metric_by(dimension: str, lib) -> str | None:
    """One of the signed-in user's metrics that `dimension` applies to (to show a grouping with), or None."""
    return next((m for m in visible_metrics() if lib.applies(m, dimension)), None)


def frozen(label, options):
    """A format_func whose labels are fixed when the widget is made (in that run's language): a widget
    keeps its value by its label, so a label computed later, in another language, would lose it."""
    shown = {option: label(option) for option in options}
    return lambda option: shown[option] if option in shown else label(option)


def marked_label(shown: str, mark: str) -> str:
    """'Online revenue (draft · Zhou Min)' / '线上收入（草稿 · Zhou Min）': full-width brackets in Chinese."""
    return f"{shown}（{mark}）" if lang() == "zh" else f"{shown} ({mark})"


def custom_mark(name: str) -> str:
    """'draft · Zhou Min' / '✓ certified by Lin Fang' for a user's custom metric or grouping, '' otherwise."""
    info = library().custom.get(name)
    if info is None:
        return ""
    if info.certified:
        return t("custom.certified_mark", who=person(info.certified_by or ""))
    return t("custom.draft_mark", owner=info.owner_text.split("·")[0].strip())


@functools.lru_cache(maxsize=256)
def person(username: str) -> str:
    """'Lin Fang' for 'cfo' (the account's display name before its ' · '), the login name when unknown."""
    from auth.accounts import find

    try:
        return find(username).name.split("·")[0].strip() or username
    except Exception:  # noqa: BLE001 - an account since removed: its login name still says who
        return username


def custom_marks(names) -> list[str]:
    """'Online revenue: ✓ certified by Lin Fang' for each custom name among `names` (a tile's metrics)."""
    out = []
    for name in dict.fromkeys(names):
        mark = custom_mark(name)
        if mark:
            spec = library().metrics.get(name) or library().dimensions.get(name)
            out.append(f"{label(spec.label, lang())}{'：' if lang() == 'zh' else ': '}{mark}")
    return out


def role_label(role: str) -> str:
    """A role as policies.yml labels it, in the user's language (its name where it has none)."""
    from semantic.policy import default_policy

    spec = default_policy(library()).roles.get(role)
    return label(spec.label, lang()) if spec else role


def dimension_label(name: str) -> str:
    base, grain = split_time(name)
    if base == TIME:  # a period by its grain (Month / 月份), never 'Time (month)'
        return t(f"explore.period.{grain}") if grain else {"en": "Time", "zh": "时间"}[lang()]
    spec = library().dimensions.get(base)
    if spec is None:
        return name
    info = library().custom.get(base)
    if info is not None and not info.certified:
        return marked_label(label(spec.label, lang()), custom_mark(base))
    return label(spec.label, lang())


def member_label(dimension: str, value) -> str:
    spec = library().dimensions.get(dimension)
    if spec is not None and str(value) in spec.members:
        return label(spec.members[str(value)], lang())
    return "—" if value is None else str(value)


def run_capped(
    query: Query, who: Principal, *, max_rows: int, source: str, where: Warehouse | None = None, question: str = ""
) -> Result:
    """`run` with a row cap: the layer fetches at most `max_rows` rows and says in
    Result.truncated that there were more. `question`: the words asked (Ask), for the audit log."""
    return run(query, who, warehouse=where or warehouse(), source=source, max_rows=max_rows, question=question)


def ask(
    query: Query, source: str, max_rows: int | None = None, downloadable: bool = False, question: str = ""
) -> Result | None:
    """Run `query` as the signed-in user, at most `max_rows` rows (the page says when there were
    more, and where it offers a download of the full result); on refusal or error show the
    message and return None."""
    limit, who = max_rows or PAGE_ROWS, principal()
    try:
        result = last_good.keep(  # the engine failing: this session's last good answer, marked stale
            who,
            ("ask", query, limit),
            lambda: run_capped(query, who, max_rows=limit, source=source, question=question),
            stale,
        )
    except SemanticError as err:
        show_error(err)
        return None
    if result.truncated:
        st.warning(t("rows.truncated_download" if downloadable else "rows.truncated", n=f"{limit:,}"))
    return result


def kept(key, fetch):
    """`fetch()` (a page's own query: a work list, drill-through rows), or, when the engine fails, this
    session's last good answer to `key` with the stale line; with none kept the error goes up as usual."""
    return last_good.keep(principal(), key, fetch, stale)


def stale(err: WarehouseError, read_at: dt.datetime) -> None:
    """'PostgreSQL is not answering …; showing the numbers from 14:03', once per page run."""
    line = t("engine.stale", message=said(err).rstrip(".。 "), since=last_good.when(read_at))
    if last_good.first_time(line):
        st.warning(plain(line), icon=":material/history:")


def data_version():
    """The engine's data version (a screen redraws when it changes); None while the engine does not answer."""
    try:
        return warehouse().version()
    except WarehouseError:
        return None


def as_of() -> dt.date | None:
    """The data date (semantic.detail.as_of) on the configured engine; while the engine does not answer, the
    last one this session read, so a page asks the same queries as before and can show their last numbers."""
    from semantic.detail import as_of as data_day

    try:
        day = data_day(warehouse())
    except WarehouseError:
        day = None
    return last_good.remember(principal(), "as_of", day)


def data_dates() -> tuple[dt.date | None, dt.datetime | None]:
    """(data date, last sync) for the sidebar; while the engine does not answer, the data date of the numbers
    this session last read (the page shows those, so it says their date, never 'unknown')."""
    from semantic.detail import data_dates as read

    try:
        day, synced = read(warehouse())
    except SemanticError:  # the engine cannot be opened: the page says why, in its own words
        day, synced = None, None
    return last_good.remember(principal(), "as_of", day), synced


def members(dimension: str, library=None) -> list[str]:
    """semantic.detail.members for the signed-in user, kept like a query's result when the engine fails."""
    from semantic.detail import members as values

    who = principal()
    return kept(("members", dimension), lambda: values(dimension, who, warehouse=warehouse(), library=library))


def said(err) -> str:
    """A SemanticError (or its text) as one line for a browser user, in their language (ui.messages)."""
    return browser(err, lang())


def show_error(err) -> None:
    """st.error of `said(err)`: what a page shows for a SemanticError."""
    st.error(plain(said(err)))


def export_rows(query: Query, source: str):
    """A function (for st.download_button) that runs `query` as the signed-in user when the
    download is clicked, up to EXPORT_ROWS rows, and returns its frame. The result a page
    shows is capped at PAGE_ROWS; the download carries the full result."""
    who, where = principal(), warehouse()

    def fetch():
        return run_capped(query, who, max_rows=EXPORT_ROWS, source=f"{source}:export", where=where).frame

    return fetch


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
        show_error(err)
    except Exception as err:  # noqa: BLE001 - the last line of defence (st.stop/rerun are BaseExceptions)
        st.error(plain(t("error.page", message=f"{type(err).__name__}: {err}")))


def require_metrics(*metrics: str) -> bool:
    """True when the user may see all `metrics`; otherwise says which are missing (the page stops there).
    The navigation hides such pages too; this is the lock on the door, not just the missing sign."""
    if allowed(principal(), "query", make_query(metrics=metrics), library=library()):
        return True
    missing = [m for m in metrics if m not in visible_metrics()] or list(metrics)
    st.error(plain(text("error.not_granted", lang(), metrics=", ".join(missing), roles=", ".join(principal().roles))))
    return False


def is_empty(result: Result) -> bool:
    """No rows, or only rows without a single number (a total over nothing comes back as one empty row)."""
    frame = result.frame
    if frame.empty:
        return True
    numbers = [c for c in frame.columns if str(c).split("__")[0] in library().metrics]
    return bool(numbers) and bool(frame[numbers].isna().all().all())


def empty(result: Result | None) -> bool:
    """True (having said why, in the user's language) when `result` has nothing to show: either
    nothing matches the filter and period, or the user's row policy narrowed the query (the layer's
    Result.row_policy; what the policy hid is never said). A page stops drawing its result there."""
    if result is None or not is_empty(result):
        return False
    st.info(t("empty.row_policy" if result.row_policy else "empty.no_rows"))
    return True


def roles_text(roles) -> str:
    """Role labels joined for a sentence: 'Executive, Finance or Administrator' / '管理层、财务或系统管理员'."""
    shown = [role_label(r) for r in roles]
    if len(shown) < 2:
        return "".join(shown)
    comma = "、" if lang() == "zh" else ", "
    return comma.join(shown[:-1]) + t("roles.or") + shown[-1]


def no_access(page_title: str, roles) -> None:
    """What a page the user may not open shows instead of itself: one line naming the page and the
    roles (by their labels) that would open it."""
    st.title(page_title)
    if roles:
        st.warning(plain(t("no_access", page=page_title, roles=roles_text(roles))))
    else:
        st.warning(plain(t("no_access.none", page=page_title)))


def rule_text(rule, language: str | None = None) -> str:
    """A board rule as people say it, in their language, its threshold exact (ui.fmt.exact):
    'Days sales outstanding above 45 days' / '应收账款周转天数高于45 天', never 'dso > 45'."""
    language = language or lang()
    spec = library().metrics.get(rule.metric)
    if spec is None:  # a metric the library no longer has: the rule as written
        return rule.text()
    value = exact(rule.value, spec.format, language)
    return text(
        "alert.rule",
        language,
        metric=label(spec.label, language),
        op=text(f"alert.op.{rule.op}", language),
        value=value,
    )


def level_text(level: str, news: str) -> str:
    """A breach's level and what it means by its metric's good direction: 'Critical · bad news'."""
    return f"{t(f'alert.level.{level}')} · {t(f'alert.news.{news}')}"


def show_breaches(breaches, icons: dict | None = None) -> None:
    """A tile's breached rules (boards.alerts.level_of), one box per meaning: bad news red (critical) or
    amber (warning), good news green, neutral blue, each rule worded by rule_text."""
    from boards.alerts import news

    by_news: dict[str, list] = {}
    for rule, _ in breaches:
        by_news.setdefault(news(rule, library()), []).append(rule)
    for meaning, rules in by_news.items():
        shown = plain("; ".join(rule_text(r) for r in rules))
        critical = any(r.level == "critical" for r in rules)
        icon = (icons or {}).get("critical" if critical else "warning")
        if meaning == "bad":
            (st.error if critical else st.warning)(shown, icon=icon)
        elif meaning == "good":
            st.success(shown, icon=":material/check_circle:")
        else:
            st.info(shown, icon=":material/info:")
