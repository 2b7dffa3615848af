package engine

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/tapewarden/tapewarden/daemon/archive"
	"github.com/tapewarden/tapewarden/media"
)

// restoreIdentities returns the identities for restoring an encrypted
// run: those sent with the request, else the pool's restore identity
// file. Errors never quote the identity.
func (d *Engine) restoreIdentities(r media.Run, req RestoreRequest) (archive.Identities, error) {
	if req.Identity != "" {
		ids, err := archive.ParseIdentities(strings.NewReader(string(req.Identity)), "the identity given with --identity")
		if err != nil {
			return ids, invalid("%w", err)
		}
		return ids, nil
	}
	if pc := d.cfg.Pool(r.Pool); pc != nil && pc.RestoreIdentityFile != "" {
		ids, err := archive.ReadIdentityFile(pc.RestoreIdentityFile)
		if err != nil {
			return ids, invalid("pool %s's restore_identity_file: %w", r.Pool, err)
		}
		return ids, nil
	}
	return archive.Identities{}, invalid("run %d of job %s is encrypted with age to recipients %s: give the identity with 'tapewarden restore --identity FILE' (or configure restore_identity_file for pool %s)",
		r.ID, r.Job, strings.Join(r.Recipients, ", "), r.Pool)
}

// restoreEncrypted restores an age-encrypted run: it decrypts the stream
// read from tape, extracts it into a staging directory and moves it into
// dir only once age has authenticated the whole stream, then checks the
// bytes on tape and the plaintext against what was recorded.
func (d *Engine) restoreEncrypted(ctx context.Context, r media.Run, stream *archive.Reader, dir string, req RestoreRequest, rj *RestoredJob) error {
	if r.Encryption != "age" {
		return fmt.Errorf("run %d is encrypted with %q, which this version cannot decrypt", r.ID, r.Encryption)
	}
	ids, err := d.restoreIdentities(r, req)
	if err != nil {
		return err
	}
	// where names the piece the stream had reached; called only once
	// the decrypting goroutine, which reads the stream, has stopped.
	where := func() string {
		var end int64
		for _, p := range r.Pieces {
			end += p.Bytes
			if stream.Bytes() <= end {
				return fmt.Sprintf("piece %d of run %d on %s (tape file %d)", p.Piece, r.ID, p.Barcode, p.File)
			}
		}
		return fmt.Sprintf("run %d", r.ID)
	}
	dec, err := archive.NewDecrypter(stream, ids, r.Recipients)
	if err != nil {
		if errors.Is(err, archive.ErrWrongIdentity) {
			return invalid("%w; nothing was written to %s", err, dir)
		}
		return fmt.Errorf("%s: %w; nothing was written to %s", where(), err, dir)
	}
	defer func() { _ = dec.Close() }() // stops the decrypting goroutine; always nil
	// Refused members (files that exist, without --overwrite) do not stop
	// the restore; each is named in the result, as for a plain restore.
	er, err := archive.ExtractStaged(ctx, dec, dir, archive.ExtractOptions{Overwrite: req.Overwrite, AllowDevices: req.AllowDevices, Only: req.Paths, Reassemble: true,
		TolerateRefused: true, Warn: func(msg string) { d.log.Warn("restore", "run", r.ID, "job", r.Job, "detail", msg) }})
	rj.Members, rj.Warnings = er.Members, er.Warnings
	for _, rf := range er.Refused {
		rj.Refused = append(rj.Refused, RefusedMember{Member: rf.Name, Reason: rf.Reason})
	}
	if err == nil {
		_, err = io.Copy(io.Discard, dec)
	}
	if err != nil {
		_ = dec.Close() // stops the decrypting goroutine; always nil
		rj.Members = 0  // the staged members were removed: none reached the target
		if errors.Is(err, archive.ErrNotAuthentic) {
			return fmt.Errorf("%s: %w; nothing of it was left in %s", where(), err, dir)
		}
		return err
	}
	if _, err := io.Copy(io.Discard, stream); err != nil {
		return err
	}
	rj.Bytes = dec.Bytes()
	if stream.Bytes() != r.TapeBytes || stream.SHA256() != r.TapeSHA256 {
		return fmt.Errorf("read back %d bytes with SHA-256 %s from tape; the run wrote %d bytes with %s: the data on tape is not what was written",
			stream.Bytes(), stream.SHA256(), r.TapeBytes, r.TapeSHA256)
	}
	if rj.Bytes != r.Bytes || (r.SHA256 != "" && dec.SHA256() != r.SHA256) {
		return fmt.Errorf("decrypted %d bytes with SHA-256 %s; the run wrote %d bytes with %s", rj.Bytes, dec.SHA256(), r.Bytes, r.SHA256)
	}
	rj.Verified = true
	return nil
}
