package drives

import (
	"os"
	"path/filepath"
	"testing"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"
)

func TestErrnoError(t *testing.T) {
	tests := []struct {
		name  string
		op    string
		errno unix.Errno
		want  error
	}{
		{"no medium", "read", unix.ENOMEDIUM, ErrNoMedium},
		{"early warning", "write", unix.ENOSPC, ErrEndOfMedium},
		{"read-only open", "open", unix.EROFS, ErrWriteProtected},
		{"write-protected write", "write", unix.EACCES, ErrWriteProtected},
		{"write-protected filemark", "weof", unix.EACCES, ErrWriteProtected},
		{"permission at open is not write protection", "open", unix.EACCES, unix.EACCES},
		{"busy", "open", unix.EBUSY, ErrBusy},
		{"I/O error", "read", unix.EIO, ErrIO},
		{"device gone", "status", unix.ENXIO, ErrOffline},
		{"buffer too small", "read", unix.ENOMEM, ErrBufferTooSmall},
		{"not a block multiple", "write", unix.EINVAL, ErrInvalidBlockSize},
		{"block too large for st", "write", unix.EOVERFLOW, ErrInvalidBlockSize},
		{"MTTELL", "tell", unix.ENOSYS, ErrUnsupportedOp},
		{"other errno kept", "read", unix.EFAULT, unix.EFAULT},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := errnoError(tt.op, tt.errno)
			assert.ErrorIs(t, err, tt.want)
			assert.ErrorIs(t, err, tt.errno, "the errno stays visible")
		})
	}
	err := (&OpError{Drive: "nst0", Op: "write", Err: errnoError("write", unix.ENOSPC)})
	assert.EqualError(t, err, "drives: write nst0: end of medium (no space left on device)")
}

func TestSGIOHeaderLayout(t *testing.T) {
	if unsafe.Sizeof(uintptr(0)) != 8 {
		t.Skip("layout checked for 64-bit Linux")
	}
	var h sgIOHdr
	assert.Equal(t, uintptr(88), unsafe.Sizeof(h))
	assert.Equal(t, uintptr(16), unsafe.Offsetof(h.Dxferp))
	assert.Equal(t, uintptr(32), unsafe.Offsetof(h.Sbp))
	assert.Equal(t, uintptr(56), unsafe.Offsetof(h.UsrPtr))
	assert.Equal(t, uintptr(64), unsafe.Offsetof(h.Status))
	assert.Equal(t, uintptr(72), unsafe.Offsetof(h.Resid))
}

func TestOpenSTRefusals(t *testing.T) {
	// /dev/null is a character device but not a tape node.
	_, err := Open("/dev/null")
	assert.ErrorIs(t, err, ErrNotTapeNode)
	assert.ErrorContains(t, err, "not an st tape node")

	// A link named like an auto-rewind node is refused before opening.
	link := filepath.Join(t.TempDir(), "st0")
	require.NoError(t, os.Symlink("/dev/null", link))
	err = checkTapeNode(link, link)
	assert.ErrorContains(t, err, "auto-rewind")

	_, err = Open("/dev/nst99")
	assert.ErrorIs(t, err, os.ErrNotExist)

	_, err = readLogPage("/dev/null", pageTapeAlert)
	assert.Error(t, err)
}

// TestHostTransferLimit builds the sysfs layout of the rig (nst0 on host2
// of mhvtl's pseudo adapter, sg_tablesize 128, sys-class-scsi_tape.txt and
// st-limits.txt) and finds the 512 KiB transfer limit the captured reads
// showed.
func TestHostTransferLimit(t *testing.T) {
	sys := t.TempDir()
	dev := filepath.Join(sys, "devices", "mhvtl_pseudo", "adapter0", "host2", "target2:0:1", "2:0:1:0")
	require.NoError(t, os.MkdirAll(filepath.Join(dev, "scsi_tape", "nst0"), 0o755))
	require.NoError(t, os.MkdirAll(filepath.Join(sys, "class", "scsi_tape"), 0o755))
	require.NoError(t, os.Symlink(filepath.Join(dev, "scsi_tape", "nst0"), filepath.Join(sys, "class", "scsi_tape", "nst0")))
	require.NoError(t, os.Symlink(dev, filepath.Join(dev, "scsi_tape", "nst0", "device")))
	host := filepath.Join(sys, "class", "scsi_host", "host2")
	require.NoError(t, os.MkdirAll(host, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(host, "sg_tablesize"), []byte("128\n"), 0o644))

	n, src := hostTransferLimit(sys, "nst0")
	assert.Equal(t, 128*os.Getpagesize(), n)
	assert.Contains(t, src, "host2/sg_tablesize")
	if os.Getpagesize() == 4096 {
		assert.Equal(t, 512<<10, n, "the 512 KiB the rig's reads succeeded up to")
	}

	n, src = hostTransferLimit(sys, "nst1")
	assert.Zero(t, n, "an unknown node has no known limit")
	assert.Empty(t, src)

	l := stLimits(sys, "nst0", "")
	assert.Equal(t, 128*os.Getpagesize(), l.MaxTransfer)
	assert.Zero(t, l.MaxBlock, "block limits need the sg node")
}
