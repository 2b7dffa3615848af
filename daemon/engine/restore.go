package engine

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sort"
	"strings"
	"time"

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
	Drill      bool      `json:"drill,omitempty"`
	Note       string    `json:"note,omitempty"`
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

// RestoreResult is what a restore brought back.
type RestoreResult struct {
	Jobs     []RestoredJob `json:"jobs"`
	Duration float64       `json:"duration_seconds"`
	Drill    *media.Drill  `json:"drill,omitempty"`
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
	Verified   bool     `json:"verified"`
	Warnings   []string `json:"warnings,omitempty"`
}

// restoreRuns finds the runs a restore request names: for each job of the
// system (or the one job), its newest succeeded run in the requested
// generation, or finished by the requested time.
func (d *Engine) restoreRuns(ctx context.Context, req RestoreRequest) ([]media.Run, error) {
	var jobs []string
	switch {
	case req.Job != "" && req.System != "":
		return nil, invalid("give --system or --job, not both")
	case req.Job != "":
		if d.cfg.Job(req.Job) == nil {
			return nil, notFound("no job %q is configured", req.Job)
		}
		jobs = []string{req.Job}
	case req.System != "":
		if d.cfg.System(req.System) == nil {
			return nil, notFound("no system %q is configured", req.System)
		}
		for _, j := range d.cfg.Jobs {
			if j.System == req.System {
				jobs = append(jobs, j.Name)
			}
		}
		if len(jobs) == 0 {
			return nil, notFound("system %s has no backup jobs", req.System)
		}
	default:
		return nil, invalid("say what to restore: --system S or --job J")
	}
	if req.Generation != "" && !req.At.IsZero() {
		return nil, invalid("give --generation or --at, not both")
	}
	var out []media.Run
	for _, job := range jobs {
		runs, err := d.cat.Runs(ctx, media.RunFilter{Job: job, State: media.RunSucceeded, Generation: req.Generation, Before: req.At, Limit: 1})
		if err != nil {
			return nil, err
		}
		if len(runs) == 0 {
			what := "a succeeded run"
			if req.Generation != "" {
				what += " in generation " + req.Generation
			}
			if !req.At.IsZero() {
				what += " finished by " + req.At.Format(time.RFC3339)
			}
			return nil, notFound("job %s has no %s; see 'tapewarden job history %s'", job, what, job)
		}
		r, err := d.cat.Run(ctx, runs[0].ID)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
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
				problems = append(problems, fmt.Sprintf("piece %d of run %d on %s was overwritten at %s", p.Piece, r.ID, p.Barcode, p.GoneAt.Format(time.RFC3339)))
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
func (d *Engine) Restore(ctx context.Context, actor media.Actor, req RestoreRequest) (RestoreResult, error) {
	var res RestoreResult
	if req.To == "" {
		return res, invalid("say where to restore to (--to DIR)")
	}
	if fi, err := os.Stat(req.To); err != nil || !fi.IsDir() {
		return res, invalid("restore target %s must be an existing directory", req.To)
	}
	runs, err := d.restoreRuns(ctx, req)
	if err != nil {
		return res, err
	}
	if err := d.whereToFetch(ctx, runs); err != nil {
		return res, err
	}
	start := time.Now()
	var restoreErr error
	for _, r := range runs {
		dir := req.To
		if len(runs) > 1 {
			dir = req.To + "/" + r.Job
			if err := os.MkdirAll(dir, 0o750); err != nil {
				return res, err
			}
		}
		rj, err := d.restoreRun(ctx, r, dir, req)
		res.Jobs = append(res.Jobs, rj)
		if err != nil {
			restoreErr = fmt.Errorf("restore run %d of job %s: %w", r.ID, r.Job, err)
			break
		}
	}
	res.Duration = time.Since(start).Seconds()
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
		if restoreErr != nil {
			drill.Result = "failed"
			drill.Note = strings.TrimSpace(drill.Note + " " + restoreErr.Error())
		}
		recorded, err := d.cat.RecordDrill(context.WithoutCancel(ctx), actor, drill)
		if err != nil {
			return res, err
		}
		res.Drill = &recorded
	}
	return res, restoreErr
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
func (d *Engine) restoreRun(ctx context.Context, r media.Run, dir string, req RestoreRequest) (RestoredJob, error) {
	rj := RestoredJob{Job: r.Job, Run: r.ID, Generation: r.Generation, Dir: dir}
	l := lease{leaseRestore, fmt.Sprintf("a restore of run %d (%s)", r.ID, r.Job)}
	var cur *mount
	var h drives.Drive
	defer func() {
		if h != nil {
			h.Close()
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
			h.Close()
			h = nil
		}
		req := obtainRequest{lease: l, barcode: p.Barcode, run: r.ID, why: fmt.Sprintf("restore of %s, piece %d", r.Job, n),
			status: func(detail string) { d.log.Info("restore", "run", r.ID, "detail", detail); d.opStatus(ctx, detail) }}
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
	stream := archive.NewReader(ctx, next, drives.MaxBlockSize)
	if r.Encryption != "" {
		err := d.restoreEncrypted(ctx, r, stream, dir, req, &rj)
		return rj, err
	}
	er, err := archive.Extract(ctx, stream, dir, archive.ExtractOptions{Overwrite: req.Overwrite, Only: req.Paths, Reassemble: true})
	rj.Members, rj.Warnings = er.Members, er.Warnings
	if err != nil {
		return rj, err
	}
	// Drain what the extractor did not need, so the checksum covers the
	// whole stream.
	if _, err := io.Copy(io.Discard, stream); err != nil {
		return rj, err
	}
	rj.Bytes = stream.Bytes()
	d.opProgress(ctx, func(op *media.OperationProgress) { op.Members += rj.Members })
	if rj.Bytes != r.Bytes || stream.SHA256() != r.SHA256 {
		return rj, fmt.Errorf("read back %d bytes with SHA-256 %s; the run wrote %d bytes with %s: the data on tape is not what was written", rj.Bytes, stream.SHA256(), r.Bytes, r.SHA256)
	}
	rj.Verified = true
	return rj, nil
}
