package media

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// CopyTo writes a consistent copy of the catalog to path while it is in
// use: VACUUM INTO a temporary file beside path, fsync it, rename it into
// place, fsync the directory, then open the copy and run SQLite's
// integrity check on it. The copy only counts when that passes. It
// returns the audit chain's head at the time of the copy.
func (c *Catalog) CopyTo(ctx context.Context, path string) (VerifyResult, error) {
	return c.copyTo(ctx, path, true)
}

// CopyToNew is CopyTo for a file that must not exist yet: the copy is
// linked into place, which fails if anything (a file, a socket, a device,
// a symlink) took the name meanwhile. Copies are created 0600 either way.
func (c *Catalog) CopyToNew(ctx context.Context, path string) (VerifyResult, error) {
	return c.copyTo(ctx, path, false)
}

func (c *Catalog) copyTo(ctx context.Context, path string, replace bool) (VerifyResult, error) {
	if strings.ContainsAny(path, "?#'") {
		return VerifyResult{}, fmt.Errorf("%w: the copy's path may not contain ?, # or '", ErrBadInput)
	}
	if !filepath.IsAbs(path) {
		return VerifyResult{}, fmt.Errorf("%w: give an absolute path for the copy", ErrBadInput)
	}
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, ".catalog-copy-*")
	if err != nil {
		return VerifyResult{}, fmt.Errorf("copy the catalog: %w", err)
	}
	// VACUUM INTO fills an empty file: this one, made 0600 by CreateTemp,
	// so that no reader ever sees the copy with wider permissions.
	tmpName := tmp.Name()
	if err := tmp.Close(); err != nil {
		_ = os.Remove(tmpName) // the close error is the one returned
		return VerifyResult{}, fmt.Errorf("copy the catalog: %w", err)
	}
	// Gone already when the rename succeeded; otherwise a leftover
	// .catalog-copy-* file is harmless and says what it is.
	defer func() { _ = os.Remove(tmpName) }()
	// A connection of its own, read-only: the copy never holds up writers.
	src, err := sql.Open(c.driver, dsn(c.path, "mode=ro&_busy_timeout=10000"))
	if err != nil {
		return VerifyResult{}, err
	}
	_, err = src.ExecContext(ctx, "VACUUM INTO '"+tmpName+"'")
	err = errors.Join(err, src.Close())
	if err != nil {
		return VerifyResult{}, fmt.Errorf("copy the catalog: %w", err)
	}
	f, err := os.OpenFile(tmpName, os.O_RDWR, 0)
	if err != nil {
		return VerifyResult{}, err
	}
	if err := errors.Join(f.Sync(), f.Close()); err != nil {
		return VerifyResult{}, fmt.Errorf("copy the catalog: fsync: %w", err)
	}
	if replace {
		err = os.Rename(tmpName, path)
	} else {
		err = os.Link(tmpName, path)
	}
	if err != nil {
		return VerifyResult{}, fmt.Errorf("copy the catalog: %w", err)
	}
	d, err := os.Open(dir)
	if err == nil {
		err = errors.Join(d.Sync(), d.Close())
	}
	if err != nil {
		return VerifyResult{}, fmt.Errorf("copy the catalog: fsync %s: %w; the copy at %s may not survive a power cut", dir, err, path)
	}
	copyDB, err := sql.Open(c.driver, dsn(path, "mode=ro"))
	if err != nil {
		return VerifyResult{}, err
	}
	defer func() { _ = copyDB.Close() }() // read-only: nothing to lose
	var ok string
	if err := copyDB.QueryRowContext(ctx, "PRAGMA integrity_check").Scan(&ok); err != nil || ok != "ok" {
		return VerifyResult{}, fmt.Errorf("%w: the copy at %s failed its integrity check (%v %s); do not rely on it", ErrCorrupt, path, err, ok)
	}
	copyCat := &Catalog{r: copyDB, now: c.now}
	return copyCat.Verify(ctx, "")
}
