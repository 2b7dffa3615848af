package media

import (
	"context"
	"database/sql"
	"time"
)

// CartridgeCount is the number of cartridges sharing a site, kind of place,
// pool and state. Site is "in-transit" for cartridges with a courier.
type CartridgeCount struct {
	Site      string `json:"site"`
	PlaceKind string `json:"place_kind"`
	Pool      string `json:"pool"`
	State     string `json:"state"`
	Count     int64  `json:"count"`
}

// Stats is the catalog's state summarised for metrics and status.
type Stats struct {
	Cartridges []CartridgeCount `json:"cartridges"`
	// Manifests counts manifests by state, plus "overdue" for those in
	// transit past the threshold.
	Manifests         map[string]int64 `json:"manifests"`
	OpenDiscrepancies int64            `json:"open_discrepancies"`
	Events            int64            `json:"events"`
	// OldestInTransit is when the longest-travelling manifest was picked up.
	OldestInTransit time.Time `json:"oldest_in_transit,omitzero"`
}

// Stats reads the summary in one read transaction, so the figures agree
// with each other.
func (c *Catalog) Stats(ctx context.Context) (Stats, error) {
	tx, err := c.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return Stats{}, err
	}
	defer tx.Rollback()
	return c.stats(ctx, tx)
}

// stats is Stats inside a read transaction. The cartridge counts come from
// cartridge_counts, which triggers keep current (schema version 4).
func (c *Catalog) stats(ctx context.Context, tx querier) (Stats, error) {
	var s Stats
	rows, err := tx.QueryContext(ctx, `SELECT site, place_kind, pool, state, n
		FROM cartridge_counts WHERE n > 0 AND state <> 'disposed' ORDER BY 1, 2, 3, 4`)
	if err != nil {
		return Stats{}, err
	}
	for rows.Next() {
		var cc CartridgeCount
		if err := rows.Scan(&cc.Site, &cc.PlaceKind, &cc.Pool, &cc.State, &cc.Count); err != nil {
			rows.Close()
			return Stats{}, err
		}
		s.Cartridges = append(s.Cartridges, cc)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return Stats{}, err
	}
	s.Manifests = map[string]int64{}
	for _, st := range []ManifestState{ManifestOpen, ManifestInTransit, ManifestDelivered, ManifestDeliveredWithDisc, ManifestCancelled} {
		s.Manifests[string(st)] = 0
	}
	mrows, err := tx.QueryContext(ctx, `SELECT state, count(*) FROM manifests GROUP BY state`)
	if err != nil {
		return Stats{}, err
	}
	for mrows.Next() {
		var st string
		var n int64
		if err := mrows.Scan(&st, &n); err != nil {
			mrows.Close()
			return Stats{}, err
		}
		s.Manifests[st] = n
	}
	mrows.Close()
	if err := mrows.Err(); err != nil {
		return Stats{}, err
	}
	cutoff := timeText(c.now().Add(-c.manifestOverdue()))
	var overdue int64
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM manifests WHERE state = 'in-transit' AND picked_up_at < ?`, cutoff).Scan(&overdue); err != nil {
		return Stats{}, err
	}
	s.Manifests["overdue"] = overdue
	var oldest sql.NullString
	if err := tx.QueryRowContext(ctx, `SELECT min(picked_up_at) FROM manifests WHERE state = 'in-transit'`).Scan(&oldest); err != nil {
		return Stats{}, err
	}
	s.OldestInTransit = parseNullTime(oldest)
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM discrepancies WHERE resolution IS NULL`).Scan(&s.OpenDiscrepancies); err != nil {
		return Stats{}, err
	}
	if err := tx.QueryRowContext(ctx, `SELECT coalesce(max(id), 0) FROM events`).Scan(&s.Events); err != nil {
		return Stats{}, err
	}
	return s, nil
}
