package media

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// VerifyResult is the outcome of checking the audit chain and replaying
// the custody it records against the catalog's rows.
type VerifyResult struct {
	OK       bool   `json:"ok"`
	Events   int64  `json:"events"`    // events checked
	HeadID   int64  `json:"head_id"`   // the last event's ID
	HeadHash string `json:"head_hash"` // the last event's hash: keep a copy away from the catalog
	// BrokenAt is the ID of the first event that does not verify, and
	// Problem says how it is broken (or, with an intact chain, names the
	// first custody mismatch).
	BrokenAt int64  `json:"broken_at,omitempty"`
	Problem  string `json:"problem,omitempty"`
	// From is the event after which an incremental verification started
	// (0 for a whole one).
	From int64 `json:"from,omitempty"`
	// Cartridges and Runs are how many rows were compared with the chain;
	// Mismatches every row that differs from what the chain says.
	Cartridges int64      `json:"cartridges"`
	Runs       int64      `json:"runs"`
	Mismatches []Mismatch `json:"mismatches,omitempty"`
}

// Mismatch is a catalog row that does not say what the audit chain says:
// it was changed outside the program (or by a path that skipped its
// event). Barcode or Run names the row; Field is place, state or presence.
type Mismatch struct {
	Barcode string `json:"barcode,omitempty"`
	Run     int64  `json:"run,omitempty"`
	Field   string `json:"field"`
	Catalog string `json:"catalog"`
	Chain   string `json:"chain"`
	// EventID is the event the chain's value comes from (0: none).
	EventID int64 `json:"event_id,omitempty"`
}

func (m Mismatch) String() string {
	what := "cartridge " + m.Barcode
	if m.Barcode == "" {
		what = fmt.Sprintf("run %d", m.Run)
	}
	src := "the audit chain has no event for it"
	if m.EventID != 0 {
		src = fmt.Sprintf("the audit chain says %s (event %d)", m.Chain, m.EventID)
	} else if m.Chain != "" {
		src = "the audit chain says " + m.Chain
	}
	return fmt.Sprintf("%s: the catalog says %s %s, %s", what, m.Field, m.Catalog, src)
}

// replay is the custody the chain records: each cartridge's place and
// state, and each run's end, as the newest event that set them says.
type replay struct {
	place map[string]seen
	state map[string]seen
	runs  map[int64]seen
}

type seen struct {
	value string
	event int64
	seal  string // runs: the seal of what the run recorded, if its end event has one
}

// sealPrefix marks a run end event's From as the seal of the run's record.
const sealPrefix = "seal/"

// runSeal is a SHA-256 over what a run's end recorded: its state, figures
// and generation, its pieces (without gone_at, which later overwrites set
// with their own events) and, if it has pieces, its generation's row.
func runSeal(ctx context.Context, q querier, id int64) (string, error) {
	r, err := runTx(ctx, q, id)
	if err != nil {
		return "", fmt.Errorf("seal run %d: %w", id, err)
	}
	rec := []any{r.ID, r.Job, r.System, r.Pool, string(r.State), r.Bytes, r.SHA256, r.Files, r.Generation, r.Level} // 10 fields, then the pieces
	rows, err := q.QueryContext(ctx, `SELECT piece, barcode, file, bytes, sha256, complete FROM pieces WHERE run = ? ORDER BY piece`, id)
	if err != nil {
		return "", err
	}
	for rows.Next() {
		var p Piece
		if err := rows.Scan(&p.Piece, &p.Barcode, &p.File, &p.Bytes, &p.SHA256, &p.Complete); err != nil {
			rows.Close()
			return "", err
		}
		rec = append(rec, []any{p.Piece, p.Barcode, p.File, p.Bytes, p.SHA256, p.Complete})
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return "", err
	}
	// The generation's row is the run's only when the run recorded pieces
	// (FinishRun makes it then); a run without pieces names a generation
	// whose row a later run may make.
	if r.Generation != "" && len(rec) > 10 {
		var level, started string
		err := q.QueryRowContext(ctx, `SELECT level, started_at FROM generations WHERE pool = ? AND id = ?`, r.Pool, r.Generation).Scan(&level, &started)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return "", err
		}
		rec = append(rec, []any{level, started})
	}
	b, _ := json.Marshal(rec)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:]), nil
}

func newReplay() *replay {
	return &replay{place: map[string]seen{}, state: map[string]seen{}, runs: map[int64]seen{}}
}

// runEnd reads the run an end event is about: "run/ID" in To, or, in
// events written before runs were named there, the reason's opening
// "run ID of job".
func runEnd(e Event) (int64, string, bool) {
	state, ok := strings.CutPrefix(e.Kind, "run-")
	if !ok || !RunState(state).Finished() {
		return 0, "", false
	}
	if id, ok := strings.CutPrefix(e.To, "run/"); ok {
		n, err := strconv.ParseInt(id, 10, 64)
		return n, state, err == nil
	}
	var n int64
	if _, err := fmt.Sscanf(e.Reason, "run %d of job", &n); err != nil {
		return 0, "", false
	}
	return n, state, true
}

func (r *replay) apply(e Event) {
	if id, state, ok := runEnd(e); ok {
		seal, _ := strings.CutPrefix(e.From, sealPrefix)
		r.runs[id] = seen{value: state, event: e.ID, seal: seal}
		return
	}
	if e.Barcode == "" {
		return
	}
	if e.To != "" {
		r.place[e.Barcode] = seen{value: e.To, event: e.ID}
	}
	switch {
	case e.Kind == "pool":
		// Taking a cartridge into a pool makes it scratch.
		r.state[e.Barcode] = seen{value: string(Scratch), event: e.ID}
	case e.ToState != "":
		r.state[e.Barcode] = seen{value: e.ToState, event: e.ID}
	}
}

// compareCartridges checks the named cartridges (all when barcodes is nil)
// against the replay.
func (r *replay) compareCartridges(ctx context.Context, q querier, barcodes map[string]bool) ([]Mismatch, int64, error) {
	var out []Mismatch
	var n int64
	check := func(c Cartridge) {
		n++
		p, ok := r.place[c.Barcode]
		if !ok {
			out = append(out, Mismatch{Barcode: c.Barcode, Field: "presence", Catalog: "it exists at " + c.Location.String(), Chain: ""})
			return
		}
		if p.value != c.Location.String() {
			out = append(out, Mismatch{Barcode: c.Barcode, Field: "place", Catalog: c.Location.String(), Chain: p.value, EventID: p.event})
		}
		s := r.state[c.Barcode]
		if s.value != string(c.State) {
			out = append(out, Mismatch{Barcode: c.Barcode, Field: "state", Catalog: string(c.State), Chain: s.value, EventID: s.event})
		}
	}
	present := map[string]bool{}
	if barcodes == nil {
		rows, err := q.QueryContext(ctx, "SELECT "+cartridgeColumns+" FROM cartridges ORDER BY barcode")
		if err != nil {
			return nil, 0, err
		}
		for rows.Next() {
			c, err := scanCartridge(rows)
			if err != nil {
				rows.Close()
				return nil, 0, err
			}
			present[c.Barcode] = true
			check(c)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, 0, err
		}
	} else {
		for b := range barcodes {
			c, err := cartridgeTx(ctx, q, b)
			if errors.Is(err, ErrNotFound) {
				continue
			} else if err != nil {
				return nil, 0, err
			}
			present[b] = true
			check(c)
		}
	}
	// Cartridges the chain placed somewhere that the catalog no longer has.
	for b, p := range r.place {
		if barcodes != nil && !barcodes[b] {
			continue
		}
		if !present[b] {
			out = append(out, Mismatch{Barcode: b, Field: "presence", Catalog: "nothing (the row is gone)", Chain: "it is at " + p.value, EventID: p.event})
		}
	}
	return out, n, nil
}

// compareRuns checks the named runs (all when ids is nil) against the
// replay: a finished run's state must be its end event's, and a run the
// chain ended must be finished.
func (r *replay) compareRuns(ctx context.Context, q querier, ids map[int64]bool) ([]Mismatch, int64, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, state FROM runs ORDER BY id`)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var out []Mismatch
	var n int64
	var sealed []int64
	present := map[int64]bool{}
	for rows.Next() {
		var id int64
		var state RunState
		if err := rows.Scan(&id, &state); err != nil {
			return nil, 0, err
		}
		if ids != nil && !ids[id] {
			continue
		}
		n++
		present[id] = true
		end, ok := r.runs[id]
		switch {
		case !ok && state.Finished():
			out = append(out, Mismatch{Run: id, Field: "state", Catalog: string(state), Chain: "", EventID: 0})
		case ok && end.value != string(state):
			out = append(out, Mismatch{Run: id, Field: "state", Catalog: string(state), Chain: end.value, EventID: end.event})
		case ok && end.seal != "":
			sealed = append(sealed, id)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, 0, err
	}
	rows.Close()
	for _, id := range sealed {
		end := r.runs[id]
		now, err := runSeal(ctx, q, id)
		if err != nil {
			return nil, 0, err
		}
		if now != end.seal {
			out = append(out, Mismatch{Run: id, Field: "record (pieces, bytes, checksum or generation)",
				Catalog: "seal " + now[:12], Chain: "seal " + short(end.seal), EventID: end.event})
		}
	}
	for id, end := range r.runs {
		if (ids == nil || ids[id]) && !present[id] {
			out = append(out, Mismatch{Run: id, Field: "presence", Catalog: "nothing (the row is gone)", Chain: "it " + end.value, EventID: end.event})
		}
	}
	return out, n, nil
}

// Verify walks the whole audit chain from the first event and reports the
// first broken link: an event whose fields no longer match its hash
// (altered), whose previous hash is not the hash of the event before it
// (an event removed, inserted or re-ordered), or a gap in the IDs. When
// expectHead is non-empty, the chain must also end at that hash (a copy of
// the head kept elsewhere, which detects a chain rewritten from the start
// or cut short). It then replays the custody the chain records and
// compares every cartridge's place and state and every run's end with the
// catalog's rows, listing each row that differs (Mismatches). A run whose
// end event carries a seal also has its pieces, figures and generation
// compared with what was sealed. Everything
// is read in one read transaction, so changes made meanwhile do not count
// as differences.
func (c *Catalog) Verify(ctx context.Context, expectHead string) (VerifyResult, error) {
	tx, err := c.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return VerifyResult{}, err
	}
	defer tx.Rollback()
	rp := newReplay()
	res, err := walkChain(ctx, tx, ChainHead{Hash: GenesisHash}, expectHead, rp.apply)
	if err != nil {
		return VerifyResult{}, err
	}
	carts, n, err := rp.compareCartridges(ctx, tx, nil)
	if err != nil {
		return VerifyResult{}, err
	}
	runs, nr, err := rp.compareRuns(ctx, tx, nil)
	if err != nil {
		return VerifyResult{}, err
	}
	res.Cartridges, res.Runs = n, nr
	res.settle(append(carts, runs...))
	return res, nil
}

// VerifyFrom verifies incrementally from a head verified before: the
// event from.ID must still have the hash from.Hash, the events after it
// must link to it and to each other, and the cartridges and runs those
// events touch must match what the chain says (their whole history is
// replayed). The daemon keeps the head of its last verification and calls
// this daily; a whole Verify at start covers rows no new event touched.
func (c *Catalog) VerifyFrom(ctx context.Context, from ChainHead) (VerifyResult, error) {
	tx, err := c.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return VerifyResult{}, err
	}
	defer tx.Rollback()
	if from.ID < 0 {
		return VerifyResult{}, fmt.Errorf("%w: event %d: verification starts after an event ID of 0 or more", ErrBadInput, from.ID)
	}
	if from.ID == 0 {
		from.Hash = GenesisHash
	} else {
		var hash string
		err := tx.QueryRowContext(ctx, `SELECT hash FROM events WHERE id = ?`, from.ID).Scan(&hash)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			return VerifyResult{OK: false, From: from.ID, BrokenAt: from.ID,
				Problem: fmt.Sprintf("event %d, verified before, is gone: the chain was cut short or rewritten", from.ID)}, nil
		case err != nil:
			return VerifyResult{}, err
		case hash != from.Hash:
			return VerifyResult{OK: false, From: from.ID, BrokenAt: from.ID,
				Problem: fmt.Sprintf("event %d no longer has the hash verified before (%s): the chain was rewritten", from.ID, from.Hash)}, nil
		}
	}
	barcodes, runIDs := map[string]bool{}, map[int64]bool{}
	res, err := walkChain(ctx, tx, from, "", func(e Event) {
		if id, _, ok := runEnd(e); ok {
			runIDs[id] = true
		} else if e.Barcode != "" {
			barcodes[e.Barcode] = true
		}
	})
	if err != nil {
		return VerifyResult{}, err
	}
	res.From = from.ID
	rp := newReplay()
	for b := range barcodes {
		if err := rp.applyQuery(ctx, tx, "SELECT "+eventColumns+" FROM events WHERE barcode = ? ORDER BY id", b); err != nil {
			return VerifyResult{}, err
		}
	}
	// A run ends once, so its end event is among the new ones.
	if err := rp.applyQuery(ctx, tx, "SELECT "+eventColumns+" FROM events WHERE id > ? AND kind LIKE 'run-%' ORDER BY id", from.ID); err != nil {
		return VerifyResult{}, err
	}
	carts, n, err := rp.compareCartridges(ctx, tx, barcodes)
	if err != nil {
		return VerifyResult{}, err
	}
	runs, nr, err := rp.compareRuns(ctx, tx, runIDs)
	if err != nil {
		return VerifyResult{}, err
	}
	res.Cartridges, res.Runs = n, nr
	res.settle(append(carts, runs...))
	return res, nil
}

// settle records the mismatches, in a stable order, and marks the result.
func (res *VerifyResult) settle(ms []Mismatch) {
	sort.Slice(ms, func(i, j int) bool {
		if ms[i].Barcode != ms[j].Barcode {
			return ms[i].Barcode < ms[j].Barcode
		}
		if ms[i].Run != ms[j].Run {
			return ms[i].Run < ms[j].Run
		}
		return ms[i].Field < ms[j].Field
	})
	res.Mismatches = ms
	if len(ms) == 0 {
		return
	}
	if res.OK {
		res.OK = false
		res.Problem = fmt.Sprintf("the chain is intact but %s from it, the first: %s", fmt.Sprintf("%d %s", len(ms), map[bool]string{true: "catalog row differs", false: "catalog rows differ"}[len(ms) == 1]), ms[0])
	}
}

// walkChain checks the events after from (which must end at from.Hash)
// and calls apply for each.
func walkChain(ctx context.Context, q querier, from ChainHead, expectHead string, apply func(Event)) (VerifyResult, error) {
	rows, err := q.QueryContext(ctx, "SELECT "+eventColumns+" FROM events WHERE id > ? ORDER BY id ASC", from.ID)
	if err != nil {
		return VerifyResult{}, err
	}
	defer rows.Close()
	res := VerifyResult{OK: true, HeadID: from.ID, HeadHash: from.Hash}
	prevID, prevHash := from.ID, from.Hash
	headSeen := expectHead == ""
	for rows.Next() {
		e, err := scanEvent(rows)
		if err != nil {
			return VerifyResult{}, err
		}
		res.Events++
		if res.OK {
			switch {
			case e.ID != prevID+1:
				res.OK, res.BrokenAt = false, e.ID
				res.Problem = fmt.Sprintf("event %d follows event %d: events %d to %d are missing", e.ID, prevID, prevID+1, e.ID-1)
			case e.PrevHash != prevHash:
				res.OK, res.BrokenAt = false, e.ID
				res.Problem = fmt.Sprintf("event %d does not link to event %d: an event before it was altered, removed or inserted", e.ID, prevID)
			case e.computeHash() != e.Hash:
				res.OK, res.BrokenAt = false, e.ID
				res.Problem = fmt.Sprintf("event %d does not match its hash: its fields were altered", e.ID)
			}
		}
		apply(e)
		if e.Hash == expectHead {
			headSeen = true
		}
		prevID, prevHash = e.ID, e.Hash
		res.HeadID, res.HeadHash = e.ID, e.Hash
	}
	if err := rows.Err(); err != nil {
		return VerifyResult{}, err
	}
	if res.OK && !headSeen {
		res.OK = false
		res.BrokenAt = res.HeadID
		res.Problem = fmt.Sprintf("the chain never reaches the expected head %s: it was cut short or rewritten", expectHead)
	}
	return res, nil
}

// short is the first 12 characters of a seal, enough to tell two apart.
func short(s string) string {
	if len(s) > 12 {
		return s[:12]
	}
	return s
}

// applyQuery replays the events a query returns, in its order.
func (rp *replay) applyQuery(ctx context.Context, q querier, query string, args ...any) error {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		e, err := scanEvent(rows)
		if err != nil {
			return err
		}
		rp.apply(e)
	}
	return rows.Err()
}
