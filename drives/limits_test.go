package drives

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// rig is what the captured LTO-8 behind an adapter with sg_tablesize 128
// carries (st-limits.txt, st-read-buffer-sizes.txt).
var rig = Limits{MinBlock: 1, MaxBlock: 2 << 20, MaxTransfer: 512 << 10, Source: "/sys/class/scsi_host/host2/sg_tablesize: 128 × 4096-byte pages"}

func TestLimitsCheck(t *testing.T) {
	assert.Equal(t, 512<<10, rig.Largest())
	assert.NoError(t, rig.Check("nst0", 256<<10))
	assert.NoError(t, rig.Check("nst0", 512<<10))
	assert.NoError(t, rig.Check("nst0", 0), "variable block size: nothing to check")

	err := rig.Check("nst0", 1<<20)
	assert.ErrorIs(t, err, ErrInvalidBlockSize)
	assert.EqualError(t, err, "drives: invalid block size: the adapter in front of nst0 carries at most 524288 bytes in one transfer (/sys/class/scsi_host/host2/sg_tablesize: 128 × 4096-byte pages), not a 1048576-byte block: set block_size to 524288 or less")

	err = rig.Check("nst0", 4<<20)
	assert.ErrorIs(t, err, ErrInvalidBlockSize)
	assert.EqualError(t, err, "drives: invalid block size: nst0 takes blocks of at most 2097152 bytes (its block limits), not 4194304: set block_size to 524288 or less")

	assert.Equal(t, MaxBlockSize, Limits{}.Largest(), "nothing known: tapewarden's own limit")
	assert.ErrorIs(t, Limits{}.Check("x", MaxBlockSize+512), ErrInvalidBlockSize)
	assert.ErrorIs(t, Limits{MinBlock: 1024, MaxBlock: 65536}.Check("dat0", 512), ErrInvalidBlockSize)
}

// plainDrive hides the virtual tape's LimitsReporter.
type plainDrive struct{ Drive }

func TestReadBufferSize(t *testing.T) {
	dir := t.TempDir()
	v, err := NewVirtualTape(filepath.Join(dir, "d.json"), VirtualTapeConfig{DriveType: LTO8, MaxTransfer: 128 << 10})
	require.NoError(t, err)
	t.Cleanup(func() { _ = v.Close() })
	img := filepath.Join(dir, "RBS001L8.vtape")
	require.NoError(t, CreateCartridge(img, CartridgeSpec{Barcode: "RBS001L8", MediaType: LTO8}))
	require.NoError(t, v.Insert(img))
	d, err := v.Open()
	require.NoError(t, err)
	t.Cleanup(func() { _ = d.Close() })

	n, err := ReadBufferSize(d, 0)
	require.NoError(t, err)
	assert.Equal(t, 128<<10, n, "the configured adapter limit")
	n, err = ReadBufferSize(d, 64<<10)
	require.NoError(t, err)
	assert.Equal(t, 64<<10, n)
	_, err = ReadBufferSize(d, 256<<10)
	assert.ErrorIs(t, err, ErrInvalidBlockSize)
	assert.ErrorContains(t, err, "drives: read d: invalid block size: the adapter in front of d carries at most 131072 bytes")
	assert.ErrorIs(t, CheckBlockSize(d, 256<<10), ErrInvalidBlockSize)

	n, err = ReadBufferSize(plainDrive{d}, 0)
	require.NoError(t, err)
	assert.Equal(t, MaxBlockSize, n, "a drive that reports nothing")

	// LimitReads keeps a large buffer within the adapter's limit.
	_, err = d.Write(make([]byte, 1000))
	require.NoError(t, err)
	require.NoError(t, d.Rewind(context.Background()))
	_, err = d.Read(make([]byte, 1<<20))
	assert.ErrorIs(t, err, ErrBusy)
	require.NoError(t, d.Rewind(context.Background()))
	n, err = LimitReads(d, 128<<10).Read(make([]byte, 1<<20))
	require.NoError(t, err)
	assert.Equal(t, 1000, n)

	unlimited, err := NewVirtualTape(filepath.Join(dir, "u.json"), VirtualTapeConfig{DriveType: LTO8, MaxTransfer: -1})
	require.NoError(t, err)
	t.Cleanup(func() { _ = unlimited.Close() })
	u, err := unlimited.Open()
	require.NoError(t, err)
	t.Cleanup(func() { _ = u.Close() })
	n, err = ReadBufferSize(u, 0)
	require.NoError(t, err)
	assert.Equal(t, VirtualMaxBlock, n, "no adapter limit: the block limits")
}
