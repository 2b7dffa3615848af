-- Schema version 13: who may use the daemon over TCP. People sign in with
-- an account (a password hash, never the password); programs with an API
-- token (only its SHA-256 is kept); a courier with a one-time code printed
-- on a manifest and a PIN. Sessions are kept by the SHA-256 of their
-- cookie, so a copy of the catalog lets no one in.
CREATE TABLE accounts (
    name          TEXT PRIMARY KEY,
    role          TEXT NOT NULL CHECK (role IN ('admin', 'operator', 'auditor', 'viewer')),
    password_hash TEXT NOT NULL,            -- argon2id, PHC string format
    disabled      INTEGER NOT NULL DEFAULT 0,
    created_at    TEXT NOT NULL,
    created_by    TEXT NOT NULL,
    last_login    TEXT NOT NULL DEFAULT ''
);

CREATE TABLE api_tokens (
    id          INTEGER PRIMARY KEY,
    account     TEXT NOT NULL REFERENCES accounts (name),
    role        TEXT NOT NULL CHECK (role IN ('admin', 'operator', 'auditor', 'viewer')),
    hash        TEXT NOT NULL UNIQUE,        -- SHA-256 of the token, hex
    note        TEXT NOT NULL DEFAULT '',
    created_at  TEXT NOT NULL,
    created_by  TEXT NOT NULL,
    expires_at  TEXT NOT NULL,
    revoked_at  TEXT NOT NULL DEFAULT ''
);

CREATE TABLE courier_codes (
    id          INTEGER PRIMARY KEY,
    manifest    TEXT NOT NULL REFERENCES manifests (id),
    courier     TEXT NOT NULL,
    code_hash   TEXT NOT NULL UNIQUE,        -- SHA-256 of the printed code, hex
    pin_hash    TEXT NOT NULL,               -- argon2id, PHC string format
    failures    INTEGER NOT NULL DEFAULT 0,
    locked_until TEXT NOT NULL DEFAULT '',
    created_at  TEXT NOT NULL,
    created_by  TEXT NOT NULL,
    expires_at  TEXT NOT NULL,
    used_at     TEXT NOT NULL DEFAULT ''
);

CREATE INDEX courier_codes_by_manifest ON courier_codes (manifest);

CREATE TABLE sessions (
    hash        TEXT PRIMARY KEY,            -- SHA-256 of the cookie, hex
    account     TEXT NOT NULL,               -- an account's name, or the courier's
    role        TEXT NOT NULL,
    manifest    TEXT NOT NULL DEFAULT '',    -- a courier's manifest
    remote      TEXT NOT NULL DEFAULT '',
    created_at  TEXT NOT NULL,
    expires_at  TEXT NOT NULL
);
