package media

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"
)

// ManifestState is where a courier transfer stands.
type ManifestState string

// Manifest states.
const (
	ManifestOpen              ManifestState = "open"
	ManifestInTransit         ManifestState = "in-transit"
	ManifestDelivered         ManifestState = "delivered"
	ManifestDeliveredWithDisc ManifestState = "delivered-with-discrepancies"
	ManifestCancelled         ManifestState = "cancelled"
)

// Manifest is a courier transfer of cartridges from one site to another.
type Manifest struct {
	ID               string        `json:"id"`
	Origin           string        `json:"origin"`
	Destination      string        `json:"destination"`
	DestinationPlace string        `json:"destination_place,omitempty"`
	State            ManifestState `json:"state"`
	CreatedAt        time.Time     `json:"created_at"`
	CreatedBy        string        `json:"created_by"`
	Courier          string        `json:"courier,omitempty"`
	PickedUpAt       time.Time     `json:"picked_up_at,omitzero"`
	DeliveredAt      time.Time     `json:"delivered_at,omitzero"`
	Note             string        `json:"note,omitempty"`
	// Overdue is true while the manifest has been in transit longer than
	// the catalog's overdue threshold.
	Overdue       bool           `json:"overdue"`
	Items         []ManifestItem `json:"items"`
	Discrepancies []Discrepancy  `json:"discrepancies,omitempty"`
}

// OpenDiscrepancies counts discrepancies not yet resolved.
func (m Manifest) OpenDiscrepancies() int {
	n := 0
	for _, d := range m.Discrepancies {
		if d.Resolution == "" {
			n++
		}
	}
	return n
}

// ManifestItem is one cartridge listed on a manifest.
type ManifestItem struct {
	Barcode string `json:"barcode"`
	// Status is listed, picked-up, delivered or missing.
	Status string `json:"status"`
	// Handling is the cartridge's handling class, filled in by the daemon.
	Handling
}

// Discrepancy is a difference between a manifest and what was handed over:
// a listed cartridge missing at pick-up or delivery, or a barcode handed
// over that the manifest does not list. It stays open until resolved as
// found (with where) or lost.
type Discrepancy struct {
	ID         int64     `json:"id"`
	Barcode    string    `json:"barcode"`
	Phase      string    `json:"phase"` // pickup or delivery
	Kind       string    `json:"kind"`  // missing, not-on-manifest or unknown
	NotedAt    time.Time `json:"noted_at"`
	NotedBy    string    `json:"noted_by"`
	Resolution string    `json:"resolution,omitempty"` // found or lost
	ResolvedAt time.Time `json:"resolved_at,omitzero"`
	ResolvedBy string    `json:"resolved_by,omitempty"`
	Note       string    `json:"note,omitempty"`
}

// NewManifest describes a transfer to create.
type NewManifest struct {
	Destination string   `json:"destination"`
	Place       string   `json:"place,omitempty"` // storage place at the destination; default chosen at delivery
	Barcodes    []string `json:"barcodes"`
	// Note may run over several lines, like a cartridge's notes.
	Note string `json:"note,omitempty"`
}

// Handover is what a courier or receiver confirms, barcode by barcode.
type Handover struct {
	Courier  string   `json:"courier,omitempty"` // required at pick-up
	Barcodes []string `json:"barcodes"`
	// Place overrides where delivered cartridges are filed.
	Place string `json:"place,omitempty"`
	// AcceptDiscrepancies records differences between the manifest and
	// Barcodes as discrepancies and goes on. Without it, any difference
	// refuses the hand-over and changes nothing, so a mistyped barcode
	// cannot create a discrepancy.
	AcceptDiscrepancies bool `json:"accept_discrepancies,omitempty"`
	// Reasons says, barcode by barcode, why a listed cartridge was not
	// handed over; each is recorded with its discrepancy in the audit
	// chain. The web console asks for one per missing cartridge.
	Reasons map[string]string `json:"reasons,omitempty"`
}

// manifestOverdue is how long a manifest may be in transit.
func (c *Catalog) manifestOverdue() time.Duration {
	if c.overdue > 0 {
		return c.overdue
	}
	return 24 * time.Hour
}

// CreateManifest lists cartridges for a courier trip to a destination site.
// All cartridges must be on site at one origin, not lost, and not on
// another open or in-transit manifest.
func (c *Catalog) CreateManifest(ctx context.Context, actor Actor, n NewManifest) (Manifest, error) {
	if err := checkActor(actor); err != nil {
		return Manifest{}, err
	}
	if err := checkTexts(textField{"the destination", n.Destination, TextName}, textField{"the place", n.Place, TextName}, textField{"the note", n.Note, TextMultiLine}); err != nil {
		return Manifest{}, err
	}
	for _, b := range n.Barcodes {
		if err := CheckText("a barcode", b, TextName); err != nil {
			return Manifest{}, err
		}
	}
	if len(n.Barcodes) == 0 {
		return Manifest{}, fmt.Errorf("%w: a manifest needs at least one barcode", ErrBadInput)
	}
	barcodes := make([]string, 0, len(n.Barcodes))
	for _, s := range n.Barcodes {
		b, err := ParseBarcode(s, c.patterns)
		if err != nil {
			return Manifest{}, err
		}
		if slices.Contains(barcodes, b.Text) {
			return Manifest{}, fmt.Errorf("%w: %s is listed twice", ErrBadInput, b.Text)
		}
		barcodes = append(barcodes, b.Text)
	}
	sort.Strings(barcodes)
	var id string
	var out Manifest
	err := c.write(ctx, func(tx *sql.Tx) error {
		var destKind string
		if err := tx.QueryRowContext(ctx, `SELECT kind FROM sites WHERE name = ? AND configured = 1`, n.Destination).Scan(&destKind); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return fmt.Errorf("%w: destination: %s", ErrUnknownPlace, knownPlaces(ctx, tx, n.Destination))
			}
			return err
		}
		if n.Place != "" {
			if err := checkLocation(ctx, tx, Storage(n.Destination, n.Place)); err != nil {
				return err
			}
		}
		origin := ""
		for _, b := range barcodes {
			cur, err := cartridgeTx(ctx, tx, b)
			if err != nil {
				return err
			}
			switch {
			case cur.Location.Kind == InTransit:
				return fmt.Errorf("%w: %s is already in transit on manifest %s", ErrNotMovable, b, cur.Location.Place)
			case cur.State == Lost:
				return fmt.Errorf("%w: %s is reported lost", ErrNotMovable, b)
			case cur.Location.Site == n.Destination:
				return fmt.Errorf("%w: %s is already at %s", ErrAlreadyThere, b, n.Destination)
			case origin != "" && cur.Location.Site != origin:
				return fmt.Errorf("%w: %s is at %s but the others are at %s; one manifest carries cartridges from one site", ErrBadInput, b, cur.Location.Site, origin)
			}
			origin = cur.Location.Site
			var other string
			err = tx.QueryRowContext(ctx, `SELECT m.id FROM manifest_items i JOIN manifests m ON m.id = i.manifest
				WHERE i.barcode = ? AND m.state IN ('open', 'in-transit') LIMIT 1`, b).Scan(&other)
			if err == nil {
				return fmt.Errorf("%w: %s is already on manifest %s", ErrNotMovable, b, other)
			} else if !errors.Is(err, sql.ErrNoRows) {
				return err
			}
		}
		now := c.now()
		prefix := "M-" + now.In(c.loc).Format("20060102") + "-" // the day where the people are
		var count int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM manifests WHERE id LIKE ?`, prefix+"%").Scan(&count); err != nil {
			return err
		}
		id = fmt.Sprintf("%s%03d", prefix, count+1)
		if _, err := tx.ExecContext(ctx, `INSERT INTO manifests (id, origin, destination, destination_place, state, created_at, created_by, note)
			VALUES (?, ?, ?, ?, 'open', ?, ?, ?)`, id, origin, n.Destination, n.Place, timeText(now), actor.Name, n.Note); err != nil {
			return fmt.Errorf("create manifest: %w", err)
		}
		for _, b := range barcodes {
			if _, err := tx.ExecContext(ctx, `INSERT INTO manifest_items (manifest, barcode, status) VALUES (?, ?, 'listed')`, id, b); err != nil {
				return fmt.Errorf("create manifest: %w", err)
			}
		}
		if err := c.appendEvent(ctx, tx, &Event{Actor: actor.Name, Role: actor.Role, Kind: "manifest-created", Manifest: id,
			From: origin, To: n.Destination, Reason: fmt.Sprintf("%s; cartridges %s", strings.TrimSpace(n.Note), strings.Join(barcodes, " "))}); err != nil {
			return err
		}
		var rerr error
		out, rerr = manifestTx(ctx, tx, id)
		return rerr
	})
	if err != nil {
		return Manifest{}, err
	}
	c.markOverdue(&out)
	return out, nil
}

// CancelManifest withdraws an open manifest (nothing has moved yet). Its
// pending courier scans are closed as cancelled, the couriers signed in
// for it are signed out and its unused codes expire.
func (c *Catalog) CancelManifest(ctx context.Context, actor Actor, id, reason string) (Manifest, error) {
	if err := checkActor(actor); err != nil {
		return Manifest{}, err
	}
	if err := checkTexts(textField{"the manifest ID", id, TextName}, textField{"the reason", reason, TextLine}); err != nil {
		return Manifest{}, err
	}
	return c.writeManifest(ctx, id, func(tx *sql.Tx) error {
		m, err := manifestTx(ctx, tx, id)
		if err != nil {
			return err
		}
		if m.State != ManifestOpen {
			return fmt.Errorf("%w: manifest %s is %s; only an open manifest can be cancelled", ErrManifestState, id, m.State)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE manifests SET state = 'cancelled' WHERE id = ?`, id); err != nil {
			return err
		}
		now := c.now()
		if err := closeScans(ctx, tx, id, "", ScansCancelled, "", now); err != nil {
			return err
		}
		if err := c.endCourierAccess(ctx, tx, actor, id, "", "the manifest was cancelled", now); err != nil {
			return err
		}
		if err := c.appendEvent(ctx, tx, &Event{Actor: actor.Name, Role: actor.Role, Kind: "manifest-cancelled", Manifest: id, Reason: reason}); err != nil {
			return err
		}
		return nil
	})
}

// AssignCourier names the courier who will carry an open manifest, before
// the pick-up: the courier's sign-in finds the manifest by this name, and
// the pick-up is logged in it unless another is named then. Anything of
// another courier ends: their pending scans are closed as reassigned,
// their sessions for the manifest end, their unused codes expire.
func (c *Catalog) AssignCourier(ctx context.Context, actor Actor, id, courier string) (Manifest, error) {
	if err := checkActor(actor); err != nil {
		return Manifest{}, err
	}
	courier = strings.TrimSpace(courier)
	if err := checkTexts(textField{"the manifest ID", id, TextName}, textField{"the courier", courier, TextName}); err != nil {
		return Manifest{}, err
	}
	if courier == "" {
		return Manifest{}, fmt.Errorf("%w: assign a courier to %s: name the courier", ErrBadInput, id)
	}
	return c.writeManifest(ctx, id, func(tx *sql.Tx) error {
		m, err := manifestTx(ctx, tx, id)
		if err != nil {
			return err
		}
		if m.State != ManifestOpen {
			return fmt.Errorf("%w: manifest %s is %s; a courier is assigned only before the pick-up", ErrManifestState, id, m.State)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE manifests SET courier = ? WHERE id = ?`, courier, id); err != nil {
			return err
		}
		// What another courier scanned or may still sign in with is not
		// the new courier's: the scans are set aside, the sessions end,
		// the unused codes expire.
		now := c.now()
		if err := closeScans(ctx, tx, id, PhasePickup, ScansReassigned, courier, now); err != nil {
			return err
		}
		if err := c.endCourierAccess(ctx, tx, actor, id, courier, "courier "+courier+" carries the manifest now", now); err != nil {
			return err
		}
		reason := "courier " + courier + " will carry it"
		if m.Courier != "" && m.Courier != courier {
			reason += " instead of " + m.Courier
		}
		if err := c.appendEvent(ctx, tx, &Event{Actor: actor.Name, Role: actor.Role, Kind: "manifest-courier", Manifest: id, Reason: reason}); err != nil {
			return err
		}
		return nil
	})
}

// compare splits scanned barcodes against expected ones.
func compare(expected, scanned []string) (matched, missing, extra []string) {
	for _, b := range scanned {
		if slices.Contains(expected, b) {
			matched = append(matched, b)
		} else {
			extra = append(extra, b)
		}
	}
	for _, b := range expected {
		if !slices.Contains(scanned, b) {
			missing = append(missing, b)
		}
	}
	return matched, missing, extra
}

func (c *Catalog) scanned(list []string) ([]string, error) {
	var out []string
	for _, s := range list {
		b, err := ParseBarcode(s, c.patterns)
		if err != nil {
			return nil, err
		}
		if !slices.Contains(out, b.Text) { // scanners read twice; once is enough
			out = append(out, b.Text)
		}
	}
	sort.Strings(out)
	return out, nil
}

func discrepancyError(id, phase string, missing, extra []string) error {
	var parts []string
	if len(missing) > 0 {
		parts = append(parts, fmt.Sprintf("listed but not scanned: %s", strings.Join(missing, " ")))
	}
	if len(extra) > 0 {
		parts = append(parts, fmt.Sprintf("scanned but not on the manifest: %s", strings.Join(extra, " ")))
	}
	return fmt.Errorf("%w: %s of %s: %s; nothing was recorded. Re-scan, or if this is really what was handed over, repeat with --accept-discrepancies to record them",
		ErrDiscrepancy, phase, id, strings.Join(parts, "; "))
}

// Pickup records that a courier took the manifest's cartridges, confirmed
// barcode by barcode. Confirmed cartridges move into transit with a
// custody event each. The pick-up's pending courier scans are closed as
// recorded; the courier's session stays for the delivery.
func (c *Catalog) Pickup(ctx context.Context, actor Actor, id string, h Handover) (Manifest, error) {
	if err := checkHandover(actor, id, h); err != nil {
		return Manifest{}, err
	}
	courier := strings.TrimSpace(h.Courier)
	scanned, err := c.scanned(h.Barcodes)
	if err != nil {
		return Manifest{}, err
	}
	return c.writeManifest(ctx, id, func(tx *sql.Tx) error {
		m, err := manifestTx(ctx, tx, id)
		if err != nil {
			return err
		}
		if courier == "" && m.State == ManifestOpen {
			courier = m.Courier // the one assigned beforehand
		}
		if courier == "" {
			return fmt.Errorf("%w: pick-up of %s: name the courier (--courier)", ErrBadInput, id)
		}
		switch m.State {
		case ManifestOpen:
		case ManifestInTransit, ManifestDelivered, ManifestDeliveredWithDisc:
			return fmt.Errorf("%w: manifest %s was already picked up by %s at %s", ErrManifestState, id, m.Courier, c.when(m.PickedUpAt))
		default:
			return fmt.Errorf("%w: manifest %s is %s", ErrManifestState, id, m.State)
		}
		var listed []string
		for _, it := range m.Items {
			listed = append(listed, it.Barcode)
		}
		matched, missing, extra := compare(listed, scanned)
		if len(matched) == 0 {
			return fmt.Errorf("%w: pick-up of %s: none of the listed cartridges (%s) was scanned", ErrDiscrepancy, id, strings.Join(listed, " "))
		}
		if (len(missing) > 0 || len(extra) > 0) && !h.AcceptDiscrepancies {
			return discrepancyError(id, "pick-up", missing, extra)
		}
		now := c.now()
		reason := fmt.Sprintf("handed to courier %s for %s; logged by %s (%s)", courier, m.Destination, actor.Name, actor.Role)
		for _, b := range matched {
			cur, err := cartridgeTx(ctx, tx, b)
			if err != nil {
				return err
			}
			switch {
			case cur.Location.Kind == InDrive:
				return fmt.Errorf("%w: %s is still in drive %s; unload it before the courier takes it", ErrNotMovable, b, cur.Location.Place)
			case cur.Location.Kind == InSlot:
				return fmt.Errorf("%w: %s is in %s; export it to the mail slot first ('tapewarden library export %s')", ErrNotMovable, b, cur.Location, b)
			case cur.State == Lost || cur.Location.Kind == InTransit:
				return fmt.Errorf("%w: %s is %s at %s", ErrNotMovable, b, cur.State, cur.Location)
			}
			if err := setLocation(ctx, tx, b, Transit(id), now); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `UPDATE manifest_items SET status = 'picked-up' WHERE manifest = ? AND barcode = ?`, id, b); err != nil {
				return err
			}
			if err := c.appendEvent(ctx, tx, &Event{Actor: courier, Role: "courier", Kind: "picked-up", Barcode: b,
				From: cur.Location.String(), To: Transit(id).String(), Manifest: id, Reason: reason}); err != nil {
				return err
			}
		}
		if err := c.noteDifferences(ctx, tx, actor, id, "pickup", now,
			missing, func(b string) string {
				return h.reasonFor(b, fmt.Sprintf("listed on %s but not handed to courier %s", id, courier))
			},
			extra, func(b string) string {
				return fmt.Sprintf("courier %s scanned %s, which %s does not list", courier, b, id)
			}); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE manifests SET state = 'in-transit', courier = ?, picked_up_at = ? WHERE id = ?`, courier, timeText(now), id); err != nil {
			return err
		}
		if err := closeScans(ctx, tx, id, PhasePickup, ScansRecorded, "", now); err != nil {
			return err
		}
		return nil
	})
}

// Deliver records that the manifest's cartridges arrived at the
// destination, confirmed barcode by barcode. They are filed at h.Place,
// the manifest's place, or the destination's safest place. The trip ends
// with it: the delivery's pending courier scans are closed as recorded,
// every session signed in for the manifest ends, and its unused courier
// codes expire.
func (c *Catalog) Deliver(ctx context.Context, actor Actor, id string, h Handover) (Manifest, error) {
	if err := checkHandover(actor, id, h); err != nil {
		return Manifest{}, err
	}
	scanned, err := c.scanned(h.Barcodes)
	if err != nil {
		return Manifest{}, err
	}
	return c.writeManifest(ctx, id, func(tx *sql.Tx) error {
		m, err := manifestTx(ctx, tx, id)
		if err != nil {
			return err
		}
		switch m.State {
		case ManifestInTransit:
		case ManifestOpen:
			return fmt.Errorf("%w: manifest %s has not been picked up yet ('tapewarden manifest pickup %s')", ErrManifestState, id, id)
		case ManifestDelivered, ManifestDeliveredWithDisc:
			return fmt.Errorf("%w: manifest %s was already delivered at %s", ErrManifestState, id, c.when(m.DeliveredAt))
		default:
			return fmt.Errorf("%w: manifest %s is %s", ErrManifestState, id, m.State)
		}
		var carried []string
		for _, it := range m.Items {
			if it.Status == "picked-up" {
				carried = append(carried, it.Barcode)
			}
		}
		matched, missing, extra := compare(carried, scanned)
		if len(matched) == 0 && len(carried) > 0 && !h.AcceptDiscrepancies {
			return fmt.Errorf("%w: delivery of %s: none of the carried cartridges (%s) was scanned", ErrDiscrepancy, id, strings.Join(carried, " "))
		}
		if (len(missing) > 0 || len(extra) > 0) && !h.AcceptDiscrepancies {
			return discrepancyError(id, "delivery", missing, extra)
		}
		place := h.Place
		if place == "" {
			place = m.DestinationPlace
		}
		if place == "" {
			place, err = safestPlace(ctx, tx, m.Destination)
			if err != nil {
				return err
			}
		}
		dest := Storage(m.Destination, place)
		if err := checkLocation(ctx, tx, dest); err != nil {
			return fmt.Errorf("deliver %s: %w", id, err)
		}
		now := c.now()
		for _, b := range matched {
			if err := setLocation(ctx, tx, b, dest, now); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `UPDATE manifest_items SET status = 'delivered' WHERE manifest = ? AND barcode = ?`, id, b); err != nil {
				return err
			}
			if err := c.appendEvent(ctx, tx, &Event{Actor: actor.Name, Role: actor.Role, Kind: "delivered", Barcode: b,
				From: Transit(id).String(), To: dest.String(), Manifest: id, Reason: fmt.Sprintf("delivered by courier %s", m.Courier)}); err != nil {
				return err
			}
		}
		if err := c.noteDifferences(ctx, tx, actor, id, "delivery", now,
			missing, func(b string) string {
				return h.reasonFor(b, fmt.Sprintf("picked up by courier %s but not delivered at %s", m.Courier, m.Destination))
			},
			extra, func(b string) string {
				return fmt.Sprintf("%s arrived at %s with %s, which did not carry it", b, m.Destination, id)
			}); err != nil {
			return err
		}
		var discrepancies int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM discrepancies WHERE manifest = ?`, id).Scan(&discrepancies); err != nil {
			return err
		}
		state := ManifestDelivered
		if discrepancies > 0 {
			state = ManifestDeliveredWithDisc
		}
		if _, err := tx.ExecContext(ctx, `UPDATE manifests SET state = ?, delivered_at = ?, destination_place = ? WHERE id = ?`, string(state), timeText(now), place, id); err != nil {
			return err
		}
		// The trip is over: the delivery's scans are closed, the couriers
		// signed in for it are signed out and its codes sign no one in.
		if err := closeScans(ctx, tx, id, PhaseDelivery, ScansRecorded, "", now); err != nil {
			return err
		}
		if err := c.endCourierAccess(ctx, tx, actor, id, "", "the delivery was recorded", now); err != nil {
			return err
		}
		return nil
	})
}

// safestPlace picks where delivered cartridges go when nobody said: a
// vault, then a fireproof safe, then any safe, then the first place.
func safestPlace(ctx context.Context, tx *sql.Tx, site string) (string, error) {
	rows, err := tx.QueryContext(ctx, `SELECT name, kind FROM places WHERE site = ? AND configured = 1 ORDER BY name`, site)
	if err != nil {
		return "", err
	}
	defer rows.Close()
	best, bestRank := "", 99
	rank := map[string]int{"vault": 0, "fireproof-safe": 1, "safe": 2}
	for rows.Next() {
		var name, kind string
		if err := rows.Scan(&name, &kind); err != nil {
			return "", err
		}
		r, ok := rank[kind]
		if !ok {
			r = 3
		}
		if r < bestRank {
			best, bestRank = name, r
		}
	}
	if best == "" {
		return "", fmt.Errorf("%w: site %s has no storage place configured", ErrUnknownPlace, site)
	}
	return best, rows.Err()
}

// extraKind says whether a barcode handed over but not listed is a
// cartridge the catalog knows.
func extraKind(ctx context.Context, tx *sql.Tx, barcode string) (string, error) {
	_, err := cartridgeTx(ctx, tx, barcode)
	switch {
	case errors.Is(err, ErrNotFound):
		return "unknown", nil
	case err != nil:
		return "", err
	}
	return "not-on-manifest", nil
}

// noteDifferences records, as discrepancies of one phase of a hand-over,
// the listed cartridges that were not handed over (marked missing on the
// manifest, for the reason missingWhy) and the barcodes handed over that
// the manifest does not list (extraWhy gives the reason for each).
func (c *Catalog) noteDifferences(ctx context.Context, tx *sql.Tx, actor Actor, id, phase string, now time.Time,
	missing []string, missingWhy func(barcode string) string, extra []string, extraWhy func(barcode string) string) error {
	for _, b := range missing {
		if _, err := tx.ExecContext(ctx, `UPDATE manifest_items SET status = 'missing' WHERE manifest = ? AND barcode = ?`, id, b); err != nil {
			return err
		}
		if err := c.noteDiscrepancy(ctx, tx, actor, id, b, phase, "missing", now, missingWhy(b)); err != nil {
			return err
		}
	}
	for _, b := range extra {
		kind, err := extraKind(ctx, tx, b)
		if err != nil {
			return err
		}
		if err := c.noteDiscrepancy(ctx, tx, actor, id, b, phase, kind, now, extraWhy(b)); err != nil {
			return err
		}
	}
	return nil
}

func (c *Catalog) noteDiscrepancy(ctx context.Context, tx *sql.Tx, actor Actor, id, barcode, phase, kind string, now time.Time, reason string) error {
	if _, err := tx.ExecContext(ctx, `INSERT INTO discrepancies (manifest, barcode, phase, kind, noted_at, noted_by) VALUES (?, ?, ?, ?, ?, ?)`,
		id, barcode, phase, kind, timeText(now), actor.Name); err != nil {
		return err
	}
	return c.appendEvent(ctx, tx, &Event{Actor: actor.Name, Role: actor.Role, Kind: "discrepancy", Barcode: barcode, Manifest: id,
		Reason: fmt.Sprintf("%s at %s: %s", kind, phase, reason)})
}

// Resolution settles a discrepancy: the cartridge was found (and where it
// is now), or it is lost.
type Resolution struct {
	Found *Location `json:"found,omitempty"`
	Lost  bool      `json:"lost,omitempty"`
	Note  string    `json:"note,omitempty"`
}

// Resolve settles the open discrepancy for barcode on manifest id. A
// cartridge found is moved to where it was found; a cartridge lost is
// marked lost where it was last known to be.
func (c *Catalog) Resolve(ctx context.Context, actor Actor, id, barcode string, r Resolution) (Manifest, error) {
	if err := checkActor(actor); err != nil {
		return Manifest{}, err
	}
	if err := checkTexts(textField{"the manifest ID", id, TextName}, textField{"the barcode", barcode, TextName}, textField{"the note", r.Note, TextLine}); err != nil {
		return Manifest{}, err
	}
	if r.Found != nil {
		if err := checkLocationText(*r.Found); err != nil {
			return Manifest{}, err
		}
	}
	b, err := ParseBarcode(barcode, c.patterns)
	if err != nil {
		return Manifest{}, err
	}
	if (r.Found == nil) == !r.Lost {
		return Manifest{}, fmt.Errorf("%w: resolve %s on %s: say either --found PLACE or --lost", ErrBadInput, b.Text, id)
	}
	if strings.TrimSpace(r.Note) == "" && r.Lost {
		return Manifest{}, fmt.Errorf("%w: resolve %s on %s: a lost cartridge needs a note saying what was done to find it", ErrBadInput, b.Text, id)
	}
	return c.writeManifest(ctx, id, func(tx *sql.Tx) error {
		if _, err := manifestTx(ctx, tx, id); err != nil {
			return err
		}
		var discID int64
		var kind, phase string
		err := tx.QueryRowContext(ctx, `SELECT id, kind, phase FROM discrepancies WHERE manifest = ? AND barcode = ? AND resolution IS NULL ORDER BY id LIMIT 1`, id, b.Text).Scan(&discID, &kind, &phase)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("%w: manifest %s has no open discrepancy for %s", ErrBadInput, id, b.Text)
		} else if err != nil {
			return err
		}
		resolution := "lost"
		if r.Found != nil {
			resolution = "found"
			cur, err := cartridgeTx(ctx, tx, b.Text)
			if err != nil && kind == "unknown" {
				return fmt.Errorf("%w: %s is not in the catalog; add it ('tapewarden media add %s --at %s') and resolve again", ErrNotFound, b.Text, b.Text, r.Found)
			} else if err != nil {
				return err
			}
			switch {
			case cur.State == Lost || cur.Location.Kind == InTransit:
				if _, err := c.foundTx(ctx, tx, actor, b.Text, *r.Found, id, "discrepancy resolved: "+r.Note); err != nil {
					return err
				}
			case cur.Location != *r.Found:
				if r.Found.Kind == InTransit {
					return fmt.Errorf("%w: say at which site and place %s turned up", ErrBadInput, b.Text)
				}
				if err := checkLocation(ctx, tx, *r.Found); err != nil {
					return err
				}
				if err := setLocation(ctx, tx, b.Text, *r.Found, c.now()); err != nil {
					return err
				}
				if err := c.appendEvent(ctx, tx, &Event{Actor: actor.Name, Role: actor.Role, Kind: "found", Barcode: b.Text,
					From: cur.Location.String(), To: r.Found.String(), Manifest: id, Reason: "discrepancy resolved: " + r.Note}); err != nil {
					return err
				}
			}
		} else {
			cur, err := cartridgeTx(ctx, tx, b.Text)
			if errors.Is(err, ErrNotFound) {
				// An unknown barcode that vanished again: nothing to mark.
			} else if err != nil {
				return err
			} else if cur.State != Lost {
				if _, err := tx.ExecContext(ctx, `UPDATE cartridges SET state = 'lost', updated_at = ? WHERE barcode = ?`, timeText(c.now()), b.Text); err != nil {
					return err
				}
				if err := c.appendEvent(ctx, tx, &Event{Actor: actor.Name, Role: actor.Role, Kind: "lost", Barcode: b.Text,
					From: cur.Location.String(), To: cur.Location.String(), FromState: string(cur.State), ToState: string(Lost),
					Manifest: id, Reason: r.Note}); err != nil {
					return err
				}
			}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE discrepancies SET resolution = ?, resolved_at = ?, resolved_by = ?, note = ? WHERE id = ?`,
			resolution, timeText(c.now()), actor.Name, r.Note, discID); err != nil {
			return err
		}
		if err := c.appendEvent(ctx, tx, &Event{Actor: actor.Name, Role: actor.Role, Kind: "discrepancy-resolved", Barcode: b.Text, Manifest: id,
			Reason: fmt.Sprintf("%s (%s at %s): %s", resolution, kind, phase, r.Note)}); err != nil {
			return err
		}
		return nil
	})
}

func manifestTx(ctx context.Context, q querier, id string) (Manifest, error) {
	var m Manifest
	var pickedUp, delivered sql.NullString
	var created string
	err := q.QueryRowContext(ctx, `SELECT id, origin, destination, destination_place, state, created_at, created_by, courier, picked_up_at, delivered_at, note
		FROM manifests WHERE id = ?`, id).Scan(&m.ID, &m.Origin, &m.Destination, &m.DestinationPlace, &m.State, &created, &m.CreatedBy, &m.Courier, &pickedUp, &delivered, &m.Note)
	if errors.Is(err, sql.ErrNoRows) {
		return m, fmt.Errorf("%w: %q; list them with 'tapewarden manifest list'", ErrManifestNotFound, id)
	} else if err != nil {
		return m, err
	}
	m.CreatedAt = parseTime(created)
	m.PickedUpAt = parseNullTime(pickedUp)
	m.DeliveredAt = parseNullTime(delivered)
	rows, err := q.QueryContext(ctx, `SELECT barcode, status FROM manifest_items WHERE manifest = ? ORDER BY barcode`, id)
	if err != nil {
		return m, err
	}
	for rows.Next() {
		var it ManifestItem
		if err := rows.Scan(&it.Barcode, &it.Status); err != nil {
			rows.Close()
			return m, err
		}
		m.Items = append(m.Items, it)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return m, err
	}
	drows, err := q.QueryContext(ctx, `SELECT id, barcode, phase, kind, noted_at, noted_by, resolution, resolved_at, resolved_by, note
		FROM discrepancies WHERE manifest = ? ORDER BY id`, id)
	if err != nil {
		return m, err
	}
	defer drows.Close()
	for drows.Next() {
		var d Discrepancy
		var noted string
		var res, resAt, resBy sql.NullString
		if err := drows.Scan(&d.ID, &d.Barcode, &d.Phase, &d.Kind, &noted, &d.NotedBy, &res, &resAt, &resBy, &d.Note); err != nil {
			return m, err
		}
		d.NotedAt = parseTime(noted)
		d.Resolution, d.ResolvedBy = res.String, resBy.String
		d.ResolvedAt = parseNullTime(resAt)
		m.Discrepancies = append(m.Discrepancies, d)
	}
	return m, drows.Err()
}

type querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// queryAll runs a query and reads every row it returns with scan, in the
// query's order.
func queryAll[T any](ctx context.Context, q querier, scan func(interface{ Scan(...any) error }) (T, error), query string, args ...any) ([]T, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// Manifest returns one manifest with its items and discrepancies.
func (c *Catalog) Manifest(ctx context.Context, id string) (Manifest, error) {
	m, err := manifestTx(ctx, c.r, id)
	if err != nil {
		return m, err
	}
	c.markOverdue(&m)
	return m, nil
}

// writeManifest runs change on manifest id in one transaction and returns
// the manifest as the change left it.
func (c *Catalog) writeManifest(ctx context.Context, id string, change func(tx *sql.Tx) error) (Manifest, error) {
	var out Manifest
	err := c.write(ctx, func(tx *sql.Tx) error {
		if err := change(tx); err != nil {
			return err
		}
		var err error
		out, err = manifestTx(ctx, tx, id)
		return err
	})
	if err != nil {
		return Manifest{}, err
	}
	c.markOverdue(&out)
	return out, nil
}

func (c *Catalog) markOverdue(m *Manifest) {
	m.Overdue = m.State == ManifestInTransit && c.now().Sub(m.PickedUpAt) > c.manifestOverdue()
}

// ManifestFilter selects manifests; zero fields do not filter.
type ManifestFilter struct {
	State       ManifestState
	Destination string
	// Active selects open and in-transit manifests only.
	Active bool
	Limit  int
}

// Manifests lists manifests, newest first.
func (c *Catalog) Manifests(ctx context.Context, f ManifestFilter) ([]Manifest, error) {
	return c.manifests(ctx, c.r, f)
}

func (c *Catalog) manifests(ctx context.Context, qr querier, f ManifestFilter) ([]Manifest, error) {
	var where []string
	var args []any
	if f.State != "" {
		where = append(where, "state = ?")
		args = append(args, string(f.State))
	}
	if f.Destination != "" {
		where = append(where, "destination = ?")
		args = append(args, f.Destination)
	}
	if f.Active {
		where = append(where, "state IN ('open', 'in-transit')")
	}
	q := "SELECT id FROM manifests"
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	q += " ORDER BY created_at DESC, id DESC"
	if f.Limit > 0 {
		q += fmt.Sprintf(" LIMIT %d", f.Limit)
	}
	ids, err := queryIDs(ctx, qr, q, args...)
	if err != nil {
		return nil, err
	}
	out := make([]Manifest, 0, len(ids))
	for _, id := range ids {
		m, err := manifestTx(ctx, qr, id)
		if err != nil {
			return nil, err
		}
		c.markOverdue(&m)
		out = append(out, m)
	}
	return out, nil
}

// checkHandover checks the texts of a hand-over.
func checkHandover(actor Actor, id string, h Handover) error {
	if err := checkActor(actor); err != nil {
		return err
	}
	if err := checkTexts(textField{"the manifest ID", id, TextName}, textField{"the courier", h.Courier, TextName}, textField{"the place", h.Place, TextName}); err != nil {
		return err
	}
	for _, b := range h.Barcodes {
		if err := CheckText("a barcode", b, TextName); err != nil {
			return err
		}
	}
	for b, why := range h.Reasons {
		if err := checkTexts(textField{"a barcode", b, TextName}, textField{"the reason for " + b, why, TextLine}); err != nil {
			return err
		}
	}
	return nil
}

// reasonFor adds to why what the person handing over said about a
// missing cartridge, if anything.
func (h Handover) reasonFor(barcode, why string) string {
	for b, said := range h.Reasons {
		if strings.EqualFold(strings.TrimSpace(b), barcode) && strings.TrimSpace(said) != "" {
			return why + "; reason given: " + strings.TrimSpace(said)
		}
	}
	return why
}

// queryIDs runs a query whose one column is a text ID and returns the IDs
// in the query's order.
func queryIDs(ctx context.Context, q querier, query string, args ...any) ([]string, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}
