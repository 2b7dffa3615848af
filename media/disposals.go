package media

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Disposal methods. Degaussing erases an LTO cartridge's servo tracks:
// the cartridge can never be used again, so only a retired cartridge is
// degaussed.
var DisposalMethods = []string{"degauss", "shred", "incinerate", "crush", "vendor"}

// NewDisposal is what a person records when a cartridge is destroyed.
type NewDisposal struct {
	Method      string `json:"method"`
	Witness     string `json:"witness"`
	Certificate string `json:"certificate,omitempty"` // the destruction certificate's reference (a vendor's, usually)
	// Date is the day it was destroyed, YYYY-MM-DD; default today.
	Date string `json:"date,omitempty"`
	// Retained says, one line each, which generations rotation still
	// keeps on the cartridge. The catalog cannot judge retention; the
	// daemon fills it in before asking, and any entry refuses.
	Retained []string `json:"-"`
}

// Disposal is one recorded destruction of a cartridge: the line an
// auditor signs.
type Disposal struct {
	Barcode     string   `json:"barcode"`
	MediaType   string   `json:"media_type"`
	Pool        string   `json:"pool,omitempty"`
	FromState   State    `json:"from_state"`
	Method      string   `json:"method"`
	Witness     string   `json:"witness"`
	Certificate string   `json:"certificate,omitempty"`
	Date        string   `json:"date"`
	Systems     []string `json:"systems"`     // systems whose data it ever held
	Generations []string `json:"generations"` // POOL/GENERATION it ever held
	// Confidentiality is the highest class of those systems (0: none
	// stated); the daemon's report fills it in from the systems inventory.
	Confidentiality int       `json:"confidentiality,omitempty"`
	RecordedAt      time.Time `json:"recorded_at"`
	RecordedBy      string    `json:"recorded_by"`
	Event           int64     `json:"event"`
}

// Dispose records that a cartridge was destroyed, with a custody event;
// its state becomes disposed and it leaves every listing and count but
// Disposals. It is refused, with every reason at once and nothing
// changed, while a generation rotation keeps is on it (n.Retained), while
// an open or in-transit manifest lists it, while an inspection finding or
// a courier discrepancy about it is unresolved, while the catalog places
// it anywhere but on a storage place of a machine-room site, and for a
// degaussing of a cartridge that is not retired.
func (c *Catalog) Dispose(ctx context.Context, actor Actor, barcode string, n NewDisposal) (Disposal, error) {
	if err := checkActor(actor); err != nil {
		return Disposal{}, err
	}
	if err := checkTexts(textField{"the barcode", barcode, TextName}, textField{"the method", n.Method, TextName},
		textField{"the witness", n.Witness, TextName}, textField{"the certificate", n.Certificate, TextLine}, textField{"the date", n.Date, TextName}); err != nil {
		return Disposal{}, err
	}
	b, err := ParseBarcode(barcode, c.patterns)
	if err != nil {
		return Disposal{}, err
	}
	if !slices.Contains(DisposalMethods, n.Method) {
		return Disposal{}, fmt.Errorf("%w: dispose %s: say how it was destroyed (--method %s)", ErrBadInput, b.Text, strings.Join(DisposalMethods, "|"))
	}
	if strings.TrimSpace(n.Witness) == "" {
		return Disposal{}, fmt.Errorf("%w: dispose %s: name the witness (--witness NAME)", ErrBadInput, b.Text)
	}
	now := c.now()
	date := now.Format(time.DateOnly)
	if n.Date != "" {
		d, err := time.Parse(time.DateOnly, n.Date)
		if err != nil {
			return Disposal{}, fmt.Errorf("%w: dispose %s: date %q: write it as YYYY-MM-DD", ErrBadInput, b.Text, n.Date)
		}
		if d.After(now) {
			return Disposal{}, fmt.Errorf("%w: dispose %s: %s is in the future; record a disposal once it is done", ErrBadInput, b.Text, n.Date)
		}
		date = n.Date
	}
	var out Disposal
	err = c.write(ctx, func(tx *sql.Tx) error {
		cur, err := cartridgeTx(ctx, tx, b.Text)
		if err != nil {
			return err
		}
		if cur.State == Disposed {
			var on string
			_ = tx.QueryRowContext(ctx, `SELECT disposed_on FROM disposals WHERE barcode = ?`, b.Text).Scan(&on)
			return fmt.Errorf("%w: %s was already disposed of on %s", ErrAlreadyThere, b.Text, on)
		}
		why, err := disposalRefusals(ctx, tx, cur, n)
		if err != nil {
			return err
		}
		if len(why) > 0 {
			return fmt.Errorf("%w: %s: %s; nothing was recorded", ErrDisposalRefused, b.Text, strings.Join(why, "; "))
		}
		systems, generations, err := heldData(ctx, tx, b.Text)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE cartridges SET state = 'disposed', updated_at = ? WHERE barcode = ?`, timeText(now), b.Text); err != nil {
			return err
		}
		reason := fmt.Sprintf("%s on %s, witnessed by %s", n.Method, date, n.Witness)
		if n.Certificate != "" {
			reason += ", certificate " + n.Certificate
		}
		ev := Event{Actor: actor.Name, Role: actor.Role, Kind: "disposed", Barcode: b.Text, From: cur.Location.String(), To: cur.Location.String(),
			FromState: string(cur.State), ToState: string(Disposed), Reason: reason}
		if err := c.appendEvent(ctx, tx, &ev); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO disposals (barcode, method, witness, certificate, disposed_on, media_type, pool, from_state, systems, generations, recorded_at, recorded_by, event)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, b.Text, n.Method, n.Witness, n.Certificate, date, cur.MediaType, cur.Pool, string(cur.State),
			strings.Join(systems, " "), strings.Join(generations, " "), timeText(now), actor.Name, ev.ID); err != nil {
			return fmt.Errorf("record disposal of %s: %w", b.Text, err)
		}
		list, err := disposals(ctx, tx, "barcode = ?", b.Text)
		if err != nil {
			return err
		}
		out = list[0]
		return nil
	})
	return out, err
}

// disposalRefusals says every reason cur cannot be disposed of now.
func disposalRefusals(ctx context.Context, tx *sql.Tx, cur Cartridge, n NewDisposal) ([]string, error) {
	var why []string
	why = append(why, n.Retained...)
	if n.Method == "degauss" && cur.State != Retired {
		why = append(why, fmt.Sprintf("it is %s, not retired: degaussing erases an LTO cartridge's servo tracks and it can never be used again; retire it first ('tapewarden media retire %s --reason ...')", cur.State, cur.Barcode))
	}
	switch {
	case cur.State == Lost:
		why = append(why, "it is reported lost; a cartridge is disposed of where it is, in the machine room ('tapewarden media found' first)")
	case cur.Location.Kind == InTransit:
		why = append(why, fmt.Sprintf("it is in transit on manifest %s; deliver it to the machine room first", cur.Location.Place))
	default:
		var kind string
		if err := tx.QueryRowContext(ctx, `SELECT kind FROM sites WHERE name = ?`, cur.Location.Site).Scan(&kind); err != nil {
			return nil, err
		}
		if kind != "machine-room" {
			why = append(why, fmt.Sprintf("the catalog places it at %s, which is not the machine room; bring it back on a manifest first", cur.Location))
		} else if cur.Location.Kind != InStorage {
			why = append(why, fmt.Sprintf("it is in %s; take it out to a shelf first", cur.Location))
		}
	}
	rows, err := tx.QueryContext(ctx, `SELECT m.id FROM manifest_items i JOIN manifests m ON m.id = i.manifest
		WHERE i.barcode = ? AND m.state IN ('open', 'in-transit') ORDER BY m.id`, cur.Barcode)
	if err != nil {
		return nil, err
	}
	ids, err := collectStrings(rows)
	if err != nil {
		return nil, err
	}
	if len(ids) > 0 {
		why = append(why, fmt.Sprintf("manifest %s lists it; cancel or deliver it first", strings.Join(ids, ", ")))
	}
	rows, err = tx.QueryContext(ctx, `SELECT DISTINCT manifest FROM discrepancies WHERE barcode = ? AND resolution IS NULL ORDER BY manifest`, cur.Barcode)
	if err != nil {
		return nil, err
	}
	if ids, err = collectStrings(rows); err != nil {
		return nil, err
	}
	if len(ids) > 0 {
		why = append(why, fmt.Sprintf("a courier discrepancy about it is unresolved on manifest %s ('tapewarden manifest resolve')", strings.Join(ids, ", ")))
	}
	rows, err = tx.QueryContext(ctx, `SELECT DISTINCT inspection FROM inspection_findings WHERE barcode = ? AND resolution IS NULL ORDER BY inspection`, cur.Barcode)
	if err != nil {
		return nil, err
	}
	if ids, err = collectStrings(rows); err != nil {
		return nil, err
	}
	if len(ids) > 0 {
		why = append(why, fmt.Sprintf("an inspection finding about it is unresolved on inspection %s ('tapewarden inspect resolve')", strings.Join(ids, ", ")))
	}
	return why, nil
}

func collectStrings(rows *sql.Rows) ([]string, error) {
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// heldData is every system and generation whose data the cartridge ever
// held, overwritten or not.
func heldData(ctx context.Context, q querier, barcode string) (systems, generations []string, err error) {
	rows, err := q.QueryContext(ctx, `SELECT DISTINCT r.system FROM pieces p JOIN runs r ON r.id = p.run WHERE p.barcode = ? AND r.system <> '' ORDER BY 1`, barcode)
	if err != nil {
		return nil, nil, err
	}
	if systems, err = collectStrings(rows); err != nil {
		return nil, nil, err
	}
	rows, err = q.QueryContext(ctx, `SELECT DISTINCT r.pool || '/' || r.generation FROM pieces p JOIN runs r ON r.id = p.run
		WHERE p.barcode = ? AND r.generation <> '' ORDER BY 1`, barcode)
	if err != nil {
		return nil, nil, err
	}
	if generations, err = collectStrings(rows); err != nil {
		return nil, nil, err
	}
	return systems, generations, nil
}

// Disposals lists the disposals recorded from one day to another
// (YYYY-MM-DD, both included; empty: no bound), in date order.
func (c *Catalog) Disposals(ctx context.Context, from, to string) ([]Disposal, error) {
	cond, args := "1 = 1", []any{}
	for _, b := range []struct{ name, v, op string }{{"from", from, ">="}, {"to", to, "<="}} {
		if b.v == "" {
			continue
		}
		if _, err := time.Parse(time.DateOnly, b.v); err != nil {
			return nil, fmt.Errorf("%w: --%s %q: write it as YYYY-MM-DD", ErrBadInput, b.name, b.v)
		}
		cond += " AND disposed_on " + b.op + " ?"
		args = append(args, b.v)
	}
	if from != "" && to != "" && from > to {
		return nil, fmt.Errorf("%w: --from %s is after --to %s", ErrBadInput, from, to)
	}
	return disposals(ctx, c.r, cond, args...)
}

func disposals(ctx context.Context, q querier, cond string, args ...any) ([]Disposal, error) {
	rows, err := q.QueryContext(ctx, `SELECT barcode, media_type, pool, from_state, method, witness, certificate, disposed_on, systems, generations, recorded_at, recorded_by, event
		FROM disposals WHERE `+cond+` ORDER BY disposed_on, barcode`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Disposal{}
	for rows.Next() {
		var d Disposal
		var systems, generations, at string
		if err := rows.Scan(&d.Barcode, &d.MediaType, &d.Pool, &d.FromState, &d.Method, &d.Witness, &d.Certificate, &d.Date, &systems, &generations, &at, &d.RecordedBy, &d.Event); err != nil {
			return nil, err
		}
		d.Systems, d.Generations = strings.Fields(systems), strings.Fields(generations)
		if d.Systems == nil {
			d.Systems = []string{}
		}
		if d.Generations == nil {
			d.Generations = []string{}
		}
		d.RecordedAt = parseTime(at)
		out = append(out, d)
	}
	return out, rows.Err()
}

// HeldSystems says whose data each cartridge still holds (pieces not
// overwritten), in system order; barcodes holding none have no entry.
// Nil barcodes means every cartridge.
func (c *Catalog) HeldSystems(ctx context.Context, barcodes []string) (map[string][]string, error) {
	return c.heldSystems(ctx, barcodes, false)
}

// HeldUnencrypted is HeldSystems for the data written without
// encryption: whose data each cartridge holds in the clear.
func (c *Catalog) HeldUnencrypted(ctx context.Context, barcodes []string) (map[string][]string, error) {
	return c.heldSystems(ctx, barcodes, true)
}

func (c *Catalog) heldSystems(ctx context.Context, barcodes []string, plain bool) (map[string][]string, error) {
	q := `SELECT DISTINCT p.barcode, r.system FROM pieces p JOIN runs r ON r.id = p.run
		WHERE p.gone_at IS NULL AND r.system <> ''`
	if plain {
		q += " AND r.encryption = ''"
	}
	var args []any
	if barcodes != nil {
		if len(barcodes) == 0 {
			return map[string][]string{}, nil
		}
		q += " AND p.barcode IN (?" + strings.Repeat(", ?", len(barcodes)-1) + ")"
		for _, b := range barcodes {
			args = append(args, b)
		}
	}
	rows, err := c.r.QueryContext(ctx, q+" ORDER BY 1, 2", args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string][]string{}
	for rows.Next() {
		var b, s string
		if err := rows.Scan(&b, &s); err != nil {
			return nil, err
		}
		out[b] = append(out[b], s)
	}
	return out, rows.Err()
}
