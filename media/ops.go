package media

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Drill is a recorded restore drill (the standard asks for about one a
// year per system, with its findings).
type Drill struct {
	ID       int64     `json:"id"`
	System   string    `json:"system"`
	Job      string    `json:"job"`
	Run      int64     `json:"run"`
	At       time.Time `json:"at"`
	Result   string    `json:"result"` // passed or failed
	Duration float64   `json:"duration_seconds"`
	Bytes    int64     `json:"bytes"`
	Note     string    `json:"note,omitempty"`
	Actor    string    `json:"actor"`
}

// RecordDrill stores a restore drill with an audit event.
func (c *Catalog) RecordDrill(ctx context.Context, actor Actor, d Drill) (Drill, error) {
	if err := checkActor(actor); err != nil {
		return Drill{}, err
	}
	if err := checkTexts(textField{"the system", d.System, TextName}, textField{"the job", d.Job, TextName}, textField{"the note", d.Note, TextLine}); err != nil {
		return Drill{}, err
	}
	if d.Result != "passed" && d.Result != "failed" {
		return d, fmt.Errorf("%w: drill result %q", ErrBadInput, d.Result)
	}
	err := c.write(ctx, func(tx *sql.Tx) error {
		d.At, d.Actor = c.now(), actor.Name
		res, err := tx.ExecContext(ctx, `INSERT INTO drills (system, job, run, at, result, duration_seconds, bytes, note, actor) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			d.System, d.Job, sql.NullInt64{Int64: d.Run, Valid: d.Run > 0}, timeText(d.At), d.Result, d.Duration, d.Bytes, d.Note, d.Actor)
		if err != nil {
			return err
		}
		d.ID, _ = res.LastInsertId()
		d.At = parseTime(timeText(d.At))
		return c.appendEvent(ctx, tx, &Event{Actor: actor.Name, Role: actor.Role, Kind: "drill",
			Reason: fmt.Sprintf("restore drill of %s (job %s, run %d) %s in %.0fs: %s", d.System, d.Job, d.Run, d.Result, d.Duration, d.Note)})
	})
	return d, err
}

// LastDrills returns the newest drill per system.
func (c *Catalog) LastDrills(ctx context.Context) (map[string]Drill, error) {
	return lastDrills(ctx, c.r)
}

func lastDrills(ctx context.Context, q querier) (map[string]Drill, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, system, job, coalesce(run, 0), at, result, duration_seconds, bytes, note, actor FROM drills d
		WHERE id = (SELECT max(id) FROM drills WHERE system = d.system)`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]Drill{}
	for rows.Next() {
		var d Drill
		var at string
		if err := rows.Scan(&d.ID, &d.System, &d.Job, &d.Run, &at, &d.Result, &d.Duration, &d.Bytes, &d.Note, &d.Actor); err != nil {
			return nil, err
		}
		d.At = parseTime(at)
		out[d.System] = d
	}
	return out, rows.Err()
}

// PromptState is where an operator prompt stands.
type PromptState string

// Prompt states.
const (
	PromptOpen       PromptState = "open"
	PromptDone       PromptState = "done"
	PromptCancelled  PromptState = "cancelled"
	PromptSuperseded PromptState = "superseded"
)

// Prompt asks a person to do something a machine cannot.
type Prompt struct {
	ID        int64       `json:"id"`
	Kind      string      `json:"kind"` // load, clean, export, import, label, unknown-data
	State     PromptState `json:"state"`
	CreatedAt time.Time   `json:"created_at"`
	ClosedAt  time.Time   `json:"closed_at,omitzero"`
	ClosedBy  string      `json:"closed_by,omitempty"`
	Drive     string      `json:"drive,omitempty"`
	Barcode   string      `json:"barcode,omitempty"`
	Run       int64       `json:"run,omitempty"`
	Manifest  string      `json:"manifest,omitempty"`
	// Action says exactly what to do; Place where; Why why.
	Action string `json:"action"`
	Place  string `json:"place,omitempty"`
	Why    string `json:"why,omitempty"`
	// ActionJa and WhyJa are Action and Why in Japanese, empty for a
	// prompt opened before the catalogue had them; see Texts.
	ActionJa string `json:"action_ja,omitempty"`
	WhyJa    string `json:"why_ja,omitempty"`
	// Language is what the daemon's configuration speaks (en, ja), filled
	// in by the API so that a client shows that language's texts.
	Language     string    `json:"language,omitempty"`
	Note         string    `json:"note,omitempty"`
	Reminders    int       `json:"reminders"`
	LastNoticeAt time.Time `json:"last_notice_at,omitzero"`
	Escalated    bool      `json:"escalated,omitempty"`
	// Handling is the handling class of the prompt's cartridge, filled in
	// by the daemon.
	Handling
}

// Texts are the prompt's action and reason in Japanese when ja is true
// and the prompt has them, else in English.
func (p Prompt) Texts(ja bool) (action, why string) {
	if ja && p.ActionJa != "" {
		return p.ActionJa, p.WhyJa
	}
	return p.Action, p.Why
}

const promptColumns = `id, kind, state, created_at, closed_at, closed_by, drive, barcode, coalesce(run, 0), manifest, action, place, why, note, reminders, last_notice_at, escalated, action_ja, why_ja`

func scanPrompt(s interface{ Scan(...any) error }) (Prompt, error) {
	var p Prompt
	var created string
	var closed, notice sql.NullString
	err := s.Scan(&p.ID, &p.Kind, &p.State, &created, &closed, &p.ClosedBy, &p.Drive, &p.Barcode, &p.Run, &p.Manifest, &p.Action, &p.Place, &p.Why, &p.Note, &p.Reminders, &notice, &p.Escalated, &p.ActionJa, &p.WhyJa)
	p.CreatedAt, p.ClosedAt, p.LastNoticeAt = parseTime(created), parseNullTime(closed), parseNullTime(notice)
	return p, err
}

// Prompt errors.
var (
	ErrPromptNotFound = errors.New("media: prompt not found")
	ErrPromptClosed   = errors.New("media: prompt is no longer open")
)

// OpenPrompt records a new prompt with an audit event.
func (c *Catalog) OpenPrompt(ctx context.Context, p Prompt) (Prompt, error) {
	var out Prompt
	err := c.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO prompts (kind, state, created_at, drive, barcode, run, manifest, action, place, why, note, action_ja, why_ja)
			VALUES (?, 'open', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, p.Kind, timeText(c.now()), p.Drive, p.Barcode,
			sql.NullInt64{Int64: p.Run, Valid: p.Run > 0}, p.Manifest, p.Action, p.Place, p.Why, p.Note, p.ActionJa, p.WhyJa)
		if err != nil {
			return err
		}
		id, _ := res.LastInsertId()
		if err := c.appendEvent(ctx, tx, &Event{Actor: System.Name, Role: System.Role, Kind: "prompt-opened", Barcode: p.Barcode, Manifest: p.Manifest,
			Reason: fmt.Sprintf("prompt %d: %s", id, p.Action)}); err != nil {
			return err
		}
		out, err = promptTx(ctx, tx, id)
		return err
	})
	return out, err
}

// ClosePrompt ends an open prompt: done (by a person), cancelled, or
// superseded by a newer prompt.
func (c *Catalog) ClosePrompt(ctx context.Context, actor Actor, id int64, state PromptState, note string) (Prompt, error) {
	if err := checkActor(actor); err != nil {
		return Prompt{}, err
	}
	if err := CheckText("the note", note, TextLine); err != nil {
		return Prompt{}, err
	}
	var out Prompt
	err := c.write(ctx, func(tx *sql.Tx) error {
		p, err := promptTx(ctx, tx, id)
		if err != nil {
			return err
		}
		if p.State != PromptOpen {
			return fmt.Errorf("%w: prompt %d is already %s (by %s at %s)", ErrPromptClosed, id, p.State, p.ClosedBy, c.when(p.ClosedAt))
		}
		if _, err := tx.ExecContext(ctx, `UPDATE prompts SET state = ?, closed_at = ?, closed_by = ?, note = CASE WHEN ? = '' THEN note ELSE ? END WHERE id = ?`,
			string(state), timeText(c.now()), actor.Name, note, note, id); err != nil {
			return err
		}
		reason := fmt.Sprintf("prompt %d (%s)", id, p.Action)
		if note != "" {
			reason += ": " + note
		}
		if err := c.appendEvent(ctx, tx, &Event{Actor: actor.Name, Role: actor.Role, Kind: "prompt-" + string(state), Barcode: p.Barcode, Manifest: p.Manifest,
			Reason: reason}); err != nil {
			return err
		}
		out, err = promptTx(ctx, tx, id)
		return err
	})
	return out, err
}

// NotePromptNotice records a reminder sent for a prompt (and whether it
// was an escalation).
func (c *Catalog) NotePromptNotice(ctx context.Context, id int64, reminder, escalated bool) error {
	return c.write(ctx, func(tx *sql.Tx) error {
		inc := 0
		if reminder {
			inc = 1
		}
		_, err := tx.ExecContext(ctx, `UPDATE prompts SET reminders = reminders + ?, last_notice_at = ?, escalated = escalated OR ? WHERE id = ?`,
			inc, timeText(c.now()), escalated, id)
		return err
	})
}

// Prompt returns one prompt.
func (c *Catalog) Prompt(ctx context.Context, id int64) (Prompt, error) {
	return promptTx(ctx, c.r, id)
}

// promptTx reads one prompt, inside a transaction or from the read pool.
func promptTx(ctx context.Context, q querier, id int64) (Prompt, error) {
	p, err := scanPrompt(q.QueryRowContext(ctx, "SELECT "+promptColumns+" FROM prompts WHERE id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return p, fmt.Errorf("%w: %d; see 'tapewarden prompt list'", ErrPromptNotFound, id)
	}
	return p, err
}

// Prompts lists prompts: the open ones oldest first, or with all, the
// newest hundred of any state.
func (c *Catalog) Prompts(ctx context.Context, all bool) ([]Prompt, error) {
	q := "SELECT " + promptColumns + " FROM prompts WHERE state = 'open' ORDER BY id"
	if all {
		q = "SELECT " + promptColumns + " FROM prompts ORDER BY id DESC LIMIT 100"
	}
	return queryAll(ctx, c.r, scanPrompt, q)
}

// DriveEvent is one entry of a drive's history.
type DriveEvent struct {
	ID      int64     `json:"id"`
	Drive   string    `json:"drive"`
	At      time.Time `json:"at"`
	Kind    string    `json:"kind"` // cleaned, cleaning-failed, tapealert, error, mount
	Barcode string    `json:"barcode,omitempty"`
	Flag    int       `json:"flag,omitempty"`
	Bytes   int64     `json:"bytes,omitempty"`
	Detail  string    `json:"detail,omitempty"`
}

// RecordDriveEvent appends to a drive's history.
func (c *Catalog) RecordDriveEvent(ctx context.Context, e DriveEvent) (DriveEvent, error) {
	err := c.write(ctx, func(tx *sql.Tx) error {
		if e.At.IsZero() {
			e.At = c.now()
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO drive_events (drive, at, kind, barcode, flag, bytes, detail) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			e.Drive, timeText(e.At), e.Kind, e.Barcode, e.Flag, e.Bytes, e.Detail)
		if err != nil {
			return err
		}
		e.ID, _ = res.LastInsertId()
		return nil
	})
	return e, err
}

// DriveEvents lists a drive's history, newest first.
func (c *Catalog) DriveEvents(ctx context.Context, drive string, limit int) ([]DriveEvent, error) {
	if limit <= 0 {
		limit = 100
	}
	rows, err := c.r.QueryContext(ctx, `SELECT id, drive, at, kind, barcode, flag, bytes, detail FROM drive_events WHERE drive = ? ORDER BY id DESC LIMIT ?`, drive, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []DriveEvent
	for rows.Next() {
		var e DriveEvent
		var at string
		if err := rows.Scan(&e.ID, &e.Drive, &at, &e.Kind, &e.Barcode, &e.Flag, &e.Bytes, &e.Detail); err != nil {
			return nil, err
		}
		e.At = parseTime(at)
		out = append(out, e)
	}
	return out, rows.Err()
}

// DriveUse is a drive's use since its last cleaning.
type DriveUse struct {
	// FirstSeen is when the catalog first recorded the drive.
	FirstSeen   time.Time
	LastCleaned time.Time
	Mounts      int
	Bytes       int64
	// TapeAlerts counts TapeAlert flags raised, by flag number, ever.
	TapeAlerts map[int]int64
}

// DriveUse reads a drive's use since its last cleaning.
func (c *Catalog) DriveUse(ctx context.Context, drive string) (DriveUse, error) {
	return driveUse(ctx, c.r, drive)
}

func driveUse(ctx context.Context, q querier, drive string) (DriveUse, error) {
	u := DriveUse{TapeAlerts: map[int]int64{}}
	var last sql.NullString
	if err := q.QueryRowContext(ctx, `SELECT max(at) FROM drive_events WHERE drive = ? AND kind = 'cleaned'`, drive).Scan(&last); err != nil {
		return u, err
	}
	u.LastCleaned = parseNullTime(last)
	var first sql.NullString
	if err := q.QueryRowContext(ctx, `SELECT min(at) FROM drive_events WHERE drive = ?`, drive).Scan(&first); err != nil {
		return u, err
	}
	u.FirstSeen = parseNullTime(first)
	since := ""
	if last.Valid {
		since = last.String
	}
	if err := q.QueryRowContext(ctx, `SELECT count(*), coalesce(sum(bytes), 0) FROM drive_events WHERE drive = ? AND kind = 'mount' AND at > ?`, drive, since).Scan(&u.Mounts, &u.Bytes); err != nil {
		return u, err
	}
	rows, err := q.QueryContext(ctx, `SELECT flag, count(*) FROM drive_events WHERE drive = ? AND kind = 'tapealert' GROUP BY flag`, drive)
	if err != nil {
		return u, err
	}
	defer rows.Close()
	for rows.Next() {
		var flag int
		var n int64
		if err := rows.Scan(&flag, &n); err != nil {
			return u, err
		}
		u.TapeAlerts[flag] = n
	}
	return u, rows.Err()
}

// UseCleaner counts one use of a cleaning cartridge and returns the uses
// left.
func (c *Catalog) UseCleaner(ctx context.Context, actor Actor, barcode, drive string) (int, error) {
	left := 0
	err := c.write(ctx, func(tx *sql.Tx) error {
		cart, err := cartridgeTx(ctx, tx, barcode)
		if err != nil {
			return err
		}
		if cart.UsesLeft == nil {
			return fmt.Errorf("%w: %s is not a cleaning cartridge", ErrBadInput, barcode)
		}
		left = max(*cart.UsesLeft-1, 0)
		if _, err := tx.ExecContext(ctx, `UPDATE cartridges SET uses_left = ?, mounts = mounts + 1, updated_at = ? WHERE barcode = ?`, left, timeText(c.now()), barcode); err != nil {
			return err
		}
		return c.appendEvent(ctx, tx, &Event{Actor: actor.Name, Role: actor.Role, Kind: "cleaning-used", Barcode: barcode,
			From: cart.Location.String(), To: cart.Location.String(), Reason: fmt.Sprintf("cleaned drive %s; %d uses left", drive, left)})
	})
	return left, err
}

// SetUsesLeft records what a cleaning cartridge really has left (a drive
// rejected it as expired, say).
func (c *Catalog) SetUsesLeft(ctx context.Context, actor Actor, barcode string, left int, reason string) error {
	if err := checkActor(actor); err != nil {
		return err
	}
	if err := CheckText("the reason", reason, TextLine); err != nil {
		return err
	}
	if left < 0 || left > 1000 {
		return fmt.Errorf("%w: %s: uses left must be between 0 and 1000", ErrBadInput, barcode)
	}
	return c.write(ctx, func(tx *sql.Tx) error {
		cart, err := cartridgeTx(ctx, tx, barcode)
		if err != nil {
			return err
		}
		if cart.UsesLeft == nil {
			return fmt.Errorf("%w: %s is not a cleaning cartridge", ErrBadInput, barcode)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE cartridges SET uses_left = ?, updated_at = ? WHERE barcode = ?`, left, timeText(c.now()), barcode); err != nil {
			return err
		}
		return c.appendEvent(ctx, tx, &Event{Actor: actor.Name, Role: actor.Role, Kind: "cleaning-used", Barcode: barcode,
			From: cart.Location.String(), To: cart.Location.String(), Reason: reason})
	})
}
