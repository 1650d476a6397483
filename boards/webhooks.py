"""Alert webhooks: who may set one, where it may go, and how it is delivered.

- `check(url, who)` when a rule's webhook is set or changed: `who` must be
  granted set_webhooks (semantic.authorize), the URL must be http(s) and its
  host on `[webhooks] allowed_hosts` in the config (data/config.py; empty by
  default, so nothing is delivered until an administrator lists a host).
- `deliver(...)` checks again at send time (the config may have changed), then
  resolves the host and connects only to an address it checked: a loopback,
  private, link-local or otherwise non-public address is refused unless that
  address itself is on the allow-list (listing "hooks.corp" is not enough for
  it to reach 10.0.0.5; list "10.0.0.5" too). The connection goes to the checked
  address (no second lookup that DNS could answer differently), redirects are
  never followed (http.client sends exactly one request; a 3xx is a failure),
  the timeout is 3 s, and every outcome is logged in webhook_deliveries, never
  raised: this runs in a background thread.
"""

from __future__ import annotations

import datetime as dt
import http.client
import ipaddress
import json
import logging
import socket
import threading
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass

from data import config, metastore
from semantic.authorize import authorize
from semantic.errors import SemanticError
from semantic.principal import Principal

RETRIES = 3
TIMEOUT = 3.0
SCHEMES = ("http", "https")
log = logging.getLogger("concord.webhooks")


class WebhookError(SemanticError):
    """A webhook URL that may not be used."""


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str  # as compared with the allow-list (data.config.host_key)
    port: int
    path: str  # path and query, as sent


def check(url: str, who: Principal) -> str:
    """Allow `who` to set `url` as a rule's webhook, or raise (PolicyError / WebhookError, one line)."""
    authorize(who, "set_webhook")
    target(url)
    return url


def target(url: str, settings: config.Config | None = None) -> Target:
    """The parsed URL when its scheme and host are allowed; WebhookError otherwise."""
    try:
        parts = urllib.parse.urlsplit(url.strip())
        port = parts.port
    except ValueError as err:
        raise WebhookError(f"webhook '{url}' is not a valid URL ({err}); use https://host/path.") from None
    if parts.scheme.lower() not in SCHEMES:
        raise WebhookError(f"webhook '{url}': only http:// and https:// URLs are allowed.")
    if not parts.hostname:
        raise WebhookError(f"webhook '{url}' has no host; use https://host/path.")
    if parts.username is not None or parts.password is not None:
        raise WebhookError(f"webhook '{url}' carries a user name or password; put a token in the path instead.")
    host = config.host_key(parts.hostname)
    allowed = (settings or config.load()).webhooks.allowed_hosts
    if host not in allowed:
        shown = ", ".join(allowed) or "none yet"
        raise WebhookError(
            f"webhook host '{host}' is not on the allow-list ({shown}); an administrator adds hosts "
            f"to [webhooks] allowed_hosts in {config.path().name}."
        )
    scheme = parts.scheme.lower()
    path = parts.path or "/"
    return Target(
        scheme, host, port or (443 if scheme == "https" else 80), path + (f"?{parts.query}" if parts.query else "")
    )


def address(t: Target, settings: config.Config, resolve: Callable = socket.getaddrinfo) -> str:
    """The one address to connect to: the first the host resolves to, all of which must be public
    unless that very address is on the allow-list; WebhookError otherwise."""
    try:
        infos = resolve(t.host, t.port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as err:
        raise WebhookError(f"webhook host '{t.host}' does not resolve ({err}).") from None
    addresses = list(dict.fromkeys(info[4][0] for info in infos))
    if not addresses:
        raise WebhookError(f"webhook host '{t.host}' does not resolve.")
    for text in addresses:
        ip = ipaddress.ip_address(text.split("%")[0])
        if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
            ip = ip.ipv4_mapped
        if not _public(ip) and str(ip) not in settings.webhooks.allowed_hosts:
            raise WebhookError(
                f"webhook host '{t.host}' resolves to the non-public address {ip}; list {ip} in "
                "[webhooks] allowed_hosts too if that receiver is really meant."
            )
    return addresses[0]


def _public(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    return ip.is_global and not (ip.is_multicast or ip.is_reserved or ip.is_unspecified)


class _Pinned(http.client.HTTPConnection):
    """Connects to the checked address, not to whatever the host name resolves to next."""

    def __init__(self, host: str, port: int, ip: str, timeout: float):
        super().__init__(host, port, timeout=timeout)
        self._ip = ip

    def connect(self) -> None:
        self.sock = socket.create_connection((self._ip, self.port), self.timeout)


class _PinnedTLS(http.client.HTTPSConnection):
    def __init__(self, host: str, port: int, ip: str, timeout: float):
        super().__init__(host, port, timeout=timeout)
        self._ip = ip

    def connect(self) -> None:  # the certificate is checked against the host name, as usual
        sock = socket.create_connection((self._ip, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def _post_once(t: Target, ip: str, body: bytes) -> tuple[bool, bool, str]:
    """(delivered, worth retrying, message) for one POST; never follows a redirect."""
    kind = _PinnedTLS if t.scheme == "https" else _Pinned
    con = kind(t.host, t.port, ip, TIMEOUT)
    try:
        con.request("POST", t.path, body=body, headers={"Content-Type": "application/json", "User-Agent": "Concord"})
        response = con.getresponse()
        status = response.status
        location = response.getheader("Location") or ""
        response.read(65536)
    finally:
        con.close()
    if status is None:
        return False, True, "no HTTP status"
    if 200 <= status < 300:
        return True, False, f"HTTP {status}"
    if 300 <= status < 400:
        return False, False, f"HTTP {status}: redirects are not followed (to {location[:200] or 'nowhere'})"
    return False, True, f"HTTP {status}"


def deliver(
    alert_id: int,
    url: str,
    payload: dict,
    sleep: Callable[[float], None] = time.sleep,
    resolve: Callable = socket.getaddrinfo,
) -> bool:
    """POST `payload` as JSON to `url`, retried with backoff; logs 'delivered' or 'failed' with the reason.
    Never raises."""
    attempt, message = 0, ""
    try:
        body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        for attempt in range(1, RETRIES + 1):
            retry = True
            try:
                settings = config.load()
                t = target(url, settings)
                delivered, retry, message = _post_once(t, address(t, settings, resolve), body)
                if delivered:
                    _log(alert_id, url, attempt, "delivered", message)
                    return True
            except (WebhookError, config.ConfigError) as err:  # refused: trying again would not help
                message, retry = f"refused: {err}", False
            except (OSError, http.client.HTTPException, ValueError) as err:
                message = f"{type(err).__name__}: {err}"
            if not retry:
                break
            if attempt < RETRIES:
                sleep(0.5 * 2 ** (attempt - 1))
    except Exception as err:  # noqa: BLE001 - a delivery thread must end with a log line, not a traceback
        message = f"{type(err).__name__}: {err}"
    _log(alert_id, url, attempt, "failed", message)
    return False


def deliver_in_background(alert_id: int, url: str, payload: dict) -> threading.Thread:
    thread = threading.Thread(target=deliver, args=(alert_id, url, payload), daemon=True, name=f"webhook-{alert_id}")
    thread.start()
    return thread


def refuse(alert_id: int, url: str, reason: str) -> None:
    """Log a delivery that was not attempted (e.g. the rule's principal may no longer set webhooks)."""
    _log(alert_id, url, 0, "failed", f"refused: {reason}")


def _log(alert_id: int, url: str, attempts: int, status: str, message: str) -> None:
    (log.info if status == "delivered" else log.warning)("webhook for alert %s %s: %s", alert_id, status, message)
    try:
        with metastore.session() as con:
            con.execute(
                "INSERT INTO webhook_deliveries (alert_id, url, attempts, status, message, at) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (alert_id, url, attempts, status, message[:500], dt.datetime.now(dt.UTC).isoformat(timespec="seconds")),
            )
    except Exception as err:  # noqa: BLE001 - the log line above still says what happened
        log.warning("webhook delivery log not written: %s", err)
