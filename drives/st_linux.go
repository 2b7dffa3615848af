package drives

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"unsafe"

	"github.com/benmcclelland/mtio"
	"golang.org/x/sys/unix"
)

// This file holds every ioctl the st backend issues: MTIOCTOP, MTIOCGET and
// MTIOCPOS on the tape node (through github.com/benmcclelland/mtio) and
// SG_IO LOG SENSE on the drive's SCSI generic node.

// mtWEOFI is MTWEOFI (write filemarks, immediate); mtio lacks it.
const mtWEOFI = 35

// stDrive is an open st no-rewind node.
type stDrive struct {
	name   string
	path   string
	f      *os.File
	sgPath string
	log    *slog.Logger
	limits Limits
	// atBOT is true while the tape is known to be at its beginning (after
	// open at BOT, a rewind or a load): a read failing there with a plain
	// EIO may be a blank cartridge.
	atBOT bool
}

var (
	_ Drive                   = (*stDrive)(nil)
	_ Positioner              = (*stDrive)(nil)
	_ TapeAlertReader         = (*stDrive)(nil)
	_ ImmediateFilemarkWriter = (*stDrive)(nil)
	_ LimitsReporter          = (*stDrive)(nil)
)

func openST(path string, cfg openConfig) (Drive, error) {
	resolved, err := filepath.EvalSymlinks(path)
	if err != nil {
		return nil, &OpError{Drive: path, Op: "open", Err: err}
	}
	if err := checkTapeNode(path, resolved); err != nil {
		return nil, &OpError{Drive: path, Op: "open", Err: err}
	}
	name := filepath.Base(resolved)
	var fd int
	for {
		fd, err = unix.Open(resolved, unix.O_RDWR|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
		if !errors.Is(err, unix.EINTR) {
			break
		}
	}
	if err != nil {
		return nil, &OpError{Drive: name, Op: "open", Err: errnoError("open", err)}
	}
	// O_NONBLOCK only matters to st at open (do not wait for the drive to
	// become ready). Clear it so Go treats the fd as an ordinary blocking
	// file.
	if err := unix.SetNonblock(fd, false); err != nil {
		_ = unix.Close(fd)
		return nil, &OpError{Drive: name, Op: "open", Err: err}
	}
	log := cfg.logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	d := &stDrive{name: name, path: resolved, f: os.NewFile(uintptr(fd), resolved), sgPath: cfg.sgPath, log: log.With("drive", name)}
	if d.sgPath == "" {
		d.sgPath = findSG(name)
	}
	st, err := d.Status(context.Background())
	if err != nil {
		_ = d.f.Close()
		return nil, err
	}
	d.atBOT = st.BOT
	d.limits = stLimits("/sys", name, d.sgPath)
	d.log.Debug("opened tape drive", "status", st.String(), "sg", d.sgPath, "limits", d.limits.String())
	return d, nil
}

// Limits reports the drive's block limits (READ BLOCK LIMITS through the sg
// node, when it can be opened) and the adapter's transfer limit (sysfs).
func (d *stDrive) Limits() Limits { return d.limits }

// stLimits gathers what is known about a drive's limits.
func stLimits(sysRoot, node, sgPath string) Limits {
	var l Limits
	l.MaxTransfer, l.Source = hostTransferLimit(sysRoot, node)
	if sgPath != "" {
		if lo, hi, err := readBlockLimits(sgPath); err == nil {
			l.MinBlock, l.MaxBlock = lo, hi
		}
	}
	return l
}

// hostTransferLimit finds the SCSI host of the st node in sysfs and the
// largest transfer it carries: sg_tablesize pages (st maps the user buffer
// page by page for direct I/O). It returns 0 when sysfs does not say.
func hostTransferLimit(sysRoot, node string) (int, string) {
	dev, err := filepath.EvalSymlinks(filepath.Join(sysRoot, "class", "scsi_tape", node, "device"))
	if err != nil {
		return 0, ""
	}
	host := ""
	for _, part := range strings.Split(dev, string(filepath.Separator)) {
		if rest, ok := strings.CutPrefix(part, "host"); ok && rest != "" && strings.Trim(rest, "0123456789") == "" {
			host = part
		}
	}
	if host == "" {
		return 0, ""
	}
	file := filepath.Join(sysRoot, "class", "scsi_host", host, "sg_tablesize")
	data, err := os.ReadFile(file)
	if err != nil {
		return 0, ""
	}
	n, err := strconv.Atoi(strings.TrimSpace(string(data)))
	if err != nil || n <= 0 {
		return 0, ""
	}
	page := os.Getpagesize()
	return n * page, fmt.Sprintf("%s: %d × %d-byte pages", file, n, page)
}

// findSG finds the SCSI generic node of an st drive through sysfs
// (/sys/class/scsi_tape/nstN/device/scsi_generic/sgM), or "".
func findSG(node string) string {
	m, _ := filepath.Glob(filepath.Join("/sys/class/scsi_tape", node, "device", "scsi_generic", "sg*"))
	if len(m) == 1 {
		return filepath.Join("/dev", filepath.Base(m[0]))
	}
	return ""
}

func (d *stDrive) Name() string { return d.name }

func (d *stDrive) op(ctx context.Context, name string, op int16, count int32) error {
	if op != mtio.MTSETBLK {
		d.atBOT = false
	}
	if err := ctx.Err(); err != nil {
		return &OpError{Drive: d.name, Op: name, Err: err}
	}
	if d.f == nil {
		return &OpError{Drive: d.name, Op: name, Err: ErrClosed}
	}
	var err error
	for {
		err = mtio.DoOp(d.f, mtio.NewMtOp(mtio.WithOperation(op), mtio.WithCount(count)))
		if !errors.Is(err, unix.EINTR) {
			break
		}
	}
	runtime.KeepAlive(d.f)
	if err == nil {
		return nil
	}
	return &OpError{Drive: d.name, Op: name, Err: d.refine(errnoError(name, err))}
}

// refine turns an EIO at end of recorded data into ErrEndOfData.
func (d *stDrive) refine(err error) error {
	if !errors.Is(err, ErrIO) || d.f == nil {
		return err
	}
	g, gerr := mtio.GetStatus(d.f)
	if gerr == nil && uint64(g.GStat)&gmtEOD != 0 {
		return &errnoErr{sentinel: ErrEndOfData, errno: unix.EIO}
	}
	return err
}

func (d *stDrive) Status(ctx context.Context) (Status, error) {
	if d.f == nil {
		return Status{}, &OpError{Drive: d.name, Op: "status", Err: ErrClosed}
	}
	g, err := mtio.GetStatus(d.f)
	if err != nil {
		return Status{}, &OpError{Drive: d.name, Op: "status", Err: errnoError("status", err)}
	}
	return DecodeStatus(RawStatus{Type: g.Type, Resid: g.ResID, DsReg: g.DsReg, GStat: g.GStat, ErReg: g.ErReg, FileNo: g.FileNo, BlkNo: g.BlkNo}), nil
}

func (d *stDrive) Rewind(ctx context.Context) error {
	err := d.op(ctx, "rewind", mtio.MTREW, 1)
	d.atBOT = err == nil
	return err
}

func (d *stDrive) Load(ctx context.Context) error {
	err := d.op(ctx, "load", mtio.MTLOAD, 1)
	d.atBOT = err == nil
	return err
}

func (d *stDrive) Unload(ctx context.Context) error { return d.op(ctx, "unload", mtio.MTUNLOAD, 1) }

func (d *stDrive) SpaceFiles(ctx context.Context, n int) error {
	switch {
	case n > 0:
		return d.op(ctx, "space", mtio.MTFSF, int32(n))
	case n < 0:
		// mtio refuses negative counts: space backward with MTBSF.
		return d.op(ctx, "space", mtio.MTBSF, int32(-n))
	}
	return nil
}

func (d *stDrive) SpaceEOD(ctx context.Context) error { return d.op(ctx, "space", mtio.MTEOM, 1) }

func (d *stDrive) WriteFilemarks(ctx context.Context, n int) error {
	return d.op(ctx, "weof", mtio.MTWEOF, int32(n))
}

func (d *stDrive) WriteFilemarksImmediate(ctx context.Context, n int) error {
	return d.op(ctx, "weof", mtWEOFI, int32(n))
}

func (d *stDrive) SetBlockSize(ctx context.Context, n int) error {
	return d.op(ctx, "setblk", mtio.MTSETBLK, int32(n))
}

func (d *stDrive) Seek(ctx context.Context, pos int64) error {
	if pos < 0 || pos > math.MaxInt32 {
		return &OpError{Drive: d.name, Op: "seek", Err: fmt.Errorf("position %d out of range", pos)}
	}
	return d.op(ctx, "seek", mtio.MTSEEK, int32(pos))
}

func (d *stDrive) Tell(ctx context.Context) (int64, error) {
	if d.f == nil {
		return 0, &OpError{Drive: d.name, Op: "tell", Err: ErrClosed}
	}
	p, err := mtio.GetPos(d.f)
	if err != nil {
		return 0, &OpError{Drive: d.name, Op: "tell", Err: errnoError("tell", err)}
	}
	return p.BlkNo, nil
}

func (d *stDrive) Read(p []byte) (int, error) {
	if d.f == nil {
		return 0, &OpError{Drive: d.name, Op: "read", Err: ErrClosed}
	}
	atBOT := d.atBOT
	d.atBOT = false
	for {
		n, err := unix.Read(int(d.f.Fd()), p)
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil {
			err = d.refine(errnoError("read", err))
			if atBOT && errors.Is(err, ErrIO) && !errors.Is(err, ErrEndOfData) && d.blankAtBOT() {
				err = errBlankRead
			}
			return 0, &OpError{Drive: d.name, Op: "read", Err: err}
		}
		return n, nil
	}
}

// blankAtBOT decides whether a read at the beginning of the tape that st
// failed with a plain EIO met a blank cartridge. st leaves the state the
// rig captures show (file 0, block -1, no EOD bit); the sense key says
// which it was, so when the drive's sg node is known the read is repeated
// there (the drive has not moved: nothing was read) and only BLANK CHECK
// counts. Without an sg node the st state decides.
func (d *stDrive) blankAtBOT() bool {
	g, err := mtio.GetStatus(d.f)
	if err != nil {
		return false
	}
	s := DecodeStatus(RawStatus{GStat: g.GStat, FileNo: g.FileNo, BlkNo: g.BlkNo})
	if !IsBlankReadState(s) {
		return false
	}
	sense := func() (byte, error) { return senseKeyOfRead(d.sgPath) }
	if d.sgPath == "" {
		sense = nil
	}
	blank, err := blankAfterFailedRead(s, sense)
	if err != nil {
		d.log.Debug("could not confirm a blank cartridge through sg; going by st's state", "err", err)
	}
	return blank
}

func (d *stDrive) Write(p []byte) (int, error) {
	if d.f == nil {
		return 0, &OpError{Drive: d.name, Op: "write", Err: ErrClosed}
	}
	d.atBOT = false
	for {
		n, err := unix.Write(int(d.f.Fd()), p)
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil {
			return max(n, 0), &OpError{Drive: d.name, Op: "write", Err: errnoError("write", err)}
		}
		return n, nil
	}
}

func (d *stDrive) Close() error {
	if d.f == nil {
		return &OpError{Drive: d.name, Op: "close", Err: ErrClosed}
	}
	err := d.f.Close()
	d.f = nil
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return &OpError{Drive: d.name, Op: "close", Err: errnoError("close", err)}
	}
	return nil
}

// SCSI generic access (linux/include/scsi/sg.h).
const (
	sgIO           = 0x2285
	sgDxferFromDev = -3
	sgInterfaceID  = 'S'
)

// sgIOHdr is struct sg_io_hdr on 64-bit Linux.
type sgIOHdr struct {
	InterfaceID    int32
	DxferDirection int32
	CmdLen         uint8
	MxSbLen        uint8
	IovecCount     uint16
	DxferLen       uint32
	Dxferp         unsafe.Pointer
	Cmdp           unsafe.Pointer
	Sbp            unsafe.Pointer
	Timeout        uint32
	Flags          uint32
	PackID         int32
	UsrPtr         unsafe.Pointer
	Status         uint8
	MaskedStatus   uint8
	MsgStatus      uint8
	SbLenWr        uint8
	HostStatus     uint16
	DriverStatus   uint16
	Resid          int32
	Duration       uint32
	Info           uint32
}

// ReadTapeAlerts reads LOG SENSE page 2Eh through the drive's sg node.
// Reading clears the flags on the drive.
func (d *stDrive) ReadTapeAlerts(ctx context.Context) (TapeAlertFlags, error) {
	if d.sgPath == "" {
		return 0, &OpError{Drive: d.name, Op: "tapealert", Err: detail(ErrUnsupportedOp, "no SCSI generic node configured or found")}
	}
	page, err := readLogPage(d.sgPath, pageTapeAlert)
	if err != nil {
		return 0, &OpError{Drive: d.name, Op: "tapealert", Err: err}
	}
	f, err := DecodeTapeAlertPage(page)
	if err != nil {
		return 0, &OpError{Drive: d.name, Op: "tapealert", Err: err}
	}
	if f != 0 {
		d.log.Warn("tapealert", "flags", f.String())
	}
	return f, nil
}

// readLogPage reads a log page from a SCSI generic node (a drive's or a
// changer's) with LOG SENSE (4Dh), PC = 01b (current values).
func readLogPage(sgPath string, page byte) ([]byte, error) {
	buf := make([]byte, 1024)
	cdb := []byte{0x4d, 0, 0x40 | page, 0, 0, 0, 0, byte(len(buf) >> 8), byte(len(buf)), 0}
	n, status, sense, err := sgCommand(sgPath, cdb, buf)
	if err != nil {
		return nil, fmt.Errorf("SG_IO LOG SENSE on %s: %w", sgPath, err)
	}
	if status != nil {
		return nil, fmt.Errorf("%w: LOG SENSE page %#02x on %s: %s", ErrIO, page, sgPath, describeSense(*status, sense))
	}
	if n < 4 {
		n = len(buf)
	}
	return buf[:n], nil
}

// readBlockLimits asks the drive for its block limits (READ BLOCK LIMITS,
// 05h) through its sg node.
func readBlockLimits(sgPath string) (lo, hi int, err error) {
	buf := make([]byte, 6)
	_, status, sense, err := sgCommand(sgPath, []byte{0x05, 0, 0, 0, 0, 0}, buf)
	if err != nil {
		return 0, 0, err
	}
	if status != nil {
		return 0, 0, fmt.Errorf("%w: READ BLOCK LIMITS on %s: %s", ErrIO, sgPath, describeSense(*status, sense))
	}
	return decodeBlockLimits(buf)
}

// senseKeyOfRead sends READ(6) in variable-block mode for up to 512 bytes
// through the sg node and returns the sense key it fails with (0 if it
// succeeds). At the beginning of a blank cartridge the drive answers BLANK
// CHECK and does not move.
func senseKeyOfRead(sgPath string) (byte, error) {
	buf := make([]byte, 512)
	cdb := []byte{0x08, 0, 0, byte(len(buf) >> 8), byte(len(buf)), 0}
	_, status, sense, err := sgCommand(sgPath, cdb, buf)
	if err != nil {
		return 0, err
	}
	if status == nil {
		return 0, nil
	}
	return senseKey(sense)
}

// sgCommand sends one data-in command through SG_IO. It returns the bytes
// transferred, and on a SCSI failure its status and sense data.
func sgCommand(sgPath string, cdb, buf []byte) (int, *uint8, []byte, error) {
	fd, err := unix.Open(sgPath, unix.O_RDWR|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	if err != nil {
		return 0, nil, nil, fmt.Errorf("open %s: %w", sgPath, errnoError("open", err))
	}
	defer func() { _ = unix.Close(fd) }() // an SCSI generic node: SG_IO answered, nothing to lose
	sense := make([]byte, 32)
	hdr := sgIOHdr{
		InterfaceID:    sgInterfaceID,
		DxferDirection: sgDxferFromDev,
		CmdLen:         uint8(len(cdb)),
		MxSbLen:        uint8(len(sense)),
		DxferLen:       uint32(len(buf)),
		Dxferp:         unsafe.Pointer(&buf[0]),
		Cmdp:           unsafe.Pointer(&cdb[0]),
		Sbp:            unsafe.Pointer(&sense[0]),
		Timeout:        60000,
	}
	for {
		_, _, e := unix.Syscall(unix.SYS_IOCTL, uintptr(fd), sgIO, uintptr(unsafe.Pointer(&hdr)))
		if e == unix.EINTR {
			continue
		}
		if e != 0 {
			return 0, nil, nil, errnoError("sg", e)
		}
		break
	}
	runtime.KeepAlive(buf)
	runtime.KeepAlive(cdb)
	runtime.KeepAlive(sense)
	if hdr.Status != 0 || hdr.HostStatus != 0 || hdr.DriverStatus&^0x08 != 0 {
		st := hdr.Status
		return 0, &st, sense[:min(int(hdr.SbLenWr), len(sense))], nil
	}
	n := len(buf) - int(hdr.Resid)
	if n < 0 || n > len(buf) {
		n = len(buf)
	}
	return n, nil, nil, nil
}
