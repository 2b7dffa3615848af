package daemon

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/tapewarden/tapewarden/media"

	"github.com/tapewarden/tapewarden/daemon/i18n"
)

// sheetCheckEvery is how often the daemon looks whether the night's runs
// have ended since it last wrote the recovery sheet.
const sheetCheckEvery = time.Minute

// keepRecoverySheet writes the recovery sheet file at start and again
// each time runs have ended and none is in progress: after each night,
// the file holds the night's generations. It stops when ctx ends.
func (d *Daemon) keepRecoverySheet(ctx context.Context) {
	var writtenFor int64 = -1
	writtenFor, _ = d.refreshRecoverySheet(ctx, writtenFor)
	t := time.NewTicker(sheetCheckEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			writtenFor, _ = d.refreshRecoverySheet(ctx, writtenFor)
		}
	}
}

// refreshRecoverySheet writes the sheet when no run is in progress and a
// run has ended since the one it was last written for (writtenFor; -1:
// never written). It returns the run the sheet is now written for and
// whether it wrote.
func (d *Daemon) refreshRecoverySheet(ctx context.Context, writtenFor int64) (int64, bool) {
	for _, j := range d.cfg.Jobs {
		if d.eng.JobRunning(j.Name) {
			return writtenFor, false
		}
	}
	newest, err := d.newestEndedRun(ctx)
	if err != nil {
		d.log.Warn("recovery sheet: cannot read the runs; the sheet was not written", "err", err)
		return writtenFor, false
	}
	if newest == writtenFor {
		return writtenFor, false
	}
	if err := d.WriteRecoverySheet(ctx); err != nil {
		d.log.Error("recovery sheet not written; the copy kept in another building may be old", "path", d.cfg.RecoverySheetPath(), "err", err)
		return writtenFor, false
	}
	return newest, true
}

// newestEndedRun is the ID of the newest run that has ended (0: none).
func (d *Daemon) newestEndedRun(ctx context.Context) (int64, error) {
	var newest int64
	for _, s := range []media.RunState{media.RunSucceeded, media.RunFailed, media.RunCancelled, media.RunMissed} {
		runs, err := d.Catalog().Runs(ctx, media.RunFilter{State: s, Limit: 1})
		if err != nil {
			return 0, err
		}
		if len(runs) > 0 {
			newest = max(newest, runs[0].ID)
		}
	}
	return newest, nil
}

// WriteRecoverySheet writes the recovery sheet to the configured file
// (catalog.recovery_sheet) in the configured language, replacing it only
// once the new one is complete.
func (d *Daemon) WriteRecoverySheet(ctx context.Context) error {
	path := d.cfg.RecoverySheetPath()
	lang, _ := i18n.Parse(d.cfg.Language)
	doc, err := d.report.RecoverySheet(ctx, "", lang)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := doc.Write(&buf, d.cfg.RecoverySheetFormat()); err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("recovery sheet directory: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".recovery-sheet-*")
	if err != nil {
		return fmt.Errorf("recovery sheet: %w", err)
	}
	_, werr := tmp.Write(buf.Bytes())
	if werr == nil {
		werr = tmp.Chmod(0o644)
	}
	if werr == nil {
		werr = tmp.Sync()
	}
	if cerr := tmp.Close(); werr == nil {
		werr = cerr
	}
	if werr == nil {
		werr = os.Rename(tmp.Name(), path)
	}
	if werr != nil {
		_ = os.Remove(tmp.Name()) // the error that matters is werr
		return fmt.Errorf("recovery sheet %s: %w", path, werr)
	}
	d.log.Info("recovery sheet written", "path", path, "bytes", buf.Len())
	return nil
}
