"""asyncio.run in a thread of its own. In the full suite the browser tests' session-wide Playwright
(sync API) keeps an event loop running in the main thread, and asyncio.run refuses to start inside a
running loop: tests that drive screens with bench.screens run their loop here instead."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine
from typing import Any


def run(coro: Coroutine[Any, Any, Any], timeout: float = 600) -> Any:
    out: dict[str, Any] = {}

    def target() -> None:
        try:
            out["value"] = asyncio.run(coro)
        except BaseException as err:  # noqa: BLE001 - handed back to the test's thread
            out["error"] = err

    worker = threading.Thread(target=target, daemon=True)
    worker.start()
    worker.join(timeout)
    if worker.is_alive():
        raise TimeoutError(f"the screens did not finish within {timeout} s")
    if "error" in out:
        raise out["error"]
    return out["value"]
