-- Schema version 9: recorded disposal (廃棄) of cartridges. A disposed
-- cartridge keeps its row (runs and manifests refer to it) in the new
-- state 'disposed', which leaves every count; the disposals table is what
-- an auditor signs.
--
-- The cartridges table's CHECK on state gains 'disposed'. A CHECK
-- constraint does not change how rows are stored, so the table's recorded
-- definition is edited in place (SQLite's documented procedure for such
-- changes) instead of copying a table that others refer to.
PRAGMA writable_schema = ON;
UPDATE sqlite_master
    SET sql = replace(sql, '''cleaning'', ''lost'')', '''cleaning'', ''lost'', ''disposed'')')
    WHERE type = 'table' AND name = 'cartridges';
PRAGMA writable_schema = RESET;
PRAGMA writable_schema = OFF;

CREATE TABLE disposals (
    barcode     TEXT PRIMARY KEY REFERENCES cartridges (barcode),
    method      TEXT NOT NULL CHECK (method IN ('degauss', 'shred', 'incinerate', 'crush', 'vendor')),
    witness     TEXT NOT NULL,
    certificate TEXT NOT NULL DEFAULT '',
    disposed_on TEXT NOT NULL,              -- the day it was destroyed, YYYY-MM-DD
    media_type  TEXT NOT NULL,
    pool        TEXT NOT NULL DEFAULT '',
    from_state  TEXT NOT NULL,
    systems     TEXT NOT NULL DEFAULT '',   -- the systems whose data it ever held, space-separated
    generations TEXT NOT NULL DEFAULT '',   -- POOL/GENERATION it ever held, space-separated
    recorded_at TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    event       INTEGER NOT NULL            -- its custody event
);

CREATE INDEX disposals_by_day ON disposals (disposed_on, barcode);
