"""The server side of a run: a fresh server to measure (--start), its processes' CPU and memory
read from /proc, and the script runs it counted (bench.screens.launch)."""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TICK = os.sysconf("SC_CLK_TCK")


class ServerError(Exception):
    """The server could not be started or watched; one line."""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Started:
    url: str
    board: int
    token: str
    proc: subprocess.Popen
    home: tempfile.TemporaryDirectory
    runs_log: Path
    log: Path
    command: list[str] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict)
    cwd: Path | None = None

    def kill(self) -> None:
        """Stop the server at once (SIGKILL), keeping its files: a crash, for fault tests."""
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)

    def restart(self) -> None:
        """Start the same server again on the same port (after kill), and wait until it is healthy."""
        with open(self.log, "ab") as out:
            self.proc = subprocess.Popen(self.command, cwd=self.cwd, env=self.env, stdout=out, stderr=subprocess.STDOUT)
        _wait_healthy(self)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self.home.cleanup()


def start(warehouse: Path, refresh: int, app_root: Path = ROOT, profile_dir: Path | None = None) -> Started:
    """`streamlit run serve.py` on a free port over a temporary copy of `warehouse` and a fresh metadata
    store, with the bench board and a display token made by bench.screens.seed."""
    if not warehouse.is_file():
        raise ServerError(f"no warehouse at {warehouse}: build one with `make warehouse` or pass --warehouse PATH")
    home = tempfile.TemporaryDirectory(prefix="concord-screens-")
    base = Path(home.name)
    shutil.copyfile(warehouse, base / "warehouse.duckdb")
    shutil.copyfile(app_root / "auth" / "users.yaml", base / "users.yaml")
    env = {
        **os.environ,
        "CONCORD_WAREHOUSE": str(base / "warehouse.duckdb"),
        "CONCORD_METASTORE": str(base / "metastore.sqlite"),
        "CONCORD_USERS": str(base / "users.yaml"),
        "CONCORD_COOKIE_KEY": secrets.token_urlsafe(32),
        "CONCORD_ALERTS_SCHEDULER": "off",  # measure the screens, not the alert evaluator
        "CONCORD_BENCH_RUNS": str(base / "runs.jsonl"),
        "PYTHONPATH": os.pathsep.join([str(app_root), str(ROOT)]),
    }
    if profile_dir:
        env["CONCORD_BENCH_PROFILE"] = str(profile_dir)
    seeded = subprocess.run(
        [sys.executable, "-m", "bench.screens.seed", str(refresh)],
        cwd=app_root,
        env=env,
        capture_output=True,
        text=True,
    )
    if seeded.returncode != 0:
        home.cleanup()
        last = (seeded.stderr.strip().splitlines() or ["no output"])[-1]
        raise ServerError(f"could not create the bench board: {last}")
    made = json.loads(seeded.stdout.strip().splitlines()[-1])
    port = free_port()
    log = base / "streamlit.log"
    command = [sys.executable, "-m", "bench.screens.launch", "run", str(app_root / "serve.py")]
    command += ["--server.port", str(port), "--server.headless", "true", "--browser.gatherUsageStats", "false"]
    command += ["--server.fileWatcherType", "none"]
    with open(log, "ab") as out:
        proc = subprocess.Popen(command, cwd=app_root, env=env, stdout=out, stderr=subprocess.STDOUT)
    started = Started(f"http://127.0.0.1:{port}", made["board"], made["token"], proc, home, base / "runs.jsonl", log)
    started.command, started.env, started.cwd = command, env, app_root
    _wait_healthy(started)
    return started


def _wait_healthy(started: Started) -> None:
    proc, log = started.proc, started.log
    deadline = time.time() + 90
    while time.time() < deadline:
        if proc.poll() is not None:
            tail = log.read_text(errors="replace").strip().splitlines()[-1:] or ["no output"]
            started.stop()
            raise ServerError(f"streamlit exited early: {tail[0]}")
        try:
            with urllib.request.urlopen(f"{started.url}/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    started.stop()
    raise ServerError("streamlit did not become healthy within 90 s")


def listening_pids(port: int) -> list[int]:
    """The processes (readable by us) holding a TCP socket listening on `port`."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            cols = line.split()
            if cols[3] == "0A" and int(cols[1].rsplit(":", 1)[1], 16) == port:  # 0A: LISTEN
                inodes.add(cols[9])
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            links = {os.readlink(fd) for fd in (entry / "fd").iterdir()}
        except OSError:
            continue
        if any(f"socket:[{i}]" in links for i in inodes):
            pids.append(int(entry.name))
    return sorted(pids)


def cpu_seconds(pid: int) -> float | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat.rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK  # utime, stime


def rss_mb(pid: int, key: str = "VmRSS") -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def command_of(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()[:120]
    except OSError:
        return ""


@dataclass
class Watch:
    """CPU seconds and peak RSS of some processes over a run, sampled every `every` seconds."""

    pids: list[int]
    every: float = 0.5
    cpu0: dict = field(default_factory=dict)
    cpu1: dict = field(default_factory=dict)
    peak: dict = field(default_factory=dict)
    began: float = 0.0
    ended: float = 0.0
    samples: list = field(default_factory=list)  # (monotonic time, CPU seconds of all the processes)

    def begin(self) -> None:
        self.began = time.monotonic()
        self.cpu0 = {p: cpu_seconds(p) for p in self.pids}
        self._sample()

    def _sample(self) -> None:
        for p in self.pids:
            now = rss_mb(p)
            if now is not None:
                self.peak[p] = max(self.peak.get(p, 0.0), now)
            cpu = cpu_seconds(p)
            if cpu is not None:
                self.cpu1[p] = cpu
        self.samples.append((time.monotonic(), sum(self.cpu1.values())))

    async def sample_until(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            self._sample()
            try:
                await asyncio.wait_for(stop.wait(), timeout=self.every)
            except TimeoutError:
                pass
        self._sample()
        self.ended = time.monotonic()

    def report(self, answered: int, steady: dict | None = None) -> dict:
        procs = []
        for p in self.pids:
            used = None if self.cpu0.get(p) is None or p not in self.cpu1 else self.cpu1[p] - self.cpu0[p]
            hwm = rss_mb(p, "VmHWM")
            procs.append(
                {
                    "pid": p,
                    "command": command_of(p),
                    "cpu_s": round(used or 0.0, 2),
                    "peak_rss_mb": round(self.peak.get(p, 0.0), 1),
                    "lifetime_peak_rss_mb": None if hwm is None else round(hwm, 1),
                }
            )
        total = sum(p["cpu_s"] for p in procs)
        wall = max(self.ended - self.began, 1e-9)
        return {
            "processes": procs,
            "cpu_s": round(total, 2),
            "wall_s": round(wall, 1),
            "cpu_pct_of_one_core": round(100 * total / wall, 1),
            "cpu_s_per_refresh": round(total / answered, 4) if answered else None,
            "peak_rss_mb": round(sum(p["peak_rss_mb"] for p in procs), 1),
            "steady": steady,
        }


def read_runs(path: Path, since: float, until: float) -> list[dict]:
    """The script runs bench.screens.launch logged that started in [since, until) (unix time)."""
    if not path or not Path(path).exists():
        return []
    runs = []
    for line in Path(path).read_text().splitlines():
        try:
            run = json.loads(line)
        except json.JSONDecodeError:
            continue
        if since <= run["t"] < until:
            runs.append(run)
    return runs


def runs_summary(runs: list[dict], seconds: float) -> dict:
    fragment = [r for r in runs if r["fragments"]]
    cpu = sum(r["cpu"] for r in runs)
    per_session: dict[str, int] = {}
    for r in runs:
        per_session[r["session"]] = per_session.get(r["session"], 0) + 1
    return {
        "total": len(runs),
        "fragment": len(fragment),
        "full": len(runs) - len(fragment),
        "per_minute": round(60 * len(runs) / seconds, 2) if seconds > 0 else 0.0,
        "script_thread_cpu_s": round(cpu, 2),
        "script_thread_cpu_s_per_fragment_run": round(sum(r["cpu"] for r in fragment) / len(fragment), 4)
        if fragment
        else None,
        "per_session": per_session,
    }
