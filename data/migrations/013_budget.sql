-- Budget preparation (issue 17; data/budget/): versions, their lines, each department's status, line
-- reviews and comments, transfers within an approved version, and every change with before and after.
-- Amounts are integer cents (BIGINT: exact, never a float); months are 'YYYY-MM-01' text.
CREATE TABLE budget_versions (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    name_key TEXT NOT NULL UNIQUE,                -- the name case-folded: names are unique case-insensitively
    year INTEGER NOT NULL,
    kind TEXT NOT NULL,                           -- budget, forecast
    status TEXT NOT NULL,                         -- draft, submitted, approved, locked
    switch_month INTEGER NOT NULL DEFAULT 0,      -- forecast: the last month of actuals (1..11)
    based_on TEXT NOT NULL DEFAULT '',
    note TEXT NOT NULL DEFAULT '',
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    approved_by TEXT NOT NULL DEFAULT '',
    approved_at TEXT NOT NULL DEFAULT '',
    revision INTEGER NOT NULL DEFAULT 1           -- counts every change to the version
);

CREATE TABLE budget_lines (
    version_id INTEGER NOT NULL REFERENCES budget_versions (id) ON DELETE CASCADE,
    department TEXT NOT NULL,
    account TEXT NOT NULL,
    region TEXT NOT NULL,
    month TEXT NOT NULL,
    amount BIGINT NOT NULL,                       -- cents
    seed BIGINT NOT NULL,                         -- cents, as created; never changes
    PRIMARY KEY (version_id, department, account, region, month)
);

CREATE TABLE budget_departments (
    version_id INTEGER NOT NULL REFERENCES budget_versions (id) ON DELETE CASCADE,
    department TEXT NOT NULL,
    status TEXT NOT NULL,                         -- open, submitted, returned, accepted
    revision INTEGER NOT NULL DEFAULT 1,          -- the optimistic version of the department's lines
    saved_by TEXT NOT NULL DEFAULT '',
    saved_at TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (version_id, department)
);

-- finance's verdict on a line (department, account) since the department was last submitted
CREATE TABLE budget_line_reviews (
    version_id INTEGER NOT NULL REFERENCES budget_versions (id) ON DELETE CASCADE,
    department TEXT NOT NULL,
    account TEXT NOT NULL,
    verdict TEXT NOT NULL,                        -- accept, return
    PRIMARY KEY (version_id, department, account)
);

CREATE TABLE budget_comments (
    id INTEGER PRIMARY KEY,
    version_id INTEGER NOT NULL REFERENCES budget_versions (id) ON DELETE CASCADE,
    department TEXT NOT NULL,
    account TEXT NOT NULL,
    author TEXT NOT NULL,
    at TEXT NOT NULL,
    verdict TEXT NOT NULL,                        -- accept, return, comment
    text TEXT NOT NULL DEFAULT ''
);
CREATE INDEX budget_comments_version ON budget_comments (version_id, department);

CREATE TABLE budget_transfers (
    id INTEGER PRIMARY KEY,
    version_id INTEGER NOT NULL REFERENCES budget_versions (id) ON DELETE CASCADE,
    source_department TEXT NOT NULL,
    source_account TEXT NOT NULL,
    source_region TEXT NOT NULL,
    source_month TEXT NOT NULL,
    target_department TEXT NOT NULL,
    target_account TEXT NOT NULL,
    target_region TEXT NOT NULL,
    target_month TEXT NOT NULL,
    amount BIGINT NOT NULL,                       -- cents
    note TEXT NOT NULL DEFAULT '',
    by_user TEXT NOT NULL,
    at TEXT NOT NULL
);

-- every change: one row per cell changed (before/after in cents; NULL when the cell did not exist or the
-- change is a status), or one row per status change (department/account '' where it is the version's)
CREATE TABLE budget_changes (
    id INTEGER PRIMARY KEY,
    version_id INTEGER NOT NULL REFERENCES budget_versions (id) ON DELETE CASCADE,
    at TEXT NOT NULL,
    who TEXT NOT NULL,
    action TEXT NOT NULL,                         -- create, save, spread, top_down, submit, review, ...
    department TEXT NOT NULL DEFAULT '',
    account TEXT NOT NULL DEFAULT '',
    region TEXT NOT NULL DEFAULT '',
    month TEXT NOT NULL DEFAULT '',
    before_cents BIGINT,
    after_cents BIGINT,
    note TEXT NOT NULL DEFAULT ''
);
CREATE INDEX budget_changes_version ON budget_changes (version_id, department);

-- One row, counted up by every write above: a reader checks it cheaply to know whether to read again.
CREATE TABLE budget_generation (
    singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
    generation INTEGER NOT NULL
);
INSERT INTO budget_generation (singleton, generation) VALUES (1, 0);
