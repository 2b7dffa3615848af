package drives

import (
	"errors"
	"fmt"
)

// Sentinel errors. Check them with errors.Is; device errors arrive wrapped in
// an *OpError (or a *ChangerError for changers) that names the operation and
// the device.
var (
	// ErrNoMedium means no cartridge is loaded (ENOMEDIUM).
	ErrNoMedium = errors.New("drives: no medium")
	// ErrWriteProtected means the cartridge refuses writes: its tab is set,
	// it is a generation the drive can only read, or it is WORM and the
	// write would overwrite data (EROFS/EACCES on write).
	ErrWriteProtected = errors.New("drives: write-protected")
	// ErrEndOfMedium means a write reached the early-warning zone or the
	// physical end of the cartridge (ENOSPC). Finish the file and change
	// cartridge.
	ErrEndOfMedium = errors.New("drives: end of medium")
	// ErrBusy means the device is in use by another opener (EBUSY).
	ErrBusy = errors.New("drives: busy")
	// ErrIO is a device I/O error (EIO). The position on tape is unknown
	// afterwards: rewind and re-read the label before going on.
	ErrIO = errors.New("drives: I/O error")
	// ErrEndOfData means a read or space ran past the end of recorded data.
	// It also matches ErrIO, because st reports it as EIO.
	ErrEndOfData error = &aliasError{msg: "drives: end of recorded data", also: ErrIO}
	// ErrOffline means the device is gone or offline (ENXIO).
	ErrOffline = errors.New("drives: offline")
	// ErrIncompatibleMedium means the cartridge cannot be used in the drive
	// (or only read, and a write was asked for).
	ErrIncompatibleMedium = errors.New("drives: incompatible medium")
	// ErrBlankTape means the cartridge holds no data at all. A read of
	// block 0 of a blank cartridge fails with an error matching both
	// ErrBlankTape and ErrIO, on the virtual tape and through st alike.
	ErrBlankTape = errors.New("drives: blank tape")
	// ErrNotLabelled means the cartridge holds data but no tapewarden volume
	// label (foreign data, or a corrupt label).
	ErrNotLabelled = errors.New("drives: not labelled")
	// ErrAlreadyLabelled means WriteLabel found a tapewarden label and was not
	// told to overwrite it.
	ErrAlreadyLabelled = errors.New("drives: already labelled")
	// ErrNotBlank means WriteLabel found foreign data and was not told to
	// overwrite it.
	ErrNotBlank = errors.New("drives: cartridge is not blank")
	// ErrWrongBarcode means the label on tape names another cartridge than
	// the one expected.
	ErrWrongBarcode = errors.New("drives: wrong barcode")
	// ErrBadLabel means a label or trailer block is malformed.
	ErrBadLabel = errors.New("drives: malformed label")
	// ErrInvalidBlockSize means a write size is not a multiple of the fixed
	// block size, or a block size is outside the drive's limits (EINVAL).
	ErrInvalidBlockSize = errors.New("drives: invalid block size")
	// ErrBufferTooSmall means a read buffer was smaller than the tape block
	// in variable-block mode (ENOMEM). The block is skipped.
	ErrBufferTooSmall = errors.New("drives: read buffer smaller than tape block")
	// ErrUnsupportedOp means the device does not implement the operation
	// (ENOSYS).
	ErrUnsupportedOp = errors.New("drives: operation not supported by device")
	// ErrCleaningCartridge means a cleaning cartridge was used for data or a
	// cleaning attempt failed (expired or wrong cleaning cartridge).
	ErrCleaningCartridge = errors.New("drives: cleaning cartridge")
	// ErrClosed means the handle was already closed.
	ErrClosed = errors.New("drives: drive closed")
	// ErrSeveralDisks means a directory drive found more than one disk it
	// could use attached at once, and will not guess which one is meant.
	ErrSeveralDisks = errors.New("drives: several disks attached")
	// ErrNotTapeNode means the path is not a usable tape node (for example an
	// auto-rewind /dev/stN node).
	ErrNotTapeNode = errors.New("drives: not a no-rewind tape node")

	// ErrSourceEmpty means a move found its source element empty.
	ErrSourceEmpty = errors.New("drives: source element empty")
	// ErrDestinationFull means a move found its destination element full.
	ErrDestinationFull = errors.New("drives: destination element full")
	// ErrDriveFull means a load found the drive already holding a cartridge.
	// It also matches ErrDestinationFull.
	ErrDriveFull error = &aliasError{msg: "drives: drive full", also: ErrDestinationFull}
	// ErrDriveEmpty means an unload found the drive empty. It also matches
	// ErrSourceEmpty.
	ErrDriveEmpty error = &aliasError{msg: "drives: drive empty", also: ErrSourceEmpty}
	// ErrDriveNotEjected means the changer cannot take a cartridge the drive
	// still holds: unload (eject) it through the drive first (ASC/ASCQ 3A/00
	// "Drive needs offline before move").
	ErrDriveNotEjected = errors.New("drives: drive needs offline before move")
	// ErrNoSuchElement means a slot or drive number is out of range.
	ErrNoSuchElement = errors.New("drives: no such element")
	// ErrChangerNotReady means the library stayed NOT READY (inventory,
	// door open, robot busy) after retries.
	ErrChangerNotReady = errors.New("drives: changer not ready")
	// ErrChangerFailed is a changer failure without a more precise sentinel.
	ErrChangerFailed = errors.New("drives: changer command failed")
)

// errBlankRead is what a read of block 0 of a factory-blank cartridge
// returns: the drive answers BLANK CHECK and st turns it into a plain EIO
// (no EOD status bit; MTIOCGET then says file 0, block -1). It matches
// ErrBlankTape and ErrIO.
var errBlankRead error = &blankReadError{}

type blankReadError struct{}

func (*blankReadError) Error() string {
	return "drives: blank tape: nothing is recorded (the drive reports BLANK CHECK at block 0)"
}

func (*blankReadError) Is(target error) bool { return target == ErrBlankTape || target == ErrIO }

// aliasError is a sentinel that also matches a second, broader sentinel.
type aliasError struct {
	msg  string
	also error
}

func (e *aliasError) Error() string { return e.msg }

func (e *aliasError) Is(target error) bool { return target == e.also }

// OpError records a failed drive operation, like fs.PathError does for files.
type OpError struct {
	// Drive is the drive's name (Drive.Name).
	Drive string
	// Op is the operation: "open", "read", "write", "rewind", "space",
	// "weof", "status", "load", "unload", "setblk", "tell", "seek",
	// "tapealert", "close".
	Op string
	// Err is the underlying error, usually one of the sentinels.
	Err error
}

// Error formats as "drives: write dat0: end of medium".
func (e *OpError) Error() string {
	msg := "<nil>"
	if e.Err != nil {
		msg = e.Err.Error()
	}
	const prefix = "drives: "
	if len(msg) > len(prefix) && msg[:len(prefix)] == prefix {
		msg = msg[len(prefix):]
	}
	return fmt.Sprintf("drives: %s %s: %s", e.Op, e.Drive, msg)
}

// Unwrap returns the underlying error.
func (e *OpError) Unwrap() error { return e.Err }

func opErr(drive, op string, err error) error {
	if err == nil {
		return nil
	}
	var oe *OpError
	if errors.As(err, &oe) {
		return err
	}
	return &OpError{Drive: drive, Op: op, Err: err}
}

// detail wraps a sentinel with a more precise description while keeping
// errors.Is working: "drives: I/O error: injected fault".
func detail(sentinel error, format string, args ...any) error {
	return fmt.Errorf("%w: %s", sentinel, fmt.Sprintf(format, args...))
}
