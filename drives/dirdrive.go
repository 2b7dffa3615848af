package drives

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"sync"
	"syscall"

	"github.com/tapewarden/tapewarden/media/mediatype"
)

// DirectoryDriveConfig configures a directory drive.
type DirectoryDriveConfig struct {
	// Name is the drive's name in messages.
	Name string
	// MediaType is the disk type the drive takes (RDX, USB-DISK, OPTICAL).
	MediaType string
	// Finder finds the mounted disk.
	Finder DiskFinder
	// Capacity, if positive, is the most a disk is filled with; otherwise
	// the disk's free space is the limit.
	Capacity int64
	// EarlyWarning is how many bytes before the capacity the early warning
	// starts; 0 derives it as a cartridge image does (1 %, at least 64
	// KiB, at most 1 GiB).
	EarlyWarning int64
	// Logger receives drive events; nil discards them.
	Logger *slog.Logger
}

// DirectoryDrive writes tape files to a mounted removable disk (an RDX
// cartridge, a USB disk, an optical disc) in the directory DiskDir, with
// the semantics of a tape drive behind st's no-rewind node: the conformance
// suite runs against it.
//
// Tape file N is the file NNNNNN.KIND (six digits; KIND is label, tar,
// trailer, age, data or empty, named from its first block) beside
// NNNNNN.blocks, the list of its block sizes ("SIZE COUNT" lines after the
// line "tapewarden-blocks 1"). An unterminated last file (blocks without a
// filemark) is NNNNNN.part. `tar -xf tapewarden/000001.tar` reads a backup
// without tapewarden.
//
// A file being written has a temporary name (.tmp-…); a filemark commits
// it: data synced, block list written and synced, data renamed, directory
// synced. A crash leaves at most a temporary file, which the next mount
// removes: nothing half written looks complete. Writing in the middle
// renames the file written into back to a temporary name before cutting
// it, and removes the later files, last first.
//
// The capacity is the configured one or the disk's free space, whichever
// is smaller; the early warning works as on tape (the first write past it
// succeeds and sets EOT, the next fails with ErrEndOfMedium). A write the
// file system refuses with ENOSPC fails with ErrEndOfMedium, nothing of it
// kept.
//
// Unload ejects the disk: the drive ignores it until Load, or until another
// disk is found in its place. The disk is unmounted by the administrator
// (or whoever mounted it); the drive has then synced everything.
type DirectoryDrive struct {
	mu     sync.Mutex
	cfg    DirectoryDriveConfig
	log    *slog.Logger
	closed bool
	open   bool

	disk    *dirDisk // mounted disk while loaded
	ejected string   // ID of a disk unloaded and not yet taken out

	pos          int
	fixedOff     int
	fileKnown    bool
	blockKnown   bool
	lastWrite    bool
	ewPending    bool
	eod          bool
	eodZeroGiven bool
	afterEOM     bool
	blockSize    int
}

// NewDirectoryDrive makes a directory drive. Nothing is looked up until the
// first operation that needs the disk.
func NewDirectoryDrive(cfg DirectoryDriveConfig) (*DirectoryDrive, error) {
	m, ok := mediatype.Lookup(cfg.MediaType)
	switch {
	case cfg.Name == "":
		return nil, errors.New("drives: new directory drive: empty name")
	case !ok || m.Tape() || m.Cleaning:
		return nil, fmt.Errorf("drives: new directory drive %s: %q is not a removable disk type (%s, %s, %s)", cfg.Name, cfg.MediaType, mediatype.RDX, mediatype.USBDisk, mediatype.Optical)
	case cfg.Finder == nil:
		return nil, fmt.Errorf("drives: new directory drive %s: no way to find the disk", cfg.Name)
	case cfg.Capacity < 0 || cfg.EarlyWarning < 0:
		return nil, fmt.Errorf("drives: new directory drive %s: negative capacity or early warning", cfg.Name)
	}
	return newDirectoryDrive(cfg), nil
}

// newDirectoryDrive makes a drive of a checked configuration (or, for an
// offline command, one whose disk type is not known).
func newDirectoryDrive(cfg DirectoryDriveConfig) *DirectoryDrive {
	dd := &DirectoryDrive{cfg: cfg, log: cfg.Logger}
	if dd.log == nil {
		dd.log = slog.New(slog.DiscardHandler)
	}
	dd.log = dd.log.With("drive", cfg.Name)
	dd.resetSession()
	return dd
}

// Name returns the drive's name.
func (dd *DirectoryDrive) Name() string { return dd.cfg.Name }

// MediaType returns the disk type the drive takes.
func (dd *DirectoryDrive) MediaType() string { return dd.cfg.MediaType }

// Where says where the drive looks for its disk.
func (dd *DirectoryDrive) Where() string { return dd.cfg.Finder.Where() }

// Mounted returns the disk in use, if one is loaded.
func (dd *DirectoryDrive) Mounted() (Disk, bool) {
	dd.mu.Lock()
	defer dd.mu.Unlock()
	if dd.disk == nil {
		return Disk{}, false
	}
	return dd.disk.disk, true
}

// Close finishes and releases the mounted disk. Open handles fail with
// ErrClosed afterwards.
func (dd *DirectoryDrive) Close() error {
	dd.mu.Lock()
	defer dd.mu.Unlock()
	if dd.closed {
		return nil
	}
	dd.closed = true
	return dd.unmountLocked()
}

func (dd *DirectoryDrive) unmountLocked() error {
	if dd.disk == nil {
		return nil
	}
	err := dd.disk.finish()
	err = errors.Join(err, dd.disk.close())
	dd.disk = nil
	dd.resetSession()
	return err
}

// Open returns the drive's handle. Only one handle may be open at a time;
// a second Open fails with ErrBusy.
func (dd *DirectoryDrive) Open() (Drive, error) {
	dd.mu.Lock()
	defer dd.mu.Unlock()
	switch {
	case dd.closed:
		return nil, &OpError{Drive: dd.cfg.Name, Op: "open", Err: ErrClosed}
	case dd.open:
		return nil, &OpError{Drive: dd.cfg.Name, Op: "open", Err: ErrBusy}
	}
	dd.open = true
	return &dirHandle{dd: dd}, nil
}

func (dd *DirectoryDrive) resetSession() {
	dd.pos, dd.fixedOff = 0, 0
	dd.fileKnown, dd.blockKnown = true, true
	dd.lastWrite, dd.ewPending, dd.eod, dd.eodZeroGiven, dd.afterEOM = false, false, false, false, false
	dd.blockSize = 0
}

// look finds the disk in the drive's place and mounts it when it is new:
// not the one mounted, not the one ejected. It returns ErrNoMedium (with
// the finder's reason) when there is none to use.
func (dd *DirectoryDrive) look(ctx context.Context) error {
	d, err := dd.cfg.Finder.Find(ctx, dd.ejected)
	if err != nil {
		if dd.disk != nil {
			dd.log.Info("disk gone", "disk", dd.disk.disk.Root)
			_ = dd.unmountLocked() // the disk is gone: nothing more reaches it
		}
		if errors.Is(err, ErrNoMedium) {
			dd.ejected = ""
		}
		return err
	}
	if dd.disk != nil && dd.disk.disk.ID == d.ID {
		return nil
	}
	if dd.disk != nil {
		dd.log.Info("disk changed", "was", dd.disk.disk.ID, "now", d.ID)
		if err := dd.unmountLocked(); err != nil {
			return detail(ErrIO, "%v", err)
		}
	}
	if d.ID == dd.ejected {
		return detail(ErrNoMedium, "disk %s was ejected; take it out and attach the one asked for, or load it again", d.describe())
	}
	dd.ejected = ""
	c, err := mountDisk(d, dd.cfg.Capacity, dd.cfg.EarlyWarning)
	if err != nil {
		if errors.Is(err, ErrBusy) {
			return err
		}
		return detail(ErrIO, "%v", err)
	}
	dd.disk = c
	dd.resetSession()
	dd.log.Debug("disk mounted", "disk", d.Root, "label", d.Label, "uuid", d.UUID, "files", len(c.files))
	return nil
}

// dirHandle is an open handle on a DirectoryDrive.
type dirHandle struct {
	dd        *DirectoryDrive
	closed    bool
	ephemeral bool // closing the handle closes the drive (drives.Open on a directory)
}

var (
	_ Drive                   = (*dirHandle)(nil)
	_ Positioner              = (*dirHandle)(nil)
	_ ImmediateFilemarkWriter = (*dirHandle)(nil)
	_ LimitsReporter          = (*dirHandle)(nil)
)

func (h *dirHandle) Name() string { return h.dd.cfg.Name }

// Limits reports the largest block a directory drive takes: MaxBlockSize.
func (h *dirHandle) Limits() Limits {
	return Limits{MinBlock: 1, MaxBlock: MaxBlockSize}
}

// begin locks the drive and checks the handle and (if medium) the disk,
// looking for one when none is mounted. On success the caller holds mu.
func (h *dirHandle) begin(ctx context.Context, op string, medium bool) error {
	dd := h.dd
	dd.mu.Lock()
	var err error
	switch {
	case h.closed || dd.closed:
		err = ErrClosed
	case medium && dd.disk == nil:
		err = dd.look(ctx)
	}
	if err != nil {
		dd.mu.Unlock()
		return &OpError{Drive: dd.cfg.Name, Op: op, Err: err}
	}
	return nil
}

func (h *dirHandle) end() { h.dd.mu.Unlock() }

func (h *dirHandle) fail(op string, err error) error {
	return &OpError{Drive: h.dd.cfg.Name, Op: op, Err: err}
}

// ioErr turns a file system error into the drive's sentinels.
func ioErr(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, ErrEndOfMedium), errors.Is(err, ErrIO), errors.Is(err, ErrWriteProtected):
		return err
	case errors.Is(err, syscall.EROFS), errors.Is(err, syscall.EACCES), errors.Is(err, syscall.EPERM):
		return detail(ErrWriteProtected, "%v (mounted read-only, not writable by the daemon's user, or outside the service's ReadWritePaths=)", err)
	case errors.Is(err, syscall.ENOSPC), errors.Is(err, syscall.EDQUOT):
		return detail(ErrEndOfMedium, "the disk is full: %v", err)
	}
	return detail(ErrIO, "%v", err)
}

func (dd *DirectoryDrive) settle() {
	if dd.fixedOff > 0 {
		dd.pos++
		dd.fixedOff = 0
	}
}

func (dd *DirectoryDrive) flushMark() error {
	if !dd.lastWrite {
		return nil
	}
	dd.lastWrite = false
	return dd.writeMarks(1)
}

func (dd *DirectoryDrive) writeMarks(n int) error {
	c := dd.disk
	if c.disk.ReadOnly {
		return detail(ErrWriteProtected, "the disk at %s is mounted read-only", c.disk.Root)
	}
	if err := dd.makeRoom(0); err != nil {
		return err
	}
	if err := c.appendMarks(n); err != nil {
		return ioErr(err)
	}
	dd.pos = c.nrecs
	dd.blockKnown = true
	dd.eod, dd.eodZeroGiven, dd.afterEOM = false, false, false
	return nil
}

func (dd *DirectoryDrive) makeRoom(need int64) error {
	c := dd.disk
	if err := c.truncateAt(dd.pos); err != nil {
		return ioErr(err)
	}
	if c.used()+need > c.capacity {
		dd.eod = true
		return detail(ErrEndOfMedium, "the disk is full (%d of %d bytes used)", c.used(), c.capacity)
	}
	return nil
}

func (h *dirHandle) Status(ctx context.Context) (Status, error) {
	if err := h.begin(ctx, "status", false); err != nil {
		return Status{}, err
	}
	defer h.end()
	dd := h.dd
	if err := dd.look(ctx); err != nil {
		if errors.Is(err, ErrNoMedium) {
			return DecodeStatus(EncodeStatus(Status{DoorOpen: true, File: -1, Block: -1})), nil
		}
		return Status{}, h.fail("status", err)
	}
	c := dd.disk
	file, block := c.fileAt(dd.pos)
	if !dd.fileKnown {
		file = -1
	}
	if !dd.blockKnown {
		block = -1
	}
	s := Status{
		Online:         true,
		BOT:            dd.pos == 0 && dd.fixedOff == 0 && dd.fileKnown && dd.blockKnown,
		Filemark:       file > 0 && block == 0 && dd.fixedOff == 0,
		EOD:            dd.eod,
		EOT:            c.offsetOf(dd.pos) > c.capacity-c.early,
		WriteProtected: c.disk.ReadOnly,
		BlockSize:      dd.blockSize,
		File:           file,
		Block:          block,
	}
	return DecodeStatus(EncodeStatus(s)), nil
}

func (h *dirHandle) Rewind(ctx context.Context) error {
	if err := h.begin(ctx, "rewind", true); err != nil {
		return err
	}
	defer h.end()
	dd := h.dd
	dd.settle()
	err := dd.flushMark()
	// A person may have put another disk in: rewinding looks again.
	if lerr := dd.look(ctx); lerr != nil && err == nil {
		err = lerr
	}
	dd.pos = 0
	dd.fileKnown, dd.blockKnown = true, true
	dd.ewPending, dd.eod, dd.eodZeroGiven, dd.afterEOM = false, false, false, false
	if err != nil {
		return h.fail("rewind", err)
	}
	return nil
}

// Load takes the disk that is there again, after Unload.
func (h *dirHandle) Load(ctx context.Context) error {
	if err := h.begin(ctx, "load", false); err != nil {
		return err
	}
	defer h.end()
	dd := h.dd
	dd.ejected = ""
	if err := dd.look(ctx); err != nil {
		return h.fail("load", err)
	}
	return nil
}

// Unload finishes what is written (no filemark, as MTUNLOAD) and ejects
// the disk: the drive leaves it alone until Load or another disk.
func (h *dirHandle) Unload(ctx context.Context) error {
	if err := h.begin(ctx, "unload", true); err != nil {
		return err
	}
	defer h.end()
	dd := h.dd
	id := dd.disk.disk.ID
	root := dd.disk.disk.Root
	err := dd.unmountLocked()
	dd.ejected = id
	if err != nil {
		return h.fail("unload", ioErr(err))
	}
	dd.log.Debug("disk ejected", "disk", root)
	return nil
}

func (h *dirHandle) SpaceFiles(ctx context.Context, n int) error {
	if err := h.begin(ctx, "space", true); err != nil {
		return err
	}
	defer h.end()
	dd := h.dd
	c := dd.disk
	dd.settle()
	dd.ewPending, dd.eodZeroGiven, dd.afterEOM, dd.eod = false, false, false, false
	switch {
	case n == 0:
		return nil
	case n > 0:
		dd.lastWrite = false // MTFSF after a write leaves the file unterminated
		i := sort.SearchInts(c.marks, dd.pos)
		if i+n-1 < len(c.marks) {
			dd.pos = c.marks[i+n-1] + 1
			dd.blockKnown = true
			return nil
		}
		dd.pos = c.nrecs
		dd.blockKnown = false
		dd.eod = true
		return h.fail("space", ErrEndOfData)
	default:
		if err := dd.flushMark(); err != nil {
			return h.fail("space", err)
		}
		k := -n
		i := sort.SearchInts(c.marks, dd.pos)
		if i-k >= 0 {
			dd.pos = c.marks[i-k]
			dd.blockKnown = false
			return nil
		}
		dd.pos = 0
		dd.fileKnown, dd.blockKnown = true, true
		return h.fail("space", detail(ErrIO, "beginning of the disk reached"))
	}
}

func (h *dirHandle) SpaceEOD(ctx context.Context) error {
	if err := h.begin(ctx, "space", true); err != nil {
		return err
	}
	defer h.end()
	dd := h.dd
	dd.settle()
	dd.lastWrite = false
	dd.ewPending, dd.eodZeroGiven = false, false
	dd.pos = dd.disk.nrecs
	dd.blockKnown = false
	dd.eod, dd.afterEOM = true, true
	return nil
}

func (h *dirHandle) WriteFilemarks(ctx context.Context, n int) error {
	if err := h.begin(ctx, "weof", true); err != nil {
		return err
	}
	defer h.end()
	dd := h.dd
	dd.settle()
	if n < 0 {
		return h.fail("weof", detail(ErrInvalidBlockSize, "negative filemark count %d", n))
	}
	dd.lastWrite = false
	if n == 0 {
		return nil
	}
	if err := dd.writeMarks(n); err != nil {
		return h.fail("weof", err)
	}
	return nil
}

// WriteFilemarksImmediate is WriteFilemarks: every filemark is synced.
func (h *dirHandle) WriteFilemarksImmediate(ctx context.Context, n int) error {
	return h.WriteFilemarks(ctx, n)
}

func (h *dirHandle) SetBlockSize(ctx context.Context, n int) error {
	if err := h.begin(ctx, "setblk", true); err != nil {
		return err
	}
	defer h.end()
	if n < 0 || n > MaxBlockSize {
		return h.fail("setblk", detail(ErrInvalidBlockSize, "%d outside block limits 1 - %d", n, MaxBlockSize))
	}
	h.dd.settle()
	h.dd.blockSize = n
	return nil
}

func (h *dirHandle) Read(p []byte) (int, error) {
	if err := h.begin(context.Background(), "read", true); err != nil {
		return 0, err
	}
	defer h.end()
	dd := h.dd
	c := dd.disk
	if len(p) > MaxBlockSize {
		return 0, h.fail("read", detail(ErrInvalidBlockSize, "%d-byte transfer outside block limits 1 - %d", len(p), MaxBlockSize))
	}
	dd.lastWrite = false
	dd.ewPending = false
	if dd.fixedOff == 0 {
		if c.nrecs == 0 && !dd.afterEOM {
			// A blank disk reads as a blank tape does.
			dd.blockKnown = false
			return 0, h.fail("read", errBlankRead)
		}
		if dd.pos >= c.nrecs {
			dd.eod = true
			if dd.afterEOM || dd.pos == 0 || !c.rec(dd.pos-1).mark || dd.eodZeroGiven {
				return 0, h.fail("read", ErrEndOfData)
			}
			dd.eodZeroGiven = true
			return 0, nil
		}
		if c.rec(dd.pos).mark {
			dd.pos++
			dd.blockKnown = true
			return 0, nil
		}
	}
	if dd.blockSize == 0 {
		r := c.rec(dd.pos)
		if len(p) < r.n {
			dd.pos++
			return 0, h.fail("read", detail(ErrBufferTooSmall, "%d-byte block, %d-byte buffer", r.n, len(p)))
		}
		if err := c.readAt(r, p[:r.n], 0); err != nil {
			return 0, h.fail("read", detail(ErrIO, "%v", err))
		}
		dd.pos++
		return r.n, nil
	}
	n := 0
	for n < len(p) && dd.pos < c.nrecs {
		r := c.rec(dd.pos)
		if r.mark {
			break
		}
		if r.n != dd.blockSize {
			return n, h.fail("read", detail(ErrIO, "%d-byte block in %d-byte fixed-block mode", r.n, dd.blockSize))
		}
		k := min(r.n-dd.fixedOff, len(p)-n)
		if err := c.readAt(r, p[n:n+k], dd.fixedOff); err != nil {
			return n, h.fail("read", detail(ErrIO, "%v", err))
		}
		n += k
		dd.fixedOff += k
		if dd.fixedOff == r.n {
			dd.pos++
			dd.fixedOff = 0
		}
	}
	return n, nil
}

func (h *dirHandle) Write(p []byte) (int, error) {
	if err := h.begin(context.Background(), "write", true); err != nil {
		return 0, err
	}
	defer h.end()
	dd := h.dd
	c := dd.disk
	dd.settle()
	switch {
	case len(p) > MaxBlockSize:
		return 0, h.fail("write", detail(ErrInvalidBlockSize, "%d-byte transfer outside block limits 1 - %d", len(p), MaxBlockSize))
	case c.disk.ReadOnly:
		return 0, h.fail("write", detail(ErrWriteProtected, "the disk at %s is mounted read-only", c.disk.Root))
	case dd.blockSize > 0 && len(p)%dd.blockSize != 0:
		return 0, h.fail("write", detail(ErrInvalidBlockSize, "%d bytes is not a multiple of the %d-byte block size", len(p), dd.blockSize))
	case len(p) == 0:
		return 0, nil
	}
	if dd.ewPending {
		// As st: the write after the one that crossed the early warning
		// fails and writes nothing; the next one is allowed again.
		dd.ewPending = false
		dd.eod = true
		return 0, h.fail("write", ErrEndOfMedium)
	}
	if err := dd.makeRoom(int64(len(p))); err != nil {
		return 0, h.fail("write", err)
	}
	if err := c.appendBlocks(p, dd.blockSize); err != nil {
		err = ioErr(err)
		if errors.Is(err, ErrEndOfMedium) {
			dd.eod = true
			dd.pos = c.nrecs
		}
		return 0, h.fail("write", err)
	}
	dd.pos = c.nrecs
	dd.lastWrite = true
	dd.eod, dd.eodZeroGiven, dd.afterEOM = false, false, false
	if c.used() > c.capacity-c.early {
		dd.ewPending = true
	}
	return len(p), nil
}

func (h *dirHandle) Tell(ctx context.Context) (int64, error) {
	if err := h.begin(ctx, "tell", true); err != nil {
		return 0, err
	}
	defer h.end()
	return int64(h.dd.pos), nil
}

func (h *dirHandle) Seek(ctx context.Context, pos int64) error {
	if err := h.begin(ctx, "seek", true); err != nil {
		return err
	}
	defer h.end()
	dd := h.dd
	dd.settle()
	if err := dd.flushMark(); err != nil {
		return h.fail("seek", err)
	}
	dd.ewPending, dd.eod, dd.eodZeroGiven, dd.afterEOM = false, false, false, false
	if pos < 0 || pos > int64(dd.disk.nrecs) {
		dd.pos = dd.disk.nrecs
		dd.fileKnown, dd.blockKnown = false, false
		dd.eod = true
		return h.fail("seek", ErrEndOfData)
	}
	dd.pos = int(pos)
	dd.fileKnown, dd.blockKnown = pos == 0, pos == 0
	return nil
}

// Close writes the pending filemark after a write and keeps a file left
// without one as an unterminated file; the disk stays mounted.
func (h *dirHandle) Close() error {
	dd := h.dd
	dd.mu.Lock()
	defer dd.mu.Unlock()
	if h.closed {
		return &OpError{Drive: dd.cfg.Name, Op: "close", Err: ErrClosed}
	}
	h.closed = true
	dd.open = false
	var err error
	if dd.disk != nil && !dd.closed {
		dd.settle()
		err = dd.flushMark()
		if ferr := dd.disk.finish(); ferr != nil {
			err = errors.Join(err, ioErr(ferr))
		}
	}
	if h.ephemeral && !dd.closed {
		dd.closed = true
		err = errors.Join(err, dd.unmountLocked())
	}
	if err != nil {
		return &OpError{Drive: dd.cfg.Name, Op: "close", Err: err}
	}
	return nil
}
