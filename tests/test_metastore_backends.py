"""The metadata store on SQLite and PostgreSQL: one adapter, the same migrations, the store chosen
by configuration, and several processes sharing one store (issue 12: screens at scale)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from auth import throttle
from boards import store, tokens
from boards.store import Board, Tile
from data import config, metastore
from semantic import Principal, Query

METASTORE_BACKENDS = ("sqlite", "postgres")  # every test using metastore_file runs on both

ROOT = Path(__file__).resolve().parent.parent
CFO = Principal("cfo", ("finance",))


class Worker:
    """Another app process on the same store (tests/metastore_worker.py)."""

    def __init__(self):
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tests.metastore_worker"],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=dict(os.environ),
        )
        assert self.read() == {"ready": True}

    def read(self) -> dict:
        line = self.proc.stdout.readline()
        assert line, self.proc.stderr.read()
        return json.loads(line)

    def send(self, **command) -> None:
        self.proc.stdin.write(json.dumps(command) + "\n")
        self.proc.stdin.flush()

    def ask(self, **command) -> dict:
        self.send(**command)
        return self.read()

    def close(self) -> None:
        self.send(op="exit")
        self.proc.wait(timeout=30)
        assert self.proc.returncode == 0, self.proc.stderr.read()


@pytest.fixture
def workers(metastore_file, users_file):
    started = [Worker(), Worker()]
    yield started
    for worker in started:
        if worker.proc.poll() is None:
            worker.close()


def test_the_backend_is_the_one_configured(metastore_file, metastore_backend):
    assert metastore.target().kind == metastore_backend
    with metastore.session() as con:
        versions = [r["version"] for r in con.execute("SELECT version FROM schema_version ORDER BY version")]
    assert versions == [n for n, _, _ in metastore.migrations()]


def test_twelve_attempts_from_two_processes_at_once_pass_at_most_five(workers):
    """The throttle decides in one serialised transaction in whichever process: 2 processes x 6
    threads trying the same user and address at the same moment get at most 5 password checks."""
    at = time.time() + 1.0
    for worker in workers:
        worker.send(op="throttle", n=6, user="cfo", address="198.51.100.9", at=at)
    answers = [worker.read() for worker in workers]
    assert sum(a["tried"] for a in answers) == 12
    assert sum(a["allowed"] for a in answers) == throttle.USER_ADDRESS_LIMIT, answers
    assert throttle.waiting("cfo", "198.51.100.9") is not None  # and this process sees the slow-down


def test_a_link_revoked_in_one_process_stops_the_screen_in_the_other_at_once(workers):
    board = store.save(Board(title="Cash", owner="cfo", tiles=(Tile(Query(metrics=("cash_in",)), title="Cash"),)), CFO)
    token = tokens.create(board.id, "finance", CFO)
    screen, admin = workers
    assert screen.ask(op="resolve", token=token, board=board.id) == {"shown": True}
    assert admin.ask(op="revoke", id=tokens.listed(board.id)[0]["id"]) == {"revoked": tokens.listed(board.id)[0]["id"]}
    answer = screen.ask(op="resolve", token=token, board=board.id)
    assert answer["shown"] is False and "revoked" in answer["why"]
    with pytest.raises(store.BoardError, match="revoked"):
        tokens.resolve(token, board.id)  # and in this, third, process


def test_audit_events_queued_in_another_process_are_written_at_its_exit(workers):
    from auth import audit

    for worker in workers:
        assert worker.ask(op="audit", n=300, user=f"w{worker.proc.pid}") == {"queued": 300}
    for worker in workers:
        worker.close()
    for worker in workers:
        events = audit.read_events(username=f"w{worker.proc.pid}", limit=1000)
        assert sorted(int(e["message"]) for e in events) == list(range(300))


# ---- the adapter ---------------------------------------------------------------------------
def test_placeholders_quotes_percent_signs_rows_and_flags_read_alike(metastore_file):
    with metastore.session() as con:
        con.execute("INSERT INTO user_prefs (username, key, value) VALUES (?, ?, ?)", ("a?'b", "100%", "x"))
        row = con.execute(
            "SELECT username, key AS k, 'is it?' AS q, '50%' AS pct FROM user_prefs WHERE key LIKE ? AND 1 = ?",
            ("10%", True),
        ).fetchone()
        assert (row["username"], row["k"], row[2], row["pct"]) == ("a?'b", "100%", "is it?", "50%")
        assert tuple(row) == ("a?'b", "100%", "is it?", "50%") and list(dict(row)) == ["username", "k", "q", "pct"]
        new_id = con.execute(
            "INSERT INTO quality_runs (name, status, failing_rows, blocking, seconds, ran_at) "
            "VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
            ("check", "pass", 0, True, 0.123456789, "2025-01-01"),
        ).fetchall()[0][0]
        stored = con.execute("SELECT blocking, seconds FROM quality_runs WHERE id = ?", (new_id,)).fetchone()
    assert stored["blocking"] == 1 and stored["seconds"] == 0.123456789  # a double, as REAL is in SQLite


def test_a_failed_transaction_leaves_nothing_and_a_nested_one_is_a_savepoint(metastore_file):
    with metastore.session() as con:
        with pytest.raises(ZeroDivisionError), metastore.transaction(con):
            con.execute("INSERT INTO user_prefs (username, key, value) VALUES ('u', 'lang', 'en')")
            raise ZeroDivisionError
        with metastore.transaction(con):
            con.execute("INSERT INTO user_prefs (username, key, value) VALUES ('u', 'a', '1')")
            with pytest.raises(KeyError), metastore.transaction(con):
                con.execute("INSERT INTO user_prefs (username, key, value) VALUES ('u', 'b', '2')")
                raise KeyError("inner")
        keys = [r[0] for r in con.execute("SELECT key FROM user_prefs ORDER BY key")]
    assert keys == ["a"]


def test_sessions_reuse_connections(metastore_file):
    with metastore.session() as first:
        with metastore.session() as nested:
            assert nested is first
    with metastore.session() as again:
        assert again is first


# ---- configuration -------------------------------------------------------------------------
def test_the_store_is_chosen_by_env_then_concord_toml(tmp_path, monkeypatch):
    monkeypatch.delenv("CONCORD_METASTORE_URL", raising=False)
    monkeypatch.delenv("CONCORD_METASTORE", raising=False)
    settings = tmp_path / "concord.toml"
    monkeypatch.setenv("CONCORD_CONFIG", str(settings))
    assert metastore.target() == ("sqlite", str(metastore.DEFAULT_PATH))
    settings.write_text('[metastore]\nurl = "postgresql://concord@db.example.com/concord"\n')
    assert metastore.target() == ("postgres", "postgresql://concord@db.example.com/concord")
    monkeypatch.setenv("CONCORD_METASTORE", str(tmp_path / "m.sqlite"))
    assert metastore.target() == ("sqlite", str(tmp_path / "m.sqlite"))
    monkeypatch.setenv("CONCORD_METASTORE_URL", "postgresql://other/db")
    assert metastore.target() == ("postgres", "postgresql://other/db")


@pytest.mark.parametrize(
    "text, needle",
    [
        ('[metastore]\nurl = "mysql://root:secret@h/db"\n', "metastore.url: 'h/db' is not a PostgreSQL URL"),
        ("[metastore]\nurl = 5\n", 'metastore.url: must be a URL in quotes, e.g. url = "postgresql://'),
        ('[metastore]\nuri = "postgresql://h/db"\n', "metastore.uri: unknown setting"),
    ],
)
def test_a_wrong_metastore_setting_is_one_line_naming_the_key(tmp_path, text, needle):
    settings = tmp_path / "concord.toml"
    settings.write_text(text)
    with pytest.raises(config.ConfigError) as err:
        config.load(settings)
    assert needle in str(err.value) and "\n" not in str(err.value) and "secret" not in str(err.value)


def test_an_unknown_url_scheme_in_the_environment_is_one_line(monkeypatch):
    monkeypatch.setenv("CONCORD_METASTORE_URL", "mysql://h/db")
    with pytest.raises(config.ConfigError, match="not a store Concord knows"):
        metastore.target()


def test_preferences_quality_runs_and_webhook_deliveries_on_either_backend(metastore_file):
    from types import SimpleNamespace

    from boards import webhooks
    from data import quality_runs
    from ui import prefs

    prefs.set_language("cfo", "zh")
    prefs.set_language("cfo", "en")  # ON CONFLICT ... DO UPDATE
    assert prefs.language("cfo") == "en"
    record = {"name": "orders_have_customers", "status": "fail", "failing_rows": 3, "blocking": True}
    record |= {"seconds": 0.01, "ran_at": "2025-06-01T09:00:00+00:00", "message": "", "sample": [{"id": 1}]}
    quality_runs.record([SimpleNamespace(as_record=lambda: record)])
    quality_runs.record([SimpleNamespace(as_record=lambda: record | {"status": "pass", "failing_rows": 0})])
    latest = quality_runs.latest()["orders_have_customers"]
    assert (latest["status"], latest["blocking"], latest["sample"]) == ("pass", 1, [{"id": 1}])
    webhooks.refuse(7, "https://hooks.example.com/x", "not granted")
    with metastore.session() as con:
        row = con.execute("SELECT alert_id, status, message, at FROM webhook_deliveries").fetchone()
    assert (row["alert_id"], row["status"]) == (7, "failed") and row["at"].endswith("+00:00")


def test_a_forked_child_opens_its_own_connections(metastore_file):
    with metastore.session() as parent:
        parent.execute("INSERT INTO user_prefs (username, key, value) VALUES ('p', 'lang', 'en')")
    pid = os.fork()
    if pid == 0:  # the child: its own connection, and the parent's stays usable
        code = 1
        try:
            with metastore.session() as child:
                code = (
                    0 if child is not parent and child.execute("SELECT count(*) FROM user_prefs").fetchone()[0] else 1
                )
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    with metastore.session() as again:
        assert again is parent and again.execute("SELECT count(*) FROM user_prefs").fetchone()[0] == 1


def test_after_a_postgresql_restart_the_next_session_works(monkeypatch, pg_server, tmp_path):
    """Pooled connections the server ended are dropped when taken, not handed to a page; the audit
    events queued meanwhile are written once the server answers."""
    from auth import audit

    monkeypatch.setenv("CONCORD_METASTORE_URL", pg_server.fresh_store())
    with metastore.session() as con:
        con.execute("INSERT INTO user_prefs (username, key, value) VALUES ('u', 'lang', 'en')")
    pg_server.restart()
    time.sleep(0.2)  # the server's goodbye reaches the idle socket
    audit.append("query", "after_restart")
    with metastore.session() as con:
        assert con.execute("SELECT value FROM user_prefs WHERE username = 'u'").fetchone()[0] == "en"
    assert audit.flush()
    assert [e["kind"] for e in audit.read_events(username="after_restart")] == ["query"]
    metastore.close_all()


def test_migrations_apply_once_when_six_processes_start_at_once(metastore_file):
    at = time.time() + 1.5
    code = (
        f"import time; time.sleep(max(0, {at!r} - time.time())); from data import metastore; "
        "con = metastore.connect(); con.execute('SELECT 1').fetchall(); con.close()"
    )
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", code], cwd=ROOT, env=dict(os.environ), stderr=subprocess.PIPE, text=True
        )
        for _ in range(6)
    ]
    errors = [p.communicate(timeout=60)[1] for p in procs if p.wait(timeout=60) != 0]
    assert not errors, errors[0][-800:]
    with metastore.session() as con:
        versions = [r[0] for r in con.execute("SELECT version FROM schema_version ORDER BY version")]
    assert versions == [n for n, _, _ in metastore.migrations()]


def test_a_process_opens_at_most_its_share_of_postgresql_connections(monkeypatch, pg_server):
    import threading

    monkeypatch.setattr(metastore, "POSTGRES_MOST", 3)
    monkeypatch.setenv("CONCORD_METASTORE_URL", pg_server.fresh_store())
    inside, most, lock = [0], [0], threading.Lock()

    def hold():
        with metastore.session() as con:
            with lock:
                inside[0] += 1
                most[0] = max(most[0], inside[0])
            con.execute("SELECT pg_sleep(0.2)").fetchall()
            with lock:
                inside[0] -= 1

    threads = [threading.Thread(target=hold) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert most[0] == 3 and inside[0] == 0
    metastore.close_all()


def test_postgresql_without_psycopg_installed_is_one_line(tmp_path):
    code = (
        "import sys; sys.modules['psycopg'] = None\n"
        "from data import metastore\n"
        "from data.config import ConfigError\n"
        "try:\n    metastore.connect('postgresql://nobody@127.0.0.1:1/x')\n"
        "except ConfigError as err:\n    print(err)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.stdout.strip() == (
        "the metadata store is PostgreSQL but psycopg is not installed; run `make setup` "
        "(pip install -r requirements.txt)."
    ), done.stderr


def test_a_wrong_webhooks_entry_does_not_keep_the_app_from_its_store(tmp_path, monkeypatch):
    monkeypatch.delenv("CONCORD_METASTORE_URL", raising=False)
    monkeypatch.delenv("CONCORD_METASTORE", raising=False)
    settings = tmp_path / "concord.toml"
    settings.write_text('[webhooks]\nallowed_hosts = ["https://x"]\n[metastore]\nurl = "postgresql://h/db"\n')
    monkeypatch.setenv("CONCORD_CONFIG", str(settings))
    assert metastore.target() == ("postgres", "postgresql://h/db")
    with pytest.raises(config.ConfigError, match="webhooks.allowed_hosts"):
        config.load(settings)
    settings.write_text("[metastore]\nurl = 5\n")
    with pytest.raises(config.ConfigError, match="metastore.url: must be a URL in quotes"):
        metastore.target()


def test_without_postgresql_binaries_a_non_root_run_fails_in_one_line(monkeypatch):
    from tests import pgserver

    monkeypatch.setattr(pgserver, "binaries", lambda: None)
    monkeypatch.setattr(pgserver.os, "geteuid", lambda: 1000)
    with pytest.raises(pgserver.Missing) as err:
        pgserver.ensure_binaries()
    assert str(err.value) == (
        "PostgreSQL server binaries are missing (/usr/lib/postgresql/*/bin); run 'sudo apt-get install postgresql'."
    )


def test_the_tokens_cli_says_in_one_line_when_the_postgresql_store_is_unreachable(tmp_path):
    env = {**os.environ, "CONCORD_METASTORE_URL": "postgresql://concord@127.0.0.1:1/concord"}
    done = subprocess.run(
        [sys.executable, "-m", "boards", "tokens", "list"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2 and done.stderr.count("\n") == 1, done.stderr
    assert done.stderr.startswith("error: the metadata store cannot be read (connection failed")
    assert "check CONCORD_METASTORE_URL" in done.stderr and "Traceback" not in done.stderr
