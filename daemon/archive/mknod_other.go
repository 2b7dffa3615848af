//go:build !linux

package archive

import (
	"archive/tar"
	"errors"
	"fmt"
	"os"
)

// mknod is not supported here: device nodes and FIFOs are refused.
func mknod(_ *os.Root, name string, _ *tar.Header) error {
	return fmt.Errorf("mknod %s: %w", name, errors.ErrUnsupported)
}
