package drives

import (
	"fmt"
	"io"
)

// Limits is what a drive and the adapter in front of it can carry. The
// drive reports its block limits (READ BLOCK LIMITS); the host adapter caps
// one transfer: with st's direct I/O a request is at most sg_tablesize
// pages of the user buffer. A read buffer larger than the block limits
// fails with EINVAL (ErrInvalidBlockSize), one larger than the adapter's
// transfer with EBUSY (ErrBusy), even when the block on tape is small
// (rig capture st-read-buffer-sizes.txt).
type Limits struct {
	// MinBlock and MaxBlock are the drive's block limits in bytes; 0 =
	// unknown.
	MinBlock int `json:"min_block"`
	MaxBlock int `json:"max_block"`
	// MaxTransfer is the largest read or write, in bytes, the adapter
	// carries in one request; 0 = unknown.
	MaxTransfer int `json:"max_transfer"`
	// Source says where MaxTransfer came from, for messages
	// ("/sys/class/scsi_host/host2/sg_tablesize 128 × 4 KiB pages").
	Source string `json:"source"`
}

// LimitsReporter is implemented by drives that know their block limits and
// their adapter's transfer limit.
type LimitsReporter interface {
	Limits() Limits
}

// Largest returns the largest block that can be read or written in one
// request: the smaller of the block limit and the transfer limit, and never
// more than MaxBlockSize.
func (l Limits) Largest() int {
	n := MaxBlockSize
	if l.MaxBlock > 0 {
		n = min(n, l.MaxBlock)
	}
	if l.MaxTransfer > 0 {
		n = min(n, l.MaxTransfer)
	}
	return n
}

// Check returns an error matching ErrInvalidBlockSize, saying what to set
// instead, if blocks of n bytes cannot be carried.
func (l Limits) Check(name string, n int) error {
	switch {
	case n <= 0:
		return nil
	case l.MinBlock > 0 && n < l.MinBlock:
		return detail(ErrInvalidBlockSize, "%s takes blocks of %d to %d bytes, not %d: set block_size within the drive's limits", name, l.MinBlock, l.MaxBlock, n)
	case l.MaxBlock > 0 && n > l.MaxBlock:
		return detail(ErrInvalidBlockSize, "%s takes blocks of at most %d bytes (its block limits), not %d: set block_size to %d or less", name, l.MaxBlock, n, l.Largest())
	case l.MaxTransfer > 0 && n > l.MaxTransfer:
		src := ""
		if l.Source != "" {
			src = " (" + l.Source + ")"
		}
		return detail(ErrInvalidBlockSize, "the adapter in front of %s carries at most %d bytes in one transfer%s, not a %d-byte block: set block_size to %d or less", name, l.MaxTransfer, src, n, l.Largest())
	case n > MaxBlockSize:
		return detail(ErrInvalidBlockSize, "%d-byte blocks exceed tapewarden's %d-byte limit", n, MaxBlockSize)
	}
	return nil
}

// VirtualLimits returns the limits of a virtual drive made with the default
// VirtualTapeConfig.MaxTransfer.
func VirtualLimits() Limits {
	return Limits{MinBlock: VirtualMinBlock, MaxBlock: VirtualMaxBlock, MaxTransfer: VirtualMaxTransfer, Source: "virtual adapter"}
}

// DriveLimits returns d's limits, or the zero Limits (nothing known) if d
// does not report them.
func DriveLimits(d Drive) Limits {
	if lr, ok := d.(LimitsReporter); ok {
		return lr.Limits()
	}
	return Limits{}
}

// CheckBlockSize refuses, with a message saying what to set, a block size
// the drive or its adapter cannot carry. Call it before writing with a
// configured block size.
func CheckBlockSize(d Drive, blockSize int) error {
	if err := DriveLimits(d).Check(d.Name(), blockSize); err != nil {
		return &OpError{Drive: d.Name(), Op: "setblk", Err: err}
	}
	return nil
}

// ReadBufferSize returns the read buffer to use for data written in blocks
// of blockSize bytes (0 = unknown): the block size itself when known, else
// the largest block the drive and its adapter carry in one request. A read
// buffer larger than that fails on a real drive even for small blocks, so
// never read with a fixed large buffer. It fails (ErrInvalidBlockSize) if
// the data's blocks are larger than the drive or adapter can read.
func ReadBufferSize(d Drive, blockSize int) (int, error) {
	l := DriveLimits(d)
	if blockSize <= 0 {
		return l.Largest(), nil
	}
	if err := l.Check(d.Name(), blockSize); err != nil {
		return 0, &OpError{Drive: d.Name(), Op: "read", Err: err}
	}
	return blockSize, nil
}

// LimitReads returns a reader that reads one block from d per call with at
// most n bytes of the caller's buffer, so that a reader built around a large
// buffer stays within what the drive and adapter carry. Like Drive.Read it
// returns 0, nil at a filemark.
func LimitReads(d Drive, n int) io.Reader { return limitedReads{d: d, n: n} }

type limitedReads struct {
	d Drive
	n int
}

func (r limitedReads) Read(p []byte) (int, error) {
	if r.n > 0 && len(p) > r.n {
		p = p[:r.n]
	}
	return r.d.Read(p)
}

// String renders the limits for messages.
func (l Limits) String() string {
	s := fmt.Sprintf("block limits %d - %d bytes", l.MinBlock, l.MaxBlock)
	if l.MaxTransfer > 0 {
		s += fmt.Sprintf(", at most %d bytes per transfer", l.MaxTransfer)
		if l.Source != "" {
			s += " (" + l.Source + ")"
		}
	}
	return s
}
