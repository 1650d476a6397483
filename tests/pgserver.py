"""A throwaway PostgreSQL server for the tests: Debian's binaries, a temp folder, a free port.

PostgreSQL refuses to run as root, so as root it runs as the `postgres` user (created by
Debian's package) in a folder that user owns; trust authentication on 127.0.0.1 and on a
unix socket inside the folder. When the binaries are missing and we are root, Debian's
postgresql package is installed (as `make browser` installs chromium); otherwise the
caller gets one line saying what to install.
"""

from __future__ import annotations

import glob
import itertools
import os
import pwd
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field

from bench.screens.server import free_port

INSTALL = "apt-get install postgresql"


class Missing(RuntimeError):
    """No PostgreSQL server binaries here, and we may not install them."""


def binaries() -> str | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
    return os.path.dirname(found[-1]) if found else None


def ensure_binaries() -> str:
    found = binaries()
    if found:
        return found
    if os.geteuid() != 0:
        raise Missing(f"PostgreSQL server binaries are missing (/usr/lib/postgresql/*/bin); run 'sudo {INSTALL}'.")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-qq"], check=True, env=env, capture_output=True)
    subprocess.run(["apt-get", "install", "-y", "-qq", "postgresql"], check=True, env=env, capture_output=True)
    found = binaries()
    if not found:
        raise Missing(f"installing Debian's postgresql did not provide /usr/lib/postgresql/*/bin; try '{INSTALL}'.")
    return found


@dataclass
class Server:
    bin: str
    folder: str
    port: int
    user: str | None  # run the binaries as this user (root cannot run PostgreSQL)
    _counter: itertools.count = field(default_factory=lambda: itertools.count(1))

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *args: str) -> subprocess.CompletedProcess:
        command = [os.path.join(self.bin, args[0]), *args[1:]]
        if self.user:
            command = ["runuser", "-u", self.user, "--", *command]
        return subprocess.run(command, capture_output=True, text=True, timeout=120)

    def start(self) -> Server:
        data = os.path.join(self.folder, "data")
        done = self._run("initdb", "-D", data, "-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-sync")
        if done.returncode:
            raise RuntimeError(f"initdb failed: {done.stderr.strip()[-500:]}")
        options = (
            f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off -c max_connections=300"
        )
        log = os.path.join(self.folder, "server.log")
        done = self._run("pg_ctl", "-D", data, "-o", options, "-l", log, "-w", "-t", "60", "start")
        if done.returncode:
            tail = open(log, encoding="utf-8", errors="replace").read()[-800:] if os.path.exists(log) else ""
            raise RuntimeError(f"pg_ctl start failed: {done.stderr.strip()[-300:]} {tail}")
        return self

    def restart(self) -> None:
        """Stop (ending every session at once) and start again on the same port."""
        log = os.path.join(self.folder, "server.log")
        done = self._run("pg_ctl", "-D", os.path.join(self.folder, "data"), "-l", log, "-m", "fast", "-w", "restart")
        if done.returncode:
            raise RuntimeError(f"pg_ctl restart failed: {done.stderr.strip()[-300:]}")

    def stop(self) -> None:
        self._run("pg_ctl", "-D", os.path.join(self.folder, "data"), "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.folder, ignore_errors=True)

    def fresh_store(self) -> str:
        """The URL of a new, empty metadata store (a schema of its own on this server)."""
        import psycopg

        schema = f"store_{os.getpid()}_{next(self._counter)}"
        with psycopg.connect(self.url, autocommit=True) as con:
            con.execute(f"CREATE SCHEMA {schema}")
        return f"{self.url}?options=-csearch_path%3D{schema}"


def start() -> Server:
    bin_dir = ensure_binaries()
    folder = tempfile.mkdtemp(prefix="concord-pg-")
    user = None
    if os.geteuid() == 0:
        user = "postgres"
        try:
            owner = pwd.getpwnam(user)
        except KeyError:
            raise Missing("there is no 'postgres' user to run the server as; reinstall Debian's postgresql.") from None
        os.chown(folder, owner.pw_uid, owner.pw_gid)
    os.chmod(folder, 0o700)
    return Server(bin_dir, folder, free_port(), user).start()
