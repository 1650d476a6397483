"""Webhooks (finding 3): http(s) to allow-listed hosts only, set only by users granted it, no redirects, a short
timeout, never a crash; proven against real local HTTP servers that record what reaches them."""

from __future__ import annotations

import http.server
import json
import socket
import threading

import pytest

from boards import alerts, webhooks
from boards.store import Board, Rule, Tile
from data import config, metastore
from semantic import PolicyError, Principal, Query

CFO = Principal("cfo", ("finance",))
LEAD = Principal("sales_lead", ("sales_manager",))


class Server:
    """A loopback HTTP server that records every request; answers 200, or 302 to `redirect`."""

    def __init__(self, redirect: str = ""):
        self.received: list[tuple[str, str, bytes]] = []
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def _any(self):
                length = int(self.headers.get("Content-Length") or 0)
                outer.received.append((self.command, self.path, self.rfile.read(length)))
                self.send_response(302 if redirect else 200)
                if redirect:
                    self.send_header("Location", redirect)
                self.send_header("Content-Length", "0")
                self.end_headers()

            do_POST = do_GET = _any

            def log_message(self, *args):
                pass

        self.httpd = http.server.HTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_port
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server():
    s = Server()
    yield s
    s.close()


@pytest.fixture
def allow(tmp_path, monkeypatch, metastore_file):
    """allow(*hosts): write a config allowing these webhook hosts."""
    file = tmp_path / "concord.toml"
    monkeypatch.setenv("CONCORD_CONFIG", str(file))

    def write(*hosts):
        file.write_text("[webhooks]\nallowed_hosts = " + json.dumps(list(hosts)) + "\n")

    write()
    return write


def deliveries() -> list[dict]:
    with metastore.session() as con:
        return [dict(r) for r in con.execute("SELECT * FROM webhook_deliveries ORDER BY id")]


def no_wait(seconds):
    pass


# ---- config -------------------------------------------------------------------------
def test_a_missing_config_means_no_host_is_allowed(tmp_path, monkeypatch):
    monkeypatch.setenv("CONCORD_CONFIG", str(tmp_path / "absent.toml"))
    assert config.load().webhooks.allowed_hosts == ()


@pytest.mark.parametrize(
    "text, says",
    [
        ('[webhooks]\nallowed_hosts = "hooks.example.com"\n', "webhooks.allowed_hosts: must be a list"),
        ("[webhooks]\nallowed_host = []\n", "webhooks.allowed_host: unknown setting"),
        ('[webhooks]\nallowed_hosts = ["https://hooks.example.com/x"]\n', "is not a host name"),
        ("[webhooks\n", "not valid TOML"),
    ],
)
def test_a_bad_config_is_one_line_naming_the_key_and_the_fix(tmp_path, text, says):
    file = tmp_path / "concord.toml"
    file.write_text(text)
    with pytest.raises(config.ConfigError, match=says) as err:
        config.load(file)
    assert "\n" not in str(err.value)


def test_example_config_is_valid_and_allows_nothing():
    assert config.load(config.ROOT / "concord.example.toml").webhooks.allowed_hosts == ()


# ---- who may set a webhook, and to where --------------------------------------------
def test_only_users_granted_set_webhooks_may_set_one(allow):
    allow("hooks.example.com")
    assert webhooks.check("https://hooks.example.com/T0/B1", CFO) == "https://hooks.example.com/T0/B1"
    with pytest.raises(PolicyError, match="set webhook is not granted"):
        webhooks.check("https://hooks.example.com/T0/B1", LEAD)


@pytest.mark.parametrize(
    "url, says",
    [
        ("file:///etc/passwd", "only http:// and https://"),
        ("gopher://127.0.0.1:70/_hello", "only http:// and https://"),
        ("ftp://hooks.example.com/x", "only http:// and https://"),
        ("http://127.0.0.1:6379/", "not on the allow-list"),
        ("https://evil.example.net/steal", "not on the allow-list"),
        ("https://hooks.example.com@evil.example.net/", "user name or password"),
        ("https:///nohost", "has no host"),
        ("http://hooks.example.com:99999/", "not a valid URL"),
    ],
)
def test_webhooks_outside_the_allow_list_or_not_http_are_refused_in_one_line(allow, url, says):
    allow("hooks.example.com")
    with pytest.raises(webhooks.WebhookError, match=says) as err:
        webhooks.check(url, CFO)
    assert "\n" not in str(err.value)


# ---- delivery -----------------------------------------------------------------------
@pytest.mark.parametrize("scheme_url", ["file:///etc/passwd", "gopher://127.0.0.1:{port}/_x"])
def test_deliver_refuses_other_schemes_without_opening_anything(allow, server, scheme_url):
    allow("127.0.0.1")
    assert webhooks.deliver(1, scheme_url.format(port=server.port), {"x": 1}, sleep=no_wait) is False
    [row] = deliveries()
    assert server.received == [] and row["status"] == "failed" and "only http:// and https://" in row["message"]


def test_a_loopback_port_not_on_the_allow_list_is_refused_and_never_contacted(allow, server):
    """The port scanner of finding 3: nothing reaches the local server, and the log says 'refused', not a probe."""
    allow("hooks.example.com")
    assert webhooks.deliver(1, f"http://127.0.0.1:{server.port}/hook", {"x": 1}, sleep=no_wait) is False
    [row] = deliveries()
    assert server.received == [] and row["message"].startswith(
        "refused: webhook host '127.0.0.1' is not on the allow-list"
    )


def test_an_allowed_name_that_resolves_to_loopback_is_refused_unless_that_address_is_listed(allow, server):
    def resolve(host, port, **kw):
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port))]

    allow("hooks.example.com")
    url = f"http://hooks.example.com:{server.port}/hook"
    assert webhooks.deliver(1, url, {"x": 1}, sleep=no_wait, resolve=resolve) is False
    assert server.received == [] and "non-public address 127.0.0.1" in deliveries()[0]["message"]
    allow("hooks.example.com", "127.0.0.1")  # the administrator names the internal address too
    assert webhooks.deliver(2, url, {"x": 1}, sleep=no_wait, resolve=resolve) is True
    assert len(server.received) == 1


def test_a_redirect_from_an_allowed_host_is_not_followed(allow, server):
    """The allowed local receiver answers 302 to another (not allowed) server: that one gets nothing."""
    bouncer = Server(redirect=f"http://localhost:{server.port}/stolen")
    try:
        allow("127.0.0.1")
        assert webhooks.deliver(1, f"http://127.0.0.1:{bouncer.port}/hook", {"v": 1}, sleep=no_wait) is False
        assert len(bouncer.received) == 1 and server.received == []
        [row] = deliveries()
        assert row["status"] == "failed" and "redirects are not followed" in row["message"]
    finally:
        bouncer.close()


def test_a_successful_delivery_posts_exactly_the_rule_body(allow, server, warehouse, users_file):
    """A breach evaluated as the owner: one POST holding the board, tile, rule, level and value, nothing else."""
    from boards import evaluate, store

    allow("127.0.0.1")
    url = f"http://127.0.0.1:{server.port}/hook"
    rule = Rule("cash_in", ">", -1e18, "critical", webhooks.check(url, CFO))
    board = store.save(
        Board(
            title="Cash",
            owner="cfo",
            tiles=(Tile(Query(metrics=("cash_in", "cash_out")), title="Cash", rules=(rule,)),),
        ),
        CFO,
    )
    sent = []
    post = lambda *a: sent.append(webhooks.deliver(*a, sleep=no_wait))
    for _ in range(3):
        evaluate.evaluate_board(board, warehouse, post=post)
    assert sent == [True] and len(server.received) == 1
    method, path, body = server.received[0]
    payload = json.loads(body)
    [row] = [r for r in alerts.history(CFO)]
    assert (method, path) == ("POST", "/hook")
    assert set(payload) == {"board", "board_id", "tile", "rule", "metric", "level", "value", "at"}
    assert payload["value"] == row["value"] and payload["rule"] == rule.text() and "cash_out" not in body.decode()
    assert deliveries()[0]["status"] == "delivered"


def test_a_failing_receiver_is_retried_with_backoff_then_logged_and_never_raises(allow):
    allow("127.0.0.1")
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    waits = []
    assert webhooks.deliver(1, f"http://127.0.0.1:{port}/x", {"x": 1}, sleep=waits.append) is False
    assert waits == [0.5, 1.0]
    [row] = deliveries()
    assert (row["status"], row["attempts"]) == ("failed", 3) and "ConnectionRefusedError" in row["message"]


def test_no_exception_escapes_a_delivery(allow, monkeypatch):
    """The old thread crashed on a None status; now anything at all ends as a 'failed' log line."""
    allow("hooks.example.com")

    def boom(*a, **k):
        raise RuntimeError("resolver exploded")

    assert webhooks.deliver(1, "https://hooks.example.com/x", {"x": 1}, sleep=no_wait, resolve=boom) is False
    assert "RuntimeError: resolver exploded" in deliveries()[0]["message"]
    allow("127.0.0.1")

    def none_status(*a):
        raise TypeError("'<=' not supported between instances of 'int' and 'NoneType'")

    monkeypatch.setattr(webhooks, "_post_once", none_status)
    assert webhooks.deliver(2, "http://127.0.0.1:1/", {"x": 1}, sleep=no_wait) is False
    assert deliveries()[1]["status"] == "failed" and "TypeError" in deliveries()[1]["message"]


def test_https_to_a_receiver_without_tls_fails_cleanly_and_checks_the_name(allow, server):
    allow("127.0.0.1")
    assert webhooks.deliver(1, f"https://127.0.0.1:{server.port}/hook", {"x": 1}, sleep=no_wait) is False
    [row] = deliveries()
    assert row["status"] == "failed" and row["attempts"] == 3 and ("SSL" in row["message"] or "ssl" in row["message"])
