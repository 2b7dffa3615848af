//go:build !linux

package drives

import (
	"errors"
	"fmt"
)

// openST reports that the st backend needs Linux.
func openST(path string, _ openConfig) (Drive, error) {
	return nil, &OpError{Drive: path, Op: "open", Err: fmt.Errorf("st tape drives need Linux: %w", errors.ErrUnsupported)}
}

// readLogPage reports that SG_IO needs Linux.
func readLogPage(string, byte) ([]byte, error) {
	return nil, fmt.Errorf("SCSI generic access needs Linux: %w", errors.ErrUnsupported)
}
