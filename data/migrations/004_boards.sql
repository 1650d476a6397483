-- Boards of saved tiles, role pins, display tokens for office screens, alerts.
CREATE TABLE boards (
    id INTEGER PRIMARY KEY,
    title TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    owner TEXT NOT NULL,
    sharing TEXT NOT NULL DEFAULT 'private',      -- private, roles, everyone
    shared_roles TEXT NOT NULL DEFAULT '',        -- comma-separated when sharing = roles
    columns INTEGER NOT NULL DEFAULT 2,
    refresh_seconds INTEGER NOT NULL DEFAULT 60,
    theme TEXT NOT NULL DEFAULT 'light',
    filters_json TEXT NOT NULL DEFAULT '{}',      -- board-level filters applied to every tile
    version INTEGER NOT NULL DEFAULT 1,           -- optimistic concurrency: a save names the version it read
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE TABLE tiles (
    id INTEGER PRIMARY KEY,
    board_id INTEGER NOT NULL REFERENCES boards (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    width INTEGER NOT NULL DEFAULT 1,
    title TEXT NOT NULL DEFAULT '',
    query_json TEXT NOT NULL,                     -- the semantic query, never data or SQL
    chart TEXT NOT NULL DEFAULT 'auto',
    rules_json TEXT NOT NULL DEFAULT '[]'         -- alert rules: metric, op, value, level, webhook
);
CREATE INDEX tiles_board ON tiles (board_id, position);

CREATE TABLE role_pins (
    role TEXT PRIMARY KEY,
    board_id INTEGER NOT NULL REFERENCES boards (id) ON DELETE CASCADE
);

CREATE TABLE display_tokens (
    id INTEGER PRIMARY KEY,
    board_id INTEGER NOT NULL REFERENCES boards (id) ON DELETE CASCADE,
    token_hash TEXT NOT NULL UNIQUE,              -- sha256 of the token; the token itself is shown once
    display_role TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    revoked_at TEXT,
    last_used_at TEXT
);

CREATE TABLE alert_log (
    id INTEGER PRIMARY KEY,
    board_id INTEGER NOT NULL,
    tile_id INTEGER NOT NULL,
    rule TEXT NOT NULL,                           -- e.g. "dso > 60"
    level TEXT NOT NULL,                          -- warning, critical
    value REAL,
    breached_at TEXT NOT NULL,
    cleared_at TEXT                               -- NULL while the breach lasts: one row per breach
);
CREATE INDEX alert_log_open ON alert_log (tile_id, rule, cleared_at);

CREATE TABLE webhook_deliveries (
    id INTEGER PRIMARY KEY,
    alert_id INTEGER NOT NULL,
    url TEXT NOT NULL,
    attempts INTEGER NOT NULL,
    status TEXT NOT NULL,                         -- delivered, failed
    message TEXT NOT NULL DEFAULT '',
    at TEXT NOT NULL
);
