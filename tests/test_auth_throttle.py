"""Sign-in throttling: decided atomically before the password is checked
(finding 5), by (user, address), by address and by user from unknown addresses,
never a lock of the account everywhere; admins unlock; all of it audited (finding 6)."""

from __future__ import annotations

import datetime as dt
import threading

import pytest

from auth import accounts, audit, signin, throttle
from tests.test_auth import DEMO_PASSWORDS, Clock, cli, failures

METASTORE_BACKENDS = ("sqlite", "postgres")  # every test using metastore_file runs on both

PASSWORD = DEMO_PASSWORDS["cfo"]


@pytest.fixture
def checks(monkeypatch):
    """Counts every bcrypt check of a real account's password (slowed a little, to widen any race)."""
    seen = []
    real = accounts.User.checks

    def counted(self, password):
        seen.append(password)
        threading.Event().wait(0.05)
        return real(self, password)

    monkeypatch.setattr(accounts.User, "checks", counted)
    return seen


def test_twelve_simultaneous_attempts_check_at_most_five_passwords(metastore_file, users_file, checks):
    passwords = ["wrong-password"] * 10 + [PASSWORD] * 2
    start = threading.Barrier(len(passwords))
    outcomes = []

    def attempt(password):
        start.wait()
        outcomes.append(signin.attempt("cfo", password, "203.0.113.7"))

    threads = [threading.Thread(target=attempt, args=(p,)) for p in passwords]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(outcomes) == 12
    assert len(checks) <= throttle.USER_ADDRESS_LIMIT, checks
    refused = [o for o in outcomes if o.user is None and o.until is not None]
    assert len(refused) >= 12 - throttle.USER_ADDRESS_LIMIT
    kinds = [e["kind"] for e in audit.read_events(username="cfo")]
    assert kinds.count("login_refused") >= 12 - throttle.USER_ADDRESS_LIMIT


def test_a_success_elsewhere_does_not_lift_a_slow_down(metastore_file, users_file):
    clock = Clock()
    throttle.finish(throttle.begin("cfo", "198.51.100.1", now=clock), True, now=clock)  # the owner's office
    slowed = failures(5, "cfo", "203.0.113.7", clock)  # an attacker
    assert signin.attempt("cfo", PASSWORD, "198.51.100.1", now=clock).user is not None
    assert throttle.waiting("cfo", "203.0.113.7", now=clock).until == slowed.until


def test_an_attacker_cannot_lock_the_owner_out_of_a_known_address(metastore_file, users_file):
    clock = Clock()
    assert signin.attempt("ceo", DEMO_PASSWORDS["ceo"], "198.51.100.1", now=clock).user is not None
    for n in range(40):  # wrong passwords for the ceo from many other addresses
        signin.attempt("ceo", "wrong-password", f"203.0.113.{n}", now=clock)
    assert throttle.waiting("ceo", "203.0.113.99", now=clock).scope == "user"  # unknown addresses are slowed
    assert throttle.waiting("ceo", "198.51.100.1", now=clock) is None
    assert signin.attempt("ceo", DEMO_PASSWORDS["ceo"], "198.51.100.1", now=clock).user is not None


def test_an_address_trying_many_users_is_slowed_for_all_of_them(metastore_file, users_file):
    clock = Clock()
    for n in range(throttle.ADDRESS_LIMIT):
        failures(1, f"user{n}", "203.0.113.50", clock)
    wait = throttle.waiting("someone_else", "203.0.113.50", now=clock)
    assert wait is not None and wait.scope == "address"
    assert throttle.waiting("someone_else", "203.0.113.51", now=clock) is None  # another address is not


def test_the_form_says_until_when_and_every_slow_down_is_audited(metastore_file, users_file):
    clock = Clock()
    outcomes = [signin.attempt("cfo", "wrong-password", "203.0.113.7", now=clock) for _ in range(5)]
    assert [o.until is None for o in outcomes] == [True] * 4 + [False]
    assert outcomes[-1].until == clock.now + dt.timedelta(seconds=32)
    lockouts = audit.read_events(username="cfo", kind="lockout")
    assert len(lockouts) == 1 and "203.0.113.7" in lockouts[0]["message"] and "until" in lockouts[0]["message"]


def test_admin_unlocks_with_the_cli_and_it_is_audited(metastore_file, users_file):
    failures(5, "cfo", "203.0.113.7", throttle.utcnow)
    assert throttle.waiting("cfo", "203.0.113.7") is not None
    done = cli("unlock", "cfo")
    assert done.returncode == 0 and "cfo unlocked (5 failed attempts cleared)" in done.stdout, done.stderr
    assert throttle.waiting("cfo", "203.0.113.7") is None
    assert [e["kind"] for e in audit.read_events(username="cfo", kind="unlock")] == ["unlock"]
    bad = cli("unlock", "cfoo")
    assert bad.returncode == 2 and "Did you mean 'cfo'" in bad.stderr and "Traceback" not in bad.stderr


@pytest.mark.parametrize(
    "peer,forwarded,trusted,expected",
    [
        (None, None, frozenset(), "127.0.0.1"),  # Streamlit reports a loopback peer as None
        ("203.0.113.7", "1.2.3.4", frozenset(), "203.0.113.7"),  # X-Forwarded-For is ignored without a trusted proxy
        (None, "1.2.3.4, 203.0.113.7", frozenset({"127.0.0.1"}), "203.0.113.7"),  # the last hop the proxy saw
        ("10.0.0.2", "203.0.113.7, 10.0.0.3", frozenset({"10.0.0.2", "10.0.0.3"}), "203.0.113.7"),
    ],
)
def test_the_client_address_trusts_forwarded_for_only_from_a_configured_proxy(peer, forwarded, trusted, expected):
    assert signin.client_address(peer, forwarded, trusted) == expected
