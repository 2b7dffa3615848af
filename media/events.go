package media

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// Actor is who made a change, and in which role (admin, operator, courier,
// viewer, or system for the daemon's own decisions).
type Actor struct {
	Name string `json:"name"`
	Role string `json:"role"`
}

// System is the daemon acting on its own.
var System = Actor{Name: "tapewarden", Role: "system"}

// Event is one entry of the append-only audit log. Custody events carry a
// barcode; every change of a cartridge's location or state has one, written
// in the same transaction as the change. Each event holds the hash of the
// one before it and a hash of its own fields, so that altering, removing or
// inserting an event breaks the chain (see Verify).
type Event struct {
	ID        int64     `json:"id"`
	At        time.Time `json:"at"`
	Actor     string    `json:"actor"`
	Role      string    `json:"role"`
	Kind      string    `json:"kind"`
	Barcode   string    `json:"barcode,omitempty"`
	From      string    `json:"from,omitempty"`
	To        string    `json:"to,omitempty"`
	FromState string    `json:"from_state,omitempty"`
	ToState   string    `json:"to_state,omitempty"`
	Manifest  string    `json:"manifest,omitempty"`
	Reason    string    `json:"reason,omitempty"`
	PrevHash  string    `json:"prev_hash"`
	Hash      string    `json:"hash"`
}

// GenesisHash is the previous hash of the first event.
const GenesisHash = "0000000000000000000000000000000000000000000000000000000000000000"

// computeHash returns SHA-256 over the previous hash and the event's fields
// in a fixed order; JSON encoding of an array makes the field boundaries
// unambiguous.
func (e Event) computeHash() string {
	fields, _ := json.Marshal([]any{
		e.ID, e.At.UTC().Format(time.RFC3339Nano), e.Actor, e.Role, e.Kind, e.Barcode,
		e.From, e.To, e.FromState, e.ToState, e.Manifest, e.Reason,
	})
	h := sha256.New()
	h.Write([]byte(e.PrevHash))
	h.Write([]byte{'\n'})
	h.Write(fields)
	return hex.EncodeToString(h.Sum(nil))
}

// appendEvent links e to the chain and inserts it, inside tx. It fills in
// ID, At (if zero), PrevHash and Hash.
func (c *Catalog) appendEvent(ctx context.Context, tx *sql.Tx, e *Event) error {
	var lastID int64
	var lastHash string
	err := tx.QueryRowContext(ctx, `SELECT id, hash FROM events ORDER BY id DESC LIMIT 1`).Scan(&lastID, &lastHash)
	switch {
	case err == sql.ErrNoRows:
		lastID, lastHash = 0, GenesisHash
	case err != nil:
		return fmt.Errorf("read audit chain head: %w", err)
	}
	if e.Actor == "" || e.Role == "" {
		return fmt.Errorf("%w: event %s has no actor", ErrBadInput, e.Kind)
	}
	if err := checkActor(Actor{Name: e.Actor, Role: e.Role}); err != nil {
		return err
	}
	e.ID = lastID + 1
	if e.At.IsZero() {
		e.At = c.now()
	}
	// Stored and hashed at the same precision, so that verification of a
	// stored event recomputes the same hash.
	e.At = parseTime(timeText(e.At))
	e.PrevHash = lastHash
	e.Hash = e.computeHash()
	_, err = tx.ExecContext(ctx, `INSERT INTO events (id, at, actor, role, kind, barcode, from_loc, to_loc, from_state, to_state, manifest, reason, prev_hash, hash)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		e.ID, timeText(e.At), e.Actor, e.Role, e.Kind, e.Barcode, e.From, e.To, e.FromState, e.ToState, e.Manifest, e.Reason, e.PrevHash, e.Hash)
	if err != nil {
		return fmt.Errorf("append audit event: %w", err)
	}
	return nil
}

// Record appends an audit event that is not tied to a cartridge change
// (a prompt answered, a configuration loaded). Kind must be set.
func (c *Catalog) Record(ctx context.Context, actor Actor, kind, reason string) (Event, error) {
	if err := checkActor(actor); err != nil {
		return Event{}, err
	}
	if err := checkTexts(textField{"the event kind", kind, TextName}, textField{"the reason", reason, TextLine}); err != nil {
		return Event{}, err
	}
	if kind == "" {
		return Event{}, fmt.Errorf("%w: event kind is empty", ErrBadInput)
	}
	e := Event{Actor: actor.Name, Role: actor.Role, Kind: kind, Reason: reason}
	err := c.write(ctx, func(tx *sql.Tx) error { return c.appendEvent(ctx, tx, &e) })
	return e, err
}

// RecordAbout appends an event about one cartridge that does not move it
// (a label written, say), so that the cartridge's history shows it.
func (c *Catalog) RecordAbout(ctx context.Context, actor Actor, kind, barcode, reason string) (Event, error) {
	if err := checkActor(actor); err != nil {
		return Event{}, err
	}
	if err := checkTexts(textField{"the event kind", kind, TextName}, textField{"the reason", reason, TextLine}); err != nil {
		return Event{}, err
	}
	if kind == "" {
		return Event{}, fmt.Errorf("%w: event kind is empty", ErrBadInput)
	}
	b, err := c.NormalizeBarcode(barcode)
	if err != nil {
		return Event{}, err
	}
	e := Event{Actor: actor.Name, Role: actor.Role, Kind: kind, Barcode: b, Reason: reason}
	err = c.write(ctx, func(tx *sql.Tx) error {
		if _, err := cartridgeTx(ctx, tx, b); err != nil {
			return err
		}
		return c.appendEvent(ctx, tx, &e)
	})
	return e, err
}

// EventFilter selects audit events. Zero fields do not filter.
type EventFilter struct {
	Barcode  string
	Manifest string
	Kind     string
	AfterID  int64 // only events with a larger ID
	Limit    int   // at most this many (default 100, newest first unless Ascending)
	// Ascending returns the oldest first.
	Ascending bool
}

const eventColumns = `id, at, actor, role, kind, barcode, from_loc, to_loc, from_state, to_state, manifest, reason, prev_hash, hash`

func scanEvent(s interface{ Scan(...any) error }) (Event, error) {
	var e Event
	var at string
	err := s.Scan(&e.ID, &at, &e.Actor, &e.Role, &e.Kind, &e.Barcode, &e.From, &e.To, &e.FromState, &e.ToState, &e.Manifest, &e.Reason, &e.PrevHash, &e.Hash)
	e.At = parseTime(at)
	return e, err
}

// Events returns audit events matching f.
func (c *Catalog) Events(ctx context.Context, f EventFilter) ([]Event, error) {
	var where []string
	var args []any
	if f.Barcode != "" {
		where = append(where, "barcode = ?")
		args = append(args, strings.ToUpper(f.Barcode))
	}
	if f.Manifest != "" {
		where = append(where, "manifest = ?")
		args = append(args, f.Manifest)
	}
	if f.Kind != "" {
		where = append(where, "kind = ?")
		args = append(args, f.Kind)
	}
	if f.AfterID > 0 {
		where = append(where, "id > ?")
		args = append(args, f.AfterID)
	}
	q := "SELECT " + eventColumns + " FROM events"
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	if f.Ascending {
		q += " ORDER BY id ASC"
	} else {
		q += " ORDER BY id DESC"
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 100
	}
	q += fmt.Sprintf(" LIMIT %d", limit)
	return queryAll(ctx, c.r, scanEvent, q, args...)
}

// ValidEventHash says whether s has the form of an audit event's hash: 64
// hexadecimal digits.
func ValidEventHash(s string) bool {
	if len(s) != 64 {
		return false
	}
	for _, r := range s {
		if !strings.ContainsRune("0123456789abcdefABCDEF", r) {
			return false
		}
	}
	return true
}
