package media

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// State is a cartridge's life-cycle state.
type State string

// Cartridge states.
const (
	Scratch  State = "scratch"  // empty or reusable, not holding a kept generation
	Active   State = "active"   // in a pool, holding data
	Full     State = "full"     // in a pool, no room left
	Retired  State = "retired"  // never to be written again
	Cleaning State = "cleaning" // a cleaning cartridge
	Lost     State = "lost"     // reported lost after a custody discrepancy
	// Disposed cartridges were destroyed (Dispose); they leave every
	// listing and count but the disposal report.
	Disposed State = "disposed"
)

func validState(s State) bool {
	switch s {
	case Scratch, Active, Full, Retired, Cleaning, Lost:
		return true
	}
	return false
}

// Cartridge is one tape (or other removable medium) in the catalog.
type Cartridge struct {
	Barcode      string    `json:"barcode"`
	MediaType    string    `json:"media_type"`
	WORM         bool      `json:"worm,omitempty"`
	Pool         string    `json:"pool,omitempty"`
	State        State     `json:"state"`
	Location     Location  `json:"location"`
	Mounts       int64     `json:"mounts"`
	BytesWritten int64     `json:"bytes_written"`
	Errors       int64     `json:"errors"`
	UsesLeft     *int      `json:"uses_left,omitempty"` // cleaning cartridges only
	FirstUse     time.Time `json:"first_use,omitzero"`
	Notes        string    `json:"notes,omitempty"`
	AddedAt      time.Time `json:"added_at"`
	UpdatedAt    time.Time `json:"updated_at"`
	// Missing is when a library inventory last failed to find the
	// cartridge where the catalog places it; zero when it was found.
	Missing time.Time `json:"missing_since,omitzero"`
	// Confidentiality and Integrity are the highest classes of the data
	// still on the cartridge (0: none stated). The catalog does not know
	// classes: the daemon fills them in from the systems inventory
	// (HeldSystems says whose data each cartridge holds).
	Confidentiality int `json:"confidentiality,omitempty"`
	Integrity       int `json:"integrity,omitempty"`
}

const cartridgeColumns = `barcode, media_type, worm, pool, state, loc_kind, loc_site, loc_place, loc_slot, mounts, bytes_written, errors, uses_left, first_use, notes, added_at, updated_at, missing_since`

func scanCartridge(s interface{ Scan(...any) error }) (Cartridge, error) {
	var c Cartridge
	var pool, site, firstUse, missing sql.NullString
	var slot, uses sql.NullInt64
	var kind, added, updated string
	err := s.Scan(&c.Barcode, &c.MediaType, &c.WORM, &pool, &c.State, &kind, &site, &c.Location.Place, &slot,
		&c.Mounts, &c.BytesWritten, &c.Errors, &uses, &firstUse, &c.Notes, &added, &updated, &missing)
	if err != nil {
		return c, err
	}
	c.Pool = pool.String
	c.Location.Kind = PlaceKind(kind)
	c.Location.Site = site.String
	c.Location.Slot = int(slot.Int64)
	if uses.Valid {
		n := int(uses.Int64)
		c.UsesLeft = &n
	}
	c.FirstUse = parseNullTime(firstUse)
	c.AddedAt = parseTime(added)
	c.UpdatedAt = parseTime(updated)
	c.Missing = parseNullTime(missing)
	return c, nil
}

// NewCartridge describes a cartridge to add.
type NewCartridge struct {
	Barcode   string   `json:"barcode"`
	MediaType string   `json:"media_type,omitempty"` // needed when the barcode does not tell
	Pool      string   `json:"pool,omitempty"`
	State     State    `json:"state,omitempty"` // scratch (default), active or full
	Location  Location `json:"location"`
	UsesLeft  *int     `json:"uses_left,omitempty"` // cleaning cartridges; default 50
	// Notes may run over several lines (line feeds and tabs are kept);
	// other control characters are refused (see CheckText).
	Notes string `json:"notes,omitempty"`
}

// Rated uses of a cleaning cartridge when the operator does not say
// (the LTO universal cleaning cartridge's rating).
const defaultCleaningUses = 50

// NormalizeBarcode parses a barcode with the catalog's label patterns and
// returns its canonical text.
func (c *Catalog) NormalizeBarcode(s string) (string, error) {
	b, err := ParseBarcode(s, c.patterns)
	return b.Text, err
}

// AddCartridge adds a cartridge at a place, with an "added" custody event.
func (c *Catalog) AddCartridge(ctx context.Context, actor Actor, n NewCartridge) (Cartridge, error) {
	if err := checkActor(actor); err != nil {
		return Cartridge{}, err
	}
	if err := checkTexts(textField{"the barcode", n.Barcode, TextName}, textField{"the media type", n.MediaType, TextName},
		textField{"the pool", n.Pool, TextName}, textField{"the notes", n.Notes, TextMultiLine}); err != nil {
		return Cartridge{}, err
	}
	if err := checkLocationText(n.Location); err != nil {
		return Cartridge{}, err
	}
	b, err := ParseBarcode(n.Barcode, c.patterns)
	if err != nil {
		return Cartridge{}, err
	}
	mediaType := n.MediaType
	switch {
	case mediaType == "" && b.MediaType == "":
		return Cartridge{}, fmt.Errorf("%w: add %s: the barcode does not say the media type; give it (e.g. --type DDS-4)", ErrBadInput, b.Text)
	case mediaType == "":
		mediaType = b.MediaType
	case b.MediaType != "" && mediaType != b.MediaType:
		return Cartridge{}, fmt.Errorf("%w: add %s: the label says %s but %s was given; check the cartridge and its label", ErrBadInput, b.Text, b.MediaType, mediaType)
	}
	if !KnownMediaType(mediaType) {
		return Cartridge{}, fmt.Errorf("%w: add %s: unknown media type %q (known: %s)", ErrBadInput, b.Text, mediaType, strings.Join(MediaTypes(), ", "))
	}
	cleaning := b.Cleaning || IsCleaningType(mediaType)
	state := n.State
	if state == "" {
		state = Scratch
		if cleaning {
			state = Cleaning
		}
	}
	switch {
	case cleaning && state != Cleaning:
		return Cartridge{}, fmt.Errorf("%w: add %s: a cleaning cartridge can only be in state cleaning", ErrBadInput, b.Text)
	case !cleaning && state != Scratch && state != Active && state != Full:
		return Cartridge{}, fmt.Errorf("%w: add %s: a new cartridge starts as scratch, active or full, not %q", ErrBadInput, b.Text, state)
	case cleaning && n.Pool != "":
		return Cartridge{}, fmt.Errorf("%w: add %s: cleaning cartridges belong to no pool", ErrBadInput, b.Text)
	case !cleaning && n.UsesLeft != nil:
		return Cartridge{}, fmt.Errorf("%w: add %s: uses left applies to cleaning cartridges only", ErrBadInput, b.Text)
	}
	var uses sql.NullInt64
	if cleaning {
		uses = sql.NullInt64{Int64: defaultCleaningUses, Valid: true}
		if n.UsesLeft != nil {
			if *n.UsesLeft < 0 || *n.UsesLeft > 1000 {
				return Cartridge{}, fmt.Errorf("%w: add %s: uses left must be between 0 and 1000", ErrBadInput, b.Text)
			}
			uses.Int64 = int64(*n.UsesLeft)
		}
	}
	if n.Location.Kind == InTransit {
		return Cartridge{}, fmt.Errorf("%w: add %s: a new cartridge must be at a site, not in transit", ErrBadInput, b.Text)
	}
	var out Cartridge
	err = c.write(ctx, func(tx *sql.Tx) error {
		var exists int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM cartridges WHERE barcode = ?`, b.Text).Scan(&exists); err != nil {
			return err
		}
		if exists > 0 {
			return fmt.Errorf("%w: %s; see it with 'tapewarden media show %s'", ErrExists, b.Text, b.Text)
		}
		if n.Pool != "" {
			var poolType string
			err := tx.QueryRowContext(ctx, `SELECT media_type FROM pools WHERE name = ? AND configured = 1`, n.Pool).Scan(&poolType)
			if err == sql.ErrNoRows {
				return fmt.Errorf("%w: add %s: no pool %q is configured", ErrBadInput, b.Text, n.Pool)
			} else if err != nil {
				return err
			}
			if poolType != mediaType {
				return fmt.Errorf("%w: add %s: pool %s holds %s cartridges, this one is %s", ErrBadInput, b.Text, n.Pool, poolType, mediaType)
			}
		}
		if err := checkLocation(ctx, tx, n.Location); err != nil {
			return fmt.Errorf("add %s: %w", b.Text, err)
		}
		now := timeText(c.now())
		var slot sql.NullInt64
		if n.Location.InLibrary() {
			slot = sql.NullInt64{Int64: int64(n.Location.Slot), Valid: true}
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO cartridges (barcode, media_type, worm, pool, state, loc_kind, loc_site, loc_place, loc_slot, uses_left, notes, added_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			b.Text, mediaType, b.WORM, nullString(n.Pool), string(state), string(n.Location.Kind), nullString(n.Location.Site), n.Location.Place, slot, uses, n.Notes, now, now)
		if err != nil {
			return fmt.Errorf("add %s: %w", b.Text, err)
		}
		if err := c.appendEvent(ctx, tx, &Event{Actor: actor.Name, Role: actor.Role, Kind: "added", Barcode: b.Text,
			To: n.Location.String(), ToState: string(state), Reason: n.Notes}); err != nil {
			return err
		}
		out, err = cartridgeTx(ctx, tx, b.Text)
		return err
	})
	return out, err
}

// cartridgeTx reads one cartridge by its canonical barcode, inside a
// transaction or from the read pool.
func cartridgeTx(ctx context.Context, q querier, barcode string) (Cartridge, error) {
	c, err := scanCartridge(q.QueryRowContext(ctx, "SELECT "+cartridgeColumns+" FROM cartridges WHERE barcode = ?", barcode))
	if errors.Is(err, sql.ErrNoRows) {
		return c, fmt.Errorf("%w: %s; add it with 'tapewarden media add %s'", ErrNotFound, barcode, barcode)
	}
	return c, err
}

// Cartridge returns one cartridge by barcode (ErrNotFound if unknown,
// ErrBadBarcode if malformed).
func (c *Catalog) Cartridge(ctx context.Context, barcode string) (Cartridge, error) {
	b, err := ParseBarcode(barcode, c.patterns)
	if err != nil {
		return Cartridge{}, err
	}
	return cartridgeTx(ctx, c.r, b.Text)
}

// Filter selects cartridges. Zero fields do not filter.
type Filter struct {
	Site      string
	PlaceKind PlaceKind
	Place     string
	Pool      string
	State     State
	MediaType string
	After     string // barcodes greater than this (paging)
	Limit     int    // default: no limit
}

// Cartridges lists cartridges matching f in barcode order.
func (c *Catalog) Cartridges(ctx context.Context, f Filter) ([]Cartridge, error) {
	var where []string
	var args []any
	add := func(cond string, v any) {
		where = append(where, cond)
		args = append(args, v)
	}
	if f.Site != "" {
		add("loc_site = ?", f.Site)
	}
	if f.PlaceKind != "" {
		add("loc_kind = ?", string(f.PlaceKind))
	}
	if f.Place != "" {
		add("loc_place = ?", f.Place)
	}
	if f.Pool != "" {
		add("pool = ?", f.Pool)
	}
	if f.State != "" {
		add("state = ?", string(f.State))
	} else {
		add("state <> ?", string(Disposed))
	}
	if f.MediaType != "" {
		add("media_type = ?", f.MediaType)
	}
	if f.After != "" {
		add("barcode > ?", f.After)
	}
	cond := ""
	if len(where) > 0 {
		cond = " WHERE " + strings.Join(where, " AND ")
	}
	// Size the result first: growing a slice of tens of thousands of
	// cartridges costs more than the count.
	size := f.Limit
	if size <= 0 {
		if err := c.r.QueryRowContext(ctx, "SELECT count(*) FROM cartridges"+cond, args...).Scan(&size); err != nil {
			return nil, err
		}
	}
	q := "SELECT " + cartridgeColumns + " FROM cartridges" + cond + " ORDER BY barcode"
	if f.Limit > 0 {
		q += fmt.Sprintf(" LIMIT %d", f.Limit)
	}
	rows, err := c.r.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := make([]Cartridge, 0, min(size, 1<<20))
	for rows.Next() {
		out = append(out, Cartridge{})
		if out[len(out)-1], err = scanCartridge(rows); err != nil {
			return nil, err
		}
	}
	return out, rows.Err()
}

// MoveOptions qualify a move.
type MoveOptions struct {
	// Reason is recorded in the custody event. Required with Force.
	Reason string
	// Kind is the custody event kind; default "moved". The daemon uses
	// loaded, unloaded, imported, exported and inventory for its own moves.
	Kind string
	// Force allows moves that bypass the normal workflow: out of a library
	// slot or drive by hand, or straight to another site without a
	// manifest. An operator uses it to record what really happened.
	Force bool
}

// Move records that a cartridge is now at to, with a custody event. It
// refuses (changing nothing) a move to an unknown or occupied place, to
// where the cartridge already is, of a cartridge in transit (deliver the
// manifest instead), and, unless forced, moves that skip a workflow.
func (c *Catalog) Move(ctx context.Context, actor Actor, barcode string, to Location, opt MoveOptions) (Event, error) {
	if err := checkActor(actor); err != nil {
		return Event{}, err
	}
	if err := checkTexts(textField{"the barcode", barcode, TextName}, textField{"the event kind", opt.Kind, TextName}, textField{"the reason", opt.Reason, TextLine}); err != nil {
		return Event{}, err
	}
	if err := checkLocationText(to); err != nil {
		return Event{}, err
	}
	b, err := ParseBarcode(barcode, c.patterns)
	if err != nil {
		return Event{}, err
	}
	if to.Kind == InTransit {
		return Event{}, fmt.Errorf("%w: %s: cartridges go into transit only when a courier picks up a manifest", ErrNotMovable, b.Text)
	}
	if opt.Force && strings.TrimSpace(opt.Reason) == "" {
		return Event{}, fmt.Errorf("%w: move %s: a forced move needs a reason", ErrBadInput, b.Text)
	}
	kind := opt.Kind
	if kind == "" {
		kind = "moved"
	}
	var ev Event
	err = c.write(ctx, func(tx *sql.Tx) error {
		cur, err := cartridgeTx(ctx, tx, b.Text)
		if err != nil {
			return err
		}
		from := cur.Location
		switch {
		case cur.State == Disposed:
			return fmt.Errorf("%w: %s was disposed of (destroyed); it is only in the disposal report", ErrNotMovable, b.Text)
		case from == to:
			return fmt.Errorf("%w: %s is already at %s", ErrAlreadyThere, b.Text, to)
		case cur.State == Lost:
			return fmt.Errorf("%w: %s is reported lost; record where it turned up with 'tapewarden media found %s --at PLACE'", ErrNotMovable, b.Text, b.Text)
		case from.Kind == InTransit:
			return fmt.Errorf("%w: %s is in transit on manifest %s; it arrives with 'tapewarden manifest deliver %s'", ErrNotMovable, b.Text, from.Place, from.Place)
		case !opt.Force && from.Site != to.Site:
			return fmt.Errorf("%w: %s is at site %s; cartridges travel to %s on a courier manifest ('tapewarden manifest create --to %s %s')", ErrNotMovable, b.Text, from.Site, to.Site, to.Site, b.Text)
		case !opt.Force && (from.Kind == InSlot || from.Kind == InDrive) && to.Kind == InStorage:
			return fmt.Errorf("%w: %s is in %s; take it out through the library ('tapewarden library export') or, if it was taken out by hand, repeat with --force and a reason", ErrNotMovable, b.Text, from)
		}
		if err := checkLocation(ctx, tx, to); err != nil {
			return fmt.Errorf("move %s: %w", b.Text, err)
		}
		if err := setLocation(ctx, tx, b.Text, to, c.now()); err != nil {
			return err
		}
		ev = Event{Actor: actor.Name, Role: actor.Role, Kind: kind, Barcode: b.Text, From: from.String(), To: to.String(), Reason: opt.Reason}
		return c.appendEvent(ctx, tx, &ev)
	})
	return ev, err
}

func setLocation(ctx context.Context, tx *sql.Tx, barcode string, to Location, now time.Time) error {
	var slot sql.NullInt64
	if to.InLibrary() {
		slot = sql.NullInt64{Int64: int64(to.Slot), Valid: true}
	}
	// A cartridge someone moved is no longer missing.
	_, err := tx.ExecContext(ctx, `UPDATE cartridges SET loc_kind = ?, loc_site = ?, loc_place = ?, loc_slot = ?, missing_since = NULL, updated_at = ? WHERE barcode = ?`,
		string(to.Kind), nullString(to.Site), to.Place, slot, timeText(now), barcode)
	if err != nil {
		return fmt.Errorf("move %s to %s: %w", barcode, to, err)
	}
	return nil
}

// SetState changes a cartridge's state with a custody event. Retired and
// lost cartridges leave those states only through Found; cleaning
// cartridges stay cleaning cartridges.
func (c *Catalog) SetState(ctx context.Context, actor Actor, barcode string, to State, reason string) (Event, error) {
	if err := checkActor(actor); err != nil {
		return Event{}, err
	}
	if err := checkTexts(textField{"the barcode", barcode, TextName}, textField{"the reason", reason, TextLine}); err != nil {
		return Event{}, err
	}
	b, err := ParseBarcode(barcode, c.patterns)
	if err != nil {
		return Event{}, err
	}
	if !validState(to) {
		return Event{}, fmt.Errorf("%w: unknown state %q (scratch, active, full, retired, cleaning, lost)", ErrBadInput, to)
	}
	var ev Event
	err = c.write(ctx, func(tx *sql.Tx) error {
		cur, err := cartridgeTx(ctx, tx, b.Text)
		if err != nil {
			return err
		}
		switch {
		case cur.State == to:
			return fmt.Errorf("%w: %s is already %s", ErrAlreadyThere, b.Text, to)
		case cur.State == Disposed:
			return fmt.Errorf("%w: %s was disposed of (destroyed); it is only in the disposal report", ErrNotMovable, b.Text)
		case cur.State == Retired:
			return fmt.Errorf("%w: %s is retired and will not be used again", ErrNotMovable, b.Text)
		case cur.State == Lost:
			return fmt.Errorf("%w: %s is reported lost; record where it turned up with 'tapewarden media found %s --at PLACE'", ErrNotMovable, b.Text, b.Text)
		case (cur.State == Cleaning) != (to == Cleaning) && to != Retired && to != Lost:
			return fmt.Errorf("%w: %s cannot change between a data and a cleaning cartridge", ErrBadInput, b.Text)
		case (to == Retired || to == Lost) && strings.TrimSpace(reason) == "":
			return fmt.Errorf("%w: %s: say why (--reason)", ErrBadInput, b.Text)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE cartridges SET state = ?, updated_at = ? WHERE barcode = ?`, string(to), timeText(c.now()), b.Text); err != nil {
			return err
		}
		kind := "state"
		if to == Retired {
			kind = "retired"
		} else if to == Lost {
			kind = "lost"
		}
		ev = Event{Actor: actor.Name, Role: actor.Role, Kind: kind, Barcode: b.Text, From: cur.Location.String(), To: cur.Location.String(),
			FromState: string(cur.State), ToState: string(to), Reason: reason}
		return c.appendEvent(ctx, tx, &ev)
	})
	return ev, err
}

// Retire marks a cartridge as never to be written again.
func (c *Catalog) Retire(ctx context.Context, actor Actor, barcode, reason string) (Event, error) {
	return c.SetState(ctx, actor, barcode, Retired, reason)
}

// Found records that a cartridge reported lost has turned up at loc. Its
// state returns to what it was before it was reported lost.
func (c *Catalog) Found(ctx context.Context, actor Actor, barcode string, loc Location, reason string) (Event, error) {
	if err := checkActor(actor); err != nil {
		return Event{}, err
	}
	if err := checkTexts(textField{"the barcode", barcode, TextName}, textField{"the reason", reason, TextLine}); err != nil {
		return Event{}, err
	}
	if err := checkLocationText(loc); err != nil {
		return Event{}, err
	}
	b, err := ParseBarcode(barcode, c.patterns)
	if err != nil {
		return Event{}, err
	}
	var ev Event
	err = c.write(ctx, func(tx *sql.Tx) error {
		ev, err = c.foundTx(ctx, tx, actor, b.Text, loc, "", reason)
		return err
	})
	return ev, err
}

func (c *Catalog) foundTx(ctx context.Context, tx *sql.Tx, actor Actor, barcode string, loc Location, manifest, reason string) (Event, error) {
	cur, err := cartridgeTx(ctx, tx, barcode)
	if err != nil {
		return Event{}, err
	}
	if cur.State != Lost && cur.Location.Kind != InTransit {
		return Event{}, fmt.Errorf("%w: %s is not lost; it is at %s", ErrNotMovable, barcode, cur.Location)
	}
	if loc.Kind == InTransit {
		return Event{}, fmt.Errorf("%w: %s: say at which site and place it turned up", ErrBadInput, barcode)
	}
	if err := checkLocation(ctx, tx, loc); err != nil {
		return Event{}, fmt.Errorf("found %s: %w", barcode, err)
	}
	state := cur.State
	if cur.State == Lost {
		// Back to the state it had when it was reported lost.
		var prev string
		err := tx.QueryRowContext(ctx, `SELECT from_state FROM events WHERE barcode = ? AND kind = 'lost' ORDER BY id DESC LIMIT 1`, barcode).Scan(&prev)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return Event{}, err
		}
		if !validState(State(prev)) || State(prev) == Lost {
			prev = string(Active)
		}
		state = State(prev)
	}
	if err := setLocation(ctx, tx, barcode, loc, c.now()); err != nil {
		return Event{}, err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE cartridges SET state = ? WHERE barcode = ?`, string(state), barcode); err != nil {
		return Event{}, err
	}
	ev := Event{Actor: actor.Name, Role: actor.Role, Kind: "found", Barcode: barcode, From: cur.Location.String(), To: loc.String(),
		FromState: string(cur.State), ToState: string(state), Manifest: manifest, Reason: reason}
	return ev, c.appendEvent(ctx, tx, &ev)
}
