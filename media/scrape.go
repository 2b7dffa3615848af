package media

import (
	"context"
	"database/sql"
	"strings"
	"time"
)

// ScrapeQuery names what a metrics scrape asks about: the configured jobs,
// the pools whose generations count, and the drives.
type ScrapeQuery struct {
	Jobs   []string
	Pools  []string
	Drives []string
}

// Scrape is everything a metrics scrape reads from the catalog, read in
// one read transaction so that the figures agree with each other. It never
// reads every cartridge: the counts by place and state are kept current by
// triggers, and of the cartridges themselves it holds only those the
// collectors judge.
type Scrape struct {
	Stats Stats
	// Jobs are the run statistics of each asked job (every asked job has
	// an entry, empty when it never ran).
	Jobs map[string]*JobStats
	// OpenPrompts counts the open prompts by kind; OldestPrompt is when
	// the oldest open prompt was created (zero when none is open).
	OpenPrompts  map[string]int64
	OldestPrompt time.Time
	// Cleaners are every cleaning cartridge, in barcode order.
	Cleaners []Cartridge
	// Holding are the cartridges that hold a piece (not overwritten) of a
	// generation of one of the asked pools, in barcode order, and
	// Generations what each holds. Together with Cleaners they are the
	// part of rotation's view that the offsite status and the cleaning
	// judgement depend on: cartridges that hold nothing of a pool change
	// neither.
	Holding     []Cartridge
	Generations []CartridgeGeneration
	// Manifests are the open and in-transit manifests, which say where a
	// cartridge in transit goes.
	Manifests []Manifest
	// Drives is each asked drive's use since its last cleaning.
	Drives map[string]DriveUse
	// Drills is the newest restore drill per system.
	Drills map[string]Drill
	// Inspections are the last inspection per site and the open findings.
	Inspections InspectionStats
}

// Scrape reads what the metrics collectors need. At 100,000 cartridges and
// 1,000,000 events it takes a few milliseconds (BenchmarkScrape) where
// reading every cartridge took hundreds.
func (c *Catalog) Scrape(ctx context.Context, q ScrapeQuery) (Scrape, error) {
	tx, err := c.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return Scrape{}, err
	}
	defer tx.Rollback()
	var s Scrape
	if s.Stats, err = c.stats(ctx, tx); err != nil {
		return Scrape{}, err
	}
	if s.Jobs, err = jobStats(ctx, tx, q.Jobs); err != nil {
		return Scrape{}, err
	}
	if s.OpenPrompts, s.OldestPrompt, err = openPrompts(ctx, tx); err != nil {
		return Scrape{}, err
	}
	if s.Cleaners, err = cartridgesWhere(ctx, tx, "state = 'cleaning'"); err != nil {
		return Scrape{}, err
	}
	if len(q.Pools) > 0 {
		ph := "?" + strings.Repeat(", ?", len(q.Pools)-1)
		args := make([]any, 0, len(q.Pools))
		for _, p := range q.Pools {
			args = append(args, p)
		}
		s.Holding, err = cartridgesWhere(ctx, tx, `state <> 'disposed' AND barcode IN (SELECT p.barcode FROM pieces p JOIN runs r ON r.id = p.run
			WHERE p.gone_at IS NULL AND r.pool IN (`+ph+`) AND r.generation <> '')`, args...)
		if err != nil {
			return Scrape{}, err
		}
		if s.Generations, err = generations(ctx, tx, q.Pools); err != nil {
			return Scrape{}, err
		}
	}
	if s.Manifests, err = c.manifests(ctx, tx, ManifestFilter{Active: true}); err != nil {
		return Scrape{}, err
	}
	s.Drives = make(map[string]DriveUse, len(q.Drives))
	for _, d := range q.Drives {
		if s.Drives[d], err = driveUse(ctx, tx, d); err != nil {
			return Scrape{}, err
		}
	}
	if s.Drills, err = lastDrills(ctx, tx); err != nil {
		return Scrape{}, err
	}
	if s.Inspections, err = inspectionStats(ctx, tx); err != nil {
		return Scrape{}, err
	}
	return s, nil
}

// openPrompts counts open prompts by kind and finds the oldest.
func openPrompts(ctx context.Context, q querier) (map[string]int64, time.Time, error) {
	rows, err := q.QueryContext(ctx, `SELECT kind, count(*), min(created_at) FROM prompts WHERE state = 'open' GROUP BY kind`)
	if err != nil {
		return nil, time.Time{}, err
	}
	defer rows.Close()
	out := map[string]int64{}
	var oldest time.Time
	for rows.Next() {
		var kind, first string
		var n int64
		if err := rows.Scan(&kind, &n, &first); err != nil {
			return nil, time.Time{}, err
		}
		out[kind] = n
		if t := parseTime(first); oldest.IsZero() || t.Before(oldest) {
			oldest = t
		}
	}
	return out, oldest, rows.Err()
}

// cartridgesWhere reads the cartridges matching a condition, in barcode
// order.
func cartridgesWhere(ctx context.Context, q querier, cond string, args ...any) ([]Cartridge, error) {
	return queryAll(ctx, q, scanCartridge, "SELECT "+cartridgeColumns+" FROM cartridges WHERE "+cond+" ORDER BY barcode", args...)
}
