-- The words a user typed when a query came from a question (Ask), kept beside the query they became.
ALTER TABLE audit_log ADD COLUMN question TEXT NOT NULL DEFAULT '';

-- Questions asked on the Ask page, per user: the recent and popular lists.
CREATE TABLE ask_questions (
    id INTEGER PRIMARY KEY,
    username TEXT NOT NULL,
    question TEXT NOT NULL,
    lang TEXT NOT NULL,
    query_json TEXT,             -- the Query it became (NULL when refused)
    refusal TEXT,                -- policy, not_understood, period
    asked_at TEXT NOT NULL       -- UTC ISO time
);
CREATE INDEX ask_questions_user_at ON ask_questions (username, asked_at);
