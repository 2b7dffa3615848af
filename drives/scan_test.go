package drives

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// writeJob writes one job's data file (blocks of size bytes) and its
// trailer at the current position.
func writeJob(t *testing.T, d Drive, run string, file int64, blocks, size int) {
	t.Helper()
	ctx := context.Background()
	for range blocks {
		_, err := d.Write(make([]byte, size))
		require.NoError(t, err)
	}
	require.NoError(t, d.WriteFilemarks(ctx, 1))
	tr := validTrailer()
	tr.Barcode, tr.RunID, tr.DataFile = "SCAN01L8", run, file
	require.NoError(t, WriteTrailer(ctx, d, tr))
}

func TestScanTrailers(t *testing.T) {
	ctx := context.Background()
	img := filepath.Join(t.TempDir(), "SCAN01L8.vtape")
	require.NoError(t, CreateCartridge(img, CartridgeSpec{Barcode: "SCAN01L8", MediaType: LTO8}))
	d, err := Open(img)
	require.NoError(t, err)
	defer d.Close()
	l, err := NewLabel("SCAN01L8", "daily", LTO8, "0.1.0", time.Now())
	require.NoError(t, err)
	require.NoError(t, WriteLabel(ctx, d, l, false))

	c, err := ScanTrailers(ctx, d, 100)
	require.NoError(t, err)
	assert.Equal(t, TapeContents{}, c, "a label alone holds nothing")

	require.NoError(t, d.Rewind(ctx))
	require.NoError(t, d.SpaceFiles(ctx, 1))
	writeJob(t, d, "1", 1, 3, 256<<10) // large blocks: skipped unread
	writeJob(t, d, "2", 3, 5, 512)     // small blocks: one is read, not a trailer
	// A killed run: data and no filemark after it.
	_, err = d.Write(make([]byte, 256<<10))
	require.NoError(t, err)
	require.NoError(t, d.Close())
	d, err = Open(img)
	require.NoError(t, err)
	defer d.Close()

	c, err = ScanTrailers(ctx, d, 100)
	require.NoError(t, err)
	require.Len(t, c.Trailers, 2)
	assert.Equal(t, "1", c.Trailers[0].RunID)
	assert.Equal(t, int64(3), c.Trailers[1].DataFile)
	assert.Equal(t, 5, c.Files)
	assert.False(t, c.Truncated)

	c, err = ScanTrailers(ctx, d, 2)
	require.NoError(t, err)
	assert.True(t, c.Truncated)
	assert.Len(t, c.Trailers, 1)
}

// TestWriteAfterSpacingTruncates: as on st, writing after spacing to a file
// discards everything after it, so an append positioned by file number
// overwrites what a failed run left there and nothing of it is read back.
func TestWriteAfterSpacingTruncates(t *testing.T) {
	ctx := context.Background()
	img := filepath.Join(t.TempDir(), "SCAN01L8.vtape")
	require.NoError(t, CreateCartridge(img, CartridgeSpec{Barcode: "SCAN01L8", MediaType: LTO8}))
	d, err := Open(img)
	require.NoError(t, err)
	defer d.Close()
	l, err := NewLabel("SCAN01L8", "daily", LTO8, "0.1.0", time.Now())
	require.NoError(t, err)
	require.NoError(t, WriteLabel(ctx, d, l, false))
	require.NoError(t, d.SpaceFiles(ctx, 1))
	writeJob(t, d, "1", 1, 2, 1024)
	writeJob(t, d, "2", 3, 40, 64<<10) // the failed run's stale data
	require.NoError(t, d.Rewind(ctx))
	require.NoError(t, d.SpaceFiles(ctx, 3))
	_, err = d.Write([]byte("new data"))
	require.NoError(t, err)
	require.NoError(t, d.WriteFilemarks(ctx, 1))

	require.NoError(t, d.Rewind(ctx))
	require.NoError(t, d.SpaceFiles(ctx, 3))
	buf := make([]byte, 1024)
	n, err := d.Read(buf)
	require.NoError(t, err)
	assert.Equal(t, "new data", string(buf[:n]))
	n, err = d.Read(buf)
	require.NoError(t, err)
	assert.Zero(t, n, "the filemark after the new data")
	n, err = d.Read(buf)
	if err == nil {
		assert.Zero(t, n, fmt.Sprintf("no stale block after the new end of data, got %d bytes", n))
		_, err = d.Read(buf)
	}
	assert.ErrorIs(t, err, ErrEndOfData)
	c, err := ScanTrailers(ctx, d, 100)
	require.NoError(t, err)
	require.Len(t, c.Trailers, 1, "the stale trailer is gone")
}

// BenchmarkScanTrailers looks past the label of a cartridge holding 30
// jobs of 4 MiB each (60 files), as a run does before writing from file 1.
func BenchmarkScanTrailers(b *testing.B) {
	ctx := context.Background()
	img := filepath.Join(b.TempDir(), "SCAN01L8.vtape")
	require.NoError(b, CreateCartridge(img, CartridgeSpec{Barcode: "SCAN01L8", MediaType: LTO8}))
	d, err := Open(img)
	require.NoError(b, err)
	defer d.Close()
	l, err := NewLabel("SCAN01L8", "daily", LTO8, "0.1.0", time.Now())
	require.NoError(b, err)
	require.NoError(b, WriteLabel(ctx, d, l, false))
	require.NoError(b, d.SpaceFiles(ctx, 1))
	block := make([]byte, 256<<10)
	for i := range 30 {
		for range 16 {
			_, err := d.Write(block)
			require.NoError(b, err)
		}
		require.NoError(b, d.WriteFilemarks(ctx, 1))
		tr := validTrailer()
		tr.Barcode, tr.RunID, tr.DataFile = "SCAN01L8", fmt.Sprint(i+1), int64(2*i+1)
		require.NoError(b, WriteTrailer(ctx, d, tr))
	}
	b.ResetTimer()
	for b.Loop() {
		c, err := ScanTrailers(ctx, d, 1000)
		if err != nil || len(c.Trailers) != 30 {
			b.Fatalf("scan: %d trailers, %v", len(c.Trailers), err)
		}
	}
}
