package engine

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/tapewarden/tapewarden/drives"
	"github.com/tapewarden/tapewarden/media"
	"github.com/tapewarden/tapewarden/rotation"
)

// maxScanFiles bounds how far a run looks past the label before it
// writes from tape file 1. A daily cartridge holds a few dozen files; a
// tape with more than this was not written by runs of this catalog in the
// ordinary way, and is treated as holding unknown data.
const maxScanFiles = 20000

// promptUnknownData is the kind of prompt opened when a run finds data on
// a cartridge that this catalog does not know.
const promptUnknownData = "unknown-data"

// positionAppend places the tape right after the catalog's last good piece
// on the cartridge (its data file and its trailer) and confirms it by
// reading that trailer: the next write overwrites whatever a failed or
// killed run left beyond it. The end of data is never used to position:
// after a crash it lies behind stale data.
func (w *tapeWriter) positionAppend(ctx context.Context, label drives.Label) error {
	d, h, barcode := w.d, w.h, w.barcode
	last, ok, err := d.cat.LastGoodPiece(ctx, barcode)
	if err != nil {
		return fmt.Errorf("find the last good piece on %s in the catalog: %w", barcode, err)
	}
	if !ok {
		// Nothing good on it yet (the generation's earlier runs failed):
		// write from file 1 after the same look past the label as any
		// write from the start.
		if err := w.checkTapeData(ctx, label); err != nil {
			return err
		}
		if err := d.cat.MarkOverwritten(ctx, media.System, barcode, 1, w.run.ID); err != nil {
			return err
		}
		if err := h.Rewind(ctx); err != nil {
			return err
		}
		if err := h.SpaceFiles(ctx, 1); err != nil {
			return fmt.Errorf("space past the label of %s: %w", barcode, err)
		}
		w.file = 1
		w.log.printf("appending to %s at tape file 1: the catalog holds no good piece on it", barcode)
		return nil
	}
	trailerFile := last.File + 1
	notThere := func(format string, args ...any) error {
		return fmt.Errorf("the tape in %s is not where the catalog says: the catalog's last good piece on %s is piece %d of run %d in tape file %d with its trailer in file %d, but %s; nothing was written (check that the cartridge is the one the catalog knows and restore from it before anything else writes it)",
			w.m.drv.cfg.Name, barcode, last.Piece, last.Run, last.File, trailerFile, fmt.Sprintf(format, args...))
	}
	if err := h.Rewind(ctx); err != nil {
		return err
	}
	if err := h.SpaceFiles(ctx, int(trailerFile)); err != nil {
		return notThere("spacing to file %d failed (%v)", trailerFile, err)
	}
	t, err := drives.ReadTrailer(ctx, h)
	if err != nil {
		return notThere("file %d holds no trailer (%v)", trailerFile, err)
	}
	if t.RunID != strconv.FormatInt(last.Run, 10) || t.Piece != last.Piece || t.DataFile != last.File || t.SHA256 != last.SHA256 || t.Barcode != barcode {
		return notThere("file %d holds the trailer of run %s of job %s, piece %d of data file %d", trailerFile, t.RunID, t.Job, t.Piece, t.DataFile)
	}
	w.file = trailerFile + 1
	if st, err := h.Status(ctx); err != nil {
		return err
	} else if st.File >= 0 && st.File != w.file {
		return notThere("after reading the trailer the drive reports file %d, not %d", st.File, w.file)
	}
	// Whatever lies beyond belongs to runs that did not succeed; the write
	// discards it.
	if err := d.cat.MarkOverwritten(ctx, media.System, barcode, w.file, w.run.ID); err != nil {
		return err
	}
	w.log.printf("appending to %s at tape file %d, after run %d's trailer (read back and confirmed)", barcode, w.file, last.Run)
	return nil
}

// checkTapeData looks past the label before a write from tape file 1 and
// refuses, with a prompt, when the tape holds data this catalog does not
// know: trailers of runs it has no record of, or any data under a label it
// did not write. Data it knows, even expired or marked overwritten, is
// rotation's to reuse.
func (w *tapeWriter) checkTapeData(ctx context.Context, label drives.Label) error {
	d, barcode := w.d, w.barcode
	catUUID, err := d.cat.LabelUUID(ctx, barcode)
	if err != nil {
		return fmt.Errorf("read the label UUID of %s from the catalog: %w", barcode, err)
	}
	foreignLabel := catUUID != "" && catUUID != label.UUID
	contents, err := drives.ScanTrailers(ctx, w.h, maxScanFiles)
	if err != nil {
		return fmt.Errorf("look past the label of %s before writing from tape file 1: %w; nothing was written", barcode, err)
	}
	var unknown []drives.Trailer
	for _, t := range contents.Trailers {
		known := false
		if !foreignLabel {
			if known, err = d.knownTrailer(ctx, t); err != nil {
				return err
			}
		}
		if !known {
			unknown = append(unknown, t)
		}
	}
	if foreignLabel && len(unknown) == 0 && !contents.Truncated {
		return fmt.Errorf("the label of %s in %s has UUID %s but the catalog recorded %s: it is not the cartridge the catalog knows; nothing was written (if what it holds may go, release it with 'tapewarden media erase %s --confirm --reason TEXT')", barcode, w.m.drv.cfg.Name, label.UUID, catUUID, barcode)
	}
	if len(unknown) == 0 && !contents.Truncated {
		if len(contents.Trailers) > 0 {
			w.log.printf("%s holds %s past its label, all of runs this catalog knows", barcode, rotation.Plural(len(contents.Trailers), "trailer"))
		}
		return nil
	}
	what := describeUnknown(unknown, contents.Truncated)
	why := tr("prompt.unknown.holds", what)
	if foreignLabel {
		why = tr("prompt.unknown.foreign", label.UUID, label.Pool, label.LabelTime.Format(time.DateOnly), catUUID, what)
	} else if catUUID == "" && len(unknown) > 0 {
		why = tr("prompt.unknown.not_ours", label.UUID, label.Pool, label.LabelTime.Format(time.DateOnly), what)
	}
	erase := fmt.Sprintf("tapewarden media erase %s --confirm --reason TEXT", barcode)
	d.promptUnknownData(ctx, withTexts(media.Prompt{Kind: promptUnknownData, Barcode: barcode, Drive: w.m.drv.cfg.Name, Run: w.run.ID, Place: media.DriveAt(w.m.drv.cfg.Site, w.m.drv.cfg.Name).String()},
		tr("prompt.unknown.action", barcode, erase), why))
	return fmt.Errorf("%s holds data this catalog does not know, so it was not written over: %s; import it ('tapewarden catalog rebuild', coming with the site-loss recovery) or release it with '%s'",
		barcode, why.en, erase)
}

// knownTrailer says whether the catalog knows the run a trailer names: a
// piece of that run at that place with that SHA-256, or a run of the same
// job that failed around the trailer's time (killed after the trailer was
// written, before its pieces were recorded).
func (d *Engine) knownTrailer(ctx context.Context, t drives.Trailer) (bool, error) {
	if t.IsCatalog() {
		return d.ownCatalogFile(ctx, t)
	}
	id, err := strconv.ParseInt(t.RunID, 10, 64)
	if err != nil {
		return false, nil
	}
	r, err := d.cat.Run(ctx, id)
	if errors.Is(err, media.ErrRunNotFound) {
		return false, nil
	} else if err != nil {
		return false, fmt.Errorf("look up run %d in the catalog: %w", id, err)
	}
	if r.Job != t.Job || r.Pool != t.Pool {
		return false, nil
	}
	for _, p := range r.Pieces {
		if p.Barcode == t.Barcode && p.File == t.DataFile && p.Piece == t.Piece && p.SHA256 == t.SHA256 {
			return true, nil
		}
	}
	if r.State == media.RunFailed || r.State == media.RunCancelled {
		const slack = time.Minute
		after := !t.Start.Before(r.QueuedAt.Add(-slack))
		before := r.FinishedAt.IsZero() || !t.Start.After(r.FinishedAt.Add(slack))
		return after && before, nil
	}
	return false, nil
}

// describeUnknown says what unknown trailers hold: jobs, runs, dates.
func describeUnknown(ts []drives.Trailer, truncated bool) bi {
	const show = 6
	var parts []bi
	for i, t := range ts {
		if i == show {
			parts = append(parts, tr("unknown.more", len(ts)-show))
			break
		}
		start := t.Start.Format(time.DateTime + " MST")
		switch {
		case t.IsCatalog():
			parts = append(parts, tr("unknown.catalog_file", t.CatalogUUID, start, t.DataFile))
		case t.Generation != "":
			parts = append(parts, tr("unknown.run_generation", t.Job, t.RunID, t.Generation, start, t.Bytes, t.DataFile))
		default:
			parts = append(parts, tr("unknown.run", t.Job, t.RunID, start, t.Bytes, t.DataFile))
		}
	}
	out := tr("unknown.runs", bi{en: rotation.Plural(len(ts), "run"), ja: strconv.Itoa(len(ts))}, join(parts, "; ", "／"))
	if len(ts) == 0 {
		out = tr("unknown.none")
	}
	if truncated {
		more := tr("unknown.truncated", maxScanFiles)
		out = bi{en: out.en + more.en, ja: out.ja + more.ja}
	}
	return out
}

// promptUnknownData opens the prompt about a cartridge with unknown data,
// unless one is already open for it.
func (d *Engine) promptUnknownData(ctx context.Context, p media.Prompt) {
	open, err := d.cat.Prompts(ctx, false)
	if err != nil {
		d.log.Error("list prompts", "err", err)
	}
	for _, o := range open {
		if o.Kind == promptUnknownData && o.Barcode == p.Barcode {
			return
		}
	}
	if _, err := d.openPrompt(context.WithoutCancel(ctx), p); err != nil {
		d.log.Error("open the prompt about unknown data", "barcode", p.Barcode, "err", err)
	}
}

// EraseMedia releases what a cartridge's tape holds for overwriting: the
// next run that writes it from tape file 1 may destroy data this catalog
// does not know. It needs confirm and a reason; the custody event records
// who and why, and open prompts about the cartridge's unknown data close.
func (d *Engine) EraseMedia(ctx context.Context, actor media.Actor, barcode, reason string, confirm bool) (media.Event, error) {
	if !confirm {
		return media.Event{}, invalid("media erase %s lets the next run destroy what the tape holds; repeat with --confirm (and --reason) if that data may go", barcode)
	}
	ev, err := d.cat.ReleaseTapeData(ctx, actor, barcode, reason)
	if err != nil {
		return ev, err
	}
	open, err := d.cat.Prompts(ctx, false)
	if err != nil {
		return ev, err
	}
	for _, p := range open {
		if p.Kind == promptUnknownData && p.Barcode == ev.Barcode {
			if _, err := d.cat.ClosePrompt(ctx, actor, p.ID, media.PromptDone, "released with 'tapewarden media erase': "+reason); err != nil {
				return ev, err
			}
		}
	}
	d.log.Info("tape data released for overwriting", "barcode", ev.Barcode, "by", actor.Name, "reason", reason)
	return ev, nil
}
