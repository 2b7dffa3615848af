package recovery

import (
	"context"
	"errors"
	"fmt"
	"github.com/tapewarden/tapewarden/rotation"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/tapewarden/tapewarden/daemon/archive"
	"github.com/tapewarden/tapewarden/daemon/config"
	"github.com/tapewarden/tapewarden/drives"
	"github.com/tapewarden/tapewarden/media"
)

// Errors of the rebuild.
var (
	// ErrCatalogExists says the state directory already holds a catalog.
	ErrCatalogExists = errors.New("recovery: the state directory already holds a catalog")
)

// CatalogFileName is the catalog's name in the state directory (as the
// daemon's configuration has it).
const CatalogFileName = "catalog.db"

// RecoveredConfigName is where the rebuild leaves the configuration it
// found on the tapes, for the person to check and install.
const RecoveredConfigName = "tapewarden.yaml.from-tape"

// RebuildOptions says where the cartridges are and where the catalog goes.
type RebuildOptions struct {
	Source   Source
	StateDir string
	// Progress receives a line per cartridge; nil discards them.
	Progress io.Writer
	// Actor is who rebuilds (the "rebuilt" event names them).
	Actor media.Actor
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// LabelPatterns accept barcodes that are not LTO labels.
	LabelPatterns []media.LabelPattern
	// Identities open encrypted catalog files; without them an encrypted
	// catalog file is not used, and the report says which recipients
	// could open it.
	Identities archive.Identities
}

// RebuildReport says what the rebuild found and did.
type RebuildReport struct {
	Path       string   `json:"path"`
	Cartridges []string `json:"cartridges_read"`
	// CatalogFrom names the catalog file the rebuild started from; empty
	// when no catalog file could be used (rebuilt from trailers alone).
	CatalogFrom string `json:"catalog_from,omitempty"`
	// Rejected lists catalog files not used, newest first, and why.
	Rejected []string `json:"rejected,omitempty"`
	// Encrypted lists the fingerprints of the recipients of the encrypted
	// catalog files that the identities given (if any) did not open: an
	// identity of one of them lets the rebuild start from them.
	Encrypted []string `json:"encrypted_catalogs_recipients,omitempty"`
	// Catalog is the rebuilt catalog's identity.
	Catalog media.Identity `json:"catalog"`
	// TapeHead is the audit chain head the tapes prove (the copy's, which
	// the chain of the rebuilt catalog passes through).
	TapeHead media.ChainHead `json:"tape_head"`
	// Head is the rebuilt catalog's head (the rebuilt event).
	Head media.ChainHead `json:"head"`
	// RunsFromCopy counts the succeeded runs the copy knew.
	RunsFromCopy int `json:"runs_from_copy"`
	// RunsFinished are runs the copy knew unfinished that the trailers
	// prove complete; RunsAdded runs the copy did not know at all.
	RunsFinished []string `json:"runs_finished,omitempty"`
	RunsAdded    []string `json:"runs_added,omitempty"`
	// Incomplete are runs whose pieces were not all seen.
	Incomplete []string `json:"incomplete,omitempty"`
	// Conflicts are disagreements between the copy and the trailers.
	Conflicts []string `json:"conflicts,omitempty"`
	// Expected are cartridges the catalog knows that were not read (not
	// marked lost: a person decides that).
	Expected []string `json:"expected_not_seen,omitempty"`
	// Added are cartridges read that the catalog did not know.
	Added []string `json:"added,omitempty"`
	// ConfigPath is where the configuration from the tapes was left.
	ConfigPath string `json:"config_path,omitempty"`
	// Systems are the systems in restore order, from the catalog file.
	Systems []SystemInfo `json:"systems,omitempty"`
}

// candidate is a catalog file read from a cartridge.
type candidate struct {
	trailer drives.Trailer
	file    CatalogFile
	err     error
}

func (c candidate) name() string {
	return fmt.Sprintf("the catalog file on %s (tape file %d, audit chain head %d, written %s)",
		c.trailer.Barcode, c.trailer.DataFile, c.trailer.ChainHeadID, c.trailer.End.Local().Format(time.DateTime))
}

// Rebuild reads every cartridge of the source and writes a new catalog to
// the state directory: the newest catalog file it can verify, with what
// the trailers prove merged in, or the trailers alone when no catalog file
// can be used. The catalog appears under its name only when complete (it
// is built in a temporary file and renamed); an interrupted rebuild
// leaves nothing behind.
func Rebuild(ctx context.Context, opts RebuildOptions) (rep RebuildReport, err error) {
	if opts.Progress == nil {
		opts.Progress = io.Discard
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Actor.Name == "" {
		opts.Actor = media.Actor{Name: "catalog-rebuild", Role: "operator"}
	}
	if opts.StateDir == "" {
		return rep, errors.New("say where the catalog goes (the state directory)")
	}
	if err := os.MkdirAll(opts.StateDir, 0o750); err != nil {
		return rep, fmt.Errorf("make the state directory: %w", err)
	}
	rep.Path = filepath.Join(opts.StateDir, CatalogFileName)
	if _, err := os.Stat(rep.Path); err == nil {
		return rep, fmt.Errorf("%w: %s exists; the rebuild never replaces a catalog: move it away first (or give another --state-dir)", ErrCatalogExists, rep.Path)
	}
	work, err := os.MkdirTemp(opts.StateDir, ".rebuild-")
	if err != nil {
		return rep, err
	}
	defer func() { _ = os.RemoveAll(work) }() // scratch space

	// Read every cartridge, and every catalog file while its cartridge is
	// in the drive.
	var cands []candidate
	carts, err := readAll(ctx, opts.Source, opts.Progress, func(d drives.Drive, c Cartridge) string {
		var notes []string
		for i := len(c.Catalogs) - 1; i >= 0; i-- {
			t := c.Catalogs[i]
			dest := filepath.Join(work, fmt.Sprintf("%s-%d.db", t.Barcode, t.DataFile))
			cf, err := ReadCatalogFileWith(ctx, d, t, dest, opts.Identities)
			cands = append(cands, candidate{trailer: t, file: cf, err: err})
			switch {
			case errors.Is(err, ErrCatalogFileEncrypted):
				for _, r := range t.Recipients {
					if !slices.Contains(rep.Encrypted, r) {
						rep.Encrypted = append(rep.Encrypted, r)
					}
				}
				notes = append(notes, fmt.Sprintf("its catalog file is encrypted with age to %s and not opened", strings.Join(t.Recipients, ", ")))
			case err != nil:
				notes = append(notes, fmt.Sprintf("its catalog file does not read back (%v)", err))
			case t.Encryption != "":
				notes = append(notes, "its catalog file decrypted and read back")
			}
		}
		return strings.Join(notes, "; ")
	})
	if err != nil {
		return rep, err
	}
	if len(carts) == 0 {
		return rep, fmt.Errorf("no tapewarden cartridge was read from %s; nothing was written", opts.Source.Name())
	}
	for _, c := range carts {
		rep.Cartridges = append(rep.Cartridges, c.Label.Barcode)
	}
	runs := Runs(carts)

	// The newest catalog file that verifies and agrees with the trailers.
	sort.SliceStable(cands, func(i, j int) bool {
		a, b := cands[i].trailer, cands[j].trailer
		if a.ChainHeadID != b.ChainHeadID {
			return a.ChainHeadID > b.ChainHeadID
		}
		return a.End.After(b.End)
	})
	tmp := filepath.Join(work, "catalog.db")
	var chosen *candidate
	for i := range cands {
		c := &cands[i]
		if c.err == nil {
			c.err = checkCandidate(ctx, c, carts, opts)
		}
		if c.err != nil {
			rep.Rejected = append(rep.Rejected, fmt.Sprintf("%s: %v", c.name(), c.err))
			continue
		}
		chosen = c
		break
	}
	if chosen != nil {
		if err := os.Rename(chosen.file.CatalogPath, tmp); err != nil {
			return rep, err
		}
		rep.CatalogFrom = chosen.name()
		rep.TapeHead = media.ChainHead{ID: chosen.trailer.ChainHeadID, Hash: chosen.trailer.ChainHeadHash}
		rep.Systems = chosen.file.Manifest.Systems
		if len(chosen.file.Config) > 0 {
			rep.ConfigPath = filepath.Join(opts.StateDir, RecoveredConfigName)
		}
	}
	cat, err := media.Open(ctx, tmp, media.Options{Now: opts.Now, LabelPatterns: opts.LabelPatterns})
	if err != nil {
		return rep, fmt.Errorf("open the catalog being rebuilt: %w", err)
	}
	defer func() {
		if cat != nil {
			_ = cat.Close() // only on failure: the temporary catalog is discarded
		}
	}()
	if rep.Catalog, err = cat.Identity(ctx); err != nil {
		return rep, err
	}
	if err := merge(ctx, cat, carts, runs, chosen, opts, &rep); err != nil {
		return rep, err
	}
	if err := ctx.Err(); err != nil {
		return rep, err
	}
	what := "catalog rebuilt from " + rotation.Plural(len(carts), "cartridge")
	if chosen != nil {
		what += fmt.Sprintf(" starting from the copy on %s (audit chain head %d %s)", chosen.trailer.Barcode, rep.TapeHead.ID, rep.TapeHead.Hash)
	} else {
		what += " from their labels and trailers alone (no usable catalog file)"
	}
	what += fmt.Sprintf(": %d run(s) finished and %d added from trailers, %d cartridge(s) added, %d expected but not seen",
		len(rep.RunsFinished), len(rep.RunsAdded), len(rep.Added), len(rep.Expected))
	ev, err := cat.Record(ctx, opts.Actor, "rebuilt", what)
	if err != nil {
		return rep, err
	}
	rep.Head = media.ChainHead{ID: ev.ID, Hash: ev.Hash}
	if chosen == nil {
		rep.TapeHead = rep.Head
	}
	v, err := cat.Verify(ctx, rep.TapeHead.Hash)
	if err != nil {
		return rep, err
	}
	if !v.OK {
		return rep, fmt.Errorf("the rebuilt catalog fails its audit check (%s); nothing was written", v.Problem)
	}
	err = cat.Close()
	cat = nil
	if err != nil {
		return rep, err
	}
	if err := syncFile(tmp); err != nil {
		return rep, err
	}
	if err := ctx.Err(); err != nil {
		return rep, err
	}
	if rep.ConfigPath != "" {
		if err := os.WriteFile(rep.ConfigPath+".tmp", chosen.file.Config, 0o640); err != nil {
			return rep, err
		}
		if err := os.Rename(rep.ConfigPath+".tmp", rep.ConfigPath); err != nil {
			return rep, err
		}
	}
	if err := os.Rename(tmp, rep.Path); err != nil {
		return rep, err
	}
	// The renames are durable only once the directory is synced.
	d, err := os.Open(opts.StateDir)
	if err != nil {
		return rep, err
	}
	if err := d.Sync(); err != nil {
		_ = d.Close() // the sync's error is the one to report
		return rep, fmt.Errorf("sync %s after the rename: %w", opts.StateDir, err)
	}
	if err := d.Close(); err != nil {
		return rep, err
	}
	return rep, nil
}

func syncFile(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		_ = f.Close() // the sync's error is the one to report
		return err
	}
	return f.Close()
}

// checkCandidate opens a catalog file's copy and checks it: its audit
// chain is intact and ends at the head its trailer names, its identity is
// the trailer's, and every trailer of the same catalog written at or
// before that head names an event the copy holds with the same hash.
func checkCandidate(ctx context.Context, c *candidate, carts []Cartridge, opts RebuildOptions) error {
	cat, err := media.Open(ctx, c.file.CatalogPath, media.Options{Now: opts.Now, LabelPatterns: opts.LabelPatterns})
	if err != nil {
		return fmt.Errorf("the copy does not open: %w", err)
	}
	defer func() { _ = cat.Close() }() // opened to read its identity and head only
	id, err := cat.Identity(ctx)
	if err != nil {
		return err
	}
	if id.UUID != c.trailer.CatalogUUID {
		return fmt.Errorf("the copy is of catalog %s, its trailer names %s", id.UUID, c.trailer.CatalogUUID)
	}
	head, err := cat.ChainHead(ctx)
	if err != nil {
		return err
	}
	if head.ID != c.trailer.ChainHeadID || head.Hash != c.trailer.ChainHeadHash {
		return fmt.Errorf("the copy's audit chain ends at event %d, its trailer says %d", head.ID, c.trailer.ChainHeadID)
	}
	v, err := cat.Verify(ctx, c.trailer.ChainHeadHash)
	if err != nil {
		return err
	}
	if !v.OK {
		return fmt.Errorf("the copy fails its audit check: %s", v.Problem)
	}
	for _, cart := range carts {
		marks := append(append([]drives.Trailer{}, cart.Trailers...), cart.Catalogs...)
		for _, t := range marks {
			if t.CatalogUUID != id.UUID || t.ChainHeadHash == "" || t.ChainHeadID > head.ID || t.ChainHeadID == 0 {
				continue
			}
			evs, err := cat.Events(ctx, media.EventFilter{AfterID: t.ChainHeadID - 1, Limit: 1, Ascending: true})
			if err != nil {
				return err
			}
			if len(evs) == 0 || evs[0].ID != t.ChainHeadID || evs[0].Hash != t.ChainHeadHash {
				return fmt.Errorf("the trailer in tape file %d of %s names audit event %d with hash %s, which the copy's chain does not hold: the chain was rewritten",
					t.DataFile+1, t.Barcode, t.ChainHeadID, t.ChainHeadHash)
			}
		}
	}
	return nil
}

// merge adds to cat what the cartridges prove and it does not know.
func merge(ctx context.Context, cat *media.Catalog, carts []Cartridge, runs []TapeRun, chosen *candidate, opts RebuildOptions, rep *RebuildReport) error {
	seen := map[string]bool{}
	var unknown []Cartridge
	for _, c := range carts {
		seen[c.Label.Barcode] = true
		_, err := cat.Cartridge(ctx, c.Label.Barcode)
		if err == nil {
			continue
		}
		if !errors.Is(err, media.ErrNotFound) {
			return err
		}
		unknown = append(unknown, c)
	}
	if len(unknown) > 0 {
		if err := rebuildTopology(ctx, cat, unknown, chosen); err != nil {
			return err
		}
	}
	for _, c := range unknown {
		state := media.Scratch
		if len(c.Trailers) > 0 {
			state = media.Active
		}
		_, err := cat.AddCartridge(ctx, opts.Actor, media.NewCartridge{Barcode: c.Label.Barcode, MediaType: c.Label.MediaType, Pool: c.Label.Pool, State: state,
			Location: media.Storage(recoverySite, recoveryPlace),
			Notes:    fmt.Sprintf("added by the catalog rebuild from its label (written %s) and trailers", c.Label.LabelTime.Format(time.DateOnly))})
		if err != nil {
			return fmt.Errorf("add %s: %w", c.Label.Barcode, err)
		}
		if err := cat.SetLabelUUID(ctx, c.Label.Barcode, c.Label.UUID); err != nil {
			return err
		}
		rep.Added = append(rep.Added, c.Label.Barcode)
	}
	copyUUID := ""
	if chosen != nil {
		copyUUID = chosen.trailer.CatalogUUID
	}
	for _, r := range runs {
		if err := ctx.Err(); err != nil {
			return err
		}
		if !r.Complete {
			rep.Incomplete = append(rep.Incomplete, fmt.Sprintf("%s: %s", r.Describe(), r.Missing))
			continue
		}
		res := media.RunResult{State: media.RunSucceeded, Bytes: r.TotalBytes, SHA256: r.TotalSHA256, Generation: r.Generation, Level: r.Level,
			GenerationStart: r.Start, Reason: "recorded by the catalog rebuild from the trailers on tape"}
		if last := r.Pieces[len(r.Pieces)-1]; last.Encryption != "" {
			// The trailers' totals are of the bytes on tape; the run's
			// figures are of the tar stream inside.
			res.Encryption, res.Recipients = last.Encryption, last.Recipients
			res.TapeBytes, res.TapeSHA256 = r.TotalBytes, r.TotalSHA256
			res.Bytes, res.SHA256 = last.PlainBytes, last.PlainSHA256
		}
		for _, p := range r.Pieces {
			res.Pieces = append(res.Pieces, media.Piece{Piece: p.Piece, Barcode: p.Barcode, File: p.DataFile, Bytes: p.Bytes, SHA256: p.SHA256, Complete: true})
			if p.Continued {
				res.Full = append(res.Full, p.Barcode)
			}
		}
		if id := runNumber(r.RunID); id > 0 && r.CatalogUUID != "" && r.CatalogUUID == copyUUID {
			known, err := cat.Run(ctx, id)
			switch {
			case errors.Is(err, media.ErrRunNotFound):
			case err != nil:
				return err
			case known.Job != r.Job:
				rep.Conflicts = append(rep.Conflicts, fmt.Sprintf("%s: the copy has run %d as job %s; added as a new run", r.Describe(), id, known.Job))
			case known.State == media.RunSucceeded:
				if !samePieces(known.Pieces, res.Pieces) {
					rep.Conflicts = append(rep.Conflicts, fmt.Sprintf("%s: the copy records other pieces for it; the copy's are kept", r.Describe()))
				}
				rep.RunsFromCopy++
				continue
			case known.State.Finished():
				rep.Conflicts = append(rep.Conflicts, fmt.Sprintf("%s: its trailers are complete but the copy records it %s; left %s", r.Describe(), known.State, known.State))
				continue
			default:
				if _, err := cat.FinishRun(ctx, id, res); err != nil {
					return fmt.Errorf("finish run %d from its trailers: %w", id, err)
				}
				rep.RunsFinished = append(rep.RunsFinished, r.Describe())
				continue
			}
		}
		if err := addRun(ctx, cat, r, res, rep); err != nil {
			return err
		}
	}
	if _, err := cat.FailUnfinishedRuns(ctx, "the catalog was rebuilt from tapes that prove no complete generation of the run"); err != nil {
		return err
	}
	all, err := cat.Cartridges(ctx, media.Filter{})
	if err != nil {
		return err
	}
	for _, c := range all {
		if seen[c.Barcode] || c.State == media.Retired || c.State == media.Lost || c.State == media.Cleaning || c.State == media.Scratch {
			continue
		}
		rep.Expected = append(rep.Expected, fmt.Sprintf("%s (pool %s, %s, last at %s)", c.Barcode, c.Pool, c.State, c.Location))
	}
	return nil
}

// addRun records a run the catalog did not know, under a new ID.
func addRun(ctx context.Context, cat *media.Catalog, r TapeRun, res media.RunResult, rep *RebuildReport) error {
	// Keep the ID the trailers carry when it is free, so that the tapes
	// and the catalog name the run alike (a later write from tape file 1
	// then knows its trailers as this catalog's).
	n := media.NewRun{Job: r.Job, System: r.System, Pool: r.Pool, Trigger: "rebuilt", ScheduledFor: r.Start}
	run, err := cat.QueueRunAs(ctx, runNumber(r.RunID), n)
	if errors.Is(err, media.ErrExists) || errors.Is(err, media.ErrBadInput) {
		run, err = cat.QueueRun(ctx, n)
	}
	if err != nil {
		return err
	}
	if err := cat.UpdateRun(ctx, run.ID, media.RunUpdate{State: media.RunWriting, Started: true, Generation: r.Generation, Level: r.Level}); err != nil {
		return err
	}
	if _, err := cat.FinishRun(ctx, run.ID, res); err != nil {
		return fmt.Errorf("record %s: %w", r.Describe(), err)
	}
	what := r.Describe()
	if fmt.Sprint(run.ID) != r.RunID {
		what += fmt.Sprintf(", now run %d (its ID was taken)", run.ID)
	}
	rep.RunsAdded = append(rep.RunsAdded, what)
	return nil
}

func samePieces(a, b []media.Piece) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Barcode != b[i].Barcode || a[i].File != b[i].File || a[i].SHA256 != b[i].SHA256 {
			return false
		}
	}
	return true
}

// Where cartridges the catalog did not know are recorded: a place of its
// own, from which a person moves them with 'tapewarden media move'.
const (
	recoverySite  = "recovery"
	recoveryPlace = "rebuild"
)

// rebuildTopology makes the pools of unknown cartridges and the recovery
// place known to the catalog, keeping what the configuration on the tape
// (or the copy) configured.
func rebuildTopology(ctx context.Context, cat *media.Catalog, unknown []Cartridge, chosen *candidate) error {
	var t media.Topology
	if chosen != nil && len(chosen.file.Config) > 0 {
		if cfg, err := config.ParseConfig(RecoveredConfigName, chosen.file.Config); err == nil {
			t = cfg.Topology()
		}
	}
	if len(t.Sites) == 0 {
		sites, err := cat.Sites(ctx)
		if err != nil {
			return err
		}
		t.Sites = sites
	}
	hasSite := false
	for _, s := range t.Sites {
		hasSite = hasSite || s.Name == recoverySite
	}
	if !hasSite {
		t.Sites = append(t.Sites, media.Site{Name: recoverySite, Kind: "other-building", Places: []media.Place{{Name: recoveryPlace, Kind: "receiving"}}})
	}
	pools := map[string]bool{}
	for _, p := range t.Pools {
		pools[p.Name] = true
	}
	for _, c := range unknown {
		if !pools[c.Label.Pool] {
			pools[c.Label.Pool] = true
			t.Pools = append(t.Pools, media.Pool{Name: c.Label.Pool, MediaType: c.Label.MediaType})
		}
	}
	_, err := cat.SyncTopology(ctx, t)
	return err
}
