-- Files loaded into the warehouse (python -m data.load, the Upload page) and restores of what a load replaced.
-- The rows a load wrote and the rows it replaced are kept in the warehouse itself (load_rows_<table>), so they
-- are swapped in with the change they belong to; this table says who, when, what and how it ended.
CREATE TABLE loads (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,                  -- upload, restore
    table_name TEXT NOT NULL,
    file_name TEXT NOT NULL DEFAULT '',
    sha256 TEXT NOT NULL DEFAULT '',
    who TEXT NOT NULL,
    started_at TEXT NOT NULL,            -- UTC ISO time
    seconds REAL NOT NULL DEFAULT 0,
    rows_written INTEGER NOT NULL DEFAULT 0,
    rows_replaced INTEGER NOT NULL DEFAULT 0,
    rows_added INTEGER NOT NULL DEFAULT 0,
    scope_json TEXT NOT NULL DEFAULT '{}', -- {"years": [2025]} or {"keys": ["order_id"]}
    status TEXT NOT NULL,                -- running, applied, failed, restored (a later restore undid it)
    message TEXT NOT NULL DEFAULT '',
    restores INTEGER                     -- for a restore: the load whose replaced rows it put back
);
CREATE INDEX loads_table ON loads (table_name, id);

-- The header -> column mapping used last time for a table, offered again next month.
CREATE TABLE load_mappings (
    table_name TEXT PRIMARY KEY,
    mapping_json TEXT NOT NULL,
    saved_by TEXT NOT NULL,
    saved_at TEXT NOT NULL
);
