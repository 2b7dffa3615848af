package media

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// RunState is where a backup run stands.
type RunState string

// Run states. A run moves queued → waiting (for a cartridge) → writing →
// verifying → succeeded, or ends failed, cancelled or missed.
const (
	RunQueued    RunState = "queued"
	RunWaiting   RunState = "waiting"
	RunWriting   RunState = "writing"
	RunVerifying RunState = "verifying"
	RunSucceeded RunState = "succeeded"
	RunFailed    RunState = "failed"
	RunCancelled RunState = "cancelled"
	RunMissed    RunState = "missed"
)

// Finished reports whether the state is final.
func (s RunState) Finished() bool {
	switch s {
	case RunSucceeded, RunFailed, RunCancelled, RunMissed:
		return true
	}
	return false
}

// Run is one execution of a backup job.
type Run struct {
	ID           int64     `json:"id"`
	Job          string    `json:"job"`
	System       string    `json:"system,omitempty"`
	Pool         string    `json:"pool"`
	State        RunState  `json:"state"`
	Reason       string    `json:"reason,omitempty"`
	Trigger      string    `json:"trigger"` // schedule, manual, catch-up
	ScheduledFor time.Time `json:"scheduled_for,omitzero"`
	QueuedAt     time.Time `json:"queued_at"`
	StartedAt    time.Time `json:"started_at,omitzero"`
	FinishedAt   time.Time `json:"finished_at,omitzero"`
	Generation   string    `json:"generation,omitempty"`
	Level        string    `json:"level,omitempty"`
	Bytes        int64     `json:"bytes"`
	SHA256       string    `json:"sha256,omitempty"`
	Files        int64     `json:"files"`
	WaitSeconds  float64   `json:"wait_seconds"`
	Drive        string    `json:"drive,omitempty"`
	Log          RunLog    `json:"log,omitempty"`
	Pieces       []Piece   `json:"pieces,omitempty"`
	// Coalesced are the scheduled slots that fired while this run was in
	// progress and were taken as covered by it, oldest first.
	Coalesced []time.Time `json:"coalesced,omitempty"`
	// Encryption is "" or "age". For an encrypted run Bytes and SHA256
	// are the tar stream's (plaintext), TapeBytes and TapeSHA256 (and
	// the pieces' checksums) the bytes on tape, and Recipients the
	// fingerprints of the age recipients it was encrypted to.
	Encryption string   `json:"encryption,omitempty"`
	TapeBytes  int64    `json:"tape_bytes,omitempty"`
	TapeSHA256 string   `json:"tape_sha256,omitempty"`
	Recipients []string `json:"recipients,omitempty"`
}

// Piece is one cartridge's part of a run's tar stream.
type Piece struct {
	Run      int64     `json:"run"`
	Piece    int       `json:"piece"`
	Barcode  string    `json:"barcode"`
	File     int64     `json:"file"`
	Bytes    int64     `json:"bytes"`
	SHA256   string    `json:"sha256"`
	Complete bool      `json:"complete"`
	GoneAt   time.Time `json:"gone_at,omitzero"`
}

const (
	runFields  = `id, job, system, pool, state, reason, trigger_kind, scheduled_for, queued_at, started_at, finished_at, generation, level, bytes, sha256, files, wait_seconds, drive, encryption, tape_bytes, tape_sha256, recipients`
	runColumns = runFields + `, log`
	// runListColumns leave out the log, which can be long: listings do
	// not carry it, Run does.
	runListColumns = runFields + `, ''`
)

func scanRun(s interface{ Scan(...any) error }) (Run, error) {
	var r Run
	var sched, started, finished sql.NullString
	var queued, recipients string
	err := s.Scan(&r.ID, &r.Job, &r.System, &r.Pool, &r.State, &r.Reason, &r.Trigger, &sched, &queued, &started, &finished,
		&r.Generation, &r.Level, &r.Bytes, &r.SHA256, &r.Files, &r.WaitSeconds, &r.Drive,
		&r.Encryption, &r.TapeBytes, &r.TapeSHA256, &recipients, &r.Log)
	if recipients != "" {
		r.Recipients = strings.Split(recipients, ",")
	}
	r.ScheduledFor, r.QueuedAt = parseNullTime(sched), parseTime(queued)
	r.StartedAt, r.FinishedAt = parseNullTime(started), parseNullTime(finished)
	return r, err
}

// runTx reads one run without its pieces, inside a transaction or from the
// read pool; an unknown ID gives sql.ErrNoRows.
func runTx(ctx context.Context, q querier, id int64) (Run, error) {
	return scanRun(q.QueryRowContext(ctx, "SELECT "+runColumns+" FROM runs WHERE id = ?", id))
}

// NewRun describes a run to queue.
type NewRun struct {
	Job, System, Pool string
	Trigger           string
	ScheduledFor      time.Time
}

func nullTime(t time.Time) sql.NullString {
	if t.IsZero() {
		return sql.NullString{}
	}
	return sql.NullString{String: timeText(t), Valid: true}
}

// QueueRun records a new run in state queued.
func (c *Catalog) QueueRun(ctx context.Context, n NewRun) (Run, error) {
	var out Run
	err := c.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO runs (job, system, pool, state, trigger_kind, scheduled_for, queued_at) VALUES (?, ?, ?, 'queued', ?, ?, ?)`,
			n.Job, n.System, n.Pool, n.Trigger, nullTime(n.ScheduledFor), timeText(c.now()))
		if err != nil {
			return err
		}
		id, err := res.LastInsertId()
		if err != nil {
			return err
		}
		out, err = runTx(ctx, tx, id)
		return err
	})
	return out, err
}

// RecordMissed records a scheduled run that did not happen (the daemon was
// down at the time and the catch-up window had passed). It counts as a
// failure.
func (c *Catalog) RecordMissed(ctx context.Context, n NewRun, reason string) (Run, error) {
	var out Run
	err := c.write(ctx, func(tx *sql.Tx) error {
		now := timeText(c.now())
		res, err := tx.ExecContext(ctx, `INSERT INTO runs (job, system, pool, state, reason, trigger_kind, scheduled_for, queued_at, finished_at) VALUES (?, ?, ?, 'missed', ?, ?, ?, ?, ?)`,
			n.Job, n.System, n.Pool, reason, n.Trigger, nullTime(n.ScheduledFor), now, now)
		if err != nil {
			return err
		}
		id, _ := res.LastInsertId()
		seal, err := runSeal(ctx, tx, id)
		if err != nil {
			return err
		}
		if err := c.appendEvent(ctx, tx, &Event{Actor: System.Name, Role: System.Role, Kind: "run-missed", From: sealPrefix + seal, To: fmt.Sprintf("run/%d", id), ToState: string(RunMissed),
			Reason: fmt.Sprintf("run %d of job %s: %s", id, n.Job, reason)}); err != nil {
			return err
		}
		out, err = runTx(ctx, tx, id)
		return err
	})
	return out, err
}

// RecordCoalesced records that a job's scheduled slot fired while run was
// in progress, and was taken as covered by that run. It is not a failure
// and not a missed run; the run's history shows it.
func (c *Catalog) RecordCoalesced(ctx context.Context, run int64, slot time.Time) error {
	return c.write(ctx, func(tx *sql.Tx) error {
		r, err := runTx(ctx, tx, run)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("%w: run %d", ErrRunNotFound, run)
		} else if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO coalesced_slots (job, run, scheduled_for, recorded_at) VALUES (?, ?, ?, ?)`,
			r.Job, run, timeText(slot), timeText(c.now())); err != nil {
			return err
		}
		return c.appendEvent(ctx, tx, &Event{Actor: System.Name, Role: System.Role, Kind: "run-coalesced",
			Reason: fmt.Sprintf("the slot of job %s at %s found run %d in progress and is covered by it", r.Job, timeText(slot), run)})
	})
}

// coalesced fills in the slots coalesced into each run.
func (c *Catalog) coalesced(ctx context.Context, runs []Run) error {
	if len(runs) == 0 {
		return nil
	}
	at := map[int64]int{}
	args := make([]any, 0, len(runs))
	for i, r := range runs {
		at[r.ID] = i
		args = append(args, r.ID)
	}
	rows, err := c.r.QueryContext(ctx, `SELECT run, scheduled_for FROM coalesced_slots WHERE run IN (?`+strings.Repeat(", ?", len(runs)-1)+`) ORDER BY scheduled_for`, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var run int64
		var slot string
		if err := rows.Scan(&run, &slot); err != nil {
			return err
		}
		i := at[run]
		runs[i].Coalesced = append(runs[i].Coalesced, parseTime(slot))
	}
	return rows.Err()
}

// RunUpdate changes a running run. Zero fields are left alone.
type RunUpdate struct {
	State       RunState
	Started     bool // set started_at to now
	Generation  string
	Level       string
	Drive       string
	WaitSeconds float64
	Log         string // appended to the run log
}

// UpdateRun records progress of a run that has not finished.
//
// A run ends only through FinishRun (or RecordMissed), which chains the end
// in the audit log; UpdateRun refuses a final state.
func (c *Catalog) UpdateRun(ctx context.Context, id int64, u RunUpdate) error {
	switch u.State {
	case "", RunQueued, RunWaiting, RunWriting, RunVerifying:
	default:
		if u.State.Finished() {
			return fmt.Errorf("%w: run %d: a run ends with FinishRun, which records its end in the audit chain, not by setting state %s", ErrBadInput, id, u.State)
		}
		return fmt.Errorf("%w: run %d: unknown run state %q", ErrBadInput, id, u.State)
	}
	return c.write(ctx, func(tx *sql.Tx) error {
		var state RunState
		if err := tx.QueryRowContext(ctx, `SELECT state FROM runs WHERE id = ?`, id).Scan(&state); err != nil {
			return fmt.Errorf("run %d: %w", id, err)
		}
		if state.Finished() {
			return fmt.Errorf("%w: run %d has already %s", ErrBadInput, id, state)
		}
		var sets []string
		var args []any
		if u.State != "" {
			sets, args = append(sets, "state = ?"), append(args, string(u.State))
		}
		if u.Started {
			sets, args = append(sets, "started_at = coalesce(started_at, ?)"), append(args, timeText(c.now()))
		}
		if u.Generation != "" {
			sets, args = append(sets, "generation = ?", "level = ?"), append(args, u.Generation, u.Level)
		}
		if u.Drive != "" {
			sets, args = append(sets, "drive = ?"), append(args, u.Drive)
		}
		if u.WaitSeconds > 0 {
			sets, args = append(sets, "wait_seconds = wait_seconds + ?"), append(args, u.WaitSeconds)
		}
		if u.Log != "" {
			sets, args = append(sets, "log = log || ?"), append(args, u.Log)
		}
		if len(sets) == 0 {
			return nil
		}
		args = append(args, id)
		_, err := tx.ExecContext(ctx, "UPDATE runs SET "+strings.Join(sets, ", ")+" WHERE id = ?", args...)
		return err
	})
}

// MarkOverwritten records, before a write starts, that everything on a
// cartridge from tape file `from` on is about to be destroyed: the pieces
// there are gone. Rotation chose the cartridge because nothing on it is
// protected; marking them first means a crash mid-write never leaves the
// catalog claiming data the tape no longer holds.
func (c *Catalog) MarkOverwritten(ctx context.Context, actor Actor, barcode string, from int64, run int64) error {
	return c.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE pieces SET gone_at = ? WHERE barcode = ? AND file >= ? AND gone_at IS NULL`, timeText(c.now()), barcode, from)
		if err != nil {
			return err
		}
		n, _ := res.RowsAffected()
		if n == 0 {
			return nil
		}
		return c.appendEvent(ctx, tx, &Event{Actor: actor.Name, Role: actor.Role, Kind: "overwritten", Barcode: barcode,
			Reason: fmt.Sprintf("run %d writes from tape file %d: %d earlier %s there overwritten", run, from, n, map[bool]string{true: "piece is", false: "pieces are"}[n == 1])})
	})
}

// RunResult is how a run ended.
type RunResult struct {
	State  RunState // succeeded, failed or cancelled
	Reason string
	Bytes  int64
	SHA256 string
	Files  int64
	// Pieces are the run's pieces on tape. For a succeeded run they hold
	// the whole stream; a failed run lists what it wrote (incomplete).
	Pieces []Piece
	// Generation is the period the run belongs to, recorded for a run that
	// wrote to tape.
	Generation, Level string
	GenerationStart   time.Time
	// Full are cartridges that reached their end while writing.
	Full []string
	// Finished is when the run ended; zero means now. A run whose end could
	// not be recorded at once (the catalog could not be written) is
	// recorded later with the time it really ended.
	Finished time.Time
	// Encryption, TapeBytes, TapeSHA256 and Recipients describe an
	// encrypted run (see Run).
	Encryption string
	TapeBytes  int64
	TapeSHA256 string
	Recipients []string
}

// FinishRun records the end of a run in one transaction: its state, its
// pieces and generation, the cartridges it wrote (state, bytes written),
// and an audit event.
func (c *Catalog) FinishRun(ctx context.Context, id int64, res RunResult) (Run, error) {
	if !res.State.Finished() {
		return Run{}, fmt.Errorf("%w: %q is not a final run state", ErrBadInput, res.State)
	}
	var out Run
	err := c.write(ctx, func(tx *sql.Tx) error {
		cur, err := runTx(ctx, tx, id)
		if err != nil {
			return fmt.Errorf("run %d: %w", id, err)
		}
		if cur.State.Finished() {
			return fmt.Errorf("%w: run %d has already %s", ErrBadInput, id, cur.State)
		}
		now := c.now()
		if !res.Finished.IsZero() {
			now = res.Finished
		}
		gen, level := cur.Generation, cur.Level
		if res.Generation != "" {
			gen, level = res.Generation, res.Level
		}
		if _, err := tx.ExecContext(ctx, `UPDATE runs SET state = ?, reason = ?, finished_at = ?, bytes = ?, sha256 = ?, files = ?,
			generation = ?, level = ?, encryption = ?, tape_bytes = ?, tape_sha256 = ?, recipients = ? WHERE id = ?`,
			string(res.State), res.Reason, timeText(now), res.Bytes, res.SHA256, res.Files, gen, level,
			res.Encryption, res.TapeBytes, res.TapeSHA256, strings.Join(res.Recipients, ","), id); err != nil {
			return err
		}
		if gen != "" && len(res.Pieces) > 0 {
			start := res.GenerationStart
			if start.IsZero() {
				start = cur.StartedAt
			}
			if start.IsZero() {
				start = now
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO generations (pool, id, level, started_at) VALUES (?, ?, ?, ?)
				ON CONFLICT (pool, id) DO NOTHING`, cur.Pool, gen, level, timeText(start)); err != nil {
				return err
			}
		}
		for _, p := range res.Pieces {
			if _, err := tx.ExecContext(ctx, `INSERT INTO pieces (run, piece, barcode, file, bytes, sha256, complete) VALUES (?, ?, ?, ?, ?, ?, ?)`,
				id, p.Piece, p.Barcode, p.File, p.Bytes, p.SHA256, p.Complete && res.State == RunSucceeded); err != nil {
				return fmt.Errorf("record piece %d of run %d: %w", p.Piece, id, err)
			}
			state := Active
			for _, f := range res.Full {
				if f == p.Barcode {
					state = Full
				}
			}
			if _, err := tx.ExecContext(ctx, `UPDATE cartridges SET bytes_written = bytes_written + ?, first_use = coalesce(first_use, ?), updated_at = ? WHERE barcode = ?`,
				p.Bytes, timeText(now), timeText(now), p.Barcode); err != nil {
				return err
			}
			cart, err := cartridgeTx(ctx, tx, p.Barcode)
			if err != nil {
				return err
			}
			if cart.State != state && cart.State != Retired && cart.State != Lost {
				if _, err := tx.ExecContext(ctx, `UPDATE cartridges SET state = ?, pool = ? WHERE barcode = ?`, string(state), cur.Pool, p.Barcode); err != nil {
					return err
				}
				if err := c.appendEvent(ctx, tx, &Event{Actor: System.Name, Role: System.Role, Kind: "state", Barcode: p.Barcode,
					From: cart.Location.String(), To: cart.Location.String(), FromState: string(cart.State), ToState: string(state),
					Reason: fmt.Sprintf("run %d of job %s wrote generation %s", id, cur.Job, gen)}); err != nil {
					return err
				}
			}
		}
		reason := fmt.Sprintf("run %d of job %s %s", id, cur.Job, res.State)
		if res.Reason != "" {
			reason += ": " + res.Reason
		}
		// The run is named in To, its end in ToState and a seal of what
		// it recorded in From, so that Verify can compare the run's rows
		// with the chain.
		seal, err := runSeal(ctx, tx, id)
		if err != nil {
			return err
		}
		if err := c.appendEvent(ctx, tx, &Event{Actor: System.Name, Role: System.Role, Kind: "run-" + string(res.State),
			From: sealPrefix + seal, To: fmt.Sprintf("run/%d", id), FromState: string(cur.State), ToState: string(res.State), Reason: reason}); err != nil {
			return err
		}
		out, err = runTx(ctx, tx, id)
		return err
	})
	return out, err
}

// TakeIntoPool moves a scratch cartridge into the pool that is about to
// write it, with a custody event.
func (c *Catalog) TakeIntoPool(ctx context.Context, barcode, pool, reason string) error {
	return c.write(ctx, func(tx *sql.Tx) error {
		cart, err := cartridgeTx(ctx, tx, barcode)
		if err != nil {
			return err
		}
		if cart.Pool == pool {
			return nil
		}
		if _, err := tx.ExecContext(ctx, `UPDATE cartridges SET pool = ?, state = 'scratch', updated_at = ? WHERE barcode = ?`, pool, timeText(c.now()), barcode); err != nil {
			return err
		}
		return c.appendEvent(ctx, tx, &Event{Actor: System.Name, Role: System.Role, Kind: "pool", Barcode: barcode,
			From: cart.Location.String(), To: cart.Location.String(), FromState: "pool " + cart.Pool, ToState: "pool " + pool, Reason: reason})
	})
}

// SetLabelUUID records the UUID of the label written on a cartridge.
func (c *Catalog) SetLabelUUID(ctx context.Context, barcode, uuid string) error {
	return c.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE cartridges SET label_uuid = ? WHERE barcode = ?`, uuid, barcode)
		return err
	})
}

// LabelUUID is the UUID of the label last written on a cartridge by this
// catalog, or "".
func (c *Catalog) LabelUUID(ctx context.Context, barcode string) (string, error) {
	var u string
	err := c.r.QueryRowContext(ctx, `SELECT label_uuid FROM cartridges WHERE barcode = ?`, barcode).Scan(&u)
	return u, err
}

// FailUnfinishedRuns marks every run left queued, waiting, writing or
// verifying by a daemon that stopped (crashed or killed) as failed, and
// returns them. Their pieces were never recorded, so no good generation
// comes from them.
func (c *Catalog) FailUnfinishedRuns(ctx context.Context, reason string) ([]Run, error) {
	var ids []int64
	rows, err := c.r.QueryContext(ctx, `SELECT id FROM runs WHERE state IN ('queued', 'waiting', 'writing', 'verifying') ORDER BY id`)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, err
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	var out []Run
	for _, id := range ids {
		r, err := c.Run(ctx, id)
		if err != nil {
			return out, err
		}
		msg := fmt.Sprintf("%s while the run was %s", reason, r.State)
		if r.Drive != "" {
			msg += fmt.Sprintf(" (drive %s)", r.Drive)
		}
		msg += "; nothing it wrote counts as a good generation"
		done, err := c.FinishRun(ctx, id, RunResult{State: RunFailed, Reason: msg})
		if err != nil {
			return out, err
		}
		out = append(out, done)
	}
	return out, nil
}

// Run returns one run with its pieces.
func (c *Catalog) Run(ctx context.Context, id int64) (Run, error) {
	r, err := runTx(ctx, c.r, id)
	if errors.Is(err, sql.ErrNoRows) {
		return r, fmt.Errorf("%w: run %d", ErrRunNotFound, id)
	} else if err != nil {
		return r, err
	}
	if r.Pieces, err = c.Pieces(ctx, id); err != nil {
		return r, err
	}
	one := []Run{r}
	err = c.coalesced(ctx, one)
	return one[0], err
}

// ErrRunNotFound is returned for an unknown run ID.
var ErrRunNotFound = errors.New("media: run not found")

// Pieces returns a run's pieces in order.
func (c *Catalog) Pieces(ctx context.Context, run int64) ([]Piece, error) {
	rows, err := c.r.QueryContext(ctx, `SELECT run, piece, barcode, file, bytes, sha256, complete, gone_at FROM pieces WHERE run = ? ORDER BY piece`, run)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Piece
	for rows.Next() {
		var p Piece
		var gone sql.NullString
		if err := rows.Scan(&p.Run, &p.Piece, &p.Barcode, &p.File, &p.Bytes, &p.SHA256, &p.Complete, &gone); err != nil {
			return nil, err
		}
		p.GoneAt = parseNullTime(gone)
		out = append(out, p)
	}
	return out, rows.Err()
}

// RunFilter selects runs; zero fields do not filter.
type RunFilter struct {
	Job        string
	Pool       string
	State      RunState
	Generation string
	Before     time.Time // finished before
	Limit      int       // default 50
}

// Runs lists runs, newest first.
func (c *Catalog) Runs(ctx context.Context, f RunFilter) ([]Run, error) {
	var where []string
	var args []any
	if f.Job != "" {
		where, args = append(where, "job = ?"), append(args, f.Job)
	}
	if f.Pool != "" {
		where, args = append(where, "pool = ?"), append(args, f.Pool)
	}
	if f.State != "" {
		where, args = append(where, "state = ?"), append(args, string(f.State))
	}
	if f.Generation != "" {
		where, args = append(where, "generation = ?"), append(args, f.Generation)
	}
	if !f.Before.IsZero() {
		where, args = append(where, "finished_at <= ?"), append(args, timeText(f.Before))
	}
	q := "SELECT " + runListColumns + " FROM runs"
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 50
	}
	q += fmt.Sprintf(" ORDER BY id DESC LIMIT %d", limit)
	// The rows are closed before coalesced reads more.
	out, err := queryAll(ctx, c.r, scanRun, q, args...)
	if err != nil {
		return nil, err
	}
	return out, c.coalesced(ctx, out)
}

// JobStats summarises one job's runs for metrics.
type JobStats struct {
	Job         string
	Counts      map[RunState]int64
	LastSuccess time.Time
	LastFailure time.Time
	LastRun     Run // the newest finished run
	Bytes       int64
	WaitSeconds float64
	// LastScheduled is the newest scheduled slot a run was recorded for.
	LastScheduled time.Time
}

// JobStats reads per-job run statistics for the named jobs.
func (c *Catalog) JobStats(ctx context.Context, jobs []string) (map[string]*JobStats, error) {
	return jobStats(ctx, c.r, jobs)
}

func jobStats(ctx context.Context, q querier, jobs []string) (map[string]*JobStats, error) {
	out := map[string]*JobStats{}
	for _, j := range jobs {
		out[j] = &JobStats{Job: j, Counts: map[RunState]int64{}}
	}
	rows, err := q.QueryContext(ctx, `SELECT job, state, count(*), coalesce(sum(bytes), 0), coalesce(sum(wait_seconds), 0), max(finished_at), max(scheduled_for) FROM runs GROUP BY job, state`)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var job, state string
		var n, bytes int64
		var wait float64
		var last, sched sql.NullString
		if err := rows.Scan(&job, &state, &n, &bytes, &wait, &last, &sched); err != nil {
			rows.Close()
			return nil, err
		}
		s, ok := out[job]
		if !ok {
			continue
		}
		st := RunState(state)
		s.Counts[st] += n
		s.Bytes += bytes
		s.WaitSeconds += wait
		t := parseNullTime(last)
		switch st {
		case RunSucceeded:
			s.LastSuccess = t
		case RunFailed, RunMissed:
			if t.After(s.LastFailure) {
				s.LastFailure = t
			}
		}
		if st := parseNullTime(sched); st.After(s.LastScheduled) {
			s.LastScheduled = st
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	// A slot coalesced into a run was scheduled too: it is not missed again
	// at the next start.
	rows, err = q.QueryContext(ctx, `SELECT job, max(scheduled_for) FROM coalesced_slots GROUP BY job`)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var job string
		var sched sql.NullString
		if err := rows.Scan(&job, &sched); err != nil {
			rows.Close()
			return nil, err
		}
		if s, ok := out[job]; ok {
			if st := parseNullTime(sched); st.After(s.LastScheduled) {
				s.LastScheduled = st
			}
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for _, j := range jobs {
		r, err := scanRun(q.QueryRowContext(ctx, "SELECT "+runListColumns+" FROM runs WHERE job = ? AND finished_at IS NOT NULL ORDER BY id DESC LIMIT 1", j))
		if err == nil {
			out[j].LastRun = r
		} else if !errors.Is(err, sql.ErrNoRows) {
			return nil, err
		}
	}
	return out, nil
}

// CartridgeGeneration is one generation whose data a cartridge holds.
type CartridgeGeneration struct {
	Barcode    string
	Pool       string
	Generation string
	Level      string
	Started    time.Time
	// Expected are the jobs with a run in the generation; Succeeded those
	// with a succeeded run.
	Expected, Succeeded []string
}

// Generations lists, per cartridge of the given pools, the generations of
// pieces still on it (not overwritten), with the jobs expected and
// succeeded in each generation.
func (c *Catalog) Generations(ctx context.Context, pools []string) ([]CartridgeGeneration, error) {
	return generations(ctx, c.r, pools)
}

func generations(ctx context.Context, q querier, pools []string) ([]CartridgeGeneration, error) {
	if len(pools) == 0 {
		return nil, nil
	}
	ph := "?" + strings.Repeat(", ?", len(pools)-1)
	args := make([]any, 0, len(pools))
	for _, p := range pools {
		args = append(args, p)
	}
	// Jobs per generation, of the generations still on tape only: the
	// others are not listed below, and years of runs need not be read.
	jobRows, err := q.QueryContext(ctx, `SELECT pool, generation, job, max(state = 'succeeded') FROM runs
		WHERE pool IN (`+ph+`) AND generation <> ''
		AND (pool, generation) IN (SELECT r.pool, r.generation FROM pieces p JOIN runs r ON r.id = p.run WHERE p.gone_at IS NULL)
		GROUP BY pool, generation, job ORDER BY pool, generation, job`, args...)
	if err != nil {
		return nil, err
	}
	type key struct{ pool, gen string }
	expected := map[key][]string{}
	succeeded := map[key][]string{}
	for jobRows.Next() {
		var pool, gen, job string
		var ok bool
		if err := jobRows.Scan(&pool, &gen, &job, &ok); err != nil {
			jobRows.Close()
			return nil, err
		}
		k := key{pool, gen}
		expected[k] = append(expected[k], job)
		if ok {
			succeeded[k] = append(succeeded[k], job)
		}
	}
	jobRows.Close()
	if err := jobRows.Err(); err != nil {
		return nil, err
	}
	rows, err := q.QueryContext(ctx, `SELECT DISTINCT p.barcode, r.pool, r.generation, g.level, g.started_at
		FROM pieces p JOIN runs r ON r.id = p.run JOIN generations g ON g.pool = r.pool AND g.id = r.generation
		WHERE p.gone_at IS NULL AND r.pool IN (`+ph+`) ORDER BY p.barcode, g.started_at`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []CartridgeGeneration
	for rows.Next() {
		var cg CartridgeGeneration
		var started string
		if err := rows.Scan(&cg.Barcode, &cg.Pool, &cg.Generation, &cg.Level, &started); err != nil {
			return nil, err
		}
		cg.Started = parseTime(started)
		k := key{cg.Pool, cg.Generation}
		cg.Expected, cg.Succeeded = expected[k], succeeded[k]
		out = append(out, cg)
	}
	return out, rows.Err()
}
