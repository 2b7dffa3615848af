-- Schema version 8: physical inspections (点検) of a site. An inspector
-- scans every cartridge present; closing the inspection reconciles the
-- scans with the catalog and records each difference as a finding, which
-- stays open until a person resolves it. Closing changes no cartridge.

CREATE TABLE inspections (
    id          TEXT PRIMARY KEY,
    site        TEXT NOT NULL REFERENCES sites (name),
    place       TEXT NOT NULL DEFAULT '',   -- '' when the whole site is inspected
    state       TEXT NOT NULL CHECK (state IN ('open', 'closed')),
    started_at  TEXT NOT NULL,
    started_by  TEXT NOT NULL,
    closed_at   TEXT,
    closed_by   TEXT,
    expected    INTEGER NOT NULL DEFAULT 0, -- cartridges the catalog placed in scope at close
    chain_id    INTEGER NOT NULL DEFAULT 0, -- audit chain head when it closed
    chain_hash  TEXT NOT NULL DEFAULT ''
);

CREATE INDEX inspections_by_site ON inspections (site, state, closed_at);

CREATE TABLE inspection_scans (
    inspection TEXT NOT NULL REFERENCES inspections (id),
    barcode    TEXT NOT NULL,
    place      TEXT NOT NULL,               -- storage place, library or drive at the site
    scanned_at TEXT NOT NULL,
    scanned_by TEXT NOT NULL,
    PRIMARY KEY (inspection, barcode)
);

CREATE TABLE inspection_findings (
    id          INTEGER PRIMARY KEY,
    inspection  TEXT NOT NULL REFERENCES inspections (id),
    barcode     TEXT NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('missing', 'misplaced', 'surplus', 'unknown')),
    expected    TEXT NOT NULL DEFAULT '',   -- where the catalog placed it
    seen        TEXT NOT NULL DEFAULT '',   -- where the inspector saw it
    noted_at    TEXT NOT NULL,
    resolution  TEXT CHECK (resolution IN ('found', 'moved', 'lost')),
    resolved_at TEXT,
    resolved_by TEXT,
    note        TEXT NOT NULL DEFAULT ''
);

CREATE INDEX inspection_findings_by_inspection ON inspection_findings (inspection, id);
CREATE INDEX inspection_findings_open ON inspection_findings (barcode) WHERE resolution IS NULL;
