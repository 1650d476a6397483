"""The login screen's words, in both languages."""

from __future__ import annotations

MESSAGES = {
    "title": {"en": "Sign in to Concord", "zh": "登录 Concord"},
    "username": {"en": "Username", "zh": "用户名"},
    "password": {"en": "Password", "zh": "密码"},
    "submit": {"en": "Sign in", "zh": "登录"},
    "wrong": {"en": "Wrong username or password.", "zh": "用户名或密码错误。"},
    "slowed": {
        "en": "Too many failed sign-ins for {user} from here; the next try is possible at {until}.",
        "zh": "用户 {user} 在此处登录失败次数过多，请于 {until} 之后再试。",
    },
    "empty": {"en": "Enter a username and a password.", "zh": "请输入用户名和密码。"},
    "logout": {"en": "Log out", "zh": "退出登录"},
    "bad_key": {"en": "The app cannot start: {message}", "zh": "应用无法启动：{message}"},
    "redirecting": {"en": "One moment…", "zh": "请稍候…"},
    "no_routes": {
        "en": "The sign-in cookie route is missing: start Concord with `streamlit run serve.py` (make run).",
        "zh": "缺少登录 Cookie 路由：请用 `streamlit run serve.py`（make run）启动 Concord。",
    },
    "slowed_title": {"en": "Sign-ins slowed down", "zh": "登录限速中"},
    "slowed_row": {
        "en": "{user} from {address}: {failures} failed attempts, next try at {until}",
        "zh": "{user}（来自 {address}）：失败 {failures} 次，可于 {until} 再试",
    },
    "none_slowed": {"en": "No sign-in is slowed down.", "zh": "当前没有被限速的登录。"},
    "unlock": {"en": "Unlock", "zh": "解除"},
    "tagline": {"en": "One set of numbers for business and finance.", "zh": "业务与财务，一套数。"},
}


def say(key: str, lang: str = "en", **values) -> str:
    entry = MESSAGES[key]
    return (entry.get(lang) or entry["en"]).format(**values)
