package engine

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/tapewarden/tapewarden/media"
)

// CopyCatalog writes a consistent copy of the catalog to the file to and
// records it in the audit log. The daemon runs with rights that can
// replace anything, so it writes only where a copy belongs: into the
// copies directory (catalog.copies_dir, created on first use), where an
// earlier copy (a regular file) may be replaced, or anywhere else as a
// new file that does not exist yet. It never writes over a socket, a
// device, a symlink, the catalog's own files or the state directory.
func (d *Engine) CopyCatalog(ctx context.Context, actor media.Actor, to string) (media.VerifyResult, error) {
	replace, err := d.copyTarget(to)
	if err != nil {
		return media.VerifyResult{}, err
	}
	to = filepath.Clean(to)
	var res media.VerifyResult
	if replace {
		res, err = d.cat.CopyTo(ctx, to)
	} else {
		res, err = d.cat.CopyToNew(ctx, to)
	}
	if errors.Is(err, fs.ErrExist) {
		return res, conflict("%s appeared while the copy was written; nothing was replaced, choose a new name", to)
	}
	if err != nil {
		return res, err
	}
	if _, err := d.cat.Record(ctx, actor, "catalog-copied", fmt.Sprintf("copy at %s, audit head %d %s", to, res.HeadID, res.HeadHash)); err != nil {
		return res, err
	}
	return res, nil
}

// copyTarget checks where a copy may go and says whether it may replace
// an earlier copy there.
func (d *Engine) copyTarget(to string) (replace bool, err error) {
	copies := filepath.Clean(d.cfg.CopiesPath())
	if !filepath.IsAbs(to) {
		return false, invalid("give the copy's full path, e.g. %s", filepath.Join(copies, "catalog-copy.db"))
	}
	to = filepath.Clean(to)
	dir := filepath.Dir(to)
	catalog := d.cfg.CatalogPath()
	for _, own := range []string{catalog, catalog + "-wal", catalog + "-shm", catalog + "-journal", d.cfg.SocketPath()} {
		if to == filepath.Clean(own) {
			return false, invalid("%s is one of the daemon's own files; copy into %s instead", to, copies)
		}
	}
	if dir == copies {
		if err := os.MkdirAll(copies, 0o700); err != nil {
			return false, fmt.Errorf("create the copies directory %s: %w", copies, err)
		}
	}
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		return false, invalid("directory %s does not exist; create it first, or copy into %s", dir, copies)
	}
	realDir, err := filepath.EvalSymlinks(dir)
	if err != nil {
		return false, invalid("directory %s cannot be resolved (%v); copy into %s", dir, err, copies)
	}
	realCopies, err := filepath.EvalSymlinks(copies)
	if err != nil {
		realCopies = copies
	}
	realState, err := filepath.EvalSymlinks(d.cfg.StateDir)
	if err != nil {
		realState = filepath.Clean(d.cfg.StateDir)
	}
	inCopies := within(realDir, realCopies)
	if !inCopies && within(realDir, realState) {
		return false, invalid("%s is inside the daemon's state directory %s; copy into %s or outside it", to, d.cfg.StateDir, copies)
	}
	fi, err := os.Lstat(to)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return false, nil
	case err != nil:
		return false, invalid("%s: %v", to, err)
	case !fi.Mode().IsRegular():
		return false, invalid("%s is %s, not a file; choose a new name, or copy into %s", to, fileKind(fi.Mode()), copies)
	case !inCopies:
		return false, conflict("%s exists; outside the copies directory %s a copy is only written as a new file: choose a new name, or copy into %s", to, copies, copies)
	}
	return true, nil
}

// within says whether dir is root or below it.
func within(dir, root string) bool {
	return dir == root || strings.HasPrefix(dir, root+string(filepath.Separator))
}

// fileKind names what a path is, for a refusal.
func fileKind(m fs.FileMode) string {
	switch {
	case m&fs.ModeSymlink != 0:
		return "a symbolic link"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeDevice != 0, m&fs.ModeCharDevice != 0:
		return "a device"
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe"
	case m.IsDir():
		return "a directory"
	}
	return "something other than a file"
}
