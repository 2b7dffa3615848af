-- Catalog schema, version 1: topology, cartridges, custody events, manifests.
-- Keep it portable SQL: a PostgreSQL catalog is on the road map.

CREATE TABLE sites (
    name        TEXT PRIMARY KEY,
    kind        TEXT NOT NULL CHECK (kind IN ('machine-room', 'other-building', 'remote-site')),
    distance_km REAL NOT NULL DEFAULT 0,
    hazards     TEXT NOT NULL DEFAULT '',
    configured  INTEGER NOT NULL DEFAULT 1
);

CREATE TABLE places (
    site       TEXT NOT NULL REFERENCES sites (name),
    name       TEXT NOT NULL,
    kind       TEXT NOT NULL,
    configured INTEGER NOT NULL DEFAULT 1,
    PRIMARY KEY (site, name)
);

CREATE TABLE libraries (
    name       TEXT PRIMARY KEY,
    site       TEXT NOT NULL REFERENCES sites (name),
    slots      INTEGER NOT NULL,
    mailslots  INTEGER NOT NULL,
    configured INTEGER NOT NULL DEFAULT 1
);

CREATE TABLE drives (
    name       TEXT PRIMARY KEY,
    site       TEXT NOT NULL REFERENCES sites (name),
    library    TEXT REFERENCES libraries (name),
    media_type TEXT NOT NULL,
    configured INTEGER NOT NULL DEFAULT 1
);

CREATE TABLE pools (
    name       TEXT PRIMARY KEY,
    media_type TEXT NOT NULL,
    configured INTEGER NOT NULL DEFAULT 1
);

CREATE TABLE cartridges (
    barcode       TEXT PRIMARY KEY,
    media_type    TEXT NOT NULL,
    worm          INTEGER NOT NULL DEFAULT 0,
    pool          TEXT REFERENCES pools (name),
    state         TEXT NOT NULL CHECK (state IN ('scratch', 'active', 'full', 'retired', 'cleaning', 'lost')),
    loc_kind      TEXT NOT NULL CHECK (loc_kind IN ('storage', 'slot', 'mailslot', 'drive', 'transit')),
    loc_site      TEXT REFERENCES sites (name),
    loc_place     TEXT NOT NULL,
    loc_slot      INTEGER,
    mounts        INTEGER NOT NULL DEFAULT 0,
    bytes_written INTEGER NOT NULL DEFAULT 0,
    errors        INTEGER NOT NULL DEFAULT 0,
    uses_left     INTEGER,
    first_use     TEXT,
    notes         TEXT NOT NULL DEFAULT '',
    added_at      TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    CHECK ((loc_kind = 'transit') = (loc_site IS NULL)),
    CHECK ((loc_kind IN ('slot', 'mailslot')) = (loc_slot IS NOT NULL))
);

-- Listings are by site or by place, in barcode order: the indexes carry
-- the barcode so that no listing has to sort.
CREATE INDEX cartridges_by_site ON cartridges (loc_site, barcode);
CREATE INDEX cartridges_by_place ON cartridges (loc_site, loc_kind, loc_place, barcode);
CREATE INDEX cartridges_by_pool ON cartridges (pool, state, barcode);
-- One cartridge per slot and per drive, whatever the code above does.
CREATE UNIQUE INDEX cartridges_one_per_slot ON cartridges (loc_place, loc_kind, loc_slot)
    WHERE loc_kind IN ('slot', 'mailslot');
CREATE UNIQUE INDEX cartridges_one_per_drive ON cartridges (loc_place)
    WHERE loc_kind = 'drive';

-- The audit log. Custody events (barcode set) and other state changes share
-- one hash chain; rows are never updated or deleted.
CREATE TABLE events (
    id         INTEGER PRIMARY KEY,
    at         TEXT NOT NULL,
    actor      TEXT NOT NULL,
    role       TEXT NOT NULL,
    kind       TEXT NOT NULL,
    barcode    TEXT NOT NULL DEFAULT '',
    from_loc   TEXT NOT NULL DEFAULT '',
    to_loc     TEXT NOT NULL DEFAULT '',
    from_state TEXT NOT NULL DEFAULT '',
    to_state   TEXT NOT NULL DEFAULT '',
    manifest   TEXT NOT NULL DEFAULT '',
    reason     TEXT NOT NULL DEFAULT '',
    prev_hash  TEXT NOT NULL,
    hash       TEXT NOT NULL UNIQUE
);

CREATE INDEX events_by_barcode ON events (barcode, id);
CREATE INDEX events_by_manifest ON events (manifest, id);

CREATE TRIGGER events_append_only_update BEFORE UPDATE ON events
BEGIN
    SELECT RAISE(ABORT, 'custody events are append-only');
END;

CREATE TRIGGER events_append_only_delete BEFORE DELETE ON events
BEGIN
    SELECT RAISE(ABORT, 'custody events are append-only');
END;

CREATE TABLE manifests (
    id                TEXT PRIMARY KEY,
    origin            TEXT NOT NULL REFERENCES sites (name),
    destination       TEXT NOT NULL REFERENCES sites (name),
    destination_place TEXT NOT NULL DEFAULT '',
    state             TEXT NOT NULL CHECK (state IN ('open', 'in-transit', 'delivered', 'delivered-with-discrepancies', 'cancelled')),
    created_at        TEXT NOT NULL,
    created_by        TEXT NOT NULL,
    courier           TEXT NOT NULL DEFAULT '',
    picked_up_at      TEXT,
    delivered_at      TEXT,
    note              TEXT NOT NULL DEFAULT ''
);

CREATE INDEX manifests_by_state ON manifests (state);

CREATE TABLE manifest_items (
    manifest TEXT NOT NULL REFERENCES manifests (id),
    barcode  TEXT NOT NULL REFERENCES cartridges (barcode),
    status   TEXT NOT NULL CHECK (status IN ('listed', 'picked-up', 'delivered', 'missing')),
    PRIMARY KEY (manifest, barcode)
);

CREATE INDEX manifest_items_by_barcode ON manifest_items (barcode);

CREATE TABLE discrepancies (
    id          INTEGER PRIMARY KEY,
    manifest    TEXT NOT NULL REFERENCES manifests (id),
    barcode     TEXT NOT NULL,
    phase       TEXT NOT NULL CHECK (phase IN ('pickup', 'delivery')),
    kind        TEXT NOT NULL CHECK (kind IN ('missing', 'not-on-manifest', 'unknown')),
    noted_at    TEXT NOT NULL,
    noted_by    TEXT NOT NULL,
    resolution  TEXT CHECK (resolution IN ('found', 'lost')),
    resolved_at TEXT,
    resolved_by TEXT,
    note        TEXT NOT NULL DEFAULT ''
);

CREATE INDEX discrepancies_by_manifest ON discrepancies (manifest);
