-- Schema version 4: what a metrics scrape reads, without reading every
-- cartridge.

-- Cartridges by site, kind of place, pool and state, kept current by
-- triggers in the same transaction as every change of a cartridge, so that
-- no code path can forget it and a scrape reads a few rows instead of
-- grouping every cartridge. Site is 'in-transit' for a cartridge with a
-- courier, pool '' for one in no pool.
CREATE TABLE cartridge_counts (
    site       TEXT NOT NULL,
    place_kind TEXT NOT NULL,
    pool       TEXT NOT NULL,
    state      TEXT NOT NULL,
    n          INTEGER NOT NULL,
    PRIMARY KEY (site, place_kind, pool, state)
) WITHOUT ROWID;

INSERT INTO cartridge_counts (site, place_kind, pool, state, n)
    SELECT coalesce(loc_site, 'in-transit'), loc_kind, coalesce(pool, ''), state, count(*)
    FROM cartridges GROUP BY 1, 2, 3, 4;

CREATE TRIGGER cartridge_counts_insert AFTER INSERT ON cartridges
BEGIN
    INSERT INTO cartridge_counts (site, place_kind, pool, state, n)
        VALUES (coalesce(NEW.loc_site, 'in-transit'), NEW.loc_kind, coalesce(NEW.pool, ''), NEW.state, 1)
        ON CONFLICT (site, place_kind, pool, state) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER cartridge_counts_delete AFTER DELETE ON cartridges
BEGIN
    UPDATE cartridge_counts SET n = n - 1
        WHERE site = coalesce(OLD.loc_site, 'in-transit') AND place_kind = OLD.loc_kind AND pool = coalesce(OLD.pool, '') AND state = OLD.state;
    DELETE FROM cartridge_counts
        WHERE site = coalesce(OLD.loc_site, 'in-transit') AND place_kind = OLD.loc_kind AND pool = coalesce(OLD.pool, '') AND state = OLD.state AND n <= 0;
END;

CREATE TRIGGER cartridge_counts_update AFTER UPDATE OF loc_site, loc_kind, pool, state ON cartridges
    WHEN OLD.loc_site IS NOT NEW.loc_site OR OLD.loc_kind IS NOT NEW.loc_kind OR OLD.pool IS NOT NEW.pool OR OLD.state IS NOT NEW.state
BEGIN
    UPDATE cartridge_counts SET n = n - 1
        WHERE site = coalesce(OLD.loc_site, 'in-transit') AND place_kind = OLD.loc_kind AND pool = coalesce(OLD.pool, '') AND state = OLD.state;
    DELETE FROM cartridge_counts
        WHERE site = coalesce(OLD.loc_site, 'in-transit') AND place_kind = OLD.loc_kind AND pool = coalesce(OLD.pool, '') AND state = OLD.state AND n <= 0;
    INSERT INTO cartridge_counts (site, place_kind, pool, state, n)
        VALUES (coalesce(NEW.loc_site, 'in-transit'), NEW.loc_kind, coalesce(NEW.pool, ''), NEW.state, 1)
        ON CONFLICT (site, place_kind, pool, state) DO UPDATE SET n = n + 1;
END;

-- Cleaning cartridges are found by state without reading the others.
CREATE INDEX cartridges_by_state ON cartridges (state, barcode);

-- Per-job statistics read from an index that holds every column they sum.
CREATE INDEX runs_by_job_state ON runs (job, state, finished_at, scheduled_for, bytes, wait_seconds);

-- Live pieces by run, for the cartridges holding a pool's generations.
CREATE INDEX pieces_live_by_run ON pieces (run, barcode) WHERE gone_at IS NULL;
