-- Login attempts (for throttling) and the audit log.
CREATE TABLE login_attempts (
    id INTEGER PRIMARY KEY,
    username TEXT NOT NULL,
    at TEXT NOT NULL,            -- UTC ISO time
    success INTEGER NOT NULL
);
CREATE INDEX login_attempts_user_at ON login_attempts (username, at);

CREATE TABLE lockouts (
    username TEXT PRIMARY KEY,
    until TEXT NOT NULL          -- UTC ISO time
);

CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,            -- UTC ISO time
    kind TEXT NOT NULL,          -- query, login_ok, login_failed, lockout, logout, token_use, token_refused, ...
    username TEXT NOT NULL,
    roles TEXT NOT NULL DEFAULT '',
    source TEXT NOT NULL DEFAULT '',
    metrics TEXT NOT NULL DEFAULT '',
    dimensions TEXT NOT NULL DEFAULT '',
    where_text TEXT,
    time_from TEXT,
    time_to TEXT,
    rows INTEGER,
    duration_ms REAL,
    outcome TEXT NOT NULL DEFAULT 'ok',
    message TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_at ON audit_log (at);
CREATE INDEX audit_log_user ON audit_log (username, at);
