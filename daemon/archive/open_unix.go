//go:build unix && !linux

package archive

import (
	"os"
	"syscall"
)

// openFile opens a regular file for reading without following a symbolic
// link that replaced it (ELOOP) and without blocking on a FIFO that did.
func openFile(name string) (sourceFile, error) {
	f, err := os.OpenFile(name, os.O_RDONLY|syscall.O_NOFOLLOW|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, err
	}
	return f, nil
}
