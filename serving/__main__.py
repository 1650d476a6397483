"""python -m serving --workers N [--port 8501] [--bind *] [--worker-ports P1,P2,...] [--run-dir DIR]
    [--print-config] [-- STREAMLIT OPTIONS]

Starts N `streamlit run serve.py` workers on 127.0.0.1 (ports PORT+1 ... PORT+N unless --worker-ports)
and HAProxy on PORT in front of them, and keeps them running until Ctrl-C or SIGTERM. All workers
share the metadata store, the warehouse, the sign-in cookie key and Streamlit's cookie secret.
--print-config prints HAProxy's configuration and exits. Problems are one line and exit code 2."""

from __future__ import annotations

import argparse
import errno
import os
import secrets
import shutil
import signal
import socket
import sys
import tempfile
from pathlib import Path

from serving.config import Plan, ServingError, haproxy_binary, render, write
from serving.supervise import Child, Supervisor

ROOT = Path(__file__).resolve().parent.parent
LOOPBACK = "127.0.0.1"
START_SECONDS = 120


def parse(argv: list[str]) -> tuple[argparse.Namespace, list[str]]:
    extra: list[str] = []
    if "--" in argv:
        at = argv.index("--")
        argv, extra = argv[:at], argv[at + 1 :]
    p = argparse.ArgumentParser(prog="python -m serving", description=__doc__.split("\n\n")[1])
    p.add_argument("--workers", type=int, default=2, help="app processes behind the proxy (at least 2)")
    p.add_argument("--port", type=int, default=8501, help="where HAProxy listens")
    p.add_argument("--bind", default="*", help="HAProxy's address (* = every interface, like streamlit)")
    p.add_argument("--worker-ports", help="comma-separated ports for the workers on 127.0.0.1")
    p.add_argument("--run-dir", type=Path, help="HAProxy's config, stats socket and state.json (default: temporary)")
    p.add_argument("--print-config", action="store_true", help="print HAProxy's configuration and exit")
    return p.parse_args(argv), extra


def plan_from(args: argparse.Namespace, run_dir: Path) -> Plan:
    if args.workers < 2:
        raise ServingError("--workers must be 2 or more; one worker is plain `make run` (no proxy)")
    if args.worker_ports:
        try:
            ports = tuple(int(p) for p in args.worker_ports.split(","))
        except ValueError:
            raise ServingError(
                f"--worker-ports must be numbers separated by commas, not {args.worker_ports!r}"
            ) from None
        if len(ports) != args.workers:
            raise ServingError(f"--worker-ports names {len(ports)} ports for {args.workers} workers")
    else:
        ports = tuple(args.port + i for i in range(1, args.workers + 1))
    if len({args.port, *ports}) != len(ports) + 1 or not all(0 < p < 65536 for p in (args.port, *ports)):
        raise ServingError(f"ports must be distinct and between 1 and 65535: proxy {args.port}, workers {ports}")
    trusted = tuple(p.strip() for p in os.environ.get("CONCORD_TRUSTED_PROXIES", "").split(",") if p.strip())
    return Plan(args.port, ports, run_dir, args.bind, trusted)


def check_free(plan: Plan) -> None:
    for host, port in [("" if plan.bind == "*" else plan.bind, plan.port)] + [(LOOPBACK, p) for p in plan.worker_ports]:
        with socket.socket() as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind((host, port))
            except OSError as err:
                if err.errno == errno.EADDRINUSE:
                    raise ServingError(f"port {port} is in use: stop what uses it, or choose other ports") from None
                raise ServingError(f"cannot listen on {host or '*'}:{port}: {err.strerror}") from None


def shared_secrets() -> None:
    """Make sure every worker signs the same way before any starts: the sign-in cookie key (created on
    first use in data/secrets/cookie_key, or CONCORD_COOKIE_KEY) and the metadata store's migrations."""
    from auth.cookie import CookieKeyError, cookie_key
    from data import metastore

    try:
        cookie_key()
    except (CookieKeyError, OSError) as err:
        raise ServingError(str(err)) from None
    try:
        with metastore.session():
            pass
    except Exception as err:  # noqa: BLE001 - any store failure is one line for the operator
        raise ServingError(f"the metadata store cannot be opened: {type(err).__name__}: {err}") from None


def worker_env() -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("STREAMLIT_SERVER_COOKIE_SECRET", secrets.token_urlsafe(32))  # the same XSRF cookie everywhere
    trusted = [p.strip() for p in env.get("CONCORD_TRUSTED_PROXIES", "").split(",") if p.strip()]
    env["CONCORD_TRUSTED_PROXIES"] = ",".join(dict.fromkeys([*trusted, LOOPBACK]))  # HAProxy's X-Forwarded-For
    env["PYTHONUNBUFFERED"] = "1"
    return env


def children(plan: Plan, haproxy: str, extra: list[str]) -> list[Child]:
    env = worker_env()
    workers = [
        Child(
            f"worker {i} (:{port})",
            [sys.executable, "-m", "streamlit", "run", str(ROOT / "serve.py"), "--server.port", str(port)]
            + ["--server.address", LOOPBACK, "--server.headless", "true", "--browser.gatherUsageStats", "false"]
            + extra,
            env,
            ROOT,
            port=port,
        )
        for i, port in enumerate(plan.worker_ports, 1)
    ]
    host = LOOPBACK if plan.bind in ("*", "0.0.0.0") else plan.bind
    command = [haproxy, "-db", "-f", str(plan.config_path)]
    proxy = Child("haproxy", command, dict(os.environ), ROOT, health_url=f"http://{host}:{plan.port}/_stcore/health")
    return [*workers, proxy]


def serve(args: argparse.Namespace, extra: list[str], run_dir: Path) -> int:
    plan = plan_from(args, run_dir)
    if args.print_config:
        print(render(plan), end="")
        return 0
    haproxy = haproxy_binary()
    check_free(plan)
    write(plan, haproxy)
    shared_secrets()
    *workers, proxy = children(plan, haproxy, extra)
    supervisor = Supervisor([*workers, proxy], plan.run_dir / "state.json")
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, lambda *_: supervisor.stopping.set())
    try:
        for worker in workers:
            supervisor.start(worker)
        late = supervisor.wait_healthy(workers, START_SECONDS)
        if supervisor.stopping.is_set():
            return 0
        if late is not None:
            code = late.proc.poll()
            why = f"exited with code {code}" if code is not None else f"did not answer in {START_SECONDS} s"
            raise ServingError(f"{late.name} {why} while starting; its output is above")
        supervisor.start(proxy)
        if supervisor.wait_healthy([proxy], 30) is not None and not supervisor.stopping.is_set():
            code = proxy.proc.poll()
            why = f"exited with code {code}" if code is not None else "did not answer in 30 s"
            raise ServingError(f"haproxy {why} while starting; its output is above")
        host = "localhost" if args.bind in ("*", "0.0.0.0", LOOPBACK) else args.bind
        supervisor.say(f"Concord on http://{host}:{plan.port} through HAProxy, {len(workers)} workers; Ctrl-C stops")
        supervisor.run()
        supervisor.say("stopping Concord")
        return 0
    finally:
        supervisor.stop()


def main(argv: list[str] | None = None) -> int:
    args, extra = parse(sys.argv[1:] if argv is None else argv)
    run_dir = args.run_dir or Path(tempfile.mkdtemp(prefix="concord-serving-"))
    try:
        return serve(args, extra, run_dir)
    except ServingError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 0
    finally:
        if args.run_dir is None:
            shutil.rmtree(run_dir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
