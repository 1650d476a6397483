"""python -m bench.screens.launch run serve.py [streamlit options]: `streamlit run`, counting script runs.

Instrumentation outside the app tree: ScriptRunner._run_script is wrapped so that each script run
appends one JSON line to $CONCORD_BENCH_RUNS: start (unix time), wall and thread-CPU seconds, the
session id, the fragments it ran, whether the browser's timer asked for it, and whether it was
the run's whole script. With $CONCORD_BENCH_PROFILE=DIR every fragment run (and every full run with
$CONCORD_BENCH_PROFILE_FULL=1) is also profiled
(cProfile, the script thread only) into DIR/run-N.prof. Nothing else changes in the server."""

from __future__ import annotations

import cProfile
import itertools
import json
import os
import sys
import threading
import time


def _install(log_path: str, profile_dir: str | None) -> None:
    from streamlit.runtime.scriptrunner import script_runner

    original = script_runner.ScriptRunner._run_script
    lock = threading.Lock()
    counter = itertools.count(1)
    out = open(log_path, "a", buffering=1, encoding="utf-8")  # noqa: SIM115 - open for the process's life

    def counted(self, rerun_data):
        fragments = list(rerun_data.fragment_id_queue or ([rerun_data.fragment_id] if rerun_data.fragment_id else []))
        started, cpu = time.time(), time.thread_time()
        wanted = fragments or os.environ.get("CONCORD_BENCH_PROFILE_FULL")  # full runs too, when asked
        profiler = cProfile.Profile() if profile_dir and wanted else None
        if profiler:
            profiler.enable()
        try:
            return original(self, rerun_data)
        finally:
            if profiler:
                profiler.disable()
                profiler.dump_stats(os.path.join(profile_dir, f"run-{next(counter)}.prof"))
            line = {
                "t": round(started, 4),
                "wall": round(time.time() - started, 5),
                "cpu": round(time.thread_time() - cpu, 5),
                "session": self._session_id,
                "fragments": fragments,
                "auto": bool(rerun_data.is_auto_rerun),
            }
            with lock:
                out.write(json.dumps(line) + "\n")

    script_runner.ScriptRunner._run_script = counted


def main() -> None:
    log_path = os.environ.get("CONCORD_BENCH_RUNS")
    if log_path:
        _install(log_path, os.environ.get("CONCORD_BENCH_PROFILE") or None)
    from streamlit.web import cli

    sys.argv = ["streamlit", *sys.argv[1:]]
    cli.main(prog_name="streamlit")


if __name__ == "__main__":
    main()
