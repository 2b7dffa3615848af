package drives

import (
	"context"
	"errors"
	"sort"
)

// vtapeHandle is an open handle on a VirtualTape.
type vtapeHandle struct {
	v         *VirtualTape
	closed    bool
	ephemeral bool // closing the handle closes the drive (drives.Open on an image)
}

var (
	_ Drive           = (*vtapeHandle)(nil)
	_ Positioner      = (*vtapeHandle)(nil)
	_ TapeAlertReader = (*vtapeHandle)(nil)

	_ ImmediateFilemarkWriter = (*vtapeHandle)(nil)
	_ LimitsReporter          = (*vtapeHandle)(nil)
)

// Limits reports the virtual drive's block limits and its adapter's
// transfer limit.
func (h *vtapeHandle) Limits() Limits {
	h.v.mu.Lock()
	defer h.v.mu.Unlock()
	return h.v.limits()
}

func (v *VirtualTape) limits() Limits {
	l := Limits{MinBlock: VirtualMinBlock, MaxBlock: VirtualMaxBlock, MaxTransfer: v.maxTransfer}
	if l.MaxTransfer > 0 {
		l.Source = "virtual adapter"
	}
	return l
}

// checkTransfer refuses a read or write buffer the drive or adapter cannot
// carry, as st does: EINVAL beyond the block limits, EBUSY beyond the
// adapter's transfer.
func (v *VirtualTape) checkTransfer(n int) error {
	switch {
	case n > VirtualMaxBlock:
		return detail(ErrInvalidBlockSize, "%d-byte transfer outside block limits %d - %d", n, VirtualMinBlock, VirtualMaxBlock)
	case v.maxTransfer > 0 && n > v.maxTransfer:
		return detail(ErrBusy, "%d-byte transfer exceeds the adapter's %d bytes", n, v.maxTransfer)
	}
	return nil
}

// WriteFilemarksImmediate is WriteFilemarks: the virtual tape has no drive
// buffer to wait for.
func (h *vtapeHandle) WriteFilemarksImmediate(ctx context.Context, n int) error {
	return h.WriteFilemarks(ctx, n)
}

func (h *vtapeHandle) Name() string { return h.v.Name() }

// begin locks the drive and checks the handle, the drive and (if medium is
// true) the cartridge. On success the caller holds v.mu.
func (h *vtapeHandle) begin(op string, medium bool) error {
	v := h.v
	v.mu.Lock()
	var err error
	switch {
	case h.closed || v.closed:
		err = ErrClosed
	case v.offline:
		err = ErrOffline
	case medium && !v.st.Loaded:
		err = ErrNoMedium
	case medium:
		err = v.ensureMounted()
	}
	if err != nil {
		v.mu.Unlock()
		return &OpError{Drive: v.st.Name, Op: op, Err: err}
	}
	return nil
}

func (h *vtapeHandle) end() { h.v.mu.Unlock() }

func (h *vtapeHandle) fail(op string, err error) error {
	return &OpError{Drive: h.v.st.Name, Op: op, Err: err}
}

// ensureMounted mounts the image of a cartridge that is loaded but not yet
// open, as after a restart.
func (v *VirtualTape) ensureMounted() error {
	if !v.st.Loaded || v.cart != nil {
		return nil
	}
	c, err := mountCartridge(v.st.Cartridge)
	if err != nil {
		if errors.Is(err, ErrBusy) {
			return err
		}
		return detail(ErrIO, "%v", err)
	}
	v.cart = c
	v.access = Compatibility(v.st.DriveType, c.info.MediaType)
	v.resetSession()
	return nil
}

// settle drops a partly read fixed-mode block, as st drops its read-ahead.
func (v *VirtualTape) settle() {
	if v.fixedOff > 0 {
		v.pos++
		v.fixedOff = 0
	}
}

func (v *VirtualTape) writeProtected() bool {
	return v.cart.info.WriteProtected || v.access == AccessReadOnly
}

// flushMark writes the filemark st writes before REW/OFFL/SEEK/BSF and at
// close when the last operation was a write.
func (v *VirtualTape) flushMark() error {
	if !v.lastWrite {
		return nil
	}
	v.lastWrite = false
	return v.writeMarks(1)
}

func (v *VirtualTape) writeMarks(n int) error {
	c := v.cart
	if v.writeProtected() {
		v.raise(AlertWriteProtect)
		return ErrWriteProtected
	}
	if err := v.makeRoom(int64(n * recordHeaderSize)); err != nil {
		return err
	}
	if err := c.appendMarks(n); err != nil {
		return detail(ErrIO, "%v", err)
	}
	v.pos = len(c.recs)
	v.blockKnown = true
	v.eod, v.eodZeroGiven, v.afterEOM = false, false, false
	return nil
}

// makeRoom readies the tape for need bytes of records at the position, as
// blocks and filemarks alike: a WORM cartridge refuses to overwrite,
// everything from the position on is discarded, and the records must fit
// before the physical end.
func (v *VirtualTape) makeRoom(need int64) error {
	c := v.cart
	if c.info.WORM && v.pos < len(c.recs) {
		v.raise(AlertWORMOverwrite)
		return detail(ErrWriteProtected, "WORM cartridge: overwrite refused")
	}
	if err := c.truncateAt(v.pos); err != nil {
		return detail(ErrIO, "%v", err)
	}
	if c.used()+need > c.info.Capacity {
		v.eod = true
		return detail(ErrEndOfMedium, "physical end of medium")
	}
	return nil
}

func (h *vtapeHandle) Status(ctx context.Context) (Status, error) {
	if err := h.begin("status", false); err != nil {
		return Status{}, err
	}
	defer h.end()
	v := h.v
	if !v.st.Loaded {
		return DecodeStatus(EncodeStatus(Status{DoorOpen: true, File: -1, Block: -1, CleaningRequested: v.st.CleaningRequested})), nil
	}
	if err := v.ensureMounted(); err != nil {
		return Status{}, h.fail("status", err)
	}
	c := v.cart
	m, _ := Media(c.info.MediaType)
	file, block := c.fileAt(v.pos)
	if !v.fileKnown {
		file = -1
	}
	if !v.blockKnown {
		block = -1
	}
	s := Status{
		Online:            true,
		BOT:               v.pos == 0 && v.fixedOff == 0 && v.fileKnown && v.blockKnown,
		Filemark:          file > 0 && block == 0 && v.fixedOff == 0,
		EOD:               v.eod,
		EOT:               c.offsetOf(v.pos)-imageHeaderSize > c.info.Capacity-c.info.EarlyWarning,
		WriteProtected:    v.writeProtected(),
		CleaningRequested: v.st.CleaningRequested,
		BlockSize:         v.blockSize,
		Density:           m.Density,
		File:              file,
		Block:             block,
	}
	// Go through the mtget encoding so both backends decode the same way.
	return DecodeStatus(EncodeStatus(s)), nil
}

func (h *vtapeHandle) Rewind(ctx context.Context) error {
	if err := h.begin("rewind", true); err != nil {
		return err
	}
	defer h.end()
	v := h.v
	v.settle()
	err := v.flushMark()
	v.pos = 0
	v.fileKnown, v.blockKnown = true, true
	v.ewPending, v.eod, v.eodZeroGiven, v.afterEOM = false, false, false, false
	if err != nil {
		return h.fail("rewind", err)
	}
	return nil
}

func (h *vtapeHandle) Load(ctx context.Context) error {
	if err := h.begin("load", false); err != nil {
		return err
	}
	defer h.end()
	v := h.v
	if v.st.Cartridge == "" {
		return h.fail("load", ErrNoMedium)
	}
	if v.st.Loaded {
		return nil
	}
	err := v.threadLocked()
	err = errors.Join(err, v.saveLocked())
	if err != nil {
		return h.fail("load", err)
	}
	return nil
}

func (h *vtapeHandle) Unload(ctx context.Context) error {
	if err := h.begin("unload", true); err != nil {
		return err
	}
	defer h.end()
	v := h.v
	// MTUNLOAD: no pending filemark is written.
	v.unloadLocked()
	if err := v.saveLocked(); err != nil {
		return h.fail("unload", err)
	}
	v.log.Debug("cartridge ejected", "cartridge", v.st.Cartridge)
	return nil
}

func (h *vtapeHandle) SpaceFiles(ctx context.Context, n int) error {
	if err := h.begin("space", true); err != nil {
		return err
	}
	defer h.end()
	v := h.v
	c := v.cart
	v.settle()
	v.ewPending, v.eodZeroGiven, v.afterEOM, v.eod = false, false, false, false
	switch {
	case n == 0:
		return nil
	case n > 0:
		v.lastWrite = false // MTFSF after a write leaves the file unterminated
		i := sort.SearchInts(c.marks, v.pos)
		if i+n-1 < len(c.marks) {
			v.pos = c.marks[i+n-1] + 1
			v.blockKnown = true
			return nil
		}
		v.pos = len(c.recs)
		v.blockKnown = false
		v.eod = true
		return h.fail("space", ErrEndOfData)
	default:
		if err := v.flushMark(); err != nil {
			return h.fail("space", err)
		}
		k := -n
		i := sort.SearchInts(c.marks, v.pos)
		if i-k >= 0 {
			v.pos = c.marks[i-k]
			v.blockKnown = false
			return nil
		}
		v.pos = 0
		v.fileKnown, v.blockKnown = true, true
		return h.fail("space", detail(ErrIO, "beginning of tape reached"))
	}
}

func (h *vtapeHandle) SpaceEOD(ctx context.Context) error {
	if err := h.begin("space", true); err != nil {
		return err
	}
	defer h.end()
	v := h.v
	v.settle()
	v.lastWrite = false
	v.ewPending, v.eodZeroGiven = false, false
	v.pos = len(v.cart.recs)
	v.blockKnown = false
	v.eod, v.afterEOM = true, true
	return nil
}

func (h *vtapeHandle) WriteFilemarks(ctx context.Context, n int) error {
	if err := h.begin("weof", true); err != nil {
		return err
	}
	defer h.end()
	v := h.v
	v.settle()
	if n < 0 {
		return h.fail("weof", detail(ErrInvalidBlockSize, "negative filemark count %d", n))
	}
	v.lastWrite = false
	if n == 0 {
		return nil
	}
	if err := v.writeMarks(n); err != nil {
		return h.fail("weof", err)
	}
	return nil
}

func (h *vtapeHandle) SetBlockSize(ctx context.Context, n int) error {
	if err := h.begin("setblk", true); err != nil {
		return err
	}
	defer h.end()
	if n < 0 || n > VirtualMaxBlock {
		return h.fail("setblk", detail(ErrInvalidBlockSize, "%d outside block limits %d - %d", n, VirtualMinBlock, VirtualMaxBlock))
	}
	h.v.settle()
	h.v.blockSize = n
	return nil
}

func (h *vtapeHandle) Read(p []byte) (int, error) {
	if err := h.begin("read", true); err != nil {
		return 0, err
	}
	defer h.end()
	v := h.v
	c := v.cart
	if err := v.checkTransfer(len(p)); err != nil {
		return 0, h.fail("read", err)
	}
	v.lastWrite = false
	v.ewPending = false
	if v.failReadIn > 0 {
		v.failReadIn--
		if v.failReadIn == 0 {
			v.blockKnown = false
			v.raise(AlertReadFailure)
			return 0, h.fail("read", detail(ErrIO, "injected read error"))
		}
	}
	// End of data, filemark.
	if v.fixedOff == 0 {
		if len(c.recs) == 0 && !v.afterEOM {
			// A blank cartridge: the drive answers BLANK CHECK, st
			// reports a plain EIO, sets no EOD bit and loses the block
			// number (rig capture mt-status-blank-after-read.txt).
			v.blockKnown = false
			return 0, h.fail("read", errBlankRead)
		}
		if v.pos >= len(c.recs) {
			v.eod = true
			if v.afterEOM || v.pos == 0 || !c.recs[v.pos-1].mark || v.eodZeroGiven {
				return 0, h.fail("read", ErrEndOfData)
			}
			v.eodZeroGiven = true
			return 0, nil
		}
		if c.recs[v.pos].mark {
			v.pos++
			v.blockKnown = true
			return 0, nil
		}
	}
	if v.blockSize == 0 {
		r := c.recs[v.pos]
		if len(p) < r.n {
			v.pos++
			return 0, h.fail("read", detail(ErrBufferTooSmall, "%d-byte block, %d-byte buffer", r.n, len(p)))
		}
		if _, err := c.f.ReadAt(p[:r.n], r.off); err != nil {
			return 0, h.fail("read", detail(ErrIO, "%v", err))
		}
		v.pos++
		v.countBytes(r.n, false)
		return r.n, nil
	}
	// Fixed mode: any read size, whole blocks gathered up to a filemark.
	n := 0
	for n < len(p) && v.pos < len(c.recs) && !c.recs[v.pos].mark {
		r := c.recs[v.pos]
		if r.n != v.blockSize {
			return n, h.fail("read", detail(ErrIO, "%d-byte block in %d-byte fixed-block mode", r.n, v.blockSize))
		}
		k := min(r.n-v.fixedOff, len(p)-n)
		if _, err := c.f.ReadAt(p[n:n+k], r.off+int64(v.fixedOff)); err != nil {
			return n, h.fail("read", detail(ErrIO, "%v", err))
		}
		n += k
		v.fixedOff += k
		if v.fixedOff == r.n {
			v.pos++
			v.fixedOff = 0
		}
	}
	v.countBytes(n, false)
	return n, nil
}

func (h *vtapeHandle) Write(p []byte) (int, error) {
	if err := h.begin("write", true); err != nil {
		return 0, err
	}
	defer h.end()
	v := h.v
	c := v.cart
	v.settle()
	if err := v.checkTransfer(len(p)); err != nil {
		return 0, h.fail("write", err)
	}
	switch {
	case v.writeProtected():
		v.raise(AlertWriteProtect)
		return 0, h.fail("write", ErrWriteProtected)
	case v.blockSize > 0 && len(p)%v.blockSize != 0:
		return 0, h.fail("write", detail(ErrInvalidBlockSize, "%d bytes is not a multiple of the %d-byte block size", len(p), v.blockSize))
	case len(p) == 0:
		return 0, nil
	}
	if v.failWriteIn > 0 {
		v.failWriteIn--
		if v.failWriteIn == 0 {
			v.blockKnown = false
			v.raise(AlertWriteFailure)
			return 0, h.fail("write", detail(ErrIO, "injected write error"))
		}
	}
	if v.ewPending {
		// st: the write after the one that crossed early warning fails
		// with ENOSPC and writes nothing; the next one is allowed again.
		v.ewPending = false
		v.eod = true
		return 0, h.fail("write", ErrEndOfMedium)
	}
	nrec := 1
	if v.blockSize > 0 {
		nrec = len(p) / v.blockSize
	}
	if err := v.makeRoom(int64(len(p) + nrec*recordHeaderSize)); err != nil {
		return 0, h.fail("write", err)
	}
	if err := c.appendBlocks(p, v.blockSize); err != nil {
		return 0, h.fail("write", detail(ErrIO, "%v", err))
	}
	v.pos = len(c.recs)
	v.lastWrite = true
	v.eod, v.eodZeroGiven, v.afterEOM = false, false, false
	if c.used() > c.info.Capacity-c.info.EarlyWarning {
		v.ewPending = true
	}
	v.countBytes(len(p), true)
	return len(p), nil
}

func (h *vtapeHandle) Tell(ctx context.Context) (int64, error) {
	if err := h.begin("tell", true); err != nil {
		return 0, err
	}
	defer h.end()
	return int64(h.v.pos), nil
}

func (h *vtapeHandle) Seek(ctx context.Context, pos int64) error {
	if err := h.begin("seek", true); err != nil {
		return err
	}
	defer h.end()
	v := h.v
	v.settle()
	if err := v.flushMark(); err != nil {
		return h.fail("seek", err)
	}
	v.ewPending, v.eod, v.eodZeroGiven, v.afterEOM = false, false, false, false
	if pos < 0 || pos > int64(len(v.cart.recs)) {
		v.pos = len(v.cart.recs)
		v.fileKnown, v.blockKnown = false, false
		v.eod = true
		return h.fail("seek", ErrEndOfData)
	}
	v.pos = int(pos)
	v.fileKnown, v.blockKnown = pos == 0, pos == 0
	return nil
}

func (h *vtapeHandle) ReadTapeAlerts(ctx context.Context) (TapeAlertFlags, error) {
	if err := h.begin("tapealert", false); err != nil {
		return 0, err
	}
	defer h.end()
	v := h.v
	// Go through the log page encoding, as a real drive does.
	f, err := DecodeTapeAlertPage(EncodeTapeAlertPage(v.st.PendingAlerts))
	if err != nil {
		return 0, h.fail("tapealert", err)
	}
	if v.st.PendingAlerts == 0 {
		return f, nil // nothing to clear, nothing to save
	}
	v.st.PendingAlerts = 0
	if err := v.saveLocked(); err != nil {
		return f, h.fail("tapealert", err)
	}
	return f, nil
}

func (h *vtapeHandle) Close() error {
	v := h.v
	v.mu.Lock()
	if h.closed {
		v.mu.Unlock()
		return &OpError{Drive: v.st.Name, Op: "close", Err: ErrClosed}
	}
	h.closed = true
	v.open = false
	var err error
	if v.st.Loaded && v.cart != nil && !v.closed {
		v.settle()
		err = v.flushMark()
		if terr := v.cart.trim(); terr != nil {
			err = errors.Join(err, detail(ErrIO, "%v", terr))
		}
	}
	if !v.closed {
		err = errors.Join(err, v.saveLocked())
	}
	v.mu.Unlock()
	if h.ephemeral {
		err = errors.Join(err, v.Close())
	}
	if err != nil {
		return &OpError{Drive: v.st.Name, Op: "close", Err: err}
	}
	return nil
}
