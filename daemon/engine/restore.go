package engine

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/tapewarden/tapewarden/daemon/archive"
	"github.com/tapewarden/tapewarden/drives"
	"github.com/tapewarden/tapewarden/media"
)

// RestoreRequest is `tapewarden restore`.
type RestoreRequest struct {
	System     string    `json:"system,omitempty"`
	Job        string    `json:"job,omitempty"`
	Generation string    `json:"generation,omitempty"` // a generation ID, e.g. daily/2026-11-28
	At         time.Time `json:"at,omitzero"`          // the newest generation finished by then
	Paths      []string  `json:"paths,omitempty"`      // restore only these members (files or directories)
	To         string    `json:"to"`                   // an existing directory
	Overwrite  bool      `json:"overwrite,omitempty"`
	// AllowDevices creates device nodes and FIFOs (only a daemon running
	// as root can).
	AllowDevices bool   `json:"allow_devices,omitempty"`
	Drill        bool   `json:"drill,omitempty"`
	Note         string `json:"note,omitempty"`
	// Identity is the text of an age identity file, for restoring an
	// encrypted run: the CLI reads the file and sends it here. It is
	// never logged or stored; without it the pool's restore_identity_file
	// is used.
	Identity Secret `json:"identity,omitempty"`
}

// Secret is text that must never be shown: it prints and logs as
// "[secret]". It still travels as JSON, in the request that carries it.
type Secret string

func (Secret) String() string               { return "[secret]" }
func (Secret) GoString() string             { return "[secret]" }
func (Secret) LogValue() slog.Value         { return slog.StringValue("[secret]") }
func (s Secret) Format(f fmt.State, _ rune) { fmt.Fprint(f, s.String()) }

// RestoreResult is what a restore brought back, and everything it did
// not: a restore goes on past refused members and missing jobs, and says
// so here. Complete is true only when everything asked for was restored
// and every stream's SHA-256 matched; Err words what is not.
type RestoreResult struct {
	Jobs []RestoredJob `json:"jobs"`
	// Missing are the jobs of the system that had nothing to restore.
	Missing []MissingJob `json:"missing,omitempty"`
	// Unmatched are the requested paths that no restored job holds.
	Unmatched []string     `json:"unmatched_paths,omitempty"`
	Complete  bool         `json:"complete"`
	Duration  float64      `json:"duration_seconds"`
	Drill     *media.Drill `json:"drill,omitempty"`
	// Event is the audit event that records the restore.
	Event int64 `json:"event,omitempty"`
}

// RestoredJob is one job's data restored from one run.
type RestoredJob struct {
	Job        string   `json:"job"`
	Run        int64    `json:"run"`
	Generation string   `json:"generation"`
	Dir        string   `json:"dir"`
	Cartridges []string `json:"cartridges"`
	Bytes      int64    `json:"bytes"`
	Members    int64    `json:"members"`
	// Verified is true when the whole stream read back has the length
	// and SHA-256 recorded when it was written.
	Verified bool            `json:"verified"`
	Refused  []RefusedMember `json:"refused,omitempty"`
	// Problem, if set, is why this job's restore is not complete: the
	// data on tape is not what was written, or it could not be read.
	Problem  string   `json:"problem,omitempty"`
	Warnings []string `json:"warnings,omitempty"`
}

// RefusedMember is a member of the archive that was not restored, and why.
type RefusedMember struct {
	Member string `json:"member"`
	Reason string `json:"reason"`
}

// MissingJob is a job of the system with nothing to restore, and why.
type MissingJob struct {
	Job    string `json:"job"`
	Reason string `json:"reason"`
}

// Err says in words what the restore did not do, or nil when it is
// complete.
func (r RestoreResult) Err() error {
	var parts []string
	for _, j := range r.Jobs {
		if j.Problem != "" {
			parts = append(parts, fmt.Sprintf("%s (run %d): %s", j.Job, j.Run, j.Problem))
		}
		if n := len(j.Refused); n > 0 {
			parts = append(parts, fmt.Sprintf("%s: %d %s refused", j.Job, n, plural(n, "member", "members")))
		}
	}
	for _, m := range r.Missing {
		parts = append(parts, fmt.Sprintf("%s not restored: %s", m.Job, m.Reason))
	}
	if len(r.Unmatched) > 0 {
		parts = append(parts, "not found in the restored data: "+strings.Join(r.Unmatched, ", "))
	}
	if len(parts) == 0 {
		return nil
	}
	return fmt.Errorf("the restore is not complete: %s", strings.Join(parts, "; "))
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// restoreRuns finds the runs a restore request names: for each job of the
// system (or the one job), its newest succeeded run in the requested
// generation, or finished by the requested time. A job of the system with
// no such run is reported missing; it is an error only when no job has
// one.
func (d *Engine) restoreRuns(ctx context.Context, req RestoreRequest) ([]media.Run, []MissingJob, error) {
	var jobs []string
	switch {
	case req.Job != "" && req.System != "":
		return nil, nil, invalid("give --system or --job, not both")
	case req.Job != "":
		if d.cfg.Job(req.Job) == nil {
			return nil, nil, notFound("no job %q is configured", req.Job)
		}
		jobs = []string{req.Job}
	case req.System != "":
		if d.cfg.System(req.System) == nil {
			return nil, nil, notFound("no system %q is configured", req.System)
		}
		// A generation belongs to one pool: the system's jobs writing
		// another pool never wrote it, and are not missing from it.
		pool, _, _ := strings.Cut(req.Generation, "/")
		for _, j := range d.cfg.Jobs {
			if j.System == req.System && (req.Generation == "" || j.Pool == pool) {
				jobs = append(jobs, j.Name)
			}
		}
		if len(jobs) == 0 && req.Generation != "" {
			return nil, nil, notFound("no job of system %s writes pool %s, whose generation %s was asked for; 'tapewarden job history' shows the system's generations", req.System, pool, req.Generation)
		}
		if len(jobs) == 0 {
			return nil, nil, notFound("system %s has no backup jobs", req.System)
		}
	default:
		return nil, nil, invalid("say what to restore: --system S or --job J")
	}
	if req.Generation != "" && !req.At.IsZero() {
		return nil, nil, invalid("give --generation or --at, not both")
	}
	var out []media.Run
	var missing []MissingJob
	for _, job := range jobs {
		runs, err := d.cat.Runs(ctx, media.RunFilter{Job: job, State: media.RunSucceeded, Generation: req.Generation, Before: req.At, Limit: 1})
		if err != nil {
			return nil, nil, err
		}
		if len(runs) == 0 {
			why, err := d.whyNoRun(ctx, job, req)
			if err != nil {
				return nil, nil, err
			}
			missing = append(missing, MissingJob{Job: job, Reason: why})
			continue
		}
		r, err := d.cat.Run(ctx, runs[0].ID)
		if err != nil {
			return nil, nil, err
		}
		out = append(out, r)
	}
	if len(out) == 0 {
		var why []string
		for _, m := range missing {
			why = append(why, fmt.Sprintf("job %s %s", m.Job, m.Reason))
		}
		return nil, missing, notFound("nothing to restore: %s", strings.Join(why, "; "))
	}
	return out, missing, nil
}

// whyNoRun words why job has no run the request can restore, and where
// its data is if it has some elsewhere.
func (d *Engine) whyNoRun(ctx context.Context, job string, req RestoreRequest) (string, error) {
	newest, err := d.cat.Runs(ctx, media.RunFilter{Job: job, State: media.RunSucceeded, Limit: 1})
	if err != nil {
		return "", err
	}
	if len(newest) == 0 {
		return fmt.Sprintf("has no succeeded run yet; see 'tapewarden job history %s'", job), nil
	}
	n := newest[0]
	var why string
	switch {
	case req.Generation != "":
		why = "has no succeeded run in generation " + req.Generation
	case !req.At.IsZero():
		why = "has no succeeded run finished by " + d.when(req.At)
	default:
		why = "has no succeeded run"
	}
	return fmt.Sprintf("%s; its newest is run %d in generation %s (restore it with --job %s --generation %s)", why, n.ID, n.Generation, job, n.Generation), nil
}

// whereToFetch says, for each cartridge a restore needs that is not on
// site, where it is and how it comes back. The restore does not start
// until every cartridge is on site: it never pretends.
func (d *Engine) whereToFetch(ctx context.Context, runs []media.Run) error {
	primary := d.cfg.PrimarySite()
	var problems []string
	for _, r := range runs {
		for _, p := range r.Pieces {
			if !p.GoneAt.IsZero() {
				problems = append(problems, fmt.Sprintf("piece %d of run %d on %s was overwritten at %s", p.Piece, r.ID, p.Barcode, d.when(p.GoneAt)))
				continue
			}
			c, err := d.cat.Cartridge(ctx, p.Barcode)
			if err != nil {
				return err
			}
			switch {
			case c.Location.Kind == media.InTransit:
				problems = append(problems, fmt.Sprintf("%s is in transit on manifest %s; it can be used once 'tapewarden manifest deliver %s' records its arrival", c.Barcode, c.Location.Place, c.Location.Place))
			case primary != nil && c.Location.Site != primary.Name:
				problems = append(problems, fmt.Sprintf("%s is at %s; bring it back with 'tapewarden manifest create --to %s %s' and a courier trip", c.Barcode, c.Location, primary.Name, c.Barcode))
			case c.State == media.Lost || c.MissingSince():
				problems = append(problems, fmt.Sprintf("%s cannot be found (last known at %s)", c.Barcode, c.Location))
			}
		}
	}
	if len(problems) > 0 {
		return conflict("the restore needs cartridges that are not here: %s", strings.Join(problems, "; "))
	}
	return nil
}

// Restore brings back a system's or job's data into a directory, checking
// every byte against the SHA-256 recorded when it was written.
//
// It fails only when nothing can be restored (a bad request, no job with a
// run to restore, cartridges that are not here). Otherwise it restores
// what it can and the result names everything it did not: each refused
// member with its reason, each job with no run, each stream whose data is
// not what was written; RestoreResult.Err words it. Every restore that
// starts is recorded as an audit event ("restore") with who asked, what,
// where to and the result, and logged at its start and end.
func (d *Engine) Restore(ctx context.Context, actor media.Actor, req RestoreRequest) (RestoreResult, error) {
	var res RestoreResult
	if req.To == "" {
		return res, invalid("say where to restore to (--to DIR)")
	}
	if fi, err := os.Stat(req.To); err != nil || !fi.IsDir() {
		return res, invalid("restore target %s must be an existing directory", req.To)
	}
	// The drill's note must fit the catalog before anything is restored.
	if err := media.CheckText("the drill's note (--note)", req.Note, media.TextLine); err != nil {
		return res, err
	}
	runs, missing, err := d.restoreRuns(ctx, req)
	if err != nil {
		return res, err
	}
	res.Missing = missing
	if err := d.whereToFetch(ctx, runs); err != nil {
		return res, err
	}
	start := time.Now()
	what := restoreWhat(req, runs)
	d.log.Info("restore started", "actor", actor.Name, "what", what, "to", req.To, "drill", req.Drill)
	found := map[string]bool{}
	var firstErr error
	restoredAny := false
	for _, r := range runs {
		dir := req.To
		if len(runs) > 1 || len(missing) > 0 {
			dir = filepath.Join(req.To, r.Job)
			if err := os.MkdirAll(dir, 0o750); err != nil {
				res.Jobs = append(res.Jobs, RestoredJob{Job: r.Job, Run: r.ID, Generation: r.Generation, Dir: dir, Problem: err.Error()})
				continue
			}
		}
		rj, unmatched, err := d.restoreRun(ctx, r, dir, req)
		if err != nil && rj.Problem == "" {
			rj.Problem = err.Error()
		}
		if err != nil && firstErr == nil {
			firstErr = err
		}
		// A job counts as restored when something reached the target or
		// its stream was read back (a checksum that differs is reported in
		// the result, not as a failed restore).
		if rj.Members > 0 || rj.Verified || rj.Bytes > 0 {
			restoredAny = true
		}
		res.Jobs = append(res.Jobs, rj)
		for _, p := range req.Paths {
			if !slices.Contains(unmatched, p) {
				found[p] = true
			}
		}
		if ctx.Err() != nil {
			for _, rest := range runs[len(res.Jobs):] {
				res.Missing = append(res.Missing, MissingJob{Job: rest.Job, Reason: fmt.Sprintf("was not reached: the restore was interrupted (%v)", context.Cause(ctx))})
			}
			break
		}
	}
	for _, p := range req.Paths {
		if !found[p] {
			res.Unmatched = append(res.Unmatched, p)
		}
	}
	res.Duration = time.Since(start).Seconds()
	res.Complete = res.Err() == nil && len(res.Jobs) == len(runs)
	// The record is written even when the caller has gone away.
	rctx := context.WithoutCancel(ctx)
	if req.Drill {
		system := req.System
		if system == "" && len(runs) > 0 {
			system = runs[0].System
		}
		drill := media.Drill{System: system, Job: strings.Join(jobNames(runs), ","), Duration: res.Duration, Result: "passed", Note: req.Note}
		if len(runs) > 0 {
			drill.Run = runs[0].ID
		}
		for _, j := range res.Jobs {
			drill.Bytes += j.Bytes
		}
		if !res.Complete {
			drill.Result = "failed"
			if err := res.Err(); err != nil {
				drill.Note = fitLine(oneLine(strings.TrimSpace(drill.Note+" "+err.Error())), maxEventReason)
			}
		}
		recorded, err := d.cat.RecordDrill(rctx, actor, drill)
		if err != nil {
			return res, err
		}
		res.Drill = &recorded
	}
	outcome := restoreOutcome(res)
	ev, err := d.cat.Record(rctx, actor, "restore", fitLine(oneLine(fmt.Sprintf("%s into %s: %s", what, shown(req.To), outcome)), maxEventReason))
	if err != nil {
		return res, err
	}
	res.Event = ev.ID
	d.log.Info("restore ended", "actor", actor.Name, "what", what, "to", req.To, "complete", res.Complete,
		"seconds", res.Duration, "result", outcome, "event", ev.ID)
	if !restoredAny && firstErr != nil {
		// Nothing came back: the restore failed, for the first job's
		// reason (a wrong identity, a cartridge that cannot be had).
		return res, firstErr
	}
	return res, nil
}

// restoreWhat words what a restore request asked for and which runs it
// found.
func restoreWhat(req RestoreRequest, runs []media.Run) string {
	var b strings.Builder
	if req.Drill {
		b.WriteString("restore drill of ")
	} else {
		b.WriteString("restore of ")
	}
	if req.System != "" {
		b.WriteString("system " + req.System)
	} else {
		b.WriteString("job " + req.Job)
	}
	switch {
	case req.Generation != "":
		b.WriteString(", generation " + req.Generation)
	case !req.At.IsZero():
		b.WriteString(", as at " + req.At.Format(time.RFC3339))
	}
	if len(req.Paths) > 0 {
		b.WriteString(", paths " + strings.Join(req.Paths, ", "))
	}
	var found []string
	for _, r := range runs {
		found = append(found, fmt.Sprintf("%s run %d (%s)", r.Job, r.ID, r.Generation))
	}
	if len(found) > 0 {
		b.WriteString(" [" + strings.Join(found, ", ") + "]")
	}
	return b.String()
}

// maxRecordedRefusals bounds the refused members named in the audit
// event; the daemon log names every one as it happens.
const maxRecordedRefusals = 100

// maxEventReason keeps an audit event's reason within what the catalog
// stores on one line.
const maxEventReason = 1900

// shown is s as it can go on one line of a log or an event: a member name
// with a control or formatting character (a line feed, an escape, a
// right-to-left override) is quoted with those escaped.
func shown(s string) string {
	if q := strconv.QuoteToGraphic(s); q[1:len(q)-1] != s {
		return q
	}
	return s
}

// oneLine escapes each character of s that is not printable (a line
// feed, an escape, a right-to-left override), so s fits one line of a log
// or an audit event and reads as written.
func oneLine(s string) string {
	var b strings.Builder
	for _, r := range s {
		if unicode.IsGraphic(r) {
			b.WriteRune(r)
			continue
		}
		q := strconv.QuoteRuneToASCII(r)
		b.WriteString(q[1 : len(q)-1])
	}
	return b.String()
}

// fitLine cuts s to at most max bytes, on a character boundary, saying
// so.
func fitLine(s string, max int) string {
	if len(s) <= max {
		return s
	}
	const more = " … (cut; the daemon log and the restore's result have the rest)"
	cut := max - len(more)
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + more
}

// restoreOutcome words a restore's result for its audit event.
func restoreOutcome(res RestoreResult) string {
	var parts []string
	for _, j := range res.Jobs {
		s := fmt.Sprintf("%s: %d members, %d bytes, checksum verified %v", j.Job, j.Members, j.Bytes, j.Verified)
		if j.Problem != "" {
			s += "; " + j.Problem
		}
		if n := len(j.Refused); n > 0 {
			var names []string
			for i, r := range j.Refused {
				if i == maxRecordedRefusals {
					names = append(names, fmt.Sprintf("and %d more (named in the daemon log)", n-i))
					break
				}
				names = append(names, fmt.Sprintf("%s (%s)", shown(r.Member), shown(r.Reason)))
			}
			s += fmt.Sprintf("; %d refused: %s", n, strings.Join(names, "; "))
		}
		parts = append(parts, s)
	}
	for _, m := range res.Missing {
		parts = append(parts, fmt.Sprintf("%s not restored: %s", m.Job, m.Reason))
	}
	if len(res.Unmatched) > 0 {
		parts = append(parts, "not found: "+strings.Join(res.Unmatched, ", "))
	}
	verdict := "complete"
	if !res.Complete {
		verdict = "NOT complete"
	}
	return verdict + "; " + strings.Join(parts, "; ")
}

func jobNames(runs []media.Run) []string {
	var out []string
	for _, r := range runs {
		out = append(out, r.Job)
	}
	sort.Strings(out)
	return out
}

// restoreRun reads one run's pieces in order, positioning each cartridge
// by filemark count, and extracts the stream.
//
// It returns the requested paths the run does not hold, and an error when
// the restore is not complete (also in RestoredJob.Problem), except for
// refused members, which RestoredJob.Refused lists.
func (d *Engine) restoreRun(ctx context.Context, r media.Run, dir string, req RestoreRequest) (RestoredJob, []string, error) {
	rj := RestoredJob{Job: r.Job, Run: r.ID, Generation: r.Generation, Dir: dir}
	l := leaseFor(leaseRestore, tr("lease.restore", r.ID, r.Job))
	var cur *mount
	var h drives.Drive
	defer func() {
		if h != nil {
			_ = h.Close() // reads the tape: nothing written to lose
		}
		if cur != nil {
			if cur.drv.lib != nil {
				if _, err := d.unloadLeased(context.WithoutCancel(ctx), media.System, cur.drv, 0, false); err != nil {
					d.log.Warn("put the cartridge back after the restore", "err", err)
				}
			}
			cur.release()
		}
	}()
	next := func(ctx context.Context, n int) (archive.BlockReader, error) {
		if n > len(r.Pieces) {
			return nil, io.EOF
		}
		p := r.Pieces[n-1]
		if h != nil {
			_ = h.Close() // reads the tape: nothing written to lose
			h = nil
		}
		req := obtainRequest{lease: l, barcode: p.Barcode, run: r.ID, why: tr("prompt.why.restore", r.Job, n),
			status: func(detail bi) { d.log.Info("restore", "run", r.ID, "detail", detail.en); d.opStatus(ctx, detail.en) }}
		if cur == nil {
			m, err := d.obtain(ctx, req)
			if err != nil {
				return nil, err
			}
			cur = m
		} else if cur.barcode != p.Barcode {
			if err := d.putAway(ctx, cur.drv); err != nil {
				return nil, err
			}
			if err := d.bringInto(ctx, req, cur.drv); err != nil {
				return nil, err
			}
			cur.barcode = p.Barcode
		}
		var err error
		if h, err = cur.drv.open(); err != nil {
			return nil, err
		}
		if err := h.SetBlockSize(ctx, 0); err != nil {
			return nil, err
		}
		if _, err := drives.VerifyLabel(ctx, h, p.Barcode); err != nil {
			return nil, err
		}
		// Position by filemark count from the beginning, never by reading
		// through the tape.
		if err := h.Rewind(ctx); err != nil {
			return nil, err
		}
		if err := h.SpaceFiles(ctx, int(p.File)); err != nil {
			return nil, fmt.Errorf("space to file %d of %s: %w", p.File, p.Barcode, err)
		}
		rj.Cartridges = append(rj.Cartridges, p.Barcode)
		d.opProgress(ctx, func(op *media.OperationProgress) {
			op.Cartridge, op.Waiting, op.Detail = p.Barcode, "", fmt.Sprintf("reading %s (piece %d of run %d, job %s)", p.Barcode, n, r.ID, r.Job)
		})
		// Read with what this drive and its adapter carry: the stream's
		// buffer is larger, and st refuses an oversized read buffer even
		// for small blocks.
		bufSize, err := drives.ReadBufferSize(h, 0)
		if err != nil {
			return nil, err
		}
		return d.opCountReads(ctx, drives.LimitReads(h, bufSize)), nil
	}
	// --path entries are found in the file index: a glob, or a name
	// below any directory, becomes the members it matches.
	only, from, err := d.resolvePaths(ctx, r.ID, req.Paths)
	if err != nil {
		rj.Problem = err.Error()
		return rj, req.Paths, err
	}
	stream := archive.NewReader(ctx, next, drives.MaxBlockSize)
	if r.Encryption != "" {
		enc := req
		enc.Paths = only
		if err := d.restoreEncrypted(ctx, r, stream, dir, enc, &rj); err != nil {
			rj.Problem = err.Error()
			return rj, unmatchedEntries(req.Paths, only, from, nil), err
		}
		d.opProgress(ctx, func(op *media.OperationProgress) { op.Members += rj.Members })
		return rj, unmatchedEntries(req.Paths, only, from, nil), nil
	}
	er, err := archive.Extract(ctx, stream, dir, archive.ExtractOptions{
		Overwrite: req.Overwrite, AllowDevices: req.AllowDevices, Only: only, Reassemble: true,
		// Refused members do not stop the restore; each is named in
		// the log as it happens and in the result.
		TolerateRefused: true,
		Warn:            func(msg string) { d.log.Warn("restore", "run", r.ID, "job", r.Job, "detail", msg) },
	})
	rj.Members, rj.Warnings = er.Members, er.Warnings
	for _, rf := range er.Refused {
		rj.Refused = append(rj.Refused, RefusedMember{Member: rf.Name, Reason: rf.Reason})
	}
	if err != nil && !errors.Is(err, archive.ErrNotInArchive) {
		rj.Bytes = stream.Bytes()
		rj.Problem = fmt.Sprintf("%v; the restore of this job stopped after %d bytes: the members before that point are in %s, the rest is not", err, rj.Bytes, dir)
		return rj, unmatchedEntries(req.Paths, only, from, er.Unmatched), err
	}
	// Drain what the extractor did not need, so the checksum covers the
	// whole stream.
	if _, err := io.Copy(io.Discard, stream); err != nil {
		rj.Bytes = stream.Bytes()
		rj.Problem = fmt.Sprintf("reading the rest of the stream after %d bytes, to check its SHA-256: %v", rj.Bytes, err)
		return rj, unmatchedEntries(req.Paths, only, from, er.Unmatched), err
	}
	rj.Bytes = stream.Bytes()
	d.opProgress(ctx, func(op *media.OperationProgress) { op.Members += rj.Members })
	if rj.Bytes != r.Bytes || stream.SHA256() != r.SHA256 {
		rj.Problem = fmt.Sprintf("the data on tape is not what was written: read back %d bytes with SHA-256 %s; the run wrote %d bytes with SHA-256 %s", rj.Bytes, stream.SHA256(), r.Bytes, r.SHA256)
		return rj, unmatchedEntries(req.Paths, only, from, er.Unmatched), errors.New(rj.Problem)
	}
	rj.Verified = true
	return rj, unmatchedEntries(req.Paths, only, from, er.Unmatched), nil
}
