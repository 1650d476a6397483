-- Custom metrics and groupings that users define in the app (issue 15; data/custom_store.py).
-- A definition is a name with its versions; each version is a library entry (MetricSpec / DimensionSpec
-- as JSON). A certifier accepts one version at a time; the newest certified version is the effective one,
-- a newer version after it is a draft waiting for review. Deleting marks deleted_at (history kept) and
-- frees the name, so the key is an id and a live name is unique.
CREATE TABLE custom_definitions (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,                           -- metric, grouping
    author TEXT NOT NULL,                         -- login name of its owner
    author_label TEXT NOT NULL DEFAULT '',        -- their display name when they made it
    created_at TEXT NOT NULL,
    deleted_at TEXT                               -- NULL while it exists
);
CREATE UNIQUE INDEX custom_definitions_live_name ON custom_definitions (name) WHERE deleted_at IS NULL;

CREATE TABLE custom_versions (
    definition_id INTEGER NOT NULL REFERENCES custom_definitions (id) ON DELETE CASCADE,
    version INTEGER NOT NULL,
    spec TEXT NOT NULL,                           -- spec.model_dump(mode="json", exclude_defaults=True)
    saved_by TEXT NOT NULL,
    saved_at TEXT NOT NULL,
    comment TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (definition_id, version)
);

CREATE TABLE custom_shares (
    definition_id INTEGER NOT NULL REFERENCES custom_definitions (id) ON DELETE CASCADE,
    role TEXT NOT NULL,
    PRIMARY KEY (definition_id, role)
);

CREATE TABLE custom_certifications (
    definition_id INTEGER NOT NULL REFERENCES custom_definitions (id) ON DELETE CASCADE,
    version INTEGER NOT NULL,
    certified_by TEXT NOT NULL,
    certified_at TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (definition_id, version)
);

-- One row, counted up by every write above: a reader checks it cheaply to know whether to read again.
CREATE TABLE custom_generation (
    singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
    generation INTEGER NOT NULL
);
INSERT INTO custom_generation (singleton, generation) VALUES (1, 0);
