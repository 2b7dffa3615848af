-- Schema version 6: the catalog's identity, a random UUID (version 4) made
-- once, when the catalog is created or first migrated to this version.
-- Labels, trailers and catalog files carry it, so a tape proves which
-- catalog wrote it. It never changes.
CREATE TABLE catalog_identity (
    one        INTEGER PRIMARY KEY CHECK (one = 1),
    uuid       TEXT NOT NULL,
    created_at TEXT NOT NULL
);

INSERT INTO catalog_identity (one, uuid, created_at)
    SELECT 1,
        substr(h, 1, 8) || '-' || substr(h, 9, 4) || '-4' || substr(h, 14, 3) || '-' ||
        substr('89ab', 1 + (abs(random()) % 4), 1) || substr(h, 18, 3) || '-' || substr(h, 21, 12),
        strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
    FROM (SELECT lower(hex(randomblob(16))) AS h);

CREATE TRIGGER catalog_identity_fixed_update BEFORE UPDATE ON catalog_identity
BEGIN
    SELECT RAISE(ABORT, 'the catalog identity never changes');
END;

CREATE TRIGGER catalog_identity_fixed_delete BEFORE DELETE ON catalog_identity
BEGIN
    SELECT RAISE(ABORT, 'the catalog identity never changes');
END;
