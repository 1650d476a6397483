"""Accounts, throttling, the cookie key, the metadata store and the audit log."""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from auth import accounts, audit, throttle
from auth.cookie import CookieKeyError, check, cookie_key
from data import metastore
from semantic import events

METASTORE_BACKENDS = ("sqlite", "postgres")  # every test using metastore_file runs on both

ROOT = Path(__file__).resolve().parent.parent
DEMO_PASSWORDS = {
    "ceo": "ceo-demo-2025",
    "cfo": "cfo-demo-2025",
    "sales_lead": "lead-demo-2025",
    "sales_east": "east-demo-2025",
    "sales_south": "south-demo-2025",
    "admin": "admin-demo-2025",
    "fin_analyst": "analyst-demo-2025",
    "dept_sales": "dsales-demo-2025",
    "dept_marketing": "dmkt-demo-2025",
}


def cli(*args, stdin: str = "", env: dict | None = None):
    return subprocess.run(
        [sys.executable, "-m", "auth", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, **(env or {})},
    )


class Clock:
    def __init__(self):
        self.now = dt.datetime(2025, 6, 1, 9, 0, tzinfo=dt.UTC)

    def __call__(self):
        return self.now

    def advance(self, minutes: float):
        self.now += dt.timedelta(minutes=minutes)


# ---- accounts -----------------------------------------------------------------
def test_demo_users_have_bcrypt_hashes_that_verify(users_file):
    users = accounts.load_users()
    assert set(users) == set(DEMO_PASSWORDS)
    for name, password in DEMO_PASSWORDS.items():
        assert users[name].password.startswith("$2b$")
        assert users[name].checks(password) and not users[name].checks(password + "x")
    assert dict(users["sales_east"].attributes) == {"region": "East"}
    assert users["sales_south"].principal().roles == ("sales_rep",)


def test_no_plain_text_password_in_the_repository():
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True).stdout.split()
    # the demo passwords are documented (README, make run) and used by tests that log in
    allowed = {"README.md", "Makefile", "tests/test_auth.py", "tests/e2e/helpers.py"}
    for name in tracked:
        if name in allowed or name.startswith("docs/") or not (ROOT / name).is_file():
            continue
        text = (ROOT / name).read_text(encoding="utf-8", errors="ignore")
        for password in DEMO_PASSWORDS.values():
            assert password not in text, f"{password} in {name}"


def test_unknown_user_gets_a_suggestion(users_file):
    with pytest.raises(accounts.AccountError, match="Did you mean 'sales_east'"):
        accounts.principal_for("sales_eats")


def test_cli_add_user_with_password_from_stdin_then_disable(users_file, metastore_file):
    done = cli(
        "add-user",
        "sales_north",
        "--name",
        "North Rep",
        "--roles",
        "sales_rep",
        "--attr",
        "region=North",
        stdin="north-secret-1\n",
    )
    assert done.returncode == 0, done.stderr
    user = accounts.load_users()["sales_north"]
    assert user.checks("north-secret-1") and dict(user.attributes) == {"region": "North"}
    assert "north-secret-1" not in users_file.read_text()
    listing = cli("list").stdout
    assert "sales_north" in listing and "$2b$" not in listing
    assert cli("disable", "sales_north").returncode == 0
    with pytest.raises(accounts.AccountError, match="disabled"):
        accounts.principal_for("sales_north")
    assert cli("set-password", "sales_north", stdin="new-secret-22\n").returncode == 0
    assert accounts.load_users()["sales_north"].checks("new-secret-22")


@pytest.mark.parametrize(
    "args,stdin,needle",
    [
        (("add-user", "x1", "--roles", "wizard"), "long-enough-pw\n", "unknown role 'wizard'"),
        (("add-user", "x2", "--roles", "sales_rep"), "short\n", "at least 8 characters"),
        (("add-user", "ceo", "--roles", "exec"), "long-enough-pw\n", "already exists"),
        (("set-roles", "nobody", "exec"), "", "unknown user 'nobody'"),
        (("add-user", "x3", "--roles", "sales_rep", "--attr", "region"), "long-enough-pw\n", "name=value"),
        (("audit", "--since", "yesterday"), "", "not a date"),
    ],
)
def test_cli_bad_input_is_one_line_exit_2(users_file, metastore_file, args, stdin, needle):
    done = cli(*args, stdin=stdin)
    assert done.returncode == 2 and needle in done.stderr
    assert "Traceback" not in done.stderr and len(done.stderr.strip().splitlines()) == 1


# ---- throttling (more in tests/test_auth_throttle.py) ----------------------------
def failures(n: int, user: str, address: str, clock) -> throttle.Wait | None:
    slowed = None
    for _ in range(n):
        decision = throttle.begin(user, address, now=clock)
        assert decision.allowed
        slowed = throttle.finish(decision, False, now=clock)
    return slowed


def test_five_failures_from_one_address_slow_that_pair_down_with_a_growing_delay(metastore_file):
    clock = Clock()
    assert failures(4, "cfo", "10.0.0.9", clock) is None
    slowed = failures(1, "cfo", "10.0.0.9", clock)
    assert slowed.until == clock.now + dt.timedelta(seconds=32) and slowed.scope == "user_address"
    refused = throttle.begin("cfo", "10.0.0.9", now=clock)
    assert not refused.allowed and refused.wait.until == slowed.until  # refused before any password is checked
    clock.advance(0.6)
    assert failures(1, "cfo", "10.0.0.9", clock).until == clock.now + dt.timedelta(seconds=64)  # doubled
    clock.advance(1.1)
    assert failures(1, "cfo", "10.0.0.9", clock).until == clock.now + dt.timedelta(seconds=128)
    assert throttle.delay(30, 5) == throttle.MAX_DELAY  # capped at 15 minutes


def test_failures_older_than_the_window_do_not_count(metastore_file):
    clock = Clock()
    failures(4, "ceo", "10.0.0.9", clock)
    clock.advance(61)
    assert failures(1, "ceo", "10.0.0.9", clock) is None
    assert throttle.waiting("ceo", "10.0.0.9", now=clock) is None


def test_a_success_resets_the_count_of_its_address(metastore_file):
    clock = Clock()
    failures(4, "admin", "10.0.0.9", clock)
    throttle.finish(throttle.begin("admin", "10.0.0.9", now=clock), True, now=clock)
    assert failures(4, "admin", "10.0.0.9", clock) is None


# ---- cookie key ---------------------------------------------------------------
@pytest.mark.parametrize("key", ["some_key", "random_signature_key", "short-but-random-1", "a" * 40])
def test_default_short_or_simple_cookie_keys_are_refused(key):
    with pytest.raises(CookieKeyError):
        check(key, "test")


def test_cookie_key_file_is_created_private_and_reused(tmp_path, monkeypatch):
    monkeypatch.delenv("CONCORD_COOKIE_KEY", raising=False)
    path = tmp_path / "secrets" / "cookie_key"
    first = cookie_key(path)
    assert len(first) >= 32 and oct(path.stat().st_mode & 0o777) == "0o600"
    assert cookie_key(path) == first


def test_processes_starting_together_all_read_one_cookie_key(tmp_path):
    """Several workers start at once with no key file: each must end with the same key (the
    file was made with O_EXCL and read back: the second process failed or read it empty)."""
    import subprocess
    import sys

    path = tmp_path / "secrets" / "cookie_key"
    code = (
        "import sys; from pathlib import Path; from auth.cookie import cookie_key; print(cookie_key(Path(sys.argv[1])))"
    )
    env = {k: v for k, v in __import__("os").environ.items() if k != "CONCORD_COOKIE_KEY"}
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", code, str(path)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
            cwd=str(ROOT),
        )
        for _ in range(8)
    ]
    outs = [p.communicate(timeout=60) for p in procs]
    assert all(p.returncode == 0 for p in procs), [err for _, err in outs]
    keys = {out.strip() for out, _ in outs}
    assert len(keys) == 1 and keys == {path.read_text().strip()}
    assert [p.name for p in path.parent.iterdir()] == ["cookie_key"]  # no draft left behind


def test_a_key_file_made_by_another_process_meanwhile_is_read_not_refused(tmp_path, monkeypatch):
    """The race made certain: the file did not exist when looked at, and exists when written
    (another worker made it in between): the key must be that worker's, not FileExistsError."""
    monkeypatch.delenv("CONCORD_COOKIE_KEY", raising=False)
    path = tmp_path / "secrets" / "cookie_key"
    path.parent.mkdir()
    theirs = "pV3xQ9tLr7Zm2Kc8Hs5Wd1Yf6Nb4Jg0Ua"
    path.write_text(theirs)
    monkeypatch.setattr(Path, "exists", lambda self: False if self == path else Path.is_file(self))
    assert cookie_key(path) == theirs


def test_cookie_key_from_the_environment_is_checked(monkeypatch):
    monkeypatch.setenv("CONCORD_COOKIE_KEY", "changeme")
    with pytest.raises(CookieKeyError, match="known default"):
        cookie_key()


# ---- metadata store and audit -------------------------------------------------
@pytest.mark.sqlite_only
def test_migrations_apply_once_with_wal_even_when_processes_race(metastore_file):
    errors = []

    def connect():
        try:
            metastore.connect().close()
        except Exception as err:  # noqa: BLE001
            errors.append(err)

    threads = [threading.Thread(target=connect) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    con = sqlite3.connect(metastore_file)
    assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    versions = [r[0] for r in con.execute("SELECT version FROM schema_version ORDER BY 1")]
    assert versions == [n for n, _, _ in metastore.migrations()]


def test_queries_and_logins_land_in_the_audit_log(metastore_file, users_file, warehouse_path):
    audit.install()
    audit.install()
    try:
        events.emit(
            events.QueryEvent(
                at=dt.datetime.now(dt.UTC),
                username="cfo",
                roles=("finance",),
                source="test",
                metrics=("cash_in",),
                dimensions=("region",),
                where=None,
                time_from=None,
                time_to=None,
                rows=5,
                duration_ms=1.5,
                outcome="ok",
            )
        )
    finally:
        events.remove_listener(audit.on_query)
    audit.record_login("cfo", "login_failed")
    rows = audit.read_events(dt.date.today() - dt.timedelta(days=1))
    assert [r["kind"] for r in rows] == ["login_failed", "query"]
    assert rows[1]["metrics"] == "cash_in" and rows[1]["rows"] == 5
    # the semantic CLI audits its queries too, and `python -m auth audit` prints them
    env = {"CONCORD_METASTORE": str(metastore_file), "CONCORD_USERS": str(users_file)}
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "semantic",
            "query",
            "--metrics",
            "revenue",
            "--by",
            "region",
            "--as",
            "sales_east",
            "--db",
            str(warehouse_path),
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, **env},
    )
    assert done.returncode == 0, done.stderr
    printed = cli("audit", "--since", dt.date.today().isoformat(), "--user", "sales_east", env=env).stdout
    assert "sales_east" in printed and "cli:query" in printed and "rows=1" in printed


def test_logout_voids_cookies_issued_before_it_but_not_after(metastore_file):
    """Deleting the cookie happens in the browser, later; a page opened in between
    must not sign the user back in (a clean-clone CI run caught exactly that)."""
    import time

    from auth.login import COOKIE_DAYS, cookie_revoked

    def token(user, issued_at: float):
        return {"username": user, "exp_date": issued_at + COOKIE_DAYS * 86400}

    before = time.time() - 5
    assert not cookie_revoked(token("cfo", before))  # never logged out
    audit.record_login("cfo", "logout")
    assert cookie_revoked(token("cfo", before))
    assert not cookie_revoked(token("ceo", before))  # another user's cookie is untouched
    assert not cookie_revoked(token("cfo", time.time() + 1))  # signed in again after the logout
    assert cookie_revoked({"username": "cfo"}) and cookie_revoked({"exp_date": "x", "username": "cfo"})
