-- Schema version 13: site-loss drills. A drill rebuilds the catalog from
-- the offsite cartridges alone on a scratch copy and restores every system
-- from them; each drill is kept with how long the first system and all
-- systems took to come back and what was missing.
CREATE TABLE siteloss_drills (
    id                 INTEGER PRIMARY KEY,
    at                 TEXT NOT NULL,           -- when the drill started
    result             TEXT NOT NULL CHECK (result IN ('passed', 'failed')),
    cartridges         INTEGER NOT NULL,        -- offsite cartridges read
    systems            INTEGER NOT NULL,        -- systems restored and matching the catalog
    first_back_seconds REAL,                    -- NULL when no system came back
    all_back_seconds   REAL,                    -- NULL when not every system came back
    missing            TEXT NOT NULL DEFAULT '',-- what could not be restored, for people
    operation          INTEGER,                 -- the daemon's operation, when it ran as one
    actor              TEXT NOT NULL
);

CREATE INDEX siteloss_drills_by_time ON siteloss_drills (at);
