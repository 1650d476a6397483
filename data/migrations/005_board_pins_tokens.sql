-- Who pinned a board for a role, and when (every pin is audited as well);
-- who revoked a screen link (its owner or a token manager).
ALTER TABLE role_pins ADD COLUMN pinned_by TEXT NOT NULL DEFAULT '';
ALTER TABLE role_pins ADD COLUMN pinned_at TEXT;
ALTER TABLE display_tokens ADD COLUMN revoked_by TEXT;
CREATE INDEX display_tokens_board ON display_tokens (board_id);
