-- Results of data-quality checks, so the page can show when each last ran (also from the shell).
CREATE TABLE quality_runs (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    status TEXT NOT NULL,        -- pass, fail, error
    failing_rows INTEGER NOT NULL,
    blocking INTEGER NOT NULL,
    seconds REAL NOT NULL,
    ran_at TEXT NOT NULL,        -- UTC ISO time
    message TEXT NOT NULL DEFAULT '',
    sample_json TEXT NOT NULL DEFAULT '[]'
);
CREATE INDEX quality_runs_name ON quality_runs (name, ran_at);
