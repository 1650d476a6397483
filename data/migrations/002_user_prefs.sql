-- Per-user preferences, e.g. the language.
CREATE TABLE user_prefs (
    username TEXT NOT NULL,
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (username, key)
);
