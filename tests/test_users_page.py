"""The Users page (users granted manage_users): an admin adds, sets, resets and disables
accounts without the shell; every change is audited with who made it; nobody removes their
own user administration; a user without manage_users is refused by the one authorisation."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from auth import accounts, audit
from semantic import Principal, authorize

ROOT = Path(__file__).resolve().parent.parent
ADMIN = Principal("admin", ("admin",))
CFO = Principal("cfo", ("finance",))


@pytest.fixture(autouse=True)
def _env(monkeypatch, warehouse_path, metastore_file, users_file):
    monkeypatch.setenv("CONCORD_WAREHOUSE", str(warehouse_path))


def open_users(principal: Principal, lang: str = "en") -> AppTest:
    at = AppTest.from_file(str(ROOT / "views" / "users.py"), default_timeout=120)
    at.session_state["principal"] = principal
    at.session_state["lang"] = lang
    return at.run()


def shown(at: AppTest) -> str:
    return " ".join(e.value for e in list(at.success) + list(at.error)).replace("\\", "")  # plain() escapes Markdown


def test_without_manage_users_the_page_is_refused_by_the_one_authorisation():
    asked = []
    stop = authorize.on_check(asked.append)
    try:
        at = open_users(CFO)
    finally:
        stop()
    assert ("cfo", "manage_users", False) in [(d.principal.username, d.action, d.allowed) for d in asked]
    assert at.error and not at.dataframe and not at.button and not at.text_input


def test_an_admin_adds_a_user_sets_region_resets_the_password_and_disables_them():
    at = open_users(ADMIN)
    assert not at.exception and not at.error
    listed = at.dataframe[0].value
    assert "sales_east" in set(listed["username"]) and "Sales rep" in set(listed["roles"])

    at.text_input(key="users_new_username").input("sales_north")
    at.text_input(key="users_new_name").input("Zhao Yu · Sales North")
    at.multiselect(key="users_new_roles_en").select("sales_rep")
    at.run()
    region = at.selectbox(key="users_new_attr_region_en")  # the rep's row filter needs a region: real members offered
    assert {"East", "North", "South"} <= set(region.options) or {"East", "North"} <= set(region.options)
    region.select("North")
    at.text_input(key="users_new_password").input("north-secret-1")
    at.text_input(key="users_new_again").input("north-secret-1")
    at.button(key="users_add").click()
    at.run()
    assert not at.exception and "Added sales_north." in shown(at), shown(at)
    user = accounts.load_users()["sales_north"]
    assert user.roles == ("sales_rep",) and dict(user.attributes) == {"region": "North"}
    assert user.checks("north-secret-1") and "north-secret-1" not in Path(accounts.users_path()).read_text()
    assert "sales_north" in set(at.dataframe[0].value["username"])
    assert at.selectbox(key="users_pick").value == "sales_north"

    at.selectbox(key="users_sales_north_attr_region_en").select("East")
    at.button(key="users_save").click()
    at.run()
    assert dict(accounts.load_users()["sales_north"].attributes) == {"region": "East"}

    at.text_input(key="users_reset_password").input("brand-new-pw-2")
    at.text_input(key="users_reset_again").input("brand-new-pw-2")
    at.button(key="users_reset").click()
    at.run()
    assert "The password of sales_north was reset." in shown(at)
    again = accounts.load_users()["sales_north"]  # bcrypt against the file, as sign-in does
    assert again.checks("brand-new-pw-2") and not again.checks("north-secret-1")

    at.button(key="users_toggle").click()
    at.run()
    assert accounts.load_users()["sales_north"].disabled
    assert "Disabled" in set(at.dataframe[0].value["status"])

    said = [e["message"] for e in audit.read_events(username="sales_north", kind="account")]
    assert len(said) == 4 and all(m.endswith("by admin") for m in said), said
    assert {"source": "app:users", "outcome": "ok"}.items() <= audit.read_events(kind="account")[0].items()


def test_an_admin_cannot_disable_or_demote_themselves():
    at = open_users(ADMIN)
    at.selectbox(key="users_pick").select("admin")
    at.run()
    at.button(key="users_toggle").click()
    at.run()
    assert "cannot disable yourself" in shown(at) and not accounts.load_users()["admin"].disabled
    at.multiselect(key="users_roles_admin_en").unselect("admin").select("finance")
    at.run()
    at.button(key="users_save").click()
    at.run()
    assert "cannot disable yourself" in shown(at) and accounts.load_users()["admin"].roles == ("admin",)
    assert not audit.read_events(kind="account")


def test_the_page_refuses_bad_input_in_one_line_in_chinese():
    at = open_users(ADMIN, "zh")
    at.text_input(key="users_new_username").input("sales_west")
    at.multiselect(key="users_new_roles_zh").select("sales_rep")
    at.run()
    at.text_input(key="users_new_password").input("short")
    at.text_input(key="users_new_again").input("short")
    at.button(key="users_add").click()
    at.run()
    assert [e.value.replace("\\", "") for e in at.error] == ["所选角色需要设置区域：请选择。"]
    at.selectbox(key="users_new_attr_region_zh").select("East")
    at.button(key="users_add").click()
    at.run()
    assert [e.value.replace("\\", "") for e in at.error] == ["密码至少需要 8 个字符。"]
    at.text_input(key="users_new_password").input("long-enough-1")
    at.text_input(key="users_new_again").input("long-enough-2")
    at.button(key="users_add").click()
    at.run()
    assert [e.value.replace("\\", "") for e in at.error] == ["两次输入的密码不一致，未做任何更改。"]
    at.text_input(key="users_new_username").input("ceo")
    at.text_input(key="users_new_again").input("long-enough-1")
    at.button(key="users_add").click()
    at.run()
    assert [e.value.replace("\\", "") for e in at.error] == ["用户 ceo 已存在；请在“修改用户”中选择它。"]
    assert "sales_west" not in accounts.load_users()


def test_the_last_user_administrator_cannot_be_disabled_by_anyone():
    with pytest.raises(accounts.AccountError, match="last account"):
        accounts.change("admin", disabled=True, by="shell user root", source="cli")
    assert not accounts.load_users()["admin"].disabled


# ---- defect 14, audit part: the Audit log page's Kind selector and headers ----------------------


def open_audit(lang: str) -> AppTest:
    audit.record_login("cfo", "login_ok")
    at = AppTest.from_file(str(ROOT / "views" / "audit.py"), default_timeout=120)
    at.session_state["principal"] = ADMIN
    at.session_state["lang"] = lang
    return at.run()


@pytest.mark.parametrize(
    "lang,placeholder,headers,kind",
    [
        ("en", "All kinds", ["Time (UTC)", "Kind", "User", "Source", "Outcome", "Message"], "Signed in"),
        ("zh", "全部类型", ["时间（UTC）", "类型", "用户", "来源", "结果", "说明"], "登录成功"),
    ],
)
def test_the_audit_kind_selector_has_a_placeholder_not_none_and_the_table_readable_headers(
    lang, placeholder, headers, kind
):
    at = open_audit(lang)
    assert not at.exception and not at.error
    selector = at.selectbox(key="audit_kind")
    assert selector.value is None and selector.placeholder == placeholder
    assert "None" not in selector.options and None not in selector.options
    assert kind in selector.options
    table = at.dataframe[0]
    config = json.loads(table.proto.columns)  # st.column_config, per column
    for column, header in zip(["at", "kind", "username", "source", "outcome", "message"], headers, strict=True):
        assert config[column]["label"] == header, (column, config)
    assert kind in set(table.value["kind"]) and "id" not in table.value.columns
    assert not any(":" in str(v) and "T" in str(v) for v in table.value["at"])  # 2026-11-26 13:00:00, not ISO T


def test_the_audit_kind_selector_filters_by_the_chosen_kind():
    audit.record_login("cfo", "logout")
    at = open_audit("en")
    at.selectbox(key="audit_kind").select("logout")
    at.run()
    assert set(at.dataframe[0].value["kind"]) == {"Signed out"}


def test_the_audit_table_shows_empty_cells_not_none():
    at = open_audit("en")
    frame = at.dataframe[0].value
    assert not frame.isna().any().any() and "None" not in set(frame.astype(str).stack())


def test_the_shell_shares_the_code_so_its_changes_are_audited_and_guarded_too():
    from tests.test_auth import cli

    assert cli("set-roles", "sales_lead", "finance").returncode == 0
    assert cli("disable", "sales_lead").returncode == 0
    said = [(e["source"], e["message"]) for e in audit.read_events(username="sales_lead", kind="account")]
    assert [m.split(" by ")[0] for _, m in said] == ["disabled", "roles sales_manager -> finance"]
    assert all(source == "cli" and " by shell user" in m for source, m in said), said
    assert cli("set-roles", "sales_east", "sales_rep,finance").returncode == 0  # keeps its region: allowed
    done = cli("disable", "admin")  # the last account that can manage users
    assert done.returncode == 2 and "last account that can manage users" in done.stderr
