package media

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Hand-over phases of a manifest.
const (
	PhasePickup   = "pickup"
	PhaseDelivery = "delivery"
)

// Results of a courier's scan.
const (
	ScanExpected   = "expected"        // on the manifest, first time
	ScanDuplicate  = "duplicate"       // on the manifest, scanned before
	ScanNotOnList  = "not-on-manifest" // a cartridge the catalog knows, not on this manifest
	ScanUnknown    = "unknown"         // not in the catalog
	ScanUnreadable = "bad"             // not a barcode
)

// MaxScansPerHandover is how many scans one hand-over keeps.
const MaxScansPerHandover = 2000

// ErrTooManyScans refuses a scan beyond MaxScansPerHandover; it is an
// ErrBadInput, so that a page can word this refusal itself.
var ErrTooManyScans = fmt.Errorf("%w: a hand-over keeps at most %d scans", ErrBadInput, MaxScansPerHandover)

// How a hand-over's scans were closed.
const (
	ScansRecorded   = "recorded"   // the hand-over was recorded
	ScansCancelled  = "cancelled"  // the manifest was cancelled
	ScansReassigned = "reassigned" // another courier carries the manifest now
)

// CourierScan is one barcode a courier scanned for a hand-over, kept
// from the scan until the hand-over ends (and after, closed, for the
// audit).
type CourierScan struct {
	Manifest string `json:"manifest"`
	Phase    string `json:"phase"`
	// ScanID is what the courier's page gave the scan: the same form sent
	// twice is one scan.
	ScanID  string `json:"scan_id"`
	Barcode string `json:"barcode"`
	Result  string `json:"result"`
	Detail  string `json:"detail,omitempty"`
	// Courier is the courier's own name; ScannedBy the actor as the audit
	// chain names it.
	Courier   string    `json:"courier"`
	ScannedBy string    `json:"scanned_by"`
	ScannedAt time.Time `json:"scanned_at"`
	// Closed is empty while the hand-over is in progress, then one of
	// ScansRecorded, ScansCancelled, ScansReassigned.
	Closed   string    `json:"closed,omitempty"`
	ClosedAt time.Time `json:"closed_at,omitzero"`
}

// NewCourierScan is a scan as the courier's page sends it.
type NewCourierScan struct {
	Manifest string
	Phase    string // PhasePickup or PhaseDelivery
	ScanID   string
	// Barcode is what the scanner typed; it is normalised here.
	Barcode string
	// Courier is the courier's own name.
	Courier string
}

// phaseState is the manifest state in which a phase's scans are taken.
func phaseState(phase string) (ManifestState, error) {
	switch phase {
	case PhasePickup:
		return ManifestOpen, nil
	case PhaseDelivery:
		return ManifestInTransit, nil
	}
	return "", fmt.Errorf("%w: hand-over phase %q: it is %s or %s", ErrBadInput, phase, PhasePickup, PhaseDelivery)
}

// RecordCourierScan keeps a scan of the hand-over in progress and says
// what it was: expected (on the manifest, first time), duplicate,
// not-on-manifest, unknown or bad (not a barcode, kept as shown by
// shownScan when it holds what acts on a terminal). A scan ID already
// recorded for the hand-over returns that first record and changes
// nothing. The manifest must be at the phase (open for the pick-up, in
// transit for the delivery); a hand-over already holding
// MaxScansPerHandover scans refuses more.
func (c *Catalog) RecordCourierScan(ctx context.Context, actor Actor, n NewCourierScan) (CourierScan, error) {
	if err := checkActor(actor); err != nil {
		return CourierScan{}, err
	}
	raw := strings.TrimSpace(n.Barcode)
	if err := checkTexts(textField{"the manifest ID", n.Manifest, TextName}, textField{"the scan ID", n.ScanID, TextName},
		textField{"the courier", n.Courier, TextName}); err != nil {
		return CourierScan{}, err
	}
	want, err := phaseState(n.Phase)
	if err != nil {
		return CourierScan{}, err
	}
	if n.ScanID == "" || raw == "" || strings.TrimSpace(n.Courier) == "" {
		return CourierScan{}, fmt.Errorf("%w: a scan needs its scan ID, the scanned text and the courier's name", ErrBadInput)
	}
	var out CourierScan
	err = c.write(ctx, func(tx *sql.Tx) error {
		first, err := scanByID(ctx, tx, n.Manifest, n.Phase, n.ScanID)
		if err == nil {
			out = first
			return nil
		} else if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		m, err := manifestTx(ctx, tx, n.Manifest)
		if err != nil {
			return err
		}
		if m.State != want {
			return fmt.Errorf("%w: manifest %s is %s; its %s is not in progress, nothing was recorded", ErrManifestState, m.ID, m.State, n.Phase)
		}
		var count int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM courier_scans WHERE manifest = ? AND phase = ? AND closed = ''`, m.ID, n.Phase).Scan(&count); err != nil {
			return err
		}
		if count >= MaxScansPerHandover {
			return fmt.Errorf("%w; the %s of %s already has %d: confirm it, or call the machine room", ErrTooManyScans, n.Phase, m.ID, count)
		}
		sc := CourierScan{Manifest: m.ID, Phase: n.Phase, ScanID: n.ScanID, Courier: strings.TrimSpace(n.Courier), ScannedBy: actor.Name, ScannedAt: c.now()}
		if err := c.classifyScan(ctx, tx, m, raw, &sc); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO courier_scans (manifest, phase, scan_id, barcode, result, detail, courier, scanned_by, scanned_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, sc.Manifest, sc.Phase, sc.ScanID, sc.Barcode, sc.Result, sc.Detail, sc.Courier, sc.ScannedBy, timeText(sc.ScannedAt)); err != nil {
			return err
		}
		out = sc
		return nil
	})
	return out, err
}

// classifyScan says what a scanned text is for the hand-over of m in
// sc.Phase, given the scans already pending.
func (c *Catalog) classifyScan(ctx context.Context, tx *sql.Tx, m Manifest, raw string, sc *CourierScan) error {
	if err := CheckText("the scanned text", raw, TextName); err != nil {
		// A scanner that sent something no barcode holds: the courier
		// sees it as bad, and the catalog keeps a harmless rendering.
		sc.Barcode, sc.Result, sc.Detail = shownScan(raw), ScanUnreadable, err.Error()
		return nil
	}
	b, err := ParseBarcode(raw, c.patterns)
	if err != nil {
		sc.Barcode, sc.Result, sc.Detail = strings.ToUpper(raw), ScanUnreadable, err.Error()
		return nil
	}
	sc.Barcode = b.Text
	status := "listed"
	if sc.Phase == PhaseDelivery {
		status = "picked-up"
	}
	for _, it := range m.Items {
		if it.Barcode != b.Text || it.Status != status {
			continue
		}
		var seen int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM courier_scans WHERE manifest = ? AND phase = ? AND closed = '' AND barcode = ? AND result = ?`,
			m.ID, sc.Phase, b.Text, ScanExpected).Scan(&seen); err != nil {
			return err
		}
		sc.Result = ScanExpected
		if seen > 0 {
			sc.Result = ScanDuplicate
		}
		return nil
	}
	switch _, err := cartridgeTx(ctx, tx, b.Text); {
	case errors.Is(err, ErrNotFound):
		sc.Result = ScanUnknown
	case err != nil:
		return err
	default:
		sc.Result = ScanNotOnList
	}
	return nil
}

// shownScan is scanned text that is no barcode as it may be shown and
// kept: what acts on a terminal or on the display (and bytes that are not
// UTF-8) as U+FFFD, in capitals, cut to 64 characters.
func shownScan(raw string) string {
	s := strings.ToUpper(strings.Map(func(r rune) rune {
		if r == '\n' || r == '\t' || UnsafeRune(r) {
			return '\uFFFD'
		}
		return r
	}, strings.ToValidUTF8(raw, "\uFFFD")))
	if r := []rune(s); len(r) > 64 {
		s = string(r[:64]) + "…"
	}
	return s
}

const courierScanColumns = `manifest, phase, scan_id, barcode, result, detail, courier, scanned_by, scanned_at, closed, closed_at`

func scanCourierScan(s interface{ Scan(...any) error }) (CourierScan, error) {
	var sc CourierScan
	var at, closedAt string
	if err := s.Scan(&sc.Manifest, &sc.Phase, &sc.ScanID, &sc.Barcode, &sc.Result, &sc.Detail, &sc.Courier, &sc.ScannedBy, &at, &sc.Closed, &closedAt); err != nil {
		return sc, err
	}
	sc.ScannedAt, sc.ClosedAt = parseTime(at), parseTime(closedAt)
	return sc, nil
}

func scanByID(ctx context.Context, q querier, manifest, phase, id string) (CourierScan, error) {
	return scanCourierScan(q.QueryRowContext(ctx, `SELECT `+courierScanColumns+` FROM courier_scans WHERE manifest = ? AND phase = ? AND scan_id = ?`, manifest, phase, id))
}

// CourierScans lists the scans of a hand-over in progress (the pending
// scans of manifest in phase), in the order they were scanned.
func (c *Catalog) CourierScans(ctx context.Context, manifest, phase string) ([]CourierScan, error) {
	if _, err := phaseState(phase); err != nil {
		return nil, err
	}
	return c.courierScans(ctx, `WHERE manifest = ? AND phase = ? AND closed = ''`, manifest, phase)
}

// CourierScanHistory lists every scan taken for a manifest, pending and
// closed, in the order they were scanned: what an auditor reads.
func (c *Catalog) CourierScanHistory(ctx context.Context, manifest string) ([]CourierScan, error) {
	return c.courierScans(ctx, `WHERE manifest = ?`, manifest)
}

func (c *Catalog) courierScans(ctx context.Context, where string, args ...any) ([]CourierScan, error) {
	return queryAll(ctx, c.r, scanCourierScan, `SELECT `+courierScanColumns+` FROM courier_scans `+where+` ORDER BY id`, args...)
}

// closeScans closes the pending scans of a manifest: of one phase, or of
// both when phase is empty; of every courier, or of everyone but keep
// when keep is given.
func closeScans(ctx context.Context, tx *sql.Tx, manifest, phase, how, keep string, now time.Time) error {
	q := `UPDATE courier_scans SET closed = ?, closed_at = ? WHERE manifest = ? AND closed = ''`
	args := []any{how, timeText(now), manifest}
	if phase != "" {
		q += ` AND phase = ?`
		args = append(args, phase)
	}
	if keep != "" {
		q += ` AND courier <> ?`
		args = append(args, keep)
	}
	_, err := tx.ExecContext(ctx, q, args...)
	return err
}

// endCourierAccess ends the sessions of couriers signed in for a manifest
// and makes its unused courier codes expire now: of every courier, or of
// everyone but keep when keep is given. A code so ended is noted in the
// audit chain with why.
func (c *Catalog) endCourierAccess(ctx context.Context, tx *sql.Tx, actor Actor, manifest, keep, why string, now time.Time) error {
	sq := `DELETE FROM sessions WHERE manifest = ?`
	cq := `SELECT id, courier FROM courier_codes WHERE manifest = ? AND used_at = '' AND expires_at > ?`
	sargs, cargs := []any{manifest}, []any{manifest, timeText(now)}
	if keep != "" {
		sq += ` AND account <> ?`
		cq += ` AND courier <> ?`
		sargs, cargs = append(sargs, keep), append(cargs, keep)
	}
	if _, err := tx.ExecContext(ctx, sq, sargs...); err != nil {
		return err
	}
	rows, err := tx.QueryContext(ctx, cq+` ORDER BY id`, cargs...)
	if err != nil {
		return err
	}
	type code struct {
		id      int64
		courier string
	}
	var codes []code
	for rows.Next() {
		var cd code
		if err := rows.Scan(&cd.id, &cd.courier); err != nil {
			rows.Close()
			return err
		}
		codes = append(codes, cd)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, cd := range codes {
		if _, err := tx.ExecContext(ctx, `UPDATE courier_codes SET expires_at = ? WHERE id = ?`, timeText(now), cd.id); err != nil {
			return err
		}
		if err := c.appendEvent(ctx, tx, &Event{Actor: actor.Name, Role: actor.Role, Kind: "courier-code-ended", Manifest: manifest,
			Reason: fmt.Sprintf("one-time code %d for courier %s, never used, no longer valid: %s", cd.id, cd.courier, why)}); err != nil {
			return err
		}
	}
	return nil
}
