package archive

import (
	"archive/tar"
	"fmt"
	"os"
	"path"
	"syscall"
)

// mknod creates the device node or FIFO h describes at name inside root,
// through a descriptor of its parent directory opened within root.
func mknod(root *os.Root, name string, h *tar.Header) error {
	var mode uint32
	switch h.Typeflag {
	case tar.TypeChar:
		mode = syscall.S_IFCHR
	case tar.TypeBlock:
		mode = syscall.S_IFBLK
	case tar.TypeFifo:
		mode = syscall.S_IFIFO
	default:
		return fmt.Errorf("mknod %s: member type %q is not a device", name, h.Typeflag)
	}
	dir, err := root.Open(path.Dir(name))
	if err != nil {
		return err
	}
	defer func() { _ = dir.Close() }() // a directory handle: nothing to lose
	dev := mkdev(uint64(h.Devmajor), uint64(h.Devminor))
	if err := syscall.Mknodat(int(dir.Fd()), path.Base(name), mode|0o600, int(dev)); err != nil {
		return &os.PathError{Op: "mknod", Path: name, Err: err}
	}
	return nil
}

// mkdev encodes a device number the way glibc's makedev does.
func mkdev(major, minor uint64) uint64 {
	return (major&0xfffff000)<<32 | (major&0xfff)<<8 | (minor&0xffffff00)<<12 | minor&0xff
}
