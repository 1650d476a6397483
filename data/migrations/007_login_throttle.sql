-- Login throttling by (user, address), by address and by user from unknown addresses,
-- decided in one transaction before any password is checked; addresses a user signed
-- in from; one-time sign-in tickets that the cookie route exchanges for the HttpOnly cookie.
CREATE TABLE login_tries (
    id INTEGER PRIMARY KEY,
    username TEXT NOT NULL,
    address TEXT NOT NULL,
    at TEXT NOT NULL,            -- UTC ISO time (milliseconds)
    outcome TEXT NOT NULL        -- pending (password being checked), ok, failed, refused (not checked), cleared (unlocked)
);
CREATE INDEX login_tries_user ON login_tries (username, address, at);
CREATE INDEX login_tries_address ON login_tries (address, at);

CREATE TABLE known_addresses (
    username TEXT NOT NULL,
    address TEXT NOT NULL,
    last_ok TEXT NOT NULL,
    PRIMARY KEY (username, address)
);

CREATE TABLE login_tickets (
    digest TEXT PRIMARY KEY,     -- sha256 of the ticket; the ticket itself is never stored
    username TEXT NOT NULL,
    purpose TEXT NOT NULL,       -- login, logout
    next_path TEXT NOT NULL DEFAULT '/',
    expires TEXT NOT NULL,       -- UTC ISO time
    used INTEGER NOT NULL DEFAULT 0
);

-- the per-user hard lock (anyone could lock anyone out) is gone
DROP TABLE lockouts;
DROP TABLE login_attempts;
