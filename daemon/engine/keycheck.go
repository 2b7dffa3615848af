package engine

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/tapewarden/tapewarden/daemon/archive"
	"github.com/tapewarden/tapewarden/drives"
	"github.com/tapewarden/tapewarden/media"
)

// KeyCheckRequest is `tapewarden key check`: the text of an identity
// file, never logged or stored.
type KeyCheckRequest struct {
	Identity Secret `json:"identity"`
}

// KeyCheck is what `tapewarden key check` found for one encrypted pool.
type KeyCheck struct {
	Pool       string   `json:"pool"`
	Run        int64    `json:"run,omitempty"`
	Job        string   `json:"job,omitempty"`
	Generation string   `json:"generation,omitempty"`
	Barcode    string   `json:"barcode,omitempty"`
	File       int64    `json:"file,omitempty"`
	Recipients []string `json:"recipients,omitempty"` // fingerprints the file was written for
	OK         bool     `json:"ok"`
	// Unwritten is true when the pool has no encrypted generation yet:
	// there is nothing to check the identity against, which is no failure
	// of the identity.
	Unwritten bool   `json:"unwritten,omitempty"`
	Problem   string `json:"problem,omitempty"`
}

// CheckKey confirms that an identity decrypts the newest encrypted
// generation of every encrypted pool, without restoring: for each, it
// reads the first piece's trailer and the start of its data file, which
// age authenticates. It fails (ErrInvalid) when the identity does not
// parse or no pool is encrypted; a pool it cannot decrypt is reported in
// its result.
func (d *Engine) CheckKey(ctx context.Context, req KeyCheckRequest) ([]KeyCheck, error) {
	ids, err := archive.ParseIdentities(strings.NewReader(string(req.Identity)), "the identity given with --identity")
	if err != nil {
		return nil, invalid("%w", err)
	}
	if len(ids.Fingerprints) == 0 {
		return nil, invalid("%w: the file given holds no identity", archive.ErrBadIdentity)
	}
	var out []KeyCheck
	for _, pc := range d.cfg.Pools {
		if !pc.Encrypted() {
			continue
		}
		kc := KeyCheck{Pool: pc.Name}
		runs, err := d.cat.Runs(ctx, media.RunFilter{Pool: pc.Name, State: media.RunSucceeded, Limit: 200})
		if err != nil {
			return nil, err
		}
		var run *media.Run
		for i := range runs {
			if runs[i].Encryption != "" {
				run = &runs[i]
				break
			}
		}
		if run == nil {
			kc.Unwritten = true
			kc.Problem = "no encrypted generation has been written yet"
			out = append(out, kc)
			continue
		}
		full, err := d.cat.Run(ctx, run.ID)
		if err != nil {
			return nil, err
		}
		kc.Run, kc.Job, kc.Generation, kc.Recipients = full.ID, full.Job, full.Generation, full.Recipients
		if len(full.Pieces) == 0 || !full.Pieces[0].GoneAt.IsZero() {
			kc.Problem = fmt.Sprintf("the first piece of run %d is no longer on tape", full.ID)
			out = append(out, kc)
			continue
		}
		p := full.Pieces[0]
		kc.Barcode, kc.File = p.Barcode, p.File
		if err := d.checkKeyOn(ctx, full, p, ids); err != nil {
			if !errors.Is(err, archive.ErrWrongIdentity) && !errors.Is(err, archive.ErrNotAuthentic) && !errors.Is(err, drives.ErrBadLabel) {
				return out, fmt.Errorf("pool %s: %w", pc.Name, err)
			}
			kc.Problem = err.Error()
		} else {
			kc.OK = true
		}
		out = append(out, kc)
	}
	if len(out) == 0 {
		return nil, invalid("no pool is configured with encryption: age")
	}
	return out, nil
}

// checkKeyOn gets a piece's cartridge into a drive, reads its trailer and
// decrypts the start of its data file with ids.
func (d *Engine) checkKeyOn(ctx context.Context, r media.Run, p media.Piece, ids archive.Identities) error {
	l := leaseFor(leaseRestore, tr("lease.key_check", r.ID, r.Job))
	m, err := d.obtain(ctx, obtainRequest{lease: l, barcode: p.Barcode, run: r.ID, why: tr("prompt.why.keycheck", r.Pool, r.Generation),
		status: func(detail bi) { d.log.Info("key check", "run", r.ID, "detail", detail.en) }})
	if err != nil {
		return err
	}
	defer func() {
		if m.drv.lib != nil {
			if _, err := d.unloadLeased(context.WithoutCancel(ctx), media.System, m.drv, 0, false); err != nil {
				d.log.Warn("put the cartridge back after the key check", "err", err)
			}
		}
		m.release()
	}()
	h, err := m.drv.open()
	if err != nil {
		return err
	}
	defer func() { _ = h.Close() }() // reads the tape: nothing written to lose
	if err := h.SetBlockSize(ctx, 0); err != nil {
		return err
	}
	if _, err := drives.VerifyLabel(ctx, h, p.Barcode); err != nil {
		return err
	}
	if err := h.Rewind(ctx); err != nil {
		return err
	}
	if err := h.SpaceFiles(ctx, int(p.File)+1); err != nil {
		return fmt.Errorf("space to the trailer, file %d of %s: %w", p.File+1, p.Barcode, err)
	}
	tr, err := drives.ReadTrailer(ctx, h)
	if err != nil {
		return fmt.Errorf("read the trailer of run %d on %s: %w", r.ID, p.Barcode, err)
	}
	if tr.RunID != fmt.Sprint(r.ID) || tr.Encryption != "age" {
		return fmt.Errorf("%w: the trailer in file %d of %s is of run %s (encryption %q), not of encrypted run %d", drives.ErrBadLabel, p.File+1, p.Barcode, tr.RunID, tr.Encryption, r.ID)
	}
	if err := h.Rewind(ctx); err != nil {
		return err
	}
	if err := h.SpaceFiles(ctx, int(p.File)); err != nil {
		return fmt.Errorf("space to file %d of %s: %w", p.File, p.Barcode, err)
	}
	bufSize, err := drives.ReadBufferSize(h, 0)
	if err != nil {
		return err
	}
	stream := archive.NewReader(ctx, func(_ context.Context, n int) (archive.BlockReader, error) {
		if n > 1 {
			return nil, io.EOF
		}
		return drives.LimitReads(h, bufSize), nil
	}, drives.MaxBlockSize)
	dec, err := archive.NewDecrypter(stream, ids, tr.Recipients)
	if err != nil {
		return err
	}
	defer func() { _ = dec.Close() }() // stops the decrypting goroutine; always nil
	// The first read returns only plaintext age has authenticated.
	buf := make([]byte, 512)
	if _, err := io.ReadFull(dec, buf); err != nil {
		return fmt.Errorf("decrypt the start of file %d of %s: %w", p.File, p.Barcode, err)
	}
	return nil
}
