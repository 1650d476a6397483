-- Syncs from the company's own sources (data/sync/): one row per run of one source, shown on the admin page
-- (status 'running' while it runs), and where each table's incremental read got to. The same for PostgreSQL
-- (id INTEGER PRIMARY KEY becomes an identity column, REAL double precision: data/metastore_pg.py).
CREATE TABLE sync_runs (
    id INTEGER PRIMARY KEY,
    source TEXT NOT NULL,                         -- [sources.NAME] in concord.toml
    who TEXT NOT NULL DEFAULT '',                 -- cli, schedule, or the user who pressed "sync now"
    full_read INTEGER NOT NULL DEFAULT 0,         -- 1: --full, every table read whole
    started_at TEXT NOT NULL,                     -- UTC ISO time
    finished_at TEXT,
    status TEXT NOT NULL,                         -- running, ok, failed
    rows_read INTEGER NOT NULL DEFAULT 0,
    inserted INTEGER NOT NULL DEFAULT 0,
    updated INTEGER NOT NULL DEFAULT 0,
    deleted INTEGER NOT NULL DEFAULT 0,
    seconds REAL,
    error TEXT NOT NULL DEFAULT '',               -- one line: why it failed (no password in it)
    tables_json TEXT NOT NULL DEFAULT '{}',       -- table -> {read, inserted, updated, deleted}
    reconciliation TEXT NOT NULL DEFAULT '{}',    -- table -> {source: {count, sums}, warehouse: {...}, ok}
    as_of TEXT                                    -- the warehouse's data date after the sync
);
CREATE INDEX sync_runs_source ON sync_runs (source, id);

-- The high-water mark of each table's cursor (or the hashes of a folder's files), advanced only after
-- the warehouse with the rows read was swapped in.
CREATE TABLE sync_cursors (
    source TEXT NOT NULL,
    table_name TEXT NOT NULL,
    cursor TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (source, table_name)
);
