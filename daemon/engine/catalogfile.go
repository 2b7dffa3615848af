package engine

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/tapewarden/tapewarden/daemon/config"
	"github.com/tapewarden/tapewarden/daemon/recovery"
	"github.com/tapewarden/tapewarden/drives"
)

// writeCatalogFile ends a cartridge's night: after the run's last trailer
// it writes a catalog file (a consistent copy of the catalog, the
// configuration, the chain head and a manifest) with its own trailer, so
// that the cartridge alone can rebuild the catalog when the machine room
// is gone. The next append on the cartridge starts right after the last
// data trailer (positionAppend) and so overwrites it: the newest catalog
// file is always last on the tape.
//
// A catalog file that cannot be written does not fail the run: the data
// is on tape and verified, and the trailers alone still prove it. The
// run's log says so.
func (w *tapeWriter) writeCatalogFile(ctx context.Context) {
	d := w.d
	start := d.now()
	file := w.file + 2 // after this piece's data file and its trailer
	if st, err := w.h.Status(ctx); err == nil && st.File >= 0 && st.File != file {
		w.log.printf("warning: no catalog file written on %s: the drive is at tape file %d, not %d after the last trailer", w.barcode, st.File, file)
		return
	}
	b, err := recovery.BuildCatalogFile(ctx, d.cat, recovery.ConfigText(d.cfg), recovery.Manifest{
		Barcode: w.barcode, Pool: w.pool.Name, Generation: w.generation, Run: w.run.ID, TapewardenVersion: config.Version,
		ConfigFile: d.cfg.File, Systems: recovery.Systems(d.cfg), WrittenAt: start.UTC(),
	}, filepath.Dir(d.cat.Path()))
	if err != nil {
		w.log.printf("warning: no catalog file written on %s: %v", w.barcode, err)
		return
	}
	encrypted := ""
	if pc := d.cfg.Pool(w.pool.Name); pc != nil && pc.Encrypted() {
		// The catalog locates every cartridge: it travels encrypted to the
		// same recipients as the pool's data.
		e, err := recovery.EncryptCatalogFile(b, pc.RecipientStrings())
		if err != nil {
			b.Remove()
			w.log.printf("warning: no catalog file written on %s: %v", w.barcode, err)
			return
		}
		b, encrypted = e, fmt.Sprintf(", encrypted with age to %s", strings.Join(e.Recipients, ", "))
	}
	defer b.Remove()
	blockSize := w.m.drv.cfg.BlockSize
	if w.job.BlockSize > 0 {
		blockSize = w.job.BlockSize
	}
	t := drives.Trailer{RunID: fmt.Sprint(w.run.ID), Pool: w.pool.Name, Generation: w.generation, Level: w.level,
		Barcode: w.barcode, DataFile: file, Start: start.UTC(), End: d.now().UTC(), TapewardenVersion: config.Version}
	t, err = recovery.WriteCatalogFile(ctx, w.h, b, blockSize, t)
	if err != nil {
		// What was written past the last trailer is overwritten by the
		// next append; terminate it so the tape reads cleanly to here.
		if ferr := w.h.WriteFilemarks(context.WithoutCancel(ctx), 1); ferr != nil {
			w.log.printf("warning: could not end the incomplete catalog file on %s with a filemark: %v", w.barcode, ferr)
		}
		w.log.printf("warning: the catalog file on %s is incomplete: %v", w.barcode, err)
		return
	}
	w.log.printf("wrote the catalog file to %s in tape file %d: %d bytes (catalog %d bytes)%s, audit chain head %d, in %s",
		w.barcode, file, t.Bytes, b.Manifest.CatalogBytes, encrypted, t.ChainHeadID, d.now().Sub(start).Round(1e6))
}

// stampTrailer writes the catalog's identity and the audit chain's head
// into a trailer (or leaves them out if the catalog cannot say).
func (d *Engine) stampTrailer(ctx context.Context, t *drives.Trailer) {
	id, err := d.cat.Identity(ctx)
	if err != nil {
		return
	}
	head, err := d.cat.ChainHead(ctx)
	if err != nil {
		return
	}
	t.CatalogUUID, t.ChainHeadID, t.ChainHeadHash = id.UUID, head.ID, head.Hash
}

// stampLabel does the same for a label about to be written.
func (d *Engine) stampLabel(ctx context.Context, l *drives.Label) {
	var t drives.Trailer
	d.stampTrailer(ctx, &t)
	l.CatalogUUID, l.ChainHeadID, l.ChainHeadHash = t.CatalogUUID, t.ChainHeadID, t.ChainHeadHash
}

// ownCatalogFile says whether a catalog file's trailer found on a tape is
// one this catalog wrote: a copy of this catalog, which any write may
// replace.
func (d *Engine) ownCatalogFile(ctx context.Context, t drives.Trailer) (bool, error) {
	id, err := d.cat.Identity(ctx)
	if err != nil {
		return false, fmt.Errorf("read the catalog's identity: %w", err)
	}
	return t.CatalogUUID == id.UUID, nil
}
