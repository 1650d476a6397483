"""Concord as several processes behind HAProxy (serving/): the generated configuration passes
`haproxy -c`; HAProxy in front of small echo servers keeps a browser on one worker, moves it when its
worker is gone and passes X-Forwarded-*; the launcher with real streamlit workers restarts a dead one
and stops everything on SIGTERM; problems are one line. The browser side is tests/e2e/test_serving_e2e.py."""

from __future__ import annotations

import http.client
import http.server
import io
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest

from bench.screens.server import free_port
from serving import __main__ as launcher
from serving import config
from serving.config import Plan
from serving.supervise import Child, Supervisor

ROOT = Path(__file__).resolve().parents[1]
HAPROXY = shutil.which("haproxy") or "/usr/sbin/haproxy"
needs_haproxy = pytest.mark.skipif(
    not os.access(HAPROXY, os.X_OK) and os.environ.get("CI") != "true", reason="haproxy is missing (make browser)"
)


def wait_for(check, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"{what}: not within {seconds} s")


def get(url: str, cookie: str | None = None, headers: dict | None = None) -> tuple[int, dict, bytes]:
    parts = urllib.request.urlparse(url)
    con = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    try:
        con.request("GET", parts.path or "/", headers={**(headers or {}), **({"Cookie": cookie} if cookie else {})})
        answer = con.getresponse()
        return answer.status, {k.lower(): v for k, v in answer.getheaders()}, answer.read()
    finally:
        con.close()


def answers(url: str) -> bool:
    try:
        return get(url)[0] == 200
    except OSError:
        return False


# ---- the configuration -------------------------------------------------------------------
@needs_haproxy
@pytest.mark.parametrize("workers", [2, 3, 8])
def test_the_generated_configuration_passes_haproxy_check(tmp_path, workers):
    plan = Plan(18000, tuple(range(18001, 18001 + workers)), tmp_path)
    path = config.write(plan, HAPROXY)
    assert config.check(path, HAPROXY) is None
    text = path.read_text()
    for needed in (
        "timeout tunnel 24h",
        "cookie concord_worker insert indirect nocache httponly",
        "option httpchk GET /_stcore/health",
        "option redispatch",
        "retries 3",
        "retry-on conn-failure empty-response",
        "X-Forwarded-For",
        "X-Forwarded-Proto",
        "X-Forwarded-Host",
    ):
        assert needed in text, needed
    assert text.count("check cookie w") == workers


@needs_haproxy
def test_a_broken_configuration_is_one_line_naming_the_mistake(tmp_path):
    path = tmp_path / "bad.cfg"
    path.write_text(config.render(Plan(18000, (18001, 18002), tmp_path)).replace("timeout tunnel", "timeout tunel"))
    problem = config.check(path, HAPROXY)
    assert problem is not None and "\n" not in problem
    assert "tunel" in problem and not problem.startswith("[")


# ---- HAProxy in front of echo servers ------------------------------------------------------
class Echo(http.server.BaseHTTPRequestHandler):
    """Answers every GET with its own name and the headers it received."""

    def do_GET(self):  # noqa: N802 - the name http.server calls
        headers = {k.lower(): " | ".join(self.headers.get_all(k)) for k in self.headers}
        body = json.dumps({"worker": self.server.name, "headers": headers}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def echo_server(name: str) -> http.server.ThreadingHTTPServer:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Echo)
    server.name = name
    server.handle_error = lambda *_: None  # HAProxy's health checks hang up early; that is fine
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.fixture
def proxied(tmp_path):
    """Real HAProxy with our configuration in front of two echo servers."""
    if not os.access(HAPROXY, os.X_OK):
        pytest.fail("haproxy is missing: make browser installs it") if os.environ.get("CI") == "true" else pytest.skip()
    backends = [echo_server("w1"), echo_server("w2")]
    plan = Plan(free_port(), tuple(b.server_address[1] for b in backends), tmp_path, bind="127.0.0.1")
    proc = subprocess.Popen([HAPROXY, "-db", "-f", str(config.write(plan, HAPROXY))], stdout=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{plan.port}"
    wait_for(lambda: answers(url + "/_stcore/health"), 10, "haproxy answers")
    yield url, backends, plan
    proc.terminate()
    proc.wait(10)
    for b in backends:
        b.shutdown()


def worker_cookie(headers: dict) -> str:
    return headers["set-cookie"].split(";")[0]


def test_each_browser_stays_on_one_worker_and_new_browsers_spread(proxied):
    url, _, _ = proxied
    first = [get(url + "/") for _ in range(4)]  # four new browsers (no cookie yet)
    assert {json.loads(body)["worker"] for _, _, body in first} == {"w1", "w2"}
    for _, headers, body in first:
        cookie, served_by = worker_cookie(headers), json.loads(body)["worker"]
        assert cookie == f"{config.COOKIE}={served_by}" and "HttpOnly" in headers["set-cookie"]
        for path in ("/", "/_stcore/health", "/_stcore/stream", "/media/x.png"):
            status, again, body = get(url + path, cookie)
            assert json.loads(body)["worker"] == served_by and again["x-concord-worker"] == served_by
            assert "set-cookie" not in again  # the cookie is kept as it is
            assert config.COOKIE not in json.loads(body)["headers"].get("cookie", "")  # 'indirect': not passed on


def test_a_browser_whose_worker_is_gone_is_moved_to_another(proxied):
    url, backends, _ = proxied
    backends[0].shutdown()
    backends[0].server_close()
    status, headers, body = get(url + "/", "concord_worker=w1")
    assert status == 200 and json.loads(body)["worker"] == "w2"
    assert worker_cookie(headers) == "concord_worker=w2"  # and it stays there


def test_the_workers_see_who_asked_and_for_which_address(proxied):
    url, _, plan = proxied
    spoofed = {"X-Forwarded-Host": "evil.example", "X-Forwarded-Proto": "https", "X-Forwarded-For": "10.9.9.9"}
    _, _, body = get(url + "/", headers={"Host": f"bi.example.com:{plan.port}", **spoofed})
    seen = json.loads(body)["headers"]
    assert seen["x-forwarded-host"] == f"bi.example.com:{plan.port}"  # the address the browser used
    assert seen["x-forwarded-proto"] == "http"  # HAProxy here speaks plain http
    assert seen["x-forwarded-for"] == "127.0.0.1"  # one line: the peer HAProxy saw, never the client's claim


def test_a_trusted_proxy_in_front_keeps_its_forwarded_headers(tmp_path):
    backend = echo_server("w1")
    plan = Plan(free_port(), (backend.server_address[1],), tmp_path, "127.0.0.1", trusted=("127.0.0.1", "10.0.0.7"))
    proc = subprocess.Popen([HAPROXY, "-db", "-f", str(config.write(plan, HAPROXY))], stdout=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{plan.port}"
    try:
        wait_for(lambda: answers(url + "/_stcore/health"), 10, "haproxy answers")
        outer = {"X-Forwarded-Host": "bi.example.com", "X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.5"}
        seen = json.loads(get(url + "/", headers=outer)[2])["headers"]
        assert seen["x-forwarded-host"] == "bi.example.com" and seen["x-forwarded-proto"] == "https"
        assert seen["x-forwarded-for"] == "203.0.113.5, 127.0.0.1"
    finally:
        proc.terminate()
        proc.wait(10)
        backend.shutdown()


# ---- the launcher ---------------------------------------------------------------------------
def run_launcher(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "serving", *args],
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=60,
    )


def one_line_error(done: subprocess.CompletedProcess) -> str:
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr + done.stdout
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    return lines[0]


def test_without_haproxy_the_launcher_says_how_to_install_it():
    line = one_line_error(run_launcher("--workers", "2", "--port", str(free_port()), env={"CONCORD_HAPROXY": "/nope"}))
    assert "install haproxy: apt-get install haproxy" in line


def test_bad_arguments_are_one_line(tmp_path):
    assert "one worker is plain `make run`" in one_line_error(run_launcher("--workers", "1"))
    assert "names 1 ports for 2 workers" in one_line_error(run_launcher("--workers", "2", "--worker-ports", "9"))
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        line = one_line_error(run_launcher("--workers", "2", "--worker-ports", f"{port},{free_port()}"))
        assert f"port {port} is in use" in line


@needs_haproxy
def test_a_configuration_haproxy_refuses_is_one_line(tmp_path, monkeypatch, capsys):
    bad = tmp_path / "template.cfg"
    bad.write_text(config.TEMPLATE.read_text().replace("timeout tunnel", "timeout tunel"))
    monkeypatch.setattr(config, "TEMPLATE", bad)
    ports = f"{free_port()},{free_port()}"
    code = launcher.main(["--workers", "2", "--port", str(free_port()), "--worker-ports", ports])
    err = capsys.readouterr().err
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert err.startswith("error: haproxy refuses") and "tunel" in err


def test_print_config_shows_what_haproxy_would_run():
    done = run_launcher("--workers", "3", "--port", "9100", "--print-config")
    assert done.returncode == 0
    assert "bind *:9100" in done.stdout and "server w3 127.0.0.1:9103 check cookie w3" in done.stdout


def test_make_run_is_one_streamlit_unless_workers_are_asked_for():
    def dry(*args):
        done = subprocess.run(["make", "-n", *args], cwd=ROOT, capture_output=True, text=True, timeout=60)
        return done.stdout

    single = dry("run", "BIN=.venv/bin")
    assert "streamlit run serve.py --server.port 8501" in single and "serving" not in single
    many = dry("run", "WORKERS=3", "PORT=9000", "BIN=.venv/bin")
    assert "-m serving --workers 3 --port 9000" in many and "streamlit run" not in many


class Launcher:
    """`python -m serving` on free ports, its run folder kept for state.json and the stats socket."""

    def __init__(self, env: dict, run_dir: Path, workers: int = 2):
        self.env, self.run_dir = env, run_dir
        self.port, self.worker_ports = free_port(), [free_port() for _ in range(workers)]
        self.log, self.proc = run_dir.parent / f"{run_dir.name}.log", None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Launcher:
        ports = ",".join(map(str, self.worker_ports))
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "serving", "--workers", str(len(self.worker_ports)), "--port", str(self.port)]
            + ["--bind", "127.0.0.1", "--worker-ports", ports, "--run-dir", str(self.run_dir)]
            + ["--", "--server.fileWatcherType", "none"],
            cwd=ROOT,
            env=self.env,
            stdout=open(self.log, "ab"),
            stderr=subprocess.STDOUT,
        )

        def up():
            assert self.proc.poll() is None, self.output()
            return "through HAProxy" in self.output() and answers(self.url + "/_stcore/health")

        wait_for(up, 150, f"the launcher starts (see {self.log})")
        return self

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def state(self) -> dict[str, dict]:
        entries = json.loads((self.run_dir / "state.json").read_text())
        return {e["name"].split(" (")[0].replace("worker ", "w"): e for e in entries}

    def stats(self) -> dict[str, dict]:
        """HAProxy's `show stat` for the workers, by server name (scur: open sessions, status)."""
        with socket.socket(socket.AF_UNIX) as s:
            s.connect(str(self.run_dir / "haproxy.sock"))
            s.sendall(b"show stat\n")
            data = b""
            while chunk := s.recv(65536):
                data += chunk
        lines = data.decode().lstrip("# ").splitlines()
        head = lines[0].split(",")
        rows = [dict(zip(head, line.split(","))) for line in lines[1:] if line]
        return {r["svname"]: r for r in rows if r["pxname"] == "workers" and r["svname"].startswith("w")}

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(40)


def serving_env(warehouse: Path, home: Path) -> dict:
    users = home / "users.yaml"
    shutil.copy(ROOT / "auth" / "users.yaml", users)
    return {
        **os.environ,
        "CONCORD_WAREHOUSE": str(warehouse),
        "CONCORD_METASTORE": str(home / "metastore.sqlite"),
        "CONCORD_USERS": str(users),
        "CONCORD_COOKIE_KEY": secrets.token_urlsafe(32),
        "PYTHONPATH": str(ROOT),
    }


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return Path(f"/proc/{pid}").exists() and "zombie" not in Path(f"/proc/{pid}/status").read_text().lower()


@needs_haproxy
def test_the_launcher_restarts_a_dead_worker_and_stops_everything(warehouse_path, tmp_path):
    served = Launcher(serving_env(warehouse_path, tmp_path), tmp_path / "run").start()
    try:
        before = served.state()
        assert set(before) == {"w1", "w2", "haproxy"}
        for _ in range(3):  # HAProxy now keeps idle connections to w1
            assert get(served.url + "/", "concord_worker=w1")[1]["x-concord-worker"] == "w1"
        os.kill(before["w1"]["pid"], signal.SIGKILL)
        status, headers, _ = get(served.url + "/", "concord_worker=w1")  # at once: no 502 for w1's browsers
        assert status == 200 and headers["x-concord-worker"] == "w2"
        restarted = wait_for(
            lambda: (s := served.state())["w1"]["pid"] != before["w1"]["pid"] and s["w1"], 30, "worker 1 restarted"
        )
        assert restarted["restarts"] == 1 and alive(restarted["pid"])
        wait_for(lambda: answers(f"http://127.0.0.1:{served.worker_ports[0]}/_stcore/health"), 90, "w1 healthy")
        wait_for(lambda: served.stats()["w1"]["status"] == "UP", 30, "haproxy sees w1 up again")
        assert "worker 1" in served.output() and "was killed by signal 9; starting it again" in served.output()
        os.kill(before["haproxy"]["pid"], signal.SIGKILL)  # HAProxy too is started again
        wait_for(lambda: served.state()["haproxy"]["restarts"] == 1, 30, "haproxy restarted")
        wait_for(lambda: answers(served.url + "/_stcore/health"), 30, "the proxy answers again")
    finally:
        code = served.stop()
    pids = [e["pid"] for e in served.state().values()]
    assert code == 0 and not any(alive(p) for p in pids)
    assert "Traceback" not in served.output()


@needs_haproxy
def test_a_worker_that_cannot_start_or_a_weak_cookie_key_is_one_line(warehouse_path, tmp_path):
    env = serving_env(warehouse_path, tmp_path)
    ports = ["--port", str(free_port()), "--worker-ports", f"{free_port()},{free_port()}"]
    weak = one_line_error(run_launcher("--workers", "2", *ports, env={**env, "CONCORD_COOKIE_KEY": "short"}))
    assert "cookie key from CONCORD_COOKIE_KEY" in weak
    done = run_launcher("--workers", "2", *ports, "--", "--server.noSuchOption", "1", env=env)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert re.fullmatch(
        r"error: worker \d \(:\d+\) exited with code \d+ while starting; its output is above", done.stderr.strip()
    )


@needs_haproxy
def test_an_haproxy_that_does_not_start_is_one_line_and_leaves_no_worker(warehouse_path, tmp_path):
    fake = tmp_path / "haproxy"  # passes `haproxy -c`, then fails as a taken port would
    fake.write_text(
        f'#!/bin/sh\ncase " $* " in *" -c "*) exec {HAPROXY} "$@";; esac\necho "[ALERT] cannot bind"\nexit 1\n'
    )
    fake.chmod(0o755)
    ports = ["--port", str(free_port()), "--worker-ports", f"{free_port()},{free_port()}"]
    run_dir = tmp_path / "run"
    env = {**serving_env(warehouse_path, tmp_path), "CONCORD_HAPROXY": str(fake)}
    done = run_launcher("--workers", "2", *ports, "--run-dir", str(run_dir), env=env)
    assert done.stderr.strip() == "error: haproxy exited with code 1 while starting; its output is above"
    assert done.returncode == 2 and "haproxy | [ALERT] cannot bind" in done.stdout
    workers = [e["pid"] for e in json.loads((run_dir / "state.json").read_text()) if e["port"]]
    assert len(workers) == 2 and not any(alive(p) for p in workers)


def test_a_child_that_keeps_dying_young_is_started_again_less_and_less_often(tmp_path):
    out = io.StringIO()
    child = Child("worker 9", [sys.executable, "-c", "raise SystemExit(3)"], dict(os.environ), ROOT)
    supervisor = Supervisor([child], tmp_path / "state.json", out)
    supervisor.start(child)
    child.proc.wait(30)
    now = time.monotonic()
    supervisor.step(now)
    assert (
        child.due == pytest.approx(now + 2)
        and "worker 9 exited with code 3; starting it again in 2 s" in out.getvalue()
    )
    supervisor.step(now + 1)
    assert child.restarts == 0  # not yet
    supervisor.step(now + 2)
    assert child.restarts == 1 and json.loads((tmp_path / "state.json").read_text())[0]["restarts"] == 1
    child.proc.wait(30)
    supervisor.step(now + 3)
    assert child.delay == 4
    supervisor.stop()
    assert supervisor.stopping.is_set()


@needs_haproxy
def test_killing_the_launcher_takes_its_workers_and_haproxy_with_it(warehouse_path, tmp_path):
    if not shutil.which("setpriv"):
        pytest.skip("util-linux's setpriv is missing")
    served = Launcher(serving_env(warehouse_path, tmp_path), tmp_path / "run").start()
    pids = [e["pid"] for e in served.state().values()]
    served.proc.kill()
    served.proc.wait(10)
    wait_for(lambda: not any(alive(p) for p in pids), 30, "the children end with the launcher")
