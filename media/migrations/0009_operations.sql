-- Schema version 4: long operations (restores, restore drills, catalog
-- copies) that outlive the request that started them. One left running by
-- a daemon that stopped is marked failed at the next start.

CREATE TABLE operations (
    id          INTEGER PRIMARY KEY,
    kind        TEXT NOT NULL,
    state       TEXT NOT NULL CHECK (state IN ('running', 'succeeded', 'failed', 'cancelled')),
    actor       TEXT NOT NULL,
    role        TEXT NOT NULL DEFAULT '',
    summary     TEXT NOT NULL DEFAULT '',
    request     TEXT NOT NULL DEFAULT '{}',
    started_at  TEXT NOT NULL,
    finished_at TEXT,
    result      TEXT NOT NULL DEFAULT '',
    error       TEXT NOT NULL DEFAULT ''
);

CREATE INDEX operations_by_state ON operations (state, id);
