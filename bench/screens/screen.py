"""One office screen: the page load, the websocket, the initial run, then the fragment's timed reruns.

A refresh (a timed rerun sent) is answered by the first successful script_finished of a run whose
new_session arrived after the refresh was sent. Several refreshes waiting on a busy server may be
answered by one run (Streamlit coalesces pending fragment reruns), as the browser's screen is.
A run started just before a refresh reached the server can be taken for its answer; on a local
network that window is the time new_session takes to travel back, well under the latencies reported."""

from __future__ import annotations

import asyncio
import time

import websockets
from websockets.asyncio.client import connect

from bench.screens import protocol
from bench.screens.protocol import MessageCache, ScreenError, Target
from bench.screens.stats import ScreenRecord


class Fatal(Exception):
    """The server refused the screen itself (bad token, bad board): no point in running the others."""


class Screen:
    def __init__(self, target: Target, record: ScreenRecord, start: float, end: float, grace: float):
        self.target, self.record = target, record
        self.start, self.end, self.grace = start, end, grace  # monotonic: run start, last tick, hang up
        self.cookies: dict[str, str] = {}
        self.cache = MessageCache()
        self.page_script_hash = ""
        self.pending: list[float] = []  # send times of refreshes not answered yet
        self.run_started = 0.0  # when the current run's new_session arrived
        self.timer: asyncio.Task | None = None
        self.fragment_id = ""
        self.ws = None
        self.first_run_errors: list[str] = []

    async def run(self) -> None:
        try:
            await self._run()
        except (Fatal, asyncio.CancelledError):
            raise
        except Exception as err:  # recorded, never a traceback: the report says what went wrong
            self.record.error("internal", f"{type(err).__name__}: {err}"[:200])
        finally:
            if self.timer:
                self.timer.cancel()
            self.record.unanswered += len(self.pending)
            self.pending.clear()

    async def _run(self) -> None:
        await asyncio.sleep(max(0.0, self.start + self.record.offset - time.monotonic()))
        self.record.opened_at = time.monotonic()
        try:
            await self._load_page()
        except ScreenError as err:
            self.record.error("connect", str(err))
            return
        hang_up = self.end + self.grace
        while time.monotonic() < hang_up:
            try:
                await self._session(hang_up)
            except Fatal:
                raise
            except (OSError, TimeoutError, websockets.WebSocketException, ScreenError) as err:
                if self.record.down_since is None:
                    self.record.down_since = time.monotonic()
                self.record.error("disconnected", f"websocket: {type(err).__name__}: {err}"[:200])
            if time.monotonic() >= hang_up:
                break
            self.record.reconnects += 1
            await asyncio.sleep(1.0)  # the browser's first reconnect delay is of this order

    async def _load_page(self) -> None:
        status = await protocol.http_get(self.target.page_url, self.cookies)
        if status != 200:
            raise ScreenError(f"GET / answered HTTP {status}")
        for path in ("/_stcore/health", "/_stcore/host-config"):
            await protocol.http_get(self.target.base + path, self.cookies)

    async def _session(self, hang_up: float) -> None:
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())} if self.cookies else None
        async with connect(
            self.target.stream_url,
            origin=self.target.base,
            subprotocols=protocol.subprotocols(self.cookies, self.record.session_id),
            additional_headers=headers,
            user_agent_header="Mozilla/5.0 (X11; Linux x86_64) Chrome bench.screens",
            proxy=None,
            ping_interval=None,
            max_size=None,
            open_timeout=60,
        ) as ws:
            self.ws = ws
            # first connect or reconnect: a full run (the frontend's handleConnectionStateChanged)
            await ws.send(
                protocol.rerun(self.target, page_script_hash=self.page_script_hash, cached=self.cache.hashes())
            )
            while True:
                left = hang_up - time.monotonic()
                if left <= 0:
                    return
                try:
                    data = await asyncio.wait_for(ws.recv(), timeout=left)
                except TimeoutError:
                    return
                if isinstance(data, bytes):
                    self._on_message(protocol.decode(data))

    def _on_message(self, msg) -> None:
        now = time.monotonic()
        self.cache.remember(msg)
        kind = msg.WhichOneof("type")
        if kind == "new_session":
            self.run_started = now
            self.page_script_hash = msg.new_session.page_script_hash or self.page_script_hash
            self.cache.max_age = msg.new_session.config.max_cached_message_age or self.cache.max_age
            if msg.new_session.initialize.session_id:
                self.record.session_id = msg.new_session.initialize.session_id
        elif kind == "auto_rerun":
            self._on_auto_rerun(msg.auto_rerun.fragment_id, msg.auto_rerun.interval)
        elif kind == "delta":
            found = protocol.error_text(msg)
            if found:
                self.record.error(*found)
                if self.record.first_board_s is None:
                    self.first_run_errors.append(found[1])
        elif kind == "script_finished":
            self.cache.finished(list(msg.metadata.run.fragment_ids))
            self._on_finished(msg.script_finished, now)

    def _on_finished(self, status, now: float) -> None:
        if status == protocol.EARLY:
            self.record.discarded_runs += 1
            return
        if status not in protocol.SUCCESS:
            self.record.error("script_failed", f"script_finished status {status}")
            return
        if self.record.first_board_s is None:
            if self.timer is None and self.first_run_errors:
                raise Fatal(self.first_run_errors[0])
            self.record.first_board_s = now - self.record.opened_at
        if self.record.down_since is not None:
            self.record.recoveries.append(now - self.record.down_since)
            self.record.down_since = None
        answered = [t for t in self.pending if t <= self.run_started]
        self.pending = [t for t in self.pending if t > self.run_started]
        self.record.latencies.extend(now - t for t in answered)
        self.record.answered_at.extend(now for _ in answered)

    def _on_auto_rerun(self, fragment_id: str, interval: float) -> None:
        if self.record.interval == interval and self.fragment_id == fragment_id and self.timer:
            return  # the frontend keeps its interval when the same one is announced again
        if self.timer:
            self.timer.cancel()
        self.fragment_id, self.record.interval = fragment_id, interval
        self.timer = asyncio.get_running_loop().create_task(self._ticks(interval))

    async def _ticks(self, interval: float) -> None:
        """setInterval: fixed rate from the auto_rerun message, answered or not."""
        due = time.monotonic() + interval
        while due <= self.end:
            await asyncio.sleep(max(0.0, due - time.monotonic()))
            due += interval
            sent = time.monotonic()
            try:
                await self.ws.send(
                    protocol.rerun(
                        self.target,
                        page_script_hash=self.page_script_hash,
                        fragment_id=self.fragment_id,
                        cached=self.cache.hashes(),
                    )
                )
            except websockets.WebSocketException:
                self.record.error("send_failed", "a timed rerun could not be sent: the websocket was closed")
                continue
            self.record.sent += 1
            self.pending.append(sent)
