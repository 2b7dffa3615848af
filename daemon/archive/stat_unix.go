//go:build unix

package archive

import (
	"io/fs"
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
