package recovery

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/tapewarden/tapewarden/daemon/archive"
	"github.com/tapewarden/tapewarden/drives"
)

// ErrNothingToRestore says the cartridges hold no complete generation of
// what was asked for.
var ErrNothingToRestore = errors.New("recovery: no complete generation on the cartridges read")

// ErrEncrypted says a generation on tape is encrypted and no identity was
// given to restore it.
var ErrEncrypted = errors.New("recovery: the data is encrypted")

// RestoreOptions says what to restore from which cartridges, and where.
type RestoreOptions struct {
	Source Source
	// To is the directory restored into: each job into To/JOB.
	To string
	// System restores one system; empty restores all, in the restore
	// priority order of the newest catalog file's configuration.
	System string
	// Overwrite replaces files that exist in the target.
	Overwrite bool
	// Progress receives a line per cartridge and per job; nil discards.
	Progress io.Writer
	// Identities open encrypted generations and catalog files.
	Identities archive.Identities
}

// RestoredJob is one job restored from tape.
type RestoredJob struct {
	System     string   `json:"system"`
	Job        string   `json:"job"`
	RunID      string   `json:"run_id"`
	Generation string   `json:"generation"`
	Dir        string   `json:"dir"`
	Cartridges []string `json:"cartridges"`
	Members    int64    `json:"members"`
	Bytes      int64    `json:"bytes"`
	SHA256     string   `json:"sha256"`
	// Verified says the stream read back has the size and SHA-256 the
	// last trailer recorded.
	Verified bool `json:"verified"`
}

// RestorePlan is what the cartridges allow restoring, in order.
type RestorePlan struct {
	// Systems in restore order, each with the newest complete run of
	// each of its jobs.
	Systems []PlannedSystem
	// Order says where the order came from.
	Order string
}

// PlannedSystem is one system's part of the plan.
type PlannedSystem struct {
	Name            string
	RestorePriority int
	Runs            []TapeRun
	// Missing lists jobs of the system with no complete generation.
	Missing []string
}

// Plan picks each job's newest complete generation from the runs and
// orders the systems by the catalog file's restore priorities.
func Plan(runs []TapeRun, systems []SystemInfo) RestorePlan {
	newest := map[string]TapeRun{}
	incomplete := map[string]bool{}
	for _, r := range runs {
		if !r.Complete {
			incomplete[r.Job] = true
			continue
		}
		if cur, ok := newest[r.Job]; !ok || r.End.After(cur.End) {
			newest[r.Job] = r
		}
	}
	bySystem := map[string]*PlannedSystem{}
	var plan RestorePlan
	plan.Order = "the restore priorities of the newest catalog file's configuration"
	if len(systems) == 0 {
		plan.Order = "system names (no catalog file gave the restore priorities)"
	}
	for _, s := range systems {
		ps := &PlannedSystem{Name: s.Name, RestorePriority: s.RestorePriority}
		bySystem[s.Name] = ps
		for _, j := range s.Jobs {
			if r, ok := newest[j]; ok {
				ps.Runs = append(ps.Runs, r)
				delete(newest, j)
			} else {
				ps.Missing = append(ps.Missing, j)
			}
		}
		plan.Systems = append(plan.Systems, *ps)
	}
	// Jobs the configuration does not name (or no configuration at all).
	var rest []string
	for j := range newest {
		rest = append(rest, j)
	}
	sort.Strings(rest)
	extra := map[string]*PlannedSystem{}
	var extraNames []string
	for _, j := range rest {
		r := newest[j]
		sys := r.System
		if sys == "" {
			sys = r.Job
		}
		ps, ok := extra[sys]
		if !ok {
			ps = &PlannedSystem{Name: sys}
			extra[sys] = ps
			extraNames = append(extraNames, sys)
		}
		ps.Runs = append(ps.Runs, r)
	}
	sort.Strings(extraNames)
	for _, n := range extraNames {
		if i := indexOf(plan.Systems, n); i >= 0 {
			plan.Systems[i].Runs = append(plan.Systems[i].Runs, extra[n].Runs...)
			continue
		}
		plan.Systems = append(plan.Systems, *extra[n])
	}
	return plan
}

func indexOf(s []PlannedSystem, name string) int {
	for i := range s {
		if s[i].Name == name {
			return i
		}
	}
	return -1
}

// RestoreFromTape reads the cartridges' trailers (and the newest catalog
// file, for the restore order), then restores each system's newest
// complete generation, asking the source for each cartridge in turn, and
// checks every stream against the SHA-256 its last trailer recorded.
func RestoreFromTape(ctx context.Context, opts RestoreOptions) ([]RestoredJob, error) {
	if opts.Progress == nil {
		opts.Progress = io.Discard
	}
	if opts.To == "" {
		return nil, errors.New("say where to restore to (--to DIR)")
	}
	work, err := os.MkdirTemp("", "tapewarden-restore-")
	if err != nil {
		return nil, err
	}
	defer func() { _ = os.RemoveAll(work) }() // scratch space
	var manifest *Manifest
	var newestHead int64 = -1
	carts, err := readAll(ctx, opts.Source, opts.Progress, func(d drives.Drive, c Cartridge) string {
		if len(c.Catalogs) == 0 {
			return ""
		}
		t := c.Catalogs[len(c.Catalogs)-1]
		if t.ChainHeadID <= newestHead {
			return ""
		}
		cf, err := ReadCatalogFileWith(ctx, d, t, filepath.Join(work, "catalog.db"), opts.Identities)
		_ = os.Remove(filepath.Join(work, "catalog.db")) // scratch copy
		if errors.Is(err, ErrCatalogFileEncrypted) {
			return fmt.Sprintf("its catalog file was not opened, so the restore order is not known from it (%v)", err)
		}
		if err != nil {
			return fmt.Sprintf("its catalog file does not read back (%v)", err)
		}
		newestHead, manifest = t.ChainHeadID, &cf.Manifest
		return ""
	})
	if err != nil {
		return nil, err
	}
	var systems []SystemInfo
	if manifest != nil {
		systems = manifest.Systems
	}
	plan := Plan(Runs(carts), systems)
	fmt.Fprintf(opts.Progress, "restore order: %s\n", plan.Order)
	var out []RestoredJob
	var names []string
	found := false
	for _, s := range plan.Systems {
		names = append(names, s.Name)
		if opts.System != "" && s.Name != opts.System {
			continue
		}
		found = found || len(s.Runs) > 0
		for _, j := range s.Missing {
			fmt.Fprintf(opts.Progress, "system %s: job %s has no complete generation on these cartridges\n", s.Name, j)
		}
		for _, r := range s.Runs {
			fmt.Fprintf(opts.Progress, "system %s: restoring %s from %s\n", s.Name, r.Describe(), strings.Join(r.Barcodes(), ", "))
			rj, err := restoreRun(ctx, opts, s.Name, r)
			if err != nil {
				return out, fmt.Errorf("restore %s of system %s: %w", r.Describe(), s.Name, err)
			}
			fmt.Fprintf(opts.Progress, "system %s: job %s restored into %s: %d members, %d bytes, SHA-256 matches the trailer\n", s.Name, r.Job, rj.Dir, rj.Members, rj.Bytes)
			out = append(out, rj)
		}
	}
	if !found {
		if opts.System != "" {
			return out, fmt.Errorf("%w of system %s (systems found: %s)", ErrNothingToRestore, opts.System, strings.Join(names, ", "))
		}
		return out, ErrNothingToRestore
	}
	return out, nil
}

// restoreRun reads one run's pieces in order and extracts the stream.
func restoreRun(ctx context.Context, opts RestoreOptions, system string, r TapeRun) (RestoredJob, error) {
	rj := RestoredJob{System: system, Job: r.Job, RunID: r.RunID, Generation: r.Generation, Dir: filepath.Join(opts.To, r.Job)}
	last := r.Pieces[len(r.Pieces)-1]
	if last.Encryption != "" && opts.Identities.Empty() {
		return rj, fmt.Errorf("%w: %s was written with %s to the recipients with fingerprints %s: give --identity FILE with the identity of one of them",
			ErrEncrypted, r.Describe(), last.Encryption, strings.Join(last.Recipients, ", "))
	}
	if err := os.MkdirAll(rj.Dir, 0o750); err != nil {
		return rj, err
	}
	var cur drives.Drive
	var curBarcode string
	defer func() {
		if cur != nil {
			_ = cur.Close() // reading only: the close writes nothing to tape
		}
	}()
	next := func(ctx context.Context, n int) (archive.BlockReader, error) {
		if n > len(r.Pieces) {
			return nil, io.EOF
		}
		p := r.Pieces[n-1]
		if cur == nil || curBarcode != p.Barcode {
			if cur != nil {
				_ = cur.Close() // reading only: the close writes nothing to tape
				cur = nil
			}
			d, err := opts.Source.Load(ctx, p.Barcode)
			if err != nil {
				return nil, err
			}
			cur, curBarcode = d, p.Barcode
			rj.Cartridges = append(rj.Cartridges, p.Barcode)
		}
		src, _, err := readTapeFile(ctx, cur, p.DataFile)
		if err != nil {
			return nil, fmt.Errorf("file %d of %s: %w", p.DataFile, p.Barcode, err)
		}
		return src, nil
	}
	stream := archive.NewReader(ctx, next, drives.MaxBlockSize)
	eo := archive.ExtractOptions{Overwrite: opts.Overwrite, Reassemble: true,
		Warn: func(msg string) { fmt.Fprintf(opts.Progress, "warning: %s\n", msg) }}
	if last.Encryption != "" {
		err := restoreEncrypted(ctx, stream, r, last, opts, eo, &rj)
		return rj, err
	}
	er, err := archive.Extract(ctx, stream, rj.Dir, eo)
	rj.Members = er.Members
	if err != nil {
		return rj, err
	}
	if _, err := io.Copy(io.Discard, stream); err != nil {
		return rj, err
	}
	rj.Bytes, rj.SHA256 = stream.Bytes(), stream.SHA256()
	if rj.Bytes != r.TotalBytes || rj.SHA256 != r.TotalSHA256 {
		return rj, fmt.Errorf("read back %d bytes with SHA-256 %s; the trailer recorded %d bytes with %s: the data on tape is not what was written", rj.Bytes, rj.SHA256, r.TotalBytes, r.TotalSHA256)
	}
	rj.Verified = true
	return rj, nil
}

// restoreEncrypted decrypts an encrypted run's stream with the identities
// given, extracts it into a staging directory that becomes rj.Dir's
// content only once age authenticated the whole stream, and checks the
// bytes on tape against the trailers' totals and the plaintext against
// the last trailer's plain_sha256.
func restoreEncrypted(ctx context.Context, stream *archive.Reader, r TapeRun, last drives.Trailer, opts RestoreOptions, eo archive.ExtractOptions, rj *RestoredJob) error {
	dec, err := archive.NewDecrypter(stream, opts.Identities, last.Recipients)
	if err != nil {
		return fmt.Errorf("%w; nothing was written to %s", err, rj.Dir)
	}
	defer func() { _ = dec.Close() }() // stops the decrypting goroutine; always nil
	er, err := archive.ExtractStaged(ctx, dec, rj.Dir, eo)
	rj.Members = er.Members
	if err == nil {
		_, err = io.Copy(io.Discard, dec)
	}
	if err != nil {
		rj.Members = 0 // the staged members were removed
		return fmt.Errorf("%w; nothing of it was left in %s", err, rj.Dir)
	}
	if _, err := io.Copy(io.Discard, stream); err != nil {
		return err
	}
	if stream.Bytes() != r.TotalBytes || stream.SHA256() != r.TotalSHA256 {
		return fmt.Errorf("read back %d bytes with SHA-256 %s from tape; the trailer recorded %d bytes with %s: the data on tape is not what was written",
			stream.Bytes(), stream.SHA256(), r.TotalBytes, r.TotalSHA256)
	}
	rj.Bytes, rj.SHA256 = dec.Bytes(), dec.SHA256()
	if rj.Bytes != last.PlainBytes || (last.PlainSHA256 != "" && rj.SHA256 != last.PlainSHA256) {
		return fmt.Errorf("decrypted %d bytes with SHA-256 %s; the trailer recorded %d bytes with %s", rj.Bytes, rj.SHA256, last.PlainBytes, last.PlainSHA256)
	}
	rj.Verified = true
	return nil
}

// readTapeFile positions d at the start of tape file n, in variable-block
// mode, and returns a reader that reads it a whole block at a time, with
// the size of the buffer a block needs.
func readTapeFile(ctx context.Context, d drives.Drive, n int64) (io.Reader, int, error) {
	if err := d.SetBlockSize(ctx, 0); err != nil {
		return nil, 0, err
	}
	if err := d.Rewind(ctx); err != nil {
		return nil, 0, err
	}
	if err := d.SpaceFiles(ctx, int(n)); err != nil {
		return nil, 0, fmt.Errorf("space to it: %w", err)
	}
	bufSize, err := drives.ReadBufferSize(d, 0)
	if err != nil {
		return nil, 0, err
	}
	return drives.LimitReads(d, bufSize), bufSize, nil
}
