package drives

import (
	"context"
	"fmt"
	"strings"
)

// Drive is an open tape drive, positioned like the Linux st driver's no-rewind
// node: nothing rewinds behind the caller's back.
//
// A Drive is a single handle and is not safe for concurrent use: one
// goroutine owns it (the job runner), as one process owns /dev/nstN. Only one
// handle per drive may be open at a time; a second Open of the same drive
// fails with ErrBusy. Errors are *OpError values wrapping the package's
// sentinels (ErrNoMedium, ErrEndOfMedium, ErrWriteProtected, ErrIO, ...).
//
// No operation is interrupted once started: a kernel ioctl cannot be
// cancelled, and Read and Write, like read(2) and write(2) on a real
// drive, finish their block (the virtual tape's throttle sleeps for one
// block's time at most). The st backend refuses to start a tape motion
// whose context is already done; callers check their context between
// operations.
type Drive interface {
	// Name is a short name for messages ("nst0", "drive0", a file name).
	Name() string
	// Status reports the drive and cartridge state without moving the tape.
	Status(ctx context.Context) (Status, error)
	// Rewind moves to the beginning of the tape. If the last operation was a
	// write, a filemark is written first (st's MTREW rule).
	Rewind(ctx context.Context) error
	// Load threads a cartridge that sits in the drive (MTLOAD), for example
	// after Unload.
	Load(ctx context.Context) error
	// Unload rewinds and ejects the cartridge (MTUNLOAD). Like st, it does
	// NOT write the pending filemark after a write: call WriteFilemarks
	// first.
	Unload(ctx context.Context) error
	// SpaceFiles moves over n filemarks: n > 0 forward, landing just after
	// the nth mark (MTFSF); n < 0 backward, landing just before the |n|th
	// mark (MTBSF, block number unknown afterwards). Running into end of
	// data returns ErrEndOfData; into the beginning of tape, ErrIO.
	SpaceFiles(ctx context.Context, n int) error
	// SpaceEOD moves to the end of recorded data, ready to append (MTEOM).
	SpaceEOD(ctx context.Context) error
	// WriteFilemarks writes n filemarks (MTWEOF); it flushes the drive, so
	// deferred write errors surface here. It succeeds in the early-warning
	// zone.
	WriteFilemarks(ctx context.Context, n int) error
	// SetBlockSize sets the fixed block size, or variable-block mode for 0
	// (MTSETBLK).
	SetBlockSize(ctx context.Context, n int) error
	// Read reads ONE block. At a filemark it returns 0, nil and the next read
	// continues after the mark; two 0-byte reads in a row mean end of data,
	// and the read after that fails with ErrEndOfData. In variable mode a
	// buffer smaller than the block fails with ErrBufferTooSmall and the
	// block is skipped. It never returns io.EOF.
	Read(p []byte) (int, error)
	// Write writes one block (variable mode) or len(p)/blocksize blocks
	// (fixed mode, where len(p) must be a multiple of the block size). The
	// first write past early warning succeeds and sets Status.EOT; the next
	// fails with ErrEndOfMedium having written nothing; then success and
	// failure alternate until the physical end.
	Write(p []byte) (int, error)
	// Close releases the drive. If the last operation was a write, a
	// filemark is written first; its error is returned.
	Close() error
}

// Status is the state of a drive and its cartridge, decoded from st's
// MTIOCGET (mt_dsreg, mt_gstat, mt_fileno, mt_blkno, mt_resid).
type Status struct {
	Online            bool  `json:"online"`             // a cartridge is loaded and ready (GMT_ONLINE)
	BOT               bool  `json:"bot"`                // at beginning of tape (GMT_BOT)
	Filemark          bool  `json:"filemark"`           // just after a filemark (GMT_EOF)
	EOD               bool  `json:"eod"`                // at end of recorded data (GMT_EOD)
	EOT               bool  `json:"eot"`                // past early warning / end of medium (GMT_EOT)
	WriteProtected    bool  `json:"write_protected"`    // cartridge write-protected or read-only format (GMT_WR_PROT)
	DoorOpen          bool  `json:"door_open"`          // no cartridge in the drive (GMT_DR_OPEN)
	CleaningRequested bool  `json:"cleaning_requested"` // the drive asked for cleaning (GMT_CLN)
	BlockSize         int   `json:"block_size"`         // fixed block size; 0 = variable-block mode
	Density           uint8 `json:"density"`            // density code of the loaded cartridge; 0 = unknown
	File              int64 `json:"file"`               // file number from BOT; -1 = unknown
	Block             int64 `json:"block"`              // block number within the file; -1 = unknown
	Partition         int   `json:"partition"`          // current partition (st's mt_resid)
}

// String renders the status like mt-st's flag line, for logs.
func (s Status) String() string {
	var flags []string
	add := func(on bool, name string) {
		if on {
			flags = append(flags, name)
		}
	}
	add(s.Filemark, "EOF")
	add(s.BOT, "BOT")
	add(s.EOT, "EOT")
	add(s.EOD, "EOD")
	add(s.WriteProtected, "WR_PROT")
	add(s.Online, "ONLINE")
	add(s.DoorOpen, "DR_OPEN")
	add(s.CleaningRequested, "CLN")
	return fmt.Sprintf("file=%d block=%d partition=%d blocksize=%d density=0x%02x %s",
		s.File, s.Block, s.Partition, s.BlockSize, s.Density, strings.Join(flags, " "))
}

// Positioner is implemented by drives that can report and restore a logical
// block position (MTIOCPOS / MTSEEK). Positions count filemarks as objects;
// 0 is the beginning of partition 0. After Seek to a non-zero position the
// file and block numbers in Status are unknown (-1) until a rewind.
type Positioner interface {
	Tell(ctx context.Context) (int64, error)
	Seek(ctx context.Context, pos int64) error
}

// TapeAlertReader is implemented by drives that can read their TapeAlert
// flags (LOG SENSE page 2Eh). Reading clears the flags on the device: only
// one component (the daemon) should call it, and it must record what it
// read.
type TapeAlertReader interface {
	ReadTapeAlerts(ctx context.Context) (TapeAlertFlags, error)
}

// ImmediateFilemarkWriter is implemented by drives that can write filemarks
// without waiting for the data to reach tape (MTWEOFI). Use it between the
// files of one session and finish with WriteFilemarks or Close, which flush:
// a write error is only reported later.
type ImmediateFilemarkWriter interface {
	WriteFilemarksImmediate(ctx context.Context, n int) error
}
