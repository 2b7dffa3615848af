-- Schema version 16: what a courier scanned for a hand-over (the pick-up
-- or the delivery of a manifest) is kept here as it is scanned, so that a
-- restart of the daemon between scanning and confirming loses nothing.
-- A scan is pending until its hand-over ends; then it is closed, not
-- deleted, so an auditor can see what was scanned, by whom and when:
-- 'recorded' (the hand-over was recorded), 'cancelled' (the manifest was
-- cancelled) or 'reassigned' (another courier now carries the manifest).
-- The next hand-over sees only its own pending scans.
CREATE TABLE courier_scans (
    id          INTEGER PRIMARY KEY,
    manifest    TEXT NOT NULL REFERENCES manifests (id),
    phase       TEXT NOT NULL CHECK (phase IN ('pickup', 'delivery')),
    scan_id     TEXT NOT NULL,              -- given by the courier's page: a form sent twice is one scan
    barcode     TEXT NOT NULL,              -- normalised; as typed, in capitals, when not a barcode
    result      TEXT NOT NULL CHECK (result IN ('expected', 'duplicate', 'not-on-manifest', 'unknown', 'bad')),
    detail      TEXT NOT NULL DEFAULT '',
    courier     TEXT NOT NULL,              -- the courier's own name
    scanned_by  TEXT NOT NULL,              -- the actor, as the audit chain names it
    scanned_at  TEXT NOT NULL,
    closed      TEXT NOT NULL DEFAULT '' CHECK (closed IN ('', 'recorded', 'cancelled', 'reassigned')),
    closed_at   TEXT NOT NULL DEFAULT '',
    UNIQUE (manifest, phase, scan_id)
);

CREATE INDEX courier_scans_pending ON courier_scans (manifest, phase, closed);
