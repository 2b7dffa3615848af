package drives

import (
	"errors"
	"fmt"

	"golang.org/x/sys/unix"
)

// errnoErr is a sentinel with the errno it came from; both match errors.Is.
type errnoErr struct {
	sentinel error
	errno    unix.Errno
}

func (e *errnoErr) Error() string {
	return fmt.Sprintf("%s (%s)", e.sentinel.Error(), e.errno.Error())
}

func (e *errnoErr) Unwrap() []error { return []error{e.sentinel, e.errno} }

// errnoError maps an errno from the st driver to the package's sentinels,
// following st's meanings (linux-st-driver.md §9). op is the operation,
// which decides what EACCES, EINVAL and ENOMEM mean.
func errnoError(op string, err error) error {
	var errno unix.Errno
	if !errors.As(err, &errno) {
		return err
	}
	var s error
	switch errno {
	case unix.ENOMEDIUM:
		s = ErrNoMedium
	case unix.ENOSPC:
		s = ErrEndOfMedium
	case unix.EROFS:
		s = ErrWriteProtected
	case unix.EACCES:
		if op == "write" || op == "weof" {
			s = ErrWriteProtected
		}
	case unix.EBUSY:
		s = ErrBusy
	case unix.EIO:
		s = ErrIO
	case unix.ENXIO, unix.ENODEV:
		s = ErrOffline
	case unix.ENOMEM:
		if op == "read" {
			s = ErrBufferTooSmall
		}
	case unix.EINVAL, unix.EOVERFLOW:
		if op == "write" || op == "setblk" || op == "read" {
			s = ErrInvalidBlockSize
		}
	case unix.ENOSYS:
		s = ErrUnsupportedOp
	}
	if s == nil {
		return errno
	}
	return &errnoErr{sentinel: s, errno: errno}
}

// describeSense renders a SCSI status and fixed-format sense data.
func describeSense(status uint8, sense []byte) string {
	if len(sense) < 14 {
		return fmt.Sprintf("SCSI status %#02x", status)
	}
	return fmt.Sprintf("SCSI status %#02x, sense key %#x, ASC/ASCQ %02X/%02X", status, sense[2]&0x0f, sense[12], sense[13])
}
