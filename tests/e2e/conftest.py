"""A real app for real-browser tests: a streamlit process on a free port, over
the session's test warehouse, with its own metadata store, users file and
cookie key in a temporary folder; Playwright drives Debian's Chromium.

Under CI=true a missing browser is a failure, not a skip.
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from bench.screens.server import free_port

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("CONCORD_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = ROOT / "tests" / "artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


class App:
    """A streamlit process that can be stopped and started again on the same state."""

    def __init__(self, env: dict, log: Path):
        self.env, self.log, self.port, self.proc = env, log, free_port(), None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> App:
        out = open(self.log, "ab")
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "streamlit",
                "run",
                str(ROOT / "serve.py"),
                "--server.port",
                str(self.port),
                "--server.headless",
                "true",
                "--browser.gatherUsageStats",
                "false",
                "--server.fileWatcherType",
                "none",
            ],
            cwd=ROOT,
            env=self.env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        deadline = time.time() + 60
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"streamlit exited early; see {self.log}")
            try:
                with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        return self
            except OSError:
                time.sleep(0.3)
        raise RuntimeError(f"streamlit did not become healthy in 60 s; see {self.log}")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        self.proc = None


@pytest.fixture(scope="session")
def app_env(warehouse_path, tmp_path_factory):
    home = tmp_path_factory.mktemp("app")
    users = home / "users.yaml"
    shutil.copy(ROOT / "auth" / "users.yaml", users)
    env = dict(os.environ)
    env.update(
        {
            "CONCORD_WAREHOUSE": str(warehouse_path),
            "CONCORD_METASTORE": str(home / "metastore.sqlite"),
            "CONCORD_USERS": str(users),
            "CONCORD_COOKIE_KEY": secrets.token_urlsafe(32),
            "PYTHONPATH": str(ROOT),
        }
    )
    return env


@pytest.fixture(scope="session")
def app(app_env, tmp_path_factory):
    server = App(app_env, tmp_path_factory.mktemp("logs") / "streamlit.log").start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{CHROMIUM} is missing: the browser tests need Debian's chromium (make browser)")
        pytest.skip(f"{CHROMIUM} is missing; install Debian's chromium (make browser)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="en-US")
    context.set_default_timeout(30_000)
    pg = context.new_page()
    yield pg
    context.close()


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
