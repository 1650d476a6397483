"""Run the workers and HAProxy, and keep them running: a child that exits is started again
(after 1 s, doubling up to 30 s while it keeps dying young); stop() ends them all, HAProxy first."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

# Streamlit's start-up banner names the worker's own address; people should use the proxy's.
BANNER = re.compile(r"^\s*$|You can now view your Streamlit app|^\s*(Local |Network |External )?URL:")
FIRST_DELAY, MAX_DELAY, YOUNG = 1.0, 30.0, 10.0
# If the launcher itself is killed (SIGKILL, out of memory), its children get SIGTERM instead of living on
# and holding the ports (util-linux's setpriv; the children are started from the launcher's main thread).
ORPHAN_GUARD = ["setpriv", "--pdeathsig", "TERM", "--"] if shutil.which("setpriv") else []


@dataclass
class Child:
    """One supervised process: a worker (port on 127.0.0.1) or HAProxy (health through it: `health_url`)."""

    name: str
    command: list[str]
    env: dict[str, str]
    cwd: Path
    port: int | None = None
    health_url: str | None = None
    proc: subprocess.Popen | None = None
    started_at: float = 0.0
    restarts: int = 0
    delay: float = FIRST_DELAY
    due: float | None = None  # when a dead child is started again
    pumps: list[threading.Thread] = field(default_factory=list)

    def start(self, out: TextIO) -> None:
        self.proc = subprocess.Popen(
            ORPHAN_GUARD + self.command,
            cwd=self.cwd,
            env=self.env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # Ctrl-C reaches the launcher only, which then stops the children in order
        )
        self.started_at, self.due = time.monotonic(), None
        pump = threading.Thread(target=_pump, args=(self.proc.stdout, f"{self.name} | ", out), daemon=True)
        pump.start()
        self.pumps = [pump]

    def healthy(self) -> bool:
        url = self.health_url or (self.port and f"http://127.0.0.1:{self.port}/_stcore/health")
        if not url:
            return self.proc is not None and self.proc.poll() is None
        try:
            with urllib.request.urlopen(url, timeout=2) as answer:
                return answer.status == 200
        except OSError:
            return False


def _pump(stream, prefix: str, out: TextIO) -> None:
    for raw in iter(stream.readline, b""):
        line = raw.decode("utf-8", errors="replace").rstrip()
        if not BANNER.search(line):
            out.write(f"{prefix}{line}\n")
            out.flush()
    stream.close()


class Supervisor:
    def __init__(self, children: list[Child], state_path: Path | None = None, out: TextIO = sys.stdout):
        self.children, self.state_path, self.out = children, state_path, out
        self.stopping = threading.Event()

    def say(self, line: str) -> None:
        self.out.write(line + "\n")
        self.out.flush()

    def start(self, child: Child) -> None:
        child.start(self.out)
        self.write_state()

    def wait_healthy(self, children: list[Child], seconds: float) -> Child | None:
        """Wait until every child answers its health check; the first that exited or did not answer in time."""
        deadline = time.monotonic() + seconds
        waiting = list(children)
        while waiting and not self.stopping.is_set():
            for child in list(waiting):
                if child.proc.poll() is not None:
                    return child
                if child.healthy():
                    waiting.remove(child)
            if time.monotonic() > deadline:
                return waiting[0]
            time.sleep(0.3)
        return None

    def step(self, now: float | None = None) -> None:
        """Notice children that exited and start them again when their delay has passed."""
        now = time.monotonic() if now is None else now
        for child in self.children:
            if self.stopping.is_set():
                return
            code = child.proc.poll() if child.proc is not None else None
            if child.due is None and child.proc is not None and code is not None:
                lived = now - child.started_at
                child.delay = FIRST_DELAY if lived >= YOUNG else min(child.delay * 2, MAX_DELAY)
                child.due = now + child.delay
                how = f"was killed by signal {-code}" if code < 0 else f"exited with code {code}"
                self.say(f"{child.name} {how}; starting it again in {child.delay:g} s")
            if child.due is not None and now >= child.due:
                child.restarts += 1
                self.start(child)

    def run(self, poll: float = 0.3) -> None:
        while not self.stopping.wait(poll):
            self.step()

    def stop(self, grace: float = 10.0) -> None:
        """SIGTERM to HAProxy and then the workers; SIGKILL to any still running after `grace` seconds."""
        self.stopping.set()
        alive = [c.proc for c in sorted(self.children, key=lambda c: c.port is not None) if c.proc]
        for proc in alive:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + grace
        for proc in alive:
            try:
                proc.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        for child in self.children:
            for pump in child.pumps:
                pump.join(2)

    def write_state(self) -> None:
        """pids and ports, for operators and tests (kill a worker, find HAProxy)."""
        if self.state_path is None:
            return
        state = [
            {"name": c.name, "port": c.port, "pid": c.proc.pid if c.proc else None, "restarts": c.restarts}
            for c in self.children
        ]
        temporary = self.state_path.with_suffix(".tmp")
        temporary.write_text(json.dumps(state, indent=1), encoding="utf-8")
        os.replace(temporary, self.state_path)
