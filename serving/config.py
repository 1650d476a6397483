"""HAProxy's configuration for N workers, rendered from haproxy.cfg.template, and its check (`haproxy -c`)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from string import Template

TEMPLATE = Path(__file__).resolve().parent / "haproxy.cfg.template"
COOKIE = "concord_worker"  # HAProxy's stickiness cookie: which worker this browser talks to
ALERT = re.compile(r"^\[ALERT\]\s*\(\d+\)\s*:\s*")  # "[ALERT]    (30800) : " before the message
INSTALL = "install haproxy: apt-get install haproxy"


class ServingError(RuntimeError):
    """Something that stops the launcher, said in one line."""


@dataclass(frozen=True)
class Plan:
    """Where HAProxy listens and where its workers are."""

    port: int
    worker_ports: tuple[int, ...]
    run_dir: Path
    bind: str = "*"
    trusted: tuple[str, ...] = ()  # proxies in front of HAProxy whose X-Forwarded-* are kept

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(f"w{i}" for i in range(1, len(self.worker_ports) + 1))

    @property
    def config_path(self) -> Path:
        return self.run_dir / "haproxy.cfg"

    @property
    def stats_socket(self) -> Path:
        return self.run_dir / "haproxy.sock"


def render(plan: Plan) -> str:
    servers = "\n".join(
        f"    server {name} 127.0.0.1:{port} check cookie {name}" for name, port in zip(plan.names, plan.worker_ports)
    )
    return Template(TEMPLATE.read_text(encoding="utf-8")).substitute(
        workers=len(plan.worker_ports),
        cookie=COOKIE,
        stats_socket=plan.stats_socket,
        bind=plan.bind,
        port=plan.port,
        servers=servers,
        trusted_acl=f"src {' '.join(plan.trusted)}" if plan.trusted else "always_false",
    )


def haproxy_binary() -> str:
    """HAProxy's path: $CONCORD_HAPROXY, else on PATH, else /usr/sbin (which a user's PATH may lack)."""
    named = os.environ.get("CONCORD_HAPROXY")
    if named:
        if not os.access(named, os.X_OK):
            raise ServingError(f"CONCORD_HAPROXY={named} is not a program; {INSTALL}")
        return named
    found = shutil.which("haproxy") or ("/usr/sbin/haproxy" if os.access("/usr/sbin/haproxy", os.X_OK) else None)
    if found is None:
        raise ServingError(INSTALL)
    return found


def write(plan: Plan, haproxy: str) -> Path:
    """Write the configuration into the run folder and check it with `haproxy -c`; a problem is one line."""
    plan.run_dir.mkdir(parents=True, exist_ok=True)
    plan.config_path.write_text(render(plan), encoding="utf-8")
    problem = check(plan.config_path, haproxy)
    if problem:
        raise ServingError(f"haproxy refuses {plan.config_path}: {problem}")
    return plan.config_path


def check(path: Path, haproxy: str) -> str | None:
    """None when `haproxy -c` accepts the file, else its first alert as one line."""
    done = subprocess.run([haproxy, "-c", "-f", str(path)], capture_output=True, text=True, timeout=30)
    if done.returncode == 0:
        return None
    lines = [line.strip() for line in (done.stderr + done.stdout).splitlines() if line.strip()]
    alerts = [ALERT.sub("", line) for line in lines if line.startswith("[ALERT]")]
    return (alerts or lines or [f"exit code {done.returncode}"])[0]
