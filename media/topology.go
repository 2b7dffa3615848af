package media

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
)

// Site is a building that can hold cartridges, as configured.
type Site struct {
	Name       string   `json:"name"`
	Kind       string   `json:"kind"` // machine-room, other-building or remote-site
	DistanceKM float64  `json:"distance_km"`
	Hazards    []string `json:"hazards,omitempty"`
	Places     []Place  `json:"places,omitempty"`
}

// Place is a storage place within a site: a shelf, a fireproof safe, a vault.
type Place struct {
	Name string `json:"name"`
	Kind string `json:"kind"`
}

// Library is an autoloader or library at a site.
type Library struct {
	Name      string `json:"name"`
	Site      string `json:"site"`
	Slots     int    `json:"slots"`     // storage slots, numbered from 1
	MailSlots int    `json:"mailslots"` // import/export slots, numbered from 1
}

// Drive is a tape drive at a site, standalone or inside a library.
type Drive struct {
	Name      string `json:"name"`
	Site      string `json:"site"`
	Library   string `json:"library,omitempty"`
	MediaType string `json:"media_type"`
}

// Pool is a set of cartridges written by the same rotation.
type Pool struct {
	Name      string `json:"name"`
	MediaType string `json:"media_type"`
}

// Topology is the configured world the catalog's locations refer to.
type Topology struct {
	Sites     []Site
	Libraries []Library
	Drives    []Drive
	Pools     []Pool
}

// SyncTopology makes the catalog's copy of sites, places, libraries, drives
// and pools match the configuration. Nothing is deleted: an entry that left
// the configuration is kept (cartridges may still refer to it) and marked
// unconfigured, so no cartridge can be moved there any more. The returned
// warnings name cartridges that sit at places no longer configured.
func (c *Catalog) SyncTopology(ctx context.Context, t Topology) ([]string, error) {
	err := c.write(ctx, func(tx *sql.Tx) error {
		for _, q := range []string{
			"UPDATE sites SET configured = 0", "UPDATE places SET configured = 0",
			"UPDATE libraries SET configured = 0", "UPDATE drives SET configured = 0",
			"UPDATE pools SET configured = 0",
		} {
			if _, err := tx.ExecContext(ctx, q); err != nil {
				return err
			}
		}
		for _, s := range t.Sites {
			if _, err := tx.ExecContext(ctx, `INSERT INTO sites (name, kind, distance_km, hazards, configured) VALUES (?, ?, ?, ?, 1)
				ON CONFLICT (name) DO UPDATE SET kind = excluded.kind, distance_km = excluded.distance_km, hazards = excluded.hazards, configured = 1`,
				s.Name, s.Kind, s.DistanceKM, strings.Join(s.Hazards, ",")); err != nil {
				return fmt.Errorf("sync site %s: %w", s.Name, err)
			}
			for _, p := range s.Places {
				if _, err := tx.ExecContext(ctx, `INSERT INTO places (site, name, kind, configured) VALUES (?, ?, ?, 1)
					ON CONFLICT (site, name) DO UPDATE SET kind = excluded.kind, configured = 1`, s.Name, p.Name, p.Kind); err != nil {
					return fmt.Errorf("sync place %s/%s: %w", s.Name, p.Name, err)
				}
			}
		}
		for _, l := range t.Libraries {
			if _, err := tx.ExecContext(ctx, `INSERT INTO libraries (name, site, slots, mailslots, configured) VALUES (?, ?, ?, ?, 1)
				ON CONFLICT (name) DO UPDATE SET site = excluded.site, slots = excluded.slots, mailslots = excluded.mailslots, configured = 1`,
				l.Name, l.Site, l.Slots, l.MailSlots); err != nil {
				return fmt.Errorf("sync library %s: %w", l.Name, err)
			}
		}
		for _, d := range t.Drives {
			if _, err := tx.ExecContext(ctx, `INSERT INTO drives (name, site, library, media_type, configured) VALUES (?, ?, ?, ?, 1)
				ON CONFLICT (name) DO UPDATE SET site = excluded.site, library = excluded.library, media_type = excluded.media_type, configured = 1`,
				d.Name, d.Site, nullString(d.Library), d.MediaType); err != nil {
				return fmt.Errorf("sync drive %s: %w", d.Name, err)
			}
		}
		for _, p := range t.Pools {
			if _, err := tx.ExecContext(ctx, `INSERT INTO pools (name, media_type, configured) VALUES (?, ?, 1)
				ON CONFLICT (name) DO UPDATE SET media_type = excluded.media_type, configured = 1`, p.Name, p.MediaType); err != nil {
				return fmt.Errorf("sync pool %s: %w", p.Name, err)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return c.orphans(ctx)
}

// orphans lists cartridges whose place, library, drive or pool is no
// longer configured.
func (c *Catalog) orphans(ctx context.Context) ([]string, error) {
	rows, err := c.r.QueryContext(ctx, `
		SELECT c.barcode, 'place ' || c.loc_site || '/' || c.loc_place FROM cartridges c
			JOIN places p ON p.site = c.loc_site AND p.name = c.loc_place
			WHERE c.loc_kind = 'storage' AND p.configured = 0
		UNION ALL
		SELECT c.barcode, 'library ' || c.loc_place FROM cartridges c
			JOIN libraries l ON l.name = c.loc_place
			WHERE c.loc_kind IN ('slot', 'mailslot') AND l.configured = 0
		UNION ALL
		SELECT c.barcode, 'drive ' || c.loc_place FROM cartridges c
			JOIN drives d ON d.name = c.loc_place
			WHERE c.loc_kind = 'drive' AND d.configured = 0
		UNION ALL
		SELECT c.barcode, 'pool ' || c.pool FROM cartridges c
			JOIN pools p ON p.name = c.pool WHERE p.configured = 0
		ORDER BY 1, 2`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var barcode, what string
		if err := rows.Scan(&barcode, &what); err != nil {
			return nil, err
		}
		out = append(out, fmt.Sprintf("cartridge %s refers to %s, which is no longer in the configuration; move it or put the entry back", barcode, what))
	}
	return out, rows.Err()
}

// Sites returns the configured sites with their places, in name order.
func (c *Catalog) Sites(ctx context.Context) ([]Site, error) {
	rows, err := c.r.QueryContext(ctx, `SELECT name, kind, distance_km, hazards FROM sites WHERE configured = 1 ORDER BY distance_km, name`)
	if err != nil {
		return nil, err
	}
	var sites []Site
	for rows.Next() {
		var s Site
		var hazards string
		if err := rows.Scan(&s.Name, &s.Kind, &s.DistanceKM, &hazards); err != nil {
			rows.Close()
			return nil, err
		}
		if hazards != "" {
			s.Hazards = strings.Split(hazards, ",")
		}
		sites = append(sites, s)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for i := range sites {
		prow, err := c.r.QueryContext(ctx, `SELECT name, kind FROM places WHERE site = ? AND configured = 1 ORDER BY name`, sites[i].Name)
		if err != nil {
			return nil, err
		}
		for prow.Next() {
			var p Place
			if err := prow.Scan(&p.Name, &p.Kind); err != nil {
				prow.Close()
				return nil, err
			}
			sites[i].Places = append(sites[i].Places, p)
		}
		prow.Close()
		if err := prow.Err(); err != nil {
			return nil, err
		}
	}
	return sites, nil
}

// checkLocation verifies inside a transaction that loc is a configured
// place that can take one more cartridge.
func checkLocation(ctx context.Context, tx *sql.Tx, loc Location) error {
	if err := checkPlace(ctx, tx, loc); err != nil {
		return err
	}
	return checkVacant(ctx, tx, loc)
}

// checkPlace verifies inside a transaction that loc is a configured place.
func checkPlace(ctx context.Context, tx *sql.Tx, loc Location) error {
	switch loc.Kind {
	case InStorage:
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM places WHERE site = ? AND name = ? AND configured = 1`, loc.Site, loc.Place).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			return fmt.Errorf("%w: %s: %s", ErrUnknownPlace, loc, knownPlaces(ctx, tx, loc.Site))
		}
	case InSlot, InMailSlot:
		var site string
		var slots, mailslots int
		err := tx.QueryRowContext(ctx, `SELECT site, slots, mailslots FROM libraries WHERE name = ? AND configured = 1`, loc.Place).Scan(&site, &slots, &mailslots)
		if err == sql.ErrNoRows {
			return fmt.Errorf("%w: %s: no library %q is configured", ErrUnknownPlace, loc, loc.Place)
		} else if err != nil {
			return err
		}
		if site != loc.Site {
			return fmt.Errorf("%w: %s: library %s is at site %s", ErrUnknownPlace, loc, loc.Place, site)
		}
		limit := slots
		if loc.Kind == InMailSlot {
			limit = mailslots
		}
		if loc.Slot < 1 || loc.Slot > limit {
			return fmt.Errorf("%w: %s: library %s has %s 1-%d", ErrUnknownPlace, loc, loc.Place, loc.Kind, limit)
		}
	case InDrive:
		var site string
		err := tx.QueryRowContext(ctx, `SELECT site FROM drives WHERE name = ? AND configured = 1`, loc.Place).Scan(&site)
		if err == sql.ErrNoRows {
			return fmt.Errorf("%w: %s: no drive %q is configured", ErrUnknownPlace, loc, loc.Place)
		} else if err != nil {
			return err
		}
		if site != loc.Site {
			return fmt.Errorf("%w: %s: drive %s is at site %s", ErrUnknownPlace, loc, loc.Place, site)
		}
	case InTransit:
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM manifests WHERE id = ?`, loc.Place).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			return fmt.Errorf("%w: %s", ErrManifestNotFound, loc.Place)
		}
	default:
		return fmt.Errorf("%w: no location given", ErrBadInput)
	}
	return nil
}

// checkVacant verifies inside a transaction that the library slot or drive
// loc names holds no cartridge; other places hold any number.
func checkVacant(ctx context.Context, tx *sql.Tx, loc Location) error {
	var holder string
	switch loc.Kind {
	case InSlot, InMailSlot:
		err := tx.QueryRowContext(ctx, `SELECT barcode FROM cartridges WHERE loc_kind = ? AND loc_place = ? AND loc_slot = ?`, string(loc.Kind), loc.Place, loc.Slot).Scan(&holder)
		if err == nil {
			return fmt.Errorf("%w: %s already holds %s", ErrNotMovable, loc, holder)
		} else if err != sql.ErrNoRows {
			return err
		}
	case InDrive:
		err := tx.QueryRowContext(ctx, `SELECT barcode FROM cartridges WHERE loc_kind = 'drive' AND loc_place = ?`, loc.Place).Scan(&holder)
		if err == nil {
			return fmt.Errorf("%w: drive %s already holds %s", ErrNotMovable, loc.Place, holder)
		} else if err != sql.ErrNoRows {
			return err
		}
	}
	return nil
}

func knownPlaces(ctx context.Context, tx *sql.Tx, site string) string {
	var kind string
	if err := tx.QueryRowContext(ctx, `SELECT kind FROM sites WHERE name = ? AND configured = 1`, site).Scan(&kind); err != nil {
		names := queryNames(ctx, tx, `SELECT name FROM sites WHERE configured = 1 ORDER BY name`)
		return fmt.Sprintf("no site %q is configured (sites: %s)", site, strings.Join(names, ", "))
	}
	names := queryNames(ctx, tx, `SELECT name FROM places WHERE site = ? AND configured = 1 ORDER BY name`, site)
	return fmt.Sprintf("site %s has no such place (places there: %s)", site, strings.Join(names, ", "))
}

// queryNames returns the first column of a query's rows, for messages; a
// failing query gives what it got.
func queryNames(ctx context.Context, tx *sql.Tx, query string, args ...any) []string {
	var names []string
	rows, err := tx.QueryContext(ctx, query, args...)
	if err != nil {
		return nil
	}
	defer rows.Close()
	for rows.Next() {
		var n string
		if rows.Scan(&n) == nil {
			names = append(names, n)
		}
	}
	return names
}

func nullString(s string) sql.NullString { return sql.NullString{String: s, Valid: s != ""} }
