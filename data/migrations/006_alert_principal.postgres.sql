-- PostgreSQL's 006 (data/metastore_pg.py): the same as 006_alert_principal.sql but for the time
-- function closing old breaches (SQLite's strftime) and REAL written as DOUBLE PRECISION.
-- Alerts are evaluated under one fixed principal (the board owner's), never under whoever views the board.
-- Each breach keeps who it was evaluated as, the query that computed it and the board owner, so the Alert log
-- can show it only to users who may see that number; a breach of a removed rule is closed with a reason.
ALTER TABLE alert_log ADD COLUMN evaluated_as TEXT;              -- username of the principal the value was computed under
ALTER TABLE alert_log ADD COLUMN evaluated_roles TEXT;           -- its roles, comma-separated
ALTER TABLE alert_log ADD COLUMN evaluated_attributes TEXT;      -- its attributes (JSON): they choose its rows
ALTER TABLE alert_log ADD COLUMN board_owner TEXT;
ALTER TABLE alert_log ADD COLUMN board_title TEXT;
ALTER TABLE alert_log ADD COLUMN tile_title TEXT;
ALTER TABLE alert_log ADD COLUMN query_json TEXT;                -- the query (with board filters) that computed value
ALTER TABLE alert_log ADD COLUMN cleared_reason TEXT;            -- 'value back within the rule', 'rule removed', ...

UPDATE alert_log SET board_owner = (SELECT owner FROM boards WHERE boards.id = alert_log.board_id),
                     board_title = (SELECT title FROM boards WHERE boards.id = alert_log.board_id);

-- Breaches recorded before 006 hold the numbers of whoever viewed the board: close them; the evaluator
-- records again what is still breached, under the owner's principal.
UPDATE alert_log SET cleared_at = to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"+00:00"'),
                     cleared_reason = 'recorded under a viewer before alerts had a fixed principal'
 WHERE cleared_at IS NULL;

-- At most one open breach per rule of a tile, whatever runs the evaluation.
CREATE UNIQUE INDEX alert_log_one_open ON alert_log (tile_id, rule) WHERE cleared_at IS NULL;

-- The scheduled evaluation: one process at a time holds the lease; each board is evaluated at most
-- every max(refresh_seconds, 60) seconds.
CREATE TABLE scheduler_lease (
    name TEXT PRIMARY KEY,                        -- 'alerts'
    holder TEXT NOT NULL,                         -- host:pid:random of the process evaluating
    expires_at DOUBLE PRECISION NOT NULL                      -- unix time; another process may take it after this
);

CREATE TABLE alert_schedule (
    board_id INTEGER PRIMARY KEY,
    evaluated_at DOUBLE PRECISION NOT NULL                    -- unix time of the last evaluation
);
