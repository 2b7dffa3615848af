//go:build unix

package archive

import (
	"io/fs"
	"os"
	"syscall"
)

// fileID identifies a file on this machine, for finding hard links.
type fileID struct{ dev, ino uint64 }

// identity returns fi's device and inode and its link count.
func identity(fi fs.FileInfo) (fileID, uint64) {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return fileID{}, 1
	}
	return fileID{uint64(st.Dev), uint64(st.Ino)}, uint64(st.Nlink)
}

// openFile opens a regular file for reading without following a symbolic
// link that replaced it (ELOOP) and without blocking on a FIFO that did.
func openFile(name string) (*os.File, error) {
	return os.OpenFile(name, os.O_RDONLY|syscall.O_NOFOLLOW|syscall.O_NONBLOCK, 0)
}
