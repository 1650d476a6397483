"""The login screen's words, in both languages."""
from __future__ import annotations

MESSAGES = {
    "title": {"en": "Sign in to Concord", "zh": "登录 Concord"},
    "username": {"en": "Username", "zh": "用户名"},
    "password": {"en": "Password", "zh": "密码"},
    "submit": {"en": "Sign in", "zh": "登录"},
    "wrong": {"en": "Wrong username or password.", "zh": "用户名或密码错误。"},
    "locked": {"en": "Too many failed attempts for {user}; locked until {until} (15 minutes). Try again then.",
               "zh": "用户 {user} 登录失败次数过多，已锁定至 {until}（15 分钟），请届时再试。"},
    "empty": {"en": "Enter a username and a password.", "zh": "请输入用户名和密码。"},
    "logout": {"en": "Log out", "zh": "退出登录"},
    "bad_key": {"en": "The app cannot start: {message}", "zh": "应用无法启动：{message}"},
    "tagline": {"en": "One set of numbers for business and finance.", "zh": "业务与财务，一套数。"},
}


def say(key: str, lang: str = "en", **values) -> str:
    entry = MESSAGES[key]
    return (entry.get(lang) or entry["en"]).format(**values)
