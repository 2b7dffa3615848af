-- Schema version 3: backup runs, generations, where each run's data sits on
-- tape, restore drills, operator prompts and drive history.

CREATE TABLE runs (
    id            INTEGER PRIMARY KEY,
    job           TEXT NOT NULL,
    system        TEXT NOT NULL DEFAULT '',
    pool          TEXT NOT NULL,
    state         TEXT NOT NULL CHECK (state IN ('queued', 'waiting', 'writing', 'verifying', 'succeeded', 'failed', 'cancelled', 'missed')),
    reason        TEXT NOT NULL DEFAULT '',
    trigger_kind  TEXT NOT NULL DEFAULT '',
    scheduled_for TEXT,
    queued_at     TEXT NOT NULL,
    started_at    TEXT,
    finished_at   TEXT,
    generation    TEXT NOT NULL DEFAULT '',
    level         TEXT NOT NULL DEFAULT '',
    bytes         INTEGER NOT NULL DEFAULT 0,
    sha256        TEXT NOT NULL DEFAULT '',
    files         INTEGER NOT NULL DEFAULT 0,
    wait_seconds  REAL NOT NULL DEFAULT 0,
    drive         TEXT NOT NULL DEFAULT '',
    log           TEXT NOT NULL DEFAULT ''
);

CREATE INDEX runs_by_job ON runs (job, id);
CREATE INDEX runs_by_state ON runs (state);
CREATE INDEX runs_by_pool_generation ON runs (pool, generation);

-- Each piece of a run's tar stream on a cartridge, at a tape file number.
-- A piece is gone once its cartridge was written over from before it.
CREATE TABLE pieces (
    run        INTEGER NOT NULL REFERENCES runs (id),
    piece      INTEGER NOT NULL,
    barcode    TEXT NOT NULL REFERENCES cartridges (barcode),
    file       INTEGER NOT NULL,
    bytes      INTEGER NOT NULL,
    sha256     TEXT NOT NULL,
    complete   INTEGER NOT NULL DEFAULT 1,
    gone_at    TEXT,
    PRIMARY KEY (run, piece)
);

CREATE INDEX pieces_by_barcode ON pieces (barcode, gone_at);

-- A generation is what a pool received in one rotation period.
CREATE TABLE generations (
    pool       TEXT NOT NULL,
    id         TEXT NOT NULL,
    level      TEXT NOT NULL,
    started_at TEXT NOT NULL,
    PRIMARY KEY (pool, id)
);

CREATE TABLE drills (
    id               INTEGER PRIMARY KEY,
    system           TEXT NOT NULL,
    job              TEXT NOT NULL,
    run              INTEGER REFERENCES runs (id),
    at               TEXT NOT NULL,
    result           TEXT NOT NULL CHECK (result IN ('passed', 'failed')),
    duration_seconds REAL NOT NULL,
    bytes            INTEGER NOT NULL DEFAULT 0,
    note             TEXT NOT NULL DEFAULT '',
    actor            TEXT NOT NULL
);

CREATE INDEX drills_by_system ON drills (system, at);

CREATE TABLE prompts (
    id             INTEGER PRIMARY KEY,
    kind           TEXT NOT NULL,
    state          TEXT NOT NULL CHECK (state IN ('open', 'done', 'cancelled', 'superseded')),
    created_at     TEXT NOT NULL,
    closed_at      TEXT,
    closed_by      TEXT NOT NULL DEFAULT '',
    drive          TEXT NOT NULL DEFAULT '',
    barcode        TEXT NOT NULL DEFAULT '',
    run            INTEGER,
    manifest       TEXT NOT NULL DEFAULT '',
    action         TEXT NOT NULL,
    place          TEXT NOT NULL DEFAULT '',
    why            TEXT NOT NULL DEFAULT '',
    note           TEXT NOT NULL DEFAULT '',
    reminders      INTEGER NOT NULL DEFAULT 0,
    last_notice_at TEXT,
    escalated      INTEGER NOT NULL DEFAULT 0
);

CREATE INDEX prompts_by_state ON prompts (state, id);

-- What happened to each drive: cleanings, TapeAlert flags read, errors.
CREATE TABLE drive_events (
    id      INTEGER PRIMARY KEY,
    drive   TEXT NOT NULL,
    at      TEXT NOT NULL,
    kind    TEXT NOT NULL CHECK (kind IN ('added', 'cleaned', 'cleaning-failed', 'tapealert', 'error', 'mount')),
    barcode TEXT NOT NULL DEFAULT '',
    flag    INTEGER NOT NULL DEFAULT 0,
    bytes   INTEGER NOT NULL DEFAULT 0,
    detail  TEXT NOT NULL DEFAULT ''
);

CREATE INDEX drive_events_by_drive ON drive_events (drive, kind, id);

ALTER TABLE cartridges ADD COLUMN label_uuid TEXT NOT NULL DEFAULT '';
