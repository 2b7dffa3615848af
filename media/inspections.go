package media

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"
)

// InspectionState is where a physical inspection stands.
type InspectionState string

// Inspection states.
const (
	InspectionOpen   InspectionState = "open"
	InspectionClosed InspectionState = "closed"
)

// Kinds of inspection finding.
const (
	// FindingMissing: the catalog places the cartridge in the inspected
	// scope and nobody scanned it.
	FindingMissing = "missing"
	// FindingMisplaced: scanned at the site, but at another place than the
	// catalog's.
	FindingMisplaced = "misplaced"
	// FindingSurplus: scanned, but the catalog places it at another site,
	// in transit, or reports it lost or disposed of.
	FindingSurplus = "surplus"
	// FindingUnknown: scanned, and not in the catalog at all.
	FindingUnknown = "unknown"
)

// Inspection is a physical inspection (点検) of a site, or of one place
// at a site: every cartridge present is scanned, and closing reconciles
// the scans with the catalog. Differences become findings; closing moves
// no cartridge, a person resolves each finding.
type Inspection struct {
	ID        string          `json:"id"`
	Site      string          `json:"site"`
	Place     string          `json:"place,omitempty"` // empty: the whole site
	State     InspectionState `json:"state"`
	StartedAt time.Time       `json:"started_at"`
	StartedBy string          `json:"started_by"`
	ClosedAt  time.Time       `json:"closed_at,omitzero"`
	ClosedBy  string          `json:"closed_by,omitempty"`
	// Expected is how many cartridges the catalog placed in scope when the
	// inspection closed; zero while it is open.
	Expected int `json:"expected"`
	// Chain is the audit chain head recorded when the inspection closed
	// (its own closing event included): the report proves which state of
	// the log it was reconciled against.
	Chain    *ChainHead       `json:"chain,omitempty"`
	Scans    []InspectionScan `json:"scans"`
	Findings []Finding        `json:"findings"`
	// Present are the cartridges scanned where the catalog places them;
	// filled in once the inspection is closed.
	Present []string `json:"present"`
}

// OpenFindings counts findings not yet resolved.
func (in Inspection) OpenFindings() int {
	n := 0
	for _, f := range in.Findings {
		if f.Resolution == "" {
			n++
		}
	}
	return n
}

// InspectionScan is one barcode seen during an inspection, and where.
type InspectionScan struct {
	Barcode   string    `json:"barcode"`
	Place     string    `json:"place"`
	ScannedAt time.Time `json:"scanned_at"`
	ScannedBy string    `json:"scanned_by"`
}

// Finding is a difference an inspection found between the catalog and
// the shelves. It stays open until resolved as found (the catalog was
// right, or the cartridge turned up where it already is catalogued),
// moved (the catalog now says where the cartridge really is) or lost.
type Finding struct {
	ID         int64     `json:"id"`
	Inspection string    `json:"inspection"`
	Barcode    string    `json:"barcode"`
	Kind       string    `json:"kind"`
	Expected   string    `json:"expected,omitempty"` // where the catalog placed it
	Seen       string    `json:"seen,omitempty"`     // where it was scanned
	NotedAt    time.Time `json:"noted_at"`
	Resolution string    `json:"resolution,omitempty"`
	ResolvedAt time.Time `json:"resolved_at,omitzero"`
	ResolvedBy string    `json:"resolved_by,omitempty"`
	Note       string    `json:"note,omitempty"`
}

// StartInspection opens an inspection of site, or of one storage place,
// library or drive at it. A site has at most one open inspection.
func (c *Catalog) StartInspection(ctx context.Context, actor Actor, site, place string) (Inspection, error) {
	if err := checkActor(actor); err != nil {
		return Inspection{}, err
	}
	if err := checkTexts(textField{"the site", site, TextName}, textField{"the place", place, TextName}); err != nil {
		return Inspection{}, err
	}
	if strings.TrimSpace(site) == "" {
		return Inspection{}, fmt.Errorf("%w: name the site to inspect ('tapewarden inspect start SITE')", ErrBadInput)
	}
	var out Inspection
	err := c.write(ctx, func(tx *sql.Tx) error {
		var kind string
		if err := tx.QueryRowContext(ctx, `SELECT kind FROM sites WHERE name = ? AND configured = 1`, site).Scan(&kind); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return fmt.Errorf("%w: %s", ErrUnknownPlace, knownPlaces(ctx, tx, site))
			}
			return err
		}
		if place != "" {
			if err := checkSitePlace(ctx, tx, site, place); err != nil {
				return err
			}
		}
		var other string
		err := tx.QueryRowContext(ctx, `SELECT id FROM inspections WHERE site = ? AND state = 'open' LIMIT 1`, site).Scan(&other)
		if err == nil {
			return fmt.Errorf("%w: inspection %s of %s is still open; close it ('tapewarden inspect close %s') before starting another", ErrInspectionState, other, site, other)
		} else if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		now := c.now()
		prefix := "I-" + now.Format("20060102") + "-"
		var count int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM inspections WHERE id LIKE ?`, prefix+"%").Scan(&count); err != nil {
			return err
		}
		id := fmt.Sprintf("%s%03d", prefix, count+1)
		if _, err := tx.ExecContext(ctx, `INSERT INTO inspections (id, site, place, state, started_at, started_by) VALUES (?, ?, ?, 'open', ?, ?)`,
			id, site, place, timeText(now), actor.Name); err != nil {
			return fmt.Errorf("start inspection: %w", err)
		}
		scope := site
		if place != "" {
			scope += "/" + place
		}
		if err := c.appendEvent(ctx, tx, &Event{Actor: actor.Name, Role: actor.Role, Kind: "inspection-started", To: scope,
			Reason: "inspection " + id}); err != nil {
			return err
		}
		var rerr error
		out, rerr = inspectionTx(ctx, tx, id)
		return rerr
	})
	return out, err
}

// checkSitePlace verifies that name is a storage place, library or drive
// at site.
func checkSitePlace(ctx context.Context, tx *sql.Tx, site, name string) error {
	var n int
	err := tx.QueryRowContext(ctx, `SELECT
		(SELECT count(*) FROM places WHERE site = ?1 AND name = ?2 AND configured = 1) +
		(SELECT count(*) FROM libraries WHERE site = ?1 AND name = ?2 AND configured = 1) +
		(SELECT count(*) FROM drives WHERE site = ?1 AND name = ?2 AND configured = 1)`, site, name).Scan(&n)
	if err != nil {
		return err
	}
	if n == 0 {
		libs := queryNames(ctx, tx, `SELECT name FROM libraries WHERE site = ? AND configured = 1 UNION SELECT name FROM drives WHERE site = ? AND configured = 1 ORDER BY 1`, site, site)
		msg := knownPlaces(ctx, tx, site)
		if len(libs) > 0 {
			msg += "; libraries and drives there: " + strings.Join(libs, ", ")
		}
		return fmt.Errorf("%w: %s/%s: %s", ErrUnknownPlace, site, name, msg)
	}
	return nil
}

// ScanInspection records barcodes seen during an open inspection, at
// place (a storage place, library or drive at the inspected site; default
// the inspection's place). A barcode scanned twice at the same place is
// recorded once; scanned again at another place, the later place counts.
// Barcodes the catalog does not know are recorded too: they are what the
// inspection is for.
func (c *Catalog) ScanInspection(ctx context.Context, actor Actor, id, place string, barcodes []string) (Inspection, error) {
	if err := checkActor(actor); err != nil {
		return Inspection{}, err
	}
	if err := checkTexts(textField{"the inspection ID", id, TextName}, textField{"the place", place, TextName}); err != nil {
		return Inspection{}, err
	}
	for _, b := range barcodes {
		if err := CheckText("a barcode", b, TextName); err != nil {
			return Inspection{}, err
		}
	}
	if len(barcodes) == 0 {
		return Inspection{}, fmt.Errorf("%w: inspection %s: no barcode was given", ErrBadInput, id)
	}
	scanned, err := c.scanned(barcodes)
	if err != nil {
		return Inspection{}, err
	}
	var out Inspection
	err = c.write(ctx, func(tx *sql.Tx) error {
		in, err := inspectionTx(ctx, tx, id)
		if err != nil {
			return err
		}
		if in.State != InspectionOpen {
			return fmt.Errorf("%w: inspection %s was closed at %s; start a new one to scan again", ErrInspectionState, id, in.ClosedAt.Format(time.RFC3339))
		}
		if place == "" {
			place = in.Place
		}
		if place == "" {
			return fmt.Errorf("%w: inspection %s covers all of %s: say where these were seen (--place)", ErrBadInput, id, in.Site)
		}
		if err := checkSitePlace(ctx, tx, in.Site, place); err != nil {
			return err
		}
		now := timeText(c.now())
		for _, b := range scanned {
			if _, err := tx.ExecContext(ctx, `INSERT INTO inspection_scans (inspection, barcode, place, scanned_at, scanned_by) VALUES (?, ?, ?, ?, ?)
				ON CONFLICT (inspection, barcode) DO UPDATE SET place = excluded.place, scanned_at = excluded.scanned_at, scanned_by = excluded.scanned_by
				WHERE place <> excluded.place`, id, b, place, now, actor.Name); err != nil {
				return fmt.Errorf("record scan of %s: %w", b, err)
			}
		}
		var rerr error
		out, rerr = inspectionTx(ctx, tx, id)
		return rerr
	})
	return out, err
}

// CloseInspection reconciles an open inspection's scans with the catalog:
// every cartridge the catalog places in scope (not lost or disposed) and
// nobody scanned is missing; a cartridge scanned at another place of the
// site than the catalog's is misplaced; one the catalog places elsewhere
// (other site, in transit) or reports lost or disposed is surplus; a barcode it does not know is
// unknown. Each becomes an open finding with a custody event; no
// cartridge moves. An inspection with no scans closes only with
// allowEmpty, so that a forgotten scan cannot mark a whole site missing.
func (c *Catalog) CloseInspection(ctx context.Context, actor Actor, id string, allowEmpty bool) (Inspection, error) {
	if err := checkActor(actor); err != nil {
		return Inspection{}, err
	}
	if err := checkTexts(textField{"the inspection ID", id, TextName}); err != nil {
		return Inspection{}, err
	}
	var out Inspection
	err := c.write(ctx, func(tx *sql.Tx) error {
		in, err := inspectionTx(ctx, tx, id)
		if err != nil {
			return err
		}
		if in.State != InspectionOpen {
			return fmt.Errorf("%w: inspection %s was already closed at %s by %s", ErrInspectionState, id, in.ClosedAt.Format(time.RFC3339), in.ClosedBy)
		}
		cond, args := "loc_site = ? AND state NOT IN ('lost', 'disposed')", []any{in.Site}
		if in.Place != "" {
			cond += " AND loc_place = ?"
			args = append(args, in.Place)
		}
		expected, err := cartridgesWhere(ctx, tx, cond, args...)
		if err != nil {
			return err
		}
		if len(in.Scans) == 0 && len(expected) > 0 && !allowEmpty {
			return fmt.Errorf("%w: inspection %s: nothing was scanned, but the catalog places %d cartridges there; scan them ('tapewarden inspect scan %s -'), or if the shelves really are empty, close with --empty",
				ErrInspectionState, id, len(expected), id)
		}
		now := c.now()
		seen := map[string]bool{}
		type diff struct{ barcode, kind, expected, seen, why string }
		var diffs []diff
		for _, s := range in.Scans {
			seen[s.Barcode] = true
			where := in.Site + "/" + s.Place
			cur, err := cartridgeTx(ctx, tx, s.Barcode)
			switch {
			case errors.Is(err, ErrNotFound):
				diffs = append(diffs, diff{s.Barcode, FindingUnknown, "", where, fmt.Sprintf("seen at %s, not in the catalog", where)})
			case err != nil:
				return err
			case cur.State == Lost || cur.State == Disposed || cur.Location.Site != in.Site:
				diffs = append(diffs, diff{s.Barcode, FindingSurplus, cur.Location.String(), where,
					fmt.Sprintf("seen at %s; the catalog has it %s at %s", where, cur.State, cur.Location)})
			case cur.Location.Place != s.Place:
				diffs = append(diffs, diff{s.Barcode, FindingMisplaced, cur.Location.String(), where,
					fmt.Sprintf("seen at %s; the catalog has it at %s", where, cur.Location)})
			}
		}
		for _, e := range expected {
			if !seen[e.Barcode] {
				diffs = append(diffs, diff{e.Barcode, FindingMissing, e.Location.String(), "",
					fmt.Sprintf("not seen; the catalog has it at %s", e.Location)})
			}
		}
		sort.Slice(diffs, func(i, j int) bool { return diffs[i].barcode < diffs[j].barcode })
		for _, d := range diffs {
			if _, err := tx.ExecContext(ctx, `INSERT INTO inspection_findings (inspection, barcode, kind, expected, seen, noted_at) VALUES (?, ?, ?, ?, ?, ?)`,
				id, d.barcode, d.kind, d.expected, d.seen, timeText(now)); err != nil {
				return fmt.Errorf("record finding for %s: %w", d.barcode, err)
			}
			// No From/To: a finding moves nothing, and the audit replay
			// reads To as where a cartridge went.
			if err := c.appendEvent(ctx, tx, &Event{Actor: actor.Name, Role: actor.Role, Kind: "inspection-finding", Barcode: d.barcode,
				Reason: fmt.Sprintf("inspection %s: %s: %s", id, d.kind, d.why)}); err != nil {
				return err
			}
		}
		if err := c.appendEvent(ctx, tx, &Event{Actor: actor.Name, Role: actor.Role, Kind: "inspection-closed", To: in.scope(),
			Reason: fmt.Sprintf("inspection %s: %d expected, %d scanned, %d findings", id, len(expected), len(in.Scans), len(diffs))}); err != nil {
			return err
		}
		head, err := chainHead(ctx, tx)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE inspections SET state = 'closed', closed_at = ?, closed_by = ?, expected = ?, chain_id = ?, chain_hash = ? WHERE id = ?`,
			timeText(now), actor.Name, len(expected), head.ID, head.Hash, id); err != nil {
			return err
		}
		var rerr error
		out, rerr = inspectionTx(ctx, tx, id)
		return rerr
	})
	return out, err
}

func (in Inspection) scope() string {
	if in.Place == "" {
		return in.Site
	}
	return in.Site + "/" + in.Place
}

// ResolveFinding settles the open finding for barcode on inspection id.
// With Found, the cartridge is at that location: the catalog moves it
// there if it placed it elsewhere (resolution "moved"), or keeps it
// (resolution "found": the catalog was right after all, or the cartridge
// was put back). With Lost, the cartridge is marked lost; a note saying
// what was done to find it is required.
func (c *Catalog) ResolveFinding(ctx context.Context, actor Actor, id, barcode string, r Resolution) (Inspection, error) {
	if err := checkActor(actor); err != nil {
		return Inspection{}, err
	}
	if err := checkTexts(textField{"the inspection ID", id, TextName}, textField{"the barcode", barcode, TextName}, textField{"the note", r.Note, TextLine}); err != nil {
		return Inspection{}, err
	}
	if r.Found != nil {
		if err := checkLocationText(*r.Found); err != nil {
			return Inspection{}, err
		}
	}
	b, err := ParseBarcode(barcode, c.patterns)
	if err != nil {
		return Inspection{}, err
	}
	if (r.Found == nil) == !r.Lost {
		return Inspection{}, fmt.Errorf("%w: resolve %s on %s: say either --found SITE/PLACE or --lost", ErrBadInput, b.Text, id)
	}
	if r.Found != nil && r.Found.Kind == InTransit {
		return Inspection{}, fmt.Errorf("%w: resolve %s on %s: say at which site and place it is", ErrBadInput, b.Text, id)
	}
	if strings.TrimSpace(r.Note) == "" && r.Lost {
		return Inspection{}, fmt.Errorf("%w: resolve %s on %s: a lost cartridge needs a note saying what was done to find it", ErrBadInput, b.Text, id)
	}
	var out Inspection
	err = c.write(ctx, func(tx *sql.Tx) error {
		if _, err := inspectionTx(ctx, tx, id); err != nil {
			return err
		}
		var findingID int64
		var kind string
		err := tx.QueryRowContext(ctx, `SELECT id, kind FROM inspection_findings WHERE inspection = ? AND barcode = ? AND resolution IS NULL ORDER BY id LIMIT 1`, id, b.Text).Scan(&findingID, &kind)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("%w: inspection %s has no open finding for %s (see 'tapewarden inspect show %s')", ErrBadInput, id, b.Text, id)
		} else if err != nil {
			return err
		}
		why := fmt.Sprintf("inspection %s, %s finding: %s", id, kind, r.Note)
		cur, cerr := cartridgeTx(ctx, tx, b.Text)
		resolution := "lost"
		switch {
		case r.Found != nil && errors.Is(cerr, ErrNotFound):
			return fmt.Errorf("%w: %s is not in the catalog; add it ('tapewarden media add %s --at %s') and resolve again", ErrNotFound, b.Text, b.Text, r.Found)
		case cerr != nil && !errors.Is(cerr, ErrNotFound):
			return cerr
		case cerr == nil && cur.State == Disposed:
			// A cartridge recorded as destroyed was seen: the record stays
			// (it cannot be undone); the note says what was done about it.
			if strings.TrimSpace(r.Note) == "" {
				return fmt.Errorf("%w: resolve %s on %s: it was recorded as disposed of; say in a note what was found out and done", ErrBadInput, b.Text, id)
			}
			resolution = "found"
			if r.Lost {
				resolution = "lost"
			}
		case r.Found != nil && (cur.State == Lost || cur.Location.Kind == InTransit):
			resolution = "moved"
			if _, err := c.foundTx(ctx, tx, actor, b.Text, *r.Found, "", why); err != nil {
				return err
			}
		case r.Found != nil && cur.Location == *r.Found:
			resolution = "found"
		case r.Found != nil:
			resolution = "moved"
			if err := checkLocation(ctx, tx, *r.Found); err != nil {
				return fmt.Errorf("resolve %s: %w", b.Text, err)
			}
			if err := setLocation(ctx, tx, b.Text, *r.Found, c.now()); err != nil {
				return err
			}
			if err := c.appendEvent(ctx, tx, &Event{Actor: actor.Name, Role: actor.Role, Kind: "moved", Barcode: b.Text,
				From: cur.Location.String(), To: r.Found.String(), Reason: why}); err != nil {
				return err
			}
		case errors.Is(cerr, ErrNotFound):
			// An unknown barcode that is gone again: nothing to mark.
		case cur.State != Lost:
			if _, err := tx.ExecContext(ctx, `UPDATE cartridges SET state = 'lost', updated_at = ? WHERE barcode = ?`, timeText(c.now()), b.Text); err != nil {
				return err
			}
			if err := c.appendEvent(ctx, tx, &Event{Actor: actor.Name, Role: actor.Role, Kind: "lost", Barcode: b.Text,
				From: cur.Location.String(), To: cur.Location.String(), FromState: string(cur.State), ToState: string(Lost), Reason: why}); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE inspection_findings SET resolution = ?, resolved_at = ?, resolved_by = ?, note = ? WHERE id = ?`,
			resolution, timeText(c.now()), actor.Name, r.Note, findingID); err != nil {
			return err
		}
		if err := c.appendEvent(ctx, tx, &Event{Actor: actor.Name, Role: actor.Role, Kind: "inspection-resolved", Barcode: b.Text,
			Reason: fmt.Sprintf("inspection %s: %s finding %s: %s", id, kind, resolution, r.Note)}); err != nil {
			return err
		}
		var rerr error
		out, rerr = inspectionTx(ctx, tx, id)
		return rerr
	})
	return out, err
}

// Inspection returns one inspection with its scans and findings.
func (c *Catalog) Inspection(ctx context.Context, id string) (Inspection, error) {
	return inspectionTx(ctx, c.r, id)
}

// InspectionFilter selects inspections; zero fields do not filter.
type InspectionFilter struct {
	Site  string
	State InspectionState
	Limit int
}

// Inspections lists inspections, newest first.
func (c *Catalog) Inspections(ctx context.Context, f InspectionFilter) ([]Inspection, error) {
	q := "SELECT id FROM inspections WHERE 1 = 1"
	var args []any
	if f.Site != "" {
		q += " AND site = ?"
		args = append(args, f.Site)
	}
	if f.State != "" {
		q += " AND state = ?"
		args = append(args, string(f.State))
	}
	q += " ORDER BY started_at DESC, id DESC"
	if f.Limit > 0 {
		q += fmt.Sprintf(" LIMIT %d", f.Limit)
	}
	tx, err := c.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	ids, err := queryIDs(ctx, tx, q, args...)
	if err != nil {
		return nil, err
	}
	out := make([]Inspection, 0, len(ids))
	for _, id := range ids {
		in, err := inspectionTx(ctx, tx, id)
		if err != nil {
			return nil, err
		}
		out = append(out, in)
	}
	return out, nil
}

func inspectionTx(ctx context.Context, q querier, id string) (Inspection, error) {
	var in Inspection
	var started string
	var closedAt, closedBy sql.NullString
	var chainID int64
	var chainHash string
	err := q.QueryRowContext(ctx, `SELECT id, site, place, state, started_at, started_by, closed_at, closed_by, expected, chain_id, chain_hash
		FROM inspections WHERE id = ?`, id).Scan(&in.ID, &in.Site, &in.Place, &in.State, &started, &in.StartedBy, &closedAt, &closedBy, &in.Expected, &chainID, &chainHash)
	if errors.Is(err, sql.ErrNoRows) {
		return in, fmt.Errorf("%w: %q; list them with 'tapewarden inspect list'", ErrInspectionNotFound, id)
	} else if err != nil {
		return in, err
	}
	in.StartedAt = parseTime(started)
	in.ClosedAt = parseNullTime(closedAt)
	in.ClosedBy = closedBy.String
	if chainHash != "" {
		in.Chain = &ChainHead{ID: chainID, Hash: chainHash}
	}
	in.Scans = []InspectionScan{}
	rows, err := q.QueryContext(ctx, `SELECT barcode, place, scanned_at, scanned_by FROM inspection_scans WHERE inspection = ? ORDER BY barcode`, id)
	if err != nil {
		return in, err
	}
	for rows.Next() {
		var s InspectionScan
		var at string
		if err := rows.Scan(&s.Barcode, &s.Place, &at, &s.ScannedBy); err != nil {
			rows.Close()
			return in, err
		}
		s.ScannedAt = parseTime(at)
		in.Scans = append(in.Scans, s)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return in, err
	}
	in.Findings = []Finding{}
	frows, err := q.QueryContext(ctx, `SELECT id, inspection, barcode, kind, expected, seen, noted_at, resolution, resolved_at, resolved_by, note
		FROM inspection_findings WHERE inspection = ? ORDER BY id`, id)
	if err != nil {
		return in, err
	}
	defer frows.Close()
	differs := map[string]bool{}
	for frows.Next() {
		var f Finding
		var noted string
		var res, resAt, resBy sql.NullString
		if err := frows.Scan(&f.ID, &f.Inspection, &f.Barcode, &f.Kind, &f.Expected, &f.Seen, &noted, &res, &resAt, &resBy, &f.Note); err != nil {
			return in, err
		}
		f.NotedAt = parseTime(noted)
		f.Resolution, f.ResolvedBy = res.String, resBy.String
		f.ResolvedAt = parseNullTime(resAt)
		in.Findings = append(in.Findings, f)
		differs[f.Barcode] = true
	}
	if err := frows.Err(); err != nil {
		return in, err
	}
	in.Present = []string{}
	if in.State == InspectionClosed {
		for _, s := range in.Scans {
			if !differs[s.Barcode] {
				in.Present = append(in.Present, s.Barcode)
			}
		}
	}
	return in, nil
}

// InspectionStats are what the metrics say of inspections.
type InspectionStats struct {
	// LastBySite is when the newest closed inspection of each site
	// closed; a site never inspected has no entry.
	LastBySite map[string]time.Time
	// OpenFindings counts findings not yet resolved; OldestOpenFinding is
	// when the oldest of them was noted (zero when none is open).
	OpenFindings      int64
	OldestOpenFinding time.Time
}

func inspectionStats(ctx context.Context, q querier) (InspectionStats, error) {
	s := InspectionStats{LastBySite: map[string]time.Time{}}
	rows, err := q.QueryContext(ctx, `SELECT site, max(closed_at) FROM inspections WHERE state = 'closed' GROUP BY site`)
	if err != nil {
		return s, err
	}
	defer rows.Close()
	for rows.Next() {
		var site, at string
		if err := rows.Scan(&site, &at); err != nil {
			return s, err
		}
		s.LastBySite[site] = parseTime(at)
	}
	if err := rows.Err(); err != nil {
		return s, err
	}
	var oldest sql.NullString
	if err := q.QueryRowContext(ctx, `SELECT count(*), min(noted_at) FROM inspection_findings WHERE resolution IS NULL`).Scan(&s.OpenFindings, &oldest); err != nil {
		return s, err
	}
	s.OldestOpenFinding = parseNullTime(oldest)
	return s, nil
}

// InspectionStats reads what the metrics say of inspections.
func (c *Catalog) InspectionStats(ctx context.Context) (InspectionStats, error) {
	return inspectionStats(ctx, c.r)
}
