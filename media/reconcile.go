package media

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"
)

// Seen is a cartridge a library inventory found, and where.
type Seen struct {
	Barcode  string   `json:"barcode"`
	Location Location `json:"location"`
}

// ReconcileResult says what a library inventory changed in the catalog.
type ReconcileResult struct {
	Moved []Event `json:"moved"`
	// Missing are cartridges the catalog places in the library that the
	// inventory did not find (newly flagged or still missing).
	Missing []Cartridge `json:"missing"`
	// Returned are cartridges flagged missing earlier and seen again.
	Returned []string `json:"returned,omitempty"`
	// Unknown barcodes are not in the catalog.
	Unknown []Seen `json:"unknown,omitempty"`
	// Conflicts are cartridges seen in the library that the catalog says
	// are somewhere they cannot have left (with a courier, or lost).
	Conflicts []string `json:"conflicts,omitempty"`
	// TakenFromMailSlot are cartridges the catalog placed in a mail slot
	// that is now empty: a person took them out.
	TakenFromMailSlot []Cartridge `json:"taken_from_mailslot,omitempty"`
}

// ReconcileLibrary makes the catalog agree with what a library's inventory
// shows, in one transaction: each cartridge seen where the catalog does not
// place it moves there with an "inventory" custody event (cartridges may
// swap places); cartridges the catalog places in the library's slots or
// drives but the inventory did not see are flagged missing, with an event
// the first time. Unknown barcodes and conflicts are reported, not
// changed. drives names the library's drives; site is where it stands.
func (c *Catalog) ReconcileLibrary(ctx context.Context, actor Actor, library, site string, drives []string, seen []Seen) (ReconcileResult, error) {
	var res ReconcileResult
	err := c.write(ctx, func(tx *sql.Tx) error {
		res = ReconcileResult{}
		now := c.now()
		seenBy := map[string]Location{}
		for _, s := range seen {
			seenBy[s.Barcode] = s.Location
		}
		// What the catalog places in this library now.
		inLib := map[string]Cartridge{}
		q := `SELECT ` + cartridgeColumns + ` FROM cartridges WHERE (loc_kind IN ('slot', 'mailslot') AND loc_place = ?)`
		args := []any{library}
		for _, d := range drives {
			q += ` OR (loc_kind = 'drive' AND loc_place = ?)`
			args = append(args, d)
		}
		rows, err := tx.QueryContext(ctx, q, args...)
		if err != nil {
			return err
		}
		for rows.Next() {
			cart, err := scanCartridge(rows)
			if err != nil {
				rows.Close()
				return err
			}
			inLib[cart.Barcode] = cart
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}

		// Decide the moves.
		type move struct {
			cart Cartridge
			to   Location
		}
		var moves []move
		sorted := append([]Seen(nil), seen...)
		sort.Slice(sorted, func(i, j int) bool { return sorted[i].Barcode < sorted[j].Barcode })
		for _, s := range sorted {
			cart, err := cartridgeTx(ctx, tx, s.Barcode)
			if errors.Is(err, ErrNotFound) {
				res.Unknown = append(res.Unknown, s)
				continue
			} else if err != nil {
				return err
			}
			if cart.MissingSince() {
				if _, err := tx.ExecContext(ctx, `UPDATE cartridges SET missing_since = NULL WHERE barcode = ?`, cart.Barcode); err != nil {
					return err
				}
				res.Returned = append(res.Returned, cart.Barcode)
			}
			switch {
			case cart.Location.Kind == InTransit:
				res.Conflicts = append(res.Conflicts, fmt.Sprintf("%s is in %s but the catalog has it in transit on manifest %s; deliver or resolve that manifest", s.Barcode, s.Location, cart.Location.Place))
				continue
			case cart.State == Lost:
				res.Conflicts = append(res.Conflicts, fmt.Sprintf("%s is in %s but is reported lost; record it with 'tapewarden media found %s --at %s'", s.Barcode, s.Location, s.Barcode, s.Location))
				continue
			case cart.Location != s.Location:
				if err := checkPlace(ctx, tx, s.Location); err != nil {
					return fmt.Errorf("inventory of %s: %w", library, err)
				}
				moves = append(moves, move{cart, s.Location})
			}
		}
		// Park every moving cartridge on a unique temporary slot number so
		// that swaps do not collide with the one-per-slot rule, then put
		// each where it was seen.
		for i, m := range moves {
			if _, err := tx.ExecContext(ctx, `UPDATE cartridges SET loc_kind = 'slot', loc_site = ?, loc_place = ?, loc_slot = ? WHERE barcode = ?`,
				site, library, -(i + 1), m.cart.Barcode); err != nil {
				return err
			}
		}
		for _, m := range moves {
			if err := setLocation(ctx, tx, m.cart.Barcode, m.to, now); err != nil {
				return fmt.Errorf("inventory of %s: %s is recorded in two places; %w", library, m.cart.Barcode, err)
			}
			ev := Event{Actor: actor.Name, Role: actor.Role, Kind: "inventory", Barcode: m.cart.Barcode,
				From: m.cart.Location.String(), To: m.to.String(), Reason: "seen there by the inventory of library " + library}
			if err := c.appendEvent(ctx, tx, &ev); err != nil {
				return err
			}
			res.Moved = append(res.Moved, ev)
		}

		// Cartridges the catalog placed here that were not seen.
		var gone []string
		for b := range inLib {
			if _, ok := seenBy[b]; !ok {
				gone = append(gone, b)
			}
		}
		sort.Strings(gone)
		for _, b := range gone {
			cart := inLib[b]
			if cart.Location.Kind == InMailSlot {
				res.TakenFromMailSlot = append(res.TakenFromMailSlot, cart)
				continue
			}
			if !cart.MissingSince() {
				if _, err := tx.ExecContext(ctx, `UPDATE cartridges SET missing_since = ? WHERE barcode = ?`, timeText(now), b); err != nil {
					return err
				}
				if err := c.appendEvent(ctx, tx, &Event{Actor: actor.Name, Role: actor.Role, Kind: "missing", Barcode: b,
					From: cart.Location.String(), To: cart.Location.String(),
					Reason: "the inventory of library " + library + " did not find it there"}); err != nil {
					return err
				}
				cart.Missing = now
			}
			res.Missing = append(res.Missing, cart)
		}
		return nil
	})
	return res, err
}

// MissingSince reports whether an inventory flagged the cartridge missing.
func (c Cartridge) MissingSince() bool { return !c.Missing.IsZero() }

// RecordMount counts a load of the cartridge into a drive and, the first
// time, its first use.
func (c *Catalog) RecordMount(ctx context.Context, barcode string) error {
	return c.write(ctx, func(tx *sql.Tx) error {
		now := timeText(c.now())
		res, err := tx.ExecContext(ctx, `UPDATE cartridges SET mounts = mounts + 1, first_use = coalesce(first_use, ?), updated_at = ? WHERE barcode = ?`, now, now, barcode)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("%w: %s", ErrNotFound, barcode)
		}
		return nil
	})
}

// HomeSlot returns the library slot a cartridge now in a drive was loaded
// from, read from its custody events; 0 if it did not come from a slot.
func (c *Catalog) HomeSlot(ctx context.Context, barcode, library string) (int, error) {
	rows, err := c.r.QueryContext(ctx, `SELECT from_loc FROM events WHERE barcode = ? AND to_loc LIKE '%/drive/%' ORDER BY id DESC LIMIT 1`, barcode)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	if !rows.Next() {
		return 0, rows.Err()
	}
	var from string
	if err := rows.Scan(&from); err != nil {
		return 0, err
	}
	loc, err := ParseLocation(from)
	if err != nil || loc.Kind != InSlot || loc.Place != library {
		return 0, nil
	}
	return loc.Slot, nil
}
