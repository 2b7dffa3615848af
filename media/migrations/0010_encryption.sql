-- Schema version 8: runs of pools encrypted with age. encryption is '' (not
-- encrypted) or 'age'; bytes and sha256 stay those of the tar stream (what a
-- restore checks once decrypted), tape_bytes and tape_sha256 are those of the
-- bytes on tape (what verify checks without a key; the pieces' checksums are
-- of the bytes on tape too), and recipients the fingerprints of the age
-- recipients, comma-separated.

ALTER TABLE runs ADD COLUMN encryption TEXT NOT NULL DEFAULT '';
ALTER TABLE runs ADD COLUMN tape_bytes INTEGER NOT NULL DEFAULT 0;
ALTER TABLE runs ADD COLUMN tape_sha256 TEXT NOT NULL DEFAULT '';
ALTER TABLE runs ADD COLUMN recipients TEXT NOT NULL DEFAULT '';
