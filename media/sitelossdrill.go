package media

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// SiteLossDrill is a recorded site-loss drill: the catalog rebuilt from
// the offsite cartridges alone, on a scratch copy, and every system
// restored from them and compared with the catalog's checksums.
type SiteLossDrill struct {
	ID     int64     `json:"id"`
	At     time.Time `json:"at"`
	Result string    `json:"result"` // passed or failed
	// Cartridges is how many offsite cartridges were read; Systems how
	// many systems came back matching the catalog.
	Cartridges int `json:"cartridges"`
	Systems    int `json:"systems"`
	// FirstBack and AllBack are the seconds from the start until the
	// first system, and every system, was back; nil when none, or not
	// every one, came back.
	FirstBack *float64 `json:"first_back_seconds,omitempty"`
	AllBack   *float64 `json:"all_back_seconds,omitempty"`
	// Missing says what could not be restored, for people.
	Missing   string `json:"missing,omitempty"`
	Operation int64  `json:"operation,omitempty"`
	Actor     string `json:"actor"`
}

// RecordSiteLossDrill stores a site-loss drill with an audit event.
func (c *Catalog) RecordSiteLossDrill(ctx context.Context, actor Actor, d SiteLossDrill) (SiteLossDrill, error) {
	if err := checkActor(actor); err != nil {
		return SiteLossDrill{}, err
	}
	if err := checkTexts(textField{"what was missing", d.Missing, TextLine}); err != nil {
		return SiteLossDrill{}, err
	}
	if d.Result != "passed" && d.Result != "failed" {
		return d, fmt.Errorf("%w: site-loss drill result %q", ErrBadInput, d.Result)
	}
	if d.At.IsZero() {
		d.At = c.now()
	}
	nullSeconds := func(s *float64) sql.NullFloat64 {
		if s == nil {
			return sql.NullFloat64{}
		}
		return sql.NullFloat64{Float64: *s, Valid: true}
	}
	err := c.write(ctx, func(tx *sql.Tx) error {
		d.Actor = actor.Name
		res, err := tx.ExecContext(ctx, `INSERT INTO siteloss_drills (at, result, cartridges, systems, first_back_seconds, all_back_seconds, missing, operation, actor)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			timeText(d.At), d.Result, d.Cartridges, d.Systems, nullSeconds(d.FirstBack), nullSeconds(d.AllBack), d.Missing,
			sql.NullInt64{Int64: d.Operation, Valid: d.Operation > 0}, d.Actor)
		if err != nil {
			return err
		}
		d.ID, _ = res.LastInsertId()
		d.At = parseTime(timeText(d.At))
		reason := fmt.Sprintf("site-loss drill %s: %d offsite cartridges read, %d systems back", d.Result, d.Cartridges, d.Systems)
		if d.FirstBack != nil {
			reason += fmt.Sprintf(", the first after %.0fs", *d.FirstBack)
		}
		if d.AllBack != nil {
			reason += fmt.Sprintf(", all after %.0fs", *d.AllBack)
		}
		if d.Missing != "" {
			reason += "; missing: " + d.Missing
		}
		return c.appendEvent(ctx, tx, &Event{Actor: actor.Name, Role: actor.Role, Kind: "siteloss-drill", Reason: reason})
	})
	return d, err
}

// LastSiteLossDrill is the newest site-loss drill; ok is false when there
// has been none.
func (c *Catalog) LastSiteLossDrill(ctx context.Context) (d SiteLossDrill, ok bool, err error) {
	var at string
	var first, all sql.NullFloat64
	err = c.r.QueryRowContext(ctx, `SELECT id, at, result, cartridges, systems, first_back_seconds, all_back_seconds, missing, coalesce(operation, 0), actor
		FROM siteloss_drills ORDER BY id DESC LIMIT 1`).Scan(&d.ID, &at, &d.Result, &d.Cartridges, &d.Systems, &first, &all, &d.Missing, &d.Operation, &d.Actor)
	if errors.Is(err, sql.ErrNoRows) {
		return SiteLossDrill{}, false, nil
	}
	if err != nil {
		return SiteLossDrill{}, false, err
	}
	d.At = parseTime(at)
	if first.Valid {
		d.FirstBack = &first.Float64
	}
	if all.Valid {
		d.AllBack = &all.Float64
	}
	return d, true, nil
}
