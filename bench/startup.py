"""python -m bench.startup: time `make run` from nothing to a usable app.

"Nothing" is a machine with the requirements installed and no demo warehouse:
the run builds the warehouse (scale 0.1) and its rollups into a fresh
temporary file and starts streamlit; the clock stops when the server answers
its health check and serves the app's page. Writes bench/results/startup.json.
Exits 2 when the requirements are not installed (that time is not counted).
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LIMIT_SECONDS = 180


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def main() -> int:
    venv = Path(sys.prefix)
    marker = venv / "bin" / ".installed"
    if not marker.exists() or marker.stat().st_mtime < (ROOT / "requirements.txt").stat().st_mtime:
        print(
            f"error: requirements are not installed in {venv}; run `make setup` and use .venv/bin/python.",
            file=sys.stderr,
        )
        return 2
    port = _free_port()
    with tempfile.TemporaryDirectory() as home:
        warehouse = Path(home) / "warehouse.duckdb"
        env = {**os.environ, "CONCORD_WAREHOUSE": str(warehouse), "CONCORD_METASTORE": str(Path(home) / "meta.sqlite")}
        command = ["make", "--no-print-directory", "run", f"VENV={venv}", f"WAREHOUSE={warehouse}", f"PORT={port}"]
        started = time.perf_counter()
        proc = subprocess.Popen(
            command,
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            while not (_answers(f"{base}/_stcore/health") and _answers(f"{base}/")):
                if proc.poll() is not None:
                    print(f"error: make run stopped (exit {proc.returncode}):\n{proc.stdout.read()}", file=sys.stderr)
                    return 1
                if time.perf_counter() - started > LIMIT_SECONDS:
                    print(f"error: the app did not answer within {LIMIT_SECONDS} s", file=sys.stderr)
                    return 1
                time.sleep(0.2)
            seconds = time.perf_counter() - started
        finally:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=30)
    result = {"make_run_to_usable_app_s": round(seconds, 2), "target_s": 60, "scale": 0.1}
    out = ROOT / "bench" / "results" / "startup.json"
    out.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    print(f"make run, from no warehouse to an answering app: {seconds:.1f} s (target < 60 s); written to {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
