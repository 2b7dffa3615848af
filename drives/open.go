package drives

import (
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
)

// Option configures Open.
type Option func(*openConfig)

type openConfig struct {
	logger *slog.Logger
	sgPath string
}

// WithLogger sets the logger for drive events.
func WithLogger(l *slog.Logger) Option { return func(c *openConfig) { c.logger = l } }

// WithSCSIGeneric names the drive's SCSI generic node (/dev/sgN, or a
// /dev/tape/by-id link to it) used to read TapeAlert flags. Without it the
// st backend looks the node up in sysfs.
func WithSCSIGeneric(path string) Option { return func(c *openConfig) { c.sgPath = path } }

// Open opens the drive at path:
//
//   - a Linux st no-rewind node (/dev/nstN, or a /dev/tape/by-id/…-nst or
//     by-path/…-nst link). An auto-rewind node (/dev/stN) is refused with an
//     error naming the no-rewind equivalent. The node is opened O_RDWR |
//     O_NONBLOCK, so Open succeeds with no cartridge or a write-protected
//     one: check Status before use. On other systems this returns an error
//     matching errors.ErrUnsupported.
//   - a virtual cartridge image (a file ending in ".vtape", or any file with
//     the image header): a virtual drive of the cartridge's native type is
//     made with the cartridge loaded; closing the handle removes the drive
//     and leaves the image. The image is locked while open: a second Open
//     fails with ErrBusy.
//   - a virtual drive state file (see NewVirtualTape): the drive is opened
//     with whatever cartridge it holds; closing the handle releases it.
//   - a directory: the mount point of a removable disk, written as a
//     directory drive does (DirectoryDrive); the disk's tapewarden
//     directory itself is taken for the disk it is on. Closing the handle
//     finishes what was written and releases the disk.
//
// This lets the offline commands (tape status, label, read-label) work on
// real devices and virtual images alike.
func Open(path string, opts ...Option) (Drive, error) {
	var cfg openConfig
	for _, o := range opts {
		o(&cfg)
	}
	fi, err := os.Stat(path)
	if err != nil {
		return nil, &OpError{Drive: path, Op: "open", Err: err}
	}
	if fi.Mode().IsRegular() {
		if info, err := ReadCartridgeInfo(path); err == nil {
			return openImage(path, info, cfg)
		}
		if isVTapeState(path) {
			v, err := NewVirtualTape(path, VirtualTapeConfig{Logger: cfg.logger})
			if err != nil {
				return nil, err
			}
			return openEphemeral(v)
		}
		return nil, &OpError{Drive: path, Op: "open", Err: fmt.Errorf("%w: regular file that is neither a virtual cartridge image nor a virtual drive state", ErrNotTapeNode)}
	}
	if fi.IsDir() {
		return openDirectory(path, cfg)
	}
	if fi.Mode()&fs.ModeCharDevice == 0 {
		return nil, &OpError{Drive: path, Op: "open", Err: fmt.Errorf("%w: not a character device", ErrNotTapeNode)}
	}
	return openST(path, cfg)
}

func openImage(path string, info CartridgeInfo, cfg openConfig) (Drive, error) {
	if info.Cleaning() {
		return nil, &OpError{Drive: path, Op: "open", Err: detail(ErrCleaningCartridge, "%s holds no data", info.Barcode)}
	}
	driveType := info.MediaType
	if driveType == LTO7M {
		driveType = LTO8
	}
	name := strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
	v := newEphemeralTape(name, driveType, VirtualTapeConfig{Logger: cfg.logger})
	if err := v.Insert(path); err != nil {
		_, _ = v.Eject()
		return nil, err
	}
	return openEphemeral(v)
}

// openDirectory opens a directory drive made for one Open on the disk
// mounted at path.
func openDirectory(path string, cfg openConfig) (Drive, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, &OpError{Drive: path, Op: "open", Err: err}
	}
	if filepath.Base(abs) == DiskDir {
		abs = filepath.Dir(abs)
	}
	dd := newDirectoryDrive(DirectoryDriveConfig{Name: filepath.Base(abs), Finder: DirFinder{Dir: abs}, Logger: cfg.logger})
	d, err := dd.Open()
	if err != nil {
		_ = dd.Close()
		return nil, err
	}
	d.(*dirHandle).ephemeral = true
	return d, nil
}

// openEphemeral opens the handle of a drive made for one Open: closing the
// handle closes the drive.
func openEphemeral(v *VirtualTape) (Drive, error) {
	d, err := v.Open()
	if err != nil {
		_ = v.Close()
		return nil, err
	}
	d.(*vtapeHandle).ephemeral = true
	return d, nil
}

// checkTapeNode accepts st's no-rewind nodes and refuses auto-rewind ones,
// naming the no-rewind equivalent. path is what the user gave, resolved the
// device node it points to.
func checkTapeNode(path, resolved string) error {
	base := filepath.Base(resolved)
	if isNodeName(base, "nst") {
		return nil
	}
	if isNodeName(base, "st") {
		alt := filepath.Join(filepath.Dir(resolved), "n"+base)
		if path != resolved && (strings.Contains(path, "/by-id/") || strings.Contains(path, "/by-path/")) {
			alt = path + "-nst"
		}
		return fmt.Errorf("%w: %s is an auto-rewind node that rewinds the tape at every close; use %s", ErrNotTapeNode, path, alt)
	}
	return fmt.Errorf("%w: %s (%s) is not an st tape node; use /dev/nstN or /dev/tape/by-id/…-nst", ErrNotTapeNode, path, base)
}

// isNodeName matches prefix + digits + an optional mode letter (l, m, a).
func isNodeName(base, prefix string) bool {
	rest, ok := strings.CutPrefix(base, prefix)
	if !ok || rest == "" {
		return false
	}
	rest = strings.TrimRight(rest, "lma")
	if len(base)-len(prefix)-len(rest) > 1 || rest == "" {
		return false
	}
	for _, r := range rest {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}
