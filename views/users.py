"""Users (users granted manage_users): list the accounts; add one; set roles and the attributes
their row filters need; reset a password; disable or enable. Every change goes through
auth.accounts (the same code as `python -m auth`), which checks it, writes it and audits it
with who made it; a disabled user's live sessions end at their next rerun (auth.login)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from auth import accounts
from semantic.authorize import authorize
from semantic.errors import PolicyError, SemanticError
from ui import context as ctx
from ui.messages import browser
from ui.safe import plain

FLASH = "users_flash"  # (kind, text) shown once after a change
SOURCE = "app:users"


def render() -> None:
    st.title(ctx.t("page.users"))
    try:  # the page is hidden too; this is the lock
        authorize(ctx.principal(), "manage_users", library=ctx.library())
    except PolicyError as err:
        st.error(plain(ctx.t("error.page", message=browser(err, ctx.lang()))))
        return
    st.caption(ctx.t("users.intro"))
    kind, said = st.session_state.pop(FLASH, (None, None))
    if kind:
        (st.success if kind == "ok" else st.error)(plain(said))
    users = accounts.load_users()
    listing(users)
    left, right = st.columns(2, gap="large")
    with left, st.container(border=True):
        add_form()
    with right, st.container(border=True):
        change_form(users)


def attributes_text(user: accounts.User) -> str:
    return ", ".join(f"{ctx.dimension_label(k)}: {ctx.member_label(k, v)}" for k, v in user.attributes.items())


def listing(users: dict[str, accounts.User]) -> None:
    frame = pd.DataFrame(
        [
            {
                "username": u.username,
                "name": u.name,
                "roles": ", ".join(ctx.role_label(r) for r in u.roles),
                "attributes": attributes_text(u),
                "status": ctx.t("users.disabled" if u.disabled else "users.active"),
            }
            for u in users.values()
        ]
    )
    st.dataframe(
        frame,
        hide_index=True,
        width="stretch",
        column_config={c: st.column_config.TextColumn(ctx.t(f"users.col.{c}")) for c in frame.columns},
        key="users_table",
    )


def members_of(dimension: str) -> list[str]:
    """The members a row filter can pick: the warehouse's, else the library's declared ones."""
    from semantic.detail import members

    try:
        return members(dimension, ctx.principal(), warehouse=ctx.warehouse())
    except SemanticError:
        spec = ctx.library().dimensions.get(dimension)
        return list(spec.members) if spec else []


def attribute_pickers(roles, current: dict, prefix: str) -> dict[str, str | None]:
    """One selectbox of real members per attribute the roles' row filters need."""
    chosen = {}
    for attribute, dimension in accounts.attributes_needed(roles).items():
        options = members_of(dimension)
        value = current.get(attribute)
        options += [value] if value and value not in options else []
        role = next(r for r in roles if attribute in accounts.attributes_needed((r,)))
        chosen[attribute] = st.selectbox(
            ctx.dimension_label(dimension),
            options,
            index=options.index(value) if value in options else None,
            format_func={v: ctx.member_label(dimension, v) for v in options}.get,
            placeholder=ctx.t("users.pick_member"),
            help=ctx.t("users.attribute_help", role=ctx.role_label(role), dimension=ctx.dimension_label(dimension)),
            key=attr_key(prefix, attribute),
        )
    return chosen


def attr_key(prefix: str, attribute: str) -> str:
    """Widgets whose options are shown translated carry the language in their key: Streamlit keeps a
    multiselect's value as the shown labels, which would not match after a language switch."""
    return f"{prefix}_attr_{attribute}_{ctx.lang()}"


def roles_picker(key: str, default=()) -> list[str]:
    labels = {r: ctx.role_label(r) for r in accounts.known_roles()}  # a dict, not a function of the session's language
    return st.multiselect(
        ctx.t("users.roles"),
        list(labels),
        default=list(default),
        format_func=labels.get,
        placeholder=ctx.t("users.pick_roles"),
        key=f"{key}_{ctx.lang()}",
    )


def add_form() -> None:
    st.subheader(ctx.t("users.add"))
    a, b = st.columns(2)
    a.text_input(ctx.t("users.username"), key="users_new_username")
    b.text_input(ctx.t("users.name"), key="users_new_name")
    roles = roles_picker("users_new_roles")
    attribute_pickers(roles, {}, "users_new")
    a, b = st.columns(2)
    a.text_input(ctx.t("users.password", n=accounts.MIN_PASSWORD), type="password", key="users_new_password")
    b.text_input(ctx.t("users.again"), type="password", key="users_new_again")
    st.button(ctx.t("users.add_button"), type="primary", key="users_add", on_click=do_add)


def change_form(users: dict[str, accounts.User]) -> None:
    st.subheader(ctx.t("users.manage"))
    name = st.selectbox(
        ctx.t("users.pick_user"),
        list(users),
        format_func=lambda u: f"{users[u].name} ({u})",
        key="users_pick",
    )
    user = users[name]
    st.markdown(f"**{ctx.t('users.access')}**")
    roles = roles_picker(f"users_roles_{name}", user.roles)
    attribute_pickers(roles, dict(user.attributes), f"users_{name}")
    st.button(ctx.t("users.save"), key="users_save", on_click=do_save, args=(name,))
    st.divider()
    a, b = st.columns(2)
    a.text_input(ctx.t("users.new_password", n=accounts.MIN_PASSWORD), type="password", key="users_reset_password")
    b.text_input(ctx.t("users.again"), type="password", key="users_reset_again")
    st.button(ctx.t("users.reset"), key="users_reset", on_click=do_reset, args=(name,))
    st.divider()
    st.button(
        ctx.t("users.enable" if user.disabled else "users.disable"),
        key="users_toggle",
        help=ctx.t("users.disable_help"),
        on_click=do_toggle,
        args=(name, not user.disabled),
    )


# --- actions (button callbacks: they run before the rerun, so the page shows the new state) ---


def _values(prefix: str, roles) -> dict[str, str]:
    return {a: st.session_state.get(attr_key(prefix, a)) for a in accounts.attributes_needed(roles)}


def _check(password: str, again: str, roles, attributes: dict) -> None:
    """The page's own checks, each said in the user's language (accounts checks again)."""
    if not roles:
        raise Refused(ctx.t("users.err.no_roles"))
    for attribute, dimension in accounts.attributes_needed(roles).items():
        if not attributes.get(attribute):
            raise Refused(ctx.t("users.err.attribute", attribute=ctx.dimension_label(dimension)))
    if password is not None:
        _check_password(password, again)


def _check_password(password: str, again: str) -> None:
    if len(password or "") < accounts.MIN_PASSWORD:
        raise Refused(ctx.t("users.err.short", n=accounts.MIN_PASSWORD))
    if password != again:
        raise Refused(ctx.t("users.err.differ"))


class Refused(Exception):
    """A change the page refuses, with the message already in the user's language."""


def _said(err: Exception, user: str = "") -> str:
    text = str(err)
    if isinstance(err, Refused):
        return text
    if "cannot disable yourself" in text:
        return ctx.t("users.err.self")
    if "last account that can manage users" in text:
        return ctx.t("users.err.last", user=user)
    if "already exists" in text:
        return ctx.t("users.err.exists", user=user)
    if "a username may use" in text:
        return ctx.t("users.err.username")
    return browser(err, ctx.lang())


def _act(action, user: str, done: str, clear: tuple[str, ...] = ()) -> None:
    try:
        authorize(ctx.principal(), "manage_users", library=ctx.library())
        action()
    except (Refused, SemanticError) as err:
        st.session_state[FLASH] = ("error", _said(err, user))
        return
    st.session_state[FLASH] = ("ok", ctx.t(done, user=user))
    for key in clear:
        st.session_state[key] = ""


def do_add() -> None:
    state = st.session_state
    username = (state.get("users_new_username") or "").strip().lower()
    roles = state.get(f"users_new_roles_{ctx.lang()}") or []
    attributes = _values("users_new", roles)

    def add():
        if not username:
            raise Refused(ctx.t("users.err.username"))
        _check(state.get("users_new_password") or "", state.get("users_new_again") or "", roles, attributes)
        accounts.create(
            username,
            state.get("users_new_name") or "",
            state["users_new_password"],
            tuple(roles),
            attributes,
            by=ctx.principal().username,
            source=SOURCE,
        )
        state["users_pick"] = username
        state[f"users_new_roles_{ctx.lang()}"] = []  # an empty form for the next person
        for attribute in attributes:
            state.pop(attr_key("users_new", attribute), None)

    _act(
        add, username, "users.added", ("users_new_username", "users_new_name", "users_new_password", "users_new_again")
    )


def do_save(name: str) -> None:
    roles = st.session_state.get(f"users_roles_{name}_{ctx.lang()}") or []
    attributes = _values(f"users_{name}", roles)

    def save():
        _check(None, None, roles, attributes)
        accounts.change(name, roles=tuple(roles), attributes=attributes, by=ctx.principal().username, source=SOURCE)

    _act(save, name, "users.saved")


def do_reset(name: str) -> None:
    password, again = st.session_state.get("users_reset_password") or "", st.session_state.get("users_reset_again")

    def reset():
        _check_password(password, again or "")
        accounts.reset_password(name, password, by=ctx.principal().username, source=SOURCE)

    _act(reset, name, "users.password_reset", ("users_reset_password", "users_reset_again"))


def do_toggle(name: str, disabled: bool) -> None:
    def toggle():
        accounts.change(name, disabled=disabled, by=ctx.principal().username, source=SOURCE)

    _act(toggle, name, "users.now_disabled" if disabled else "users.now_enabled")


ctx.guard(render)
