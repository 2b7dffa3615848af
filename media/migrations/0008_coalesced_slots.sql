-- Schema version 4: scheduled slots that found their job already running.

-- A slot that fires while its job has a run in progress (a manual run
-- waiting for a person, a long run from the slot before) is not a missed
-- run: it is recorded here as covered by that run.
CREATE TABLE coalesced_slots (
    id            INTEGER PRIMARY KEY,
    job           TEXT NOT NULL,
    run           INTEGER NOT NULL REFERENCES runs (id),
    scheduled_for TEXT NOT NULL,
    recorded_at   TEXT NOT NULL
);

CREATE INDEX coalesced_slots_by_run ON coalesced_slots (run);
CREATE INDEX coalesced_slots_by_job ON coalesced_slots (job, scheduled_for);
