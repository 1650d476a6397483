"""What Streamlit's own frontend sends and receives, rebuilt from its source (streamlit 1.67):

1. The page load: GET /?kiosk=1&board=..&token=.. (the index sets the `_streamlit_xsrf` cookie), then the
   connection manager's pings: GET /_stcore/health and /_stcore/host-config.
2. The websocket /_stcore/stream with `Origin`, the page's cookies, and the subprotocols
   ["streamlit", <the _streamlit_xsrf cookie or PLACEHOLDER_AUTH_TOKEN>, <last session id on a reconnect>].
3. On connect: BackMsg rerun_script (ClientState: the query string, page_script_hash "", page_name "",
   context_info, the hashes of cached messages; no fragment id).
4. On a ForwardMsg auto_rerun (st.fragment(run_every=...)): a setInterval(interval) that sends
   rerun_script with fragment_id and is_auto_rerun=true, whether or not the last one was answered.
5. Messages marked cacheable are remembered by hash; a later ref_hash names one (ForwardMsgCache).

Static assets (JS, CSS, fonts) are not fetched: a screen's browser caches them after its first load."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from http.cookies import SimpleCookie
from urllib.parse import urlsplit

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

SUCCESS = (ForwardMsg.FINISHED_SUCCESSFULLY, ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY)
EARLY = ForwardMsg.FINISHED_EARLY_FOR_RERUN
PLACEHOLDER = "PLACEHOLDER_AUTH_TOKEN"
XSRF_COOKIE = "_streamlit_xsrf"


class ScreenError(Exception):
    """Something a screen could not do, said in one line."""


@dataclass(frozen=True)
class Target:
    base: str  # http://host:port
    query: str  # kiosk=1&board=..&token=..

    @property
    def host(self) -> str:
        return urlsplit(self.base).netloc

    @property
    def page_url(self) -> str:
        return f"{self.base}/?{self.query}"

    @property
    def stream_url(self) -> str:
        parts = urlsplit(self.base)
        scheme = "wss" if parts.scheme == "https" else "ws"
        return f"{scheme}://{parts.netloc}/_stcore/stream"


async def http_get(url: str, cookies: dict[str, str], timeout: float = 30) -> int:
    """One GET over a fresh connection (HTTP/1.1, no keep-alive); stores Set-Cookie values in `cookies`
    and returns the status. Plain http only: the load generator talks to a server on the LAN."""
    parts = urlsplit(url)
    if parts.scheme != "http":
        raise ScreenError(f"only http:// URLs are supported, not {parts.scheme}://")
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    try:
        reader, writer = await asyncio.wait_for(
            asyncio.open_connection(parts.hostname, parts.port or 80), timeout=timeout
        )
    except (OSError, TimeoutError) as err:
        raise ScreenError(f"cannot reach {parts.netloc}: {err.strerror or type(err).__name__}") from None
    try:
        cookie = "; ".join(f"{k}={v}" for k, v in cookies.items())
        request = f"GET {path} HTTP/1.1\r\nHost: {parts.netloc}\r\nAccept: */*\r\nConnection: close\r\n"
        request += f"Cookie: {cookie}\r\n" if cookie else ""
        writer.write((request + "\r\n").encode("latin-1"))
        await writer.drain()
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), timeout=timeout)
        await asyncio.wait_for(reader.read(), timeout=timeout)  # the body, discarded
    except (OSError, TimeoutError, asyncio.IncompleteReadError) as err:
        raise ScreenError(f"{parts.netloc} did not answer GET {parts.path or '/'}: {type(err).__name__}") from None
    finally:
        writer.close()
    lines = head.decode("latin-1").split("\r\n")
    try:
        status = int(lines[0].split()[1])
    except (IndexError, ValueError):
        raise ScreenError(f"{parts.netloc} did not answer in HTTP") from None
    for line in lines[1:]:
        name, _, value = line.partition(":")
        if name.strip().lower() == "set-cookie":
            jar = SimpleCookie()
            jar.load(value.strip())
            cookies.update({k: m.value for k, m in jar.items()})
    return status


def subprotocols(cookies: dict[str, str], last_session: str = "") -> list[str]:
    return ["streamlit", cookies.get(XSRF_COOKIE) or PLACEHOLDER, *([last_session] if last_session else [])]


def rerun(
    target: Target,
    *,
    page_script_hash: str = "",
    fragment_id: str = "",
    cached: list[str] | tuple[str, ...] = (),
) -> bytes:
    """A rerun_script BackMsg as the frontend's sendRerunBackMsg builds it (no widgets on a screen)."""
    msg = BackMsg()
    state = msg.rerun_script
    state.query_string = target.query
    state.page_script_hash = page_script_hash
    state.page_name = ""
    state.widget_states.SetInParent()
    if fragment_id:
        state.fragment_id = fragment_id
        state.is_auto_rerun = True
    state.cached_message_hashes.extend(cached)
    info = state.context_info
    info.timezone, info.timezone_offset, info.locale = "UTC", 0, "en-US"
    info.url, info.is_embedded, info.color_scheme = target.page_url, False, "light"
    return msg.SerializeToString()


def decode(data: bytes) -> ForwardMsg:
    msg = ForwardMsg()
    try:
        msg.ParseFromString(data)
    except Exception as err:  # protobuf's DecodeError; its module is streamlit's dependency, not ours
        raise ScreenError(f"the server sent a message that is not a ForwardMsg ({type(err).__name__})") from None
    return msg


def error_text(msg: ForwardMsg) -> tuple[str, str] | None:
    """(kind, text) when a delta shows an exception or an error box; None otherwise."""
    if msg.WhichOneof("type") != "delta" or msg.delta.WhichOneof("type") != "new_element":
        return None
    element = msg.delta.new_element
    kind = element.WhichOneof("type")
    if kind == "exception":
        return "exception", f"{element.exception.type}: {element.exception.message}".strip()
    if kind == "alert" and element.alert.format == element.alert.ERROR:
        return "error_box", element.alert.body.replace("\\", "")
    return None


class MessageCache:
    """The frontend's ForwardMsgCache: hashes of cacheable messages, dropped after `max_age` runs unseen
    (a fragment run ages only that fragment's messages)."""

    def __init__(self, max_age: int = 2):
        self.max_age, self.runs, self.seen = max_age, 0, {}

    def remember(self, msg: ForwardMsg) -> None:
        if msg.WhichOneof("type") == "ref_hash":
            if msg.ref_hash in self.seen:
                self.seen[msg.ref_hash] = (self.seen[msg.ref_hash][0], self.runs)
        elif msg.metadata.cacheable and msg.hash:
            fragment = msg.delta.fragment_id if msg.WhichOneof("type") == "delta" else ""
            self.seen[msg.hash] = (fragment, self.runs)

    def finished(self, fragment_ids) -> None:
        self.runs += 1
        for key, (fragment, last) in list(self.seen.items()):
            if fragment_ids and fragment not in fragment_ids:
                continue
            if self.runs - last > self.max_age:
                del self.seen[key]

    def hashes(self) -> list[str]:
        return list(self.seen)
