package engine

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"github.com/tapewarden/tapewarden/daemon/archive"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/tapewarden/tapewarden/media"

	"github.com/tapewarden/tapewarden/daemon/recovery"
)

// OpSiteLossDrill is the kind of the site-loss drill's operation.
const OpSiteLossDrill = "siteloss_drill"

// SiteLossDrillResult is what a site-loss drill found: the catalog rebuilt
// from the offsite cartridges alone, and each system restored from them in
// priority order and compared with the catalog's checksums.
type SiteLossDrillResult struct {
	Drill media.SiteLossDrill `json:"drill"`
	// Offsite are the cartridges taken: those the catalog places at a
	// site other than the machine room.
	Offsite []string `json:"offsite"`
	// Rebuild is what the rebuild from them found.
	Rebuild recovery.RebuildReport `json:"rebuild"`
	// ChainOK says the rebuilt catalog's audit chain verifies through the
	// head the tapes carry.
	ChainOK bool `json:"chain_ok"`
	// Systems are the systems in the order they were restored.
	Systems []DrillSystem `json:"systems"`
	// Missing says, one line each, what failed the drill: a system that
	// did not come back, data that does not match the catalog, a chain
	// that does not verify.
	Missing []string `json:"missing,omitempty"`
	// Notes are jobs of systems that came back (from another job) with
	// nothing offsite of their own.
	Notes []string `json:"notes,omitempty"`
}

// DrillSystem is one system of a site-loss drill.
type DrillSystem struct {
	Name string `json:"name"`
	// Jobs are the jobs restored, each checked against the catalog.
	Jobs []DrillJob `json:"jobs,omitempty"`
	// Back is set when the system came back: a job restored, and every
	// job restored matching the catalog; BackAfter is then the seconds
	// from the drill's start.
	Back      bool    `json:"back"`
	BackAfter float64 `json:"back_after_seconds,omitempty"`
}

// DrillJob is one job restored in a site-loss drill.
type DrillJob struct {
	Job        string   `json:"job"`
	Generation string   `json:"generation"`
	Cartridges []string `json:"cartridges"`
	Bytes      int64    `json:"bytes"`
	SHA256     string   `json:"sha256"`
	// Matches says the catalog's run of this generation has this SHA-256.
	Matches bool `json:"matches"`
	// Newest is the catalog's newest good generation of the job, when it
	// is newer than the one the offsite cartridges hold: what a real loss
	// of the machine room would lose.
	Newest string `json:"newest,omitempty"`
}

// siteLossState is the newest site-loss drill, for the metrics.
type siteLossState struct {
	mu   sync.Mutex
	last media.SiteLossDrill
	ok   bool
}

// LastSiteLossDrill is the newest site-loss drill; ok is false when there
// has been none.
func (d *Engine) LastSiteLossDrill() (media.SiteLossDrill, bool) {
	d.siteLoss.mu.Lock()
	defer d.siteLoss.mu.Unlock()
	return d.siteLoss.last, d.siteLoss.ok
}

// loadSiteLossDrill reads the newest site-loss drill from the catalog.
func (d *Engine) loadSiteLossDrill(ctx context.Context) {
	last, ok, err := d.cat.LastSiteLossDrill(ctx)
	if err != nil {
		d.log.Error("read the last site-loss drill", "err", err)
		return
	}
	d.siteLoss.mu.Lock()
	d.siteLoss.last, d.siteLoss.ok = last, ok
	d.siteLoss.mu.Unlock()
}

// offsiteImages are the offsite cartridges and their images. A drill
// needs the images of virtual cartridges: real cartridges at the other
// building cannot be read without someone bringing them.
func (d *Engine) offsiteImages(ctx context.Context) (map[string]string, error) {
	primary := d.cfg.PrimarySite()
	if primary == nil {
		return nil, invalid("the configuration has no machine-room site; a site-loss drill takes the cartridges at the other sites")
	}
	carts, err := d.cat.Cartridges(ctx, media.Filter{})
	if err != nil {
		return nil, err
	}
	images := map[string]string{}
	var real []string
	for _, c := range carts {
		if c.Location.Site == "" || c.Location.Site == primary.Name {
			continue
		}
		switch c.State {
		case media.Lost, media.Disposed, media.Cleaning, media.Scratch:
			continue
		}
		img, err := d.virtualImage(c.Barcode)
		if err != nil {
			real = append(real, c.Barcode)
			continue
		}
		images[c.Barcode] = img
	}
	if len(real) > 0 {
		return nil, invalid("the site-loss drill reads the offsite cartridges' virtual images; %s %s real: bring them to a drive and run 'tapewarden catalog rebuild --device DEV --state-dir SCRATCH' and 'tapewarden restore --from-tape' by hand (README, \"The machine room is gone\")",
			strings.Join(real, ", "), plural(len(real), "is", "are"))
	}
	if len(images) == 0 {
		return nil, invalid("no cartridge with data is at a site other than %s: the drill would find nothing; send cartridges offsite first ('tapewarden courier plan')", primary.Name)
	}
	return images, nil
}

// StartSiteLossDrill checks that a site-loss drill can run and starts it
// as an operation; it answers at once.
func (d *Engine) StartSiteLossDrill(ctx context.Context, actor media.Actor) (media.Operation, error) {
	images, err := d.offsiteImages(ctx)
	if err != nil {
		return media.Operation{}, err
	}
	summary := fmt.Sprintf("site-loss drill from %d offsite %s", len(images), plural(len(images), "cartridge", "cartridges"))
	return d.startOperation(ctx, media.NewOperation{Kind: OpSiteLossDrill, Actor: actor, Summary: summary, Request: map[string]any{}},
		func(ctx context.Context) (any, error) {
			res, err := d.SiteLossDrill(ctx, actor, nil)
			if err != nil {
				return nil, err
			}
			if res.Drill.Result != "passed" {
				return res, fmt.Errorf("the drill failed (recorded as site-loss drill %d): %s", res.Drill.ID, strings.Join(res.Missing, "; "))
			}
			return res, nil
		})
}

// SiteLossDrill plays the loss of the machine room on a scratch copy: it
// takes the images of the offsite cartridges only, rebuilds a catalog from
// them on an empty state directory, restores every system from them in
// priority order into a scratch directory, compares each job with the
// catalog's SHA-256, and records the drill (time to the first system back,
// time to all, what was missing) in the catalog with an audit event. The
// scratch copies are removed at the end. Progress goes to the operation's
// status and to progress (when not nil).
func (d *Engine) SiteLossDrill(ctx context.Context, actor media.Actor, progress io.Writer) (SiteLossDrillResult, error) {
	var res SiteLossDrillResult
	start := d.now()
	clock := time.Now() // the figures are durations on the wall clock
	say := func(format string, args ...any) {
		line := fmt.Sprintf(format, args...)
		d.opStatus(ctx, line)
		if progress != nil {
			fmt.Fprintln(progress, line)
		}
	}
	lines := &lineWriter{emit: func(s string) { say("%s", s) }}
	images, err := d.offsiteImages(ctx)
	if err != nil {
		return res, err
	}
	scratch, err := os.MkdirTemp(d.cfg.StateDir, "siteloss-drill-")
	if err != nil {
		return res, fmt.Errorf("make the drill's scratch directory: %w", err)
	}
	defer func() {
		if err := os.RemoveAll(scratch); err != nil {
			d.log.Error("remove the site-loss drill's scratch directory", "dir", scratch, "err", err)
		}
	}()
	survivors := filepath.Join(scratch, "offsite")
	if err := os.MkdirAll(survivors, 0o700); err != nil {
		return res, err
	}
	for _, b := range slices.Sorted(maps.Keys(images)) {
		if err := copyFile(images[b], filepath.Join(survivors, b+".vtape")); err != nil {
			return res, fmt.Errorf("copy the image of %s for the drill: %w", b, err)
		}
		res.Offsite = append(res.Offsite, b)
	}
	say("the machine room is gone: %d offsite %s remain (%s)", len(res.Offsite), plural(len(res.Offsite), "cartridge", "cartridges"), strings.Join(res.Offsite, ", "))

	ids := d.drillIdentities(say)
	state := filepath.Join(scratch, "state")
	say("rebuilding the catalog from them on an empty state directory")
	rep, err := recovery.Rebuild(ctx, recovery.RebuildOptions{Source: &recovery.Images{Dir: survivors}, StateDir: state, Progress: lines,
		Actor: actor, Now: d.now, LabelPatterns: d.cfg.LabelPatterns(), Identities: ids})
	lines.flush()
	if err != nil {
		return res, fmt.Errorf("rebuild the catalog from the offsite cartridges: %w", err)
	}
	res.Rebuild = rep
	res.ChainOK = d.verifyRebuilt(ctx, rep)
	if !res.ChainOK {
		res.Missing = append(res.Missing, "the rebuilt catalog's audit chain does not verify through the head the tapes carry")
	}
	say("catalog rebuilt: %d runs from the copy, %d finished and %d added from trailers; audit chain %s", rep.RunsFromCopy, len(rep.RunsFinished), len(rep.RunsAdded), map[bool]string{true: "verifies", false: "DOES NOT VERIFY"}[res.ChainOK])

	order := rep.Systems
	if len(order) == 0 {
		order = recovery.Systems(d.cfg)
		recovery.SortSystems(order)
	}
	seen := map[string]bool{}
	for _, s := range order {
		seen[s.Name] = true
	}
	// A system of today's configuration that the tapes' configuration does
	// not know is missing all the same.
	for _, s := range recovery.Systems(d.cfg) {
		if !seen[s.Name] {
			order = append(order, s)
		}
	}
	to := filepath.Join(scratch, "restore")
	for _, s := range order {
		if err := ctx.Err(); err != nil {
			return res, err
		}
		ds := d.drillSystem(ctx, s.Name, survivors, filepath.Join(to, s.Name), ids, lines, &res)
		lines.flush()
		if ds.Back {
			ds.BackAfter = time.Since(clock).Seconds()
			if res.Drill.FirstBack == nil {
				first := ds.BackAfter
				res.Drill.FirstBack = &first
			}
			res.Drill.Systems++
			say("system %s is back after %s", s.Name, time.Duration(ds.BackAfter*float64(time.Second)).Round(time.Millisecond))
		}
		res.Systems = append(res.Systems, ds)
	}
	res.Drill.At, res.Drill.Cartridges, res.Drill.Result = start, len(res.Offsite), "passed"
	if len(res.Missing) > 0 {
		res.Drill.Result = "failed"
		res.Drill.Missing = strings.Join(res.Missing, "; ")
	} else {
		all := time.Since(clock).Seconds()
		res.Drill.AllBack = &all
	}
	if a := progressOf(ctx); a != nil {
		res.Drill.Operation = a.id
	}
	rec, err := d.cat.RecordSiteLossDrill(context.WithoutCancel(ctx), actor, res.Drill)
	if err != nil {
		return res, fmt.Errorf("record the site-loss drill: %w", err)
	}
	res.Drill = rec
	d.siteLoss.mu.Lock()
	d.siteLoss.last, d.siteLoss.ok = rec, true
	d.siteLoss.mu.Unlock()
	say("site-loss drill %d %s: %d of %d systems back", rec.ID, rec.Result, rec.Systems, len(order))
	return res, nil
}

// drillIdentities are the identities of the pools' restore_identity_file
// settings, which open encrypted catalog files and generations in the
// drill as in a restore. A file that cannot be read is said and skipped:
// the drill then shows which systems it could not bring back.
func (d *Engine) drillIdentities(say func(string, ...any)) archive.Identities {
	var ids archive.Identities
	seen := map[string]bool{}
	for _, p := range d.cfg.Pools {
		path := p.RestoreIdentityFile
		if path == "" || seen[path] {
			continue
		}
		seen[path] = true
		got, err := archive.ReadIdentityFile(path)
		if err != nil {
			say("pool %s's restore_identity_file cannot be used: %v", p.Name, err)
			continue
		}
		say("encrypted data is opened with %s (pool %s's restore_identity_file)", path, p.Name)
		ids = ids.Join(got)
	}
	return ids
}

// drillSystem restores one system from the offsite cartridges and checks
// each job against the catalog; what is missing goes to res.Missing.
func (d *Engine) drillSystem(ctx context.Context, system, survivors, to string, ids archive.Identities, progress io.Writer, res *SiteLossDrillResult) DrillSystem {
	ds := DrillSystem{Name: system}
	if err := os.MkdirAll(to, 0o700); err != nil {
		res.Missing = append(res.Missing, fmt.Sprintf("system %s: %v", system, err))
		return ds
	}
	restored, err := recovery.RestoreFromTape(ctx, recovery.RestoreOptions{Source: &recovery.Images{Dir: survivors}, To: to, System: system, Progress: progress, Identities: ids})
	switch {
	case errors.Is(err, recovery.ErrNothingToRestore):
		res.Missing = append(res.Missing, fmt.Sprintf("system %s: no complete generation on the offsite cartridges", system))
		return ds
	case err != nil:
		res.Missing = append(res.Missing, fmt.Sprintf("system %s: %v", system, err))
	}
	ok := err == nil
	done := map[string]bool{}
	for _, rj := range restored {
		dj := DrillJob{Job: rj.Job, Generation: rj.Generation, Cartridges: rj.Cartridges, Bytes: rj.Bytes, SHA256: rj.SHA256}
		done[rj.Job] = true
		same, err := d.cat.Runs(ctx, media.RunFilter{Job: rj.Job, Generation: rj.Generation, State: media.RunSucceeded})
		if err == nil {
			var newest []media.Run
			newest, err = d.cat.Runs(ctx, media.RunFilter{Job: rj.Job, State: media.RunSucceeded, Limit: 1})
			if len(newest) == 1 && newest[0].Generation != rj.Generation {
				dj.Newest = newest[0].Generation
			}
		}
		if err != nil {
			res.Missing = append(res.Missing, fmt.Sprintf("job %s: the catalog's runs cannot be read: %v", rj.Job, err))
			ok = false
			continue
		}
		for _, r := range same {
			if r.SHA256 == rj.SHA256 && r.Bytes == rj.Bytes {
				dj.Matches = true
			}
		}
		switch {
		case !rj.Verified:
			res.Missing = append(res.Missing, fmt.Sprintf("job %s generation %s: the data read back does not match its trailer", rj.Job, rj.Generation))
			ok = false
		case !dj.Matches:
			res.Missing = append(res.Missing, fmt.Sprintf("job %s generation %s: restored, but the catalog has no succeeded run of it with SHA-256 %s", rj.Job, rj.Generation, rj.SHA256))
			ok = false
		}
		ds.Jobs = append(ds.Jobs, dj)
	}
	ds.Back = ok && len(ds.Jobs) > 0
	for _, j := range d.cfg.Jobs {
		if j.System == system && !done[j.Name] {
			res.Notes = append(res.Notes, fmt.Sprintf("job %s of system %s: no complete generation on the offsite cartridges", j.Name, system))
		}
	}
	return ds
}

// verifyRebuilt opens the rebuilt catalog and verifies its audit chain
// through the head the tapes carry.
func (d *Engine) verifyRebuilt(ctx context.Context, rep recovery.RebuildReport) bool {
	cat, err := media.Open(ctx, rep.Path, media.Options{Now: d.now, LabelPatterns: d.cfg.LabelPatterns(), Logger: d.log.With("component", "drill-catalog")})
	if err != nil {
		d.log.Error("open the catalog the drill rebuilt", "path", rep.Path, "err", err)
		return false
	}
	defer func() { _ = cat.Close() }() // read only
	v, err := cat.Verify(ctx, rep.TapeHead.Hash)
	if err != nil {
		d.log.Error("verify the catalog the drill rebuilt", "err", err)
		return false
	}
	return v.OK
}

// lineWriter turns what is written to it into lines for emit, each line
// once: every restore reads the cartridges again, and their lines are
// said once.
type lineWriter struct {
	buf  bytes.Buffer
	emit func(string)
	seen map[string]bool
}

func (w *lineWriter) once(s string) {
	if w.seen == nil {
		w.seen = map[string]bool{}
	}
	if !w.seen[s] {
		w.seen[s] = true
		w.emit(s)
	}
}

func (w *lineWriter) Write(p []byte) (int, error) {
	w.buf.Write(p)
	for {
		line, err := w.buf.ReadString('\n')
		if err != nil {
			// An unfinished line waits for the rest.
			w.buf.Reset()
			w.buf.WriteString(line)
			return len(p), nil
		}
		if s := strings.TrimRight(line, "\n"); s != "" {
			w.once(s)
		}
	}
}

// flush emits an unfinished last line.
func (w *lineWriter) flush() {
	if s := strings.TrimSpace(w.buf.String()); s != "" {
		w.once(s)
	}
	w.buf.Reset()
}

// copyFile copies a cartridge image, 0600.
func copyFile(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer func() { _ = in.Close() }() // read only; the copy's errors are out's
	out, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		_ = out.Close() // the copy error is the one returned
		return err
	}
	return out.Close()
}
