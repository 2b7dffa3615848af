//go:build unix

package drives

import (
	"fmt"
	"os"
	"syscall"

	"golang.org/x/sys/unix"
)

// freeBytes reports how many bytes an unprivileged writer can still put on
// the file system holding path.
func freeBytes(path string) (int64, bool) {
	var s unix.Statfs_t
	if err := unix.Statfs(path, &s); err != nil {
		return 0, false
	}
	return int64(s.Bavail) * int64(s.Bsize), true //nolint:unconvert // field types differ between systems
}

// fileIdentity names the file or directory fi describes by its device and
// inode, so that another directory put in its place is told apart.
func fileIdentity(fi os.FileInfo) string {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return fmt.Sprintf("%d:%d", st.Dev, st.Ino) //nolint:unconvert // field types differ between systems
	}
	return fi.Name()
}

// deviceNumber returns the major:minor of a block device node.
func deviceNumber(path string) (string, bool) {
	var st unix.Stat_t
	if err := unix.Stat(path, &st); err != nil || st.Mode&unix.S_IFMT != unix.S_IFBLK {
		return "", false
	}
	return fmt.Sprintf("%d:%d", unix.Major(uint64(st.Rdev)), unix.Minor(uint64(st.Rdev))), true //nolint:unconvert // field types differ between systems
}
