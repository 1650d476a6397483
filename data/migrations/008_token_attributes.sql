-- A screen link for a role whose row filter reads user attributes (e.g. region for a
-- sales rep) stores the attribute values its owner chose; the screen's principal gets them.
ALTER TABLE display_tokens ADD COLUMN attributes_json TEXT NOT NULL DEFAULT '{}';
