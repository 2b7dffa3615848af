package drives

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// driveHarness gives the conformance suite a drive holding a writable
// cartridge whose contents may be destroyed.
type driveHarness struct {
	// open opens a handle; the suite closes it. Reopening must reach the
	// same drive with the tape where it was left (a no-rewind node).
	open func(t *testing.T) Drive
	// blank, if set, opens a drive holding a factory-blank cartridge (never
	// written). The suite does not write to it.
	blank func(t *testing.T) Drive
	// raiseAlert, if set, makes the drive behind the open handle d raise a
	// TapeAlert flag and returns its number.
	raiseAlert func(t *testing.T, d Drive) int
}

// TestDriveConformanceVirtual runs the drive suite on the virtual tape.
func TestDriveConformanceVirtual(t *testing.T) {
	dir := t.TempDir()
	v, err := NewVirtualTape(filepath.Join(dir, "drive0.json"), VirtualTapeConfig{DriveType: LTO8})
	require.NoError(t, err)
	t.Cleanup(func() { _ = v.Close() })
	img := filepath.Join(dir, "TEST01L8.vtape")
	require.NoError(t, CreateCartridge(img, CartridgeSpec{Barcode: "TEST01L8", MediaType: LTO8, Capacity: 64 << 20}))
	require.NoError(t, v.Insert(img))
	bv, err := NewVirtualTape(filepath.Join(dir, "drive1.json"), VirtualTapeConfig{DriveType: LTO8})
	require.NoError(t, err)
	t.Cleanup(func() { _ = bv.Close() })
	blank := filepath.Join(dir, "BLNK01L8.vtape")
	require.NoError(t, CreateCartridge(blank, CartridgeSpec{Barcode: "BLNK01L8", MediaType: LTO8, Capacity: 64 << 20}))
	require.NoError(t, bv.Insert(blank))
	runDriveConformance(t, driveHarness{
		open: func(t *testing.T) Drive {
			d, err := v.Open()
			require.NoError(t, err)
			return d
		},
		blank: func(t *testing.T) Drive {
			d, err := bv.Open()
			require.NoError(t, err)
			return d
		},
		raiseAlert: func(t *testing.T, d Drive) int {
			v.FailRead(1)
			_, err := d.Read(make([]byte, 1024))
			require.ErrorIs(t, err, ErrIO)
			return AlertReadFailure
		},
	})
}

// TestDriveConformanceDirectory runs the drive suite on a directory drive
// whose disk is a plain temporary directory. TapeAlert is skipped: a disk
// has no TapeAlert log page (the drive does not implement
// TapeAlertReader); nor has it density codes, which the suite does not
// test.
func TestDriveConformanceDirectory(t *testing.T) {
	dir := t.TempDir()
	disk := filepath.Join(dir, "mnt")
	require.NoError(t, os.Mkdir(disk, 0o755))
	dd, err := NewDirectoryDrive(DirectoryDriveConfig{Name: "usb0", MediaType: "USB-DISK", Finder: DirFinder{Dir: disk}, Capacity: 64 << 20})
	require.NoError(t, err)
	t.Cleanup(func() { _ = dd.Close() })
	blank := filepath.Join(dir, "blank")
	require.NoError(t, os.Mkdir(blank, 0o755))
	bd, err := NewDirectoryDrive(DirectoryDriveConfig{Name: "usb1", MediaType: "RDX", Finder: DirFinder{Dir: blank}})
	require.NoError(t, err)
	t.Cleanup(func() { _ = bd.Close() })
	runDriveConformance(t, driveHarness{
		open: func(t *testing.T) Drive {
			d, err := dd.Open()
			require.NoError(t, err)
			return d
		},
		blank: func(t *testing.T) Drive {
			d, err := bd.Open()
			require.NoError(t, err)
			return d
		},
	})
}

// TestDriveConformanceDevice runs the drive suite on the real drive named
// by TAPEWARDEN_TEST_DEVICE. It OVERWRITES the loaded cartridge.
func TestDriveConformanceDevice(t *testing.T) {
	dev := os.Getenv("TAPEWARDEN_TEST_DEVICE")
	if dev == "" {
		t.Skip("TAPEWARDEN_TEST_DEVICE is not set: set it to a /dev/nstN (or by-id …-nst) holding a scratch cartridge to run the drive suite on real hardware")
	}
	h := driveHarness{open: func(t *testing.T) Drive {
		d, err := Open(dev)
		require.NoError(t, err)
		return d
	}}
	if blank := os.Getenv("TAPEWARDEN_TEST_BLANK_DEVICE"); blank != "" {
		h.blank = func(t *testing.T) Drive {
			d, err := Open(blank)
			require.NoError(t, err)
			return d
		}
	}
	runDriveConformance(t, h)
}

func runDriveConformance(t *testing.T, h driveHarness) {
	ctx := context.Background()
	block := func(n int, seed byte) []byte {
		b := make([]byte, n)
		for i := range b {
			b[i] = seed + byte(i*7)
		}
		return b
	}
	// fresh opens the drive at BOT in variable-block mode.
	fresh := func(t *testing.T) Drive {
		t.Helper()
		d := h.open(t)
		t.Cleanup(func() { _ = d.Close() })
		require.NoError(t, d.Rewind(ctx))
		require.NoError(t, d.SetBlockSize(ctx, 0))
		return d
	}
	write := func(t *testing.T, d Drive, blocks ...[]byte) {
		t.Helper()
		for _, b := range blocks {
			n, err := d.Write(b)
			require.NoError(t, err)
			require.Equal(t, len(b), n)
		}
	}
	// bufSize is the read buffer for blocks of unknown size: the largest
	// the drive and its adapter carry (a larger one fails with EBUSY or
	// EINVAL on a real drive even for small blocks).
	bufSize := func(t *testing.T, d Drive) int {
		t.Helper()
		n, err := ReadBufferSize(d, 0)
		require.NoError(t, err)
		return n
	}
	readBlock := func(t *testing.T, d Drive) []byte {
		t.Helper()
		buf := make([]byte, bufSize(t, d))
		n, err := d.Read(buf)
		require.NoError(t, err)
		return buf[:n]
	}
	expectEOD := func(t *testing.T, d Drive) {
		t.Helper()
		assert.Empty(t, readBlock(t, d), "0-byte read at the filemark")
		assert.Empty(t, readBlock(t, d), "second 0-byte read: end of data")
		_, err := d.Read(make([]byte, bufSize(t, d)))
		assert.ErrorIs(t, err, ErrIO, "the read after end of data is an I/O error")
	}

	t.Run("blocks, filemark and end of data read as st reports them", func(t *testing.T) {
		d := fresh(t)
		a, b, c := block(1000, 1), block(65536, 2), block(1, 3)
		write(t, d, a, b, c)
		require.NoError(t, d.WriteFilemarks(ctx, 1))
		require.NoError(t, d.Rewind(ctx))
		assert.Equal(t, a, readBlock(t, d))
		assert.Equal(t, b, readBlock(t, d))
		assert.Equal(t, c, readBlock(t, d))
		expectEOD(t, d)
	})

	t.Run("status at BOT and after a filemark", func(t *testing.T) {
		d := fresh(t)
		write(t, d, block(512, 1))
		require.NoError(t, d.WriteFilemarks(ctx, 1))
		write(t, d, block(512, 2))
		require.NoError(t, d.WriteFilemarks(ctx, 1))
		require.NoError(t, d.Rewind(ctx))
		s, err := d.Status(ctx)
		require.NoError(t, err)
		assert.True(t, s.Online)
		assert.True(t, s.BOT)
		assert.False(t, s.DoorOpen)
		assert.Equal(t, int64(0), s.File)
		assert.Equal(t, int64(0), s.Block)
		assert.Equal(t, 0, s.BlockSize)
		require.NoError(t, d.SpaceFiles(ctx, 1))
		s, err = d.Status(ctx)
		require.NoError(t, err)
		assert.True(t, s.Filemark)
		assert.False(t, s.BOT)
		assert.Equal(t, int64(1), s.File)
		assert.Equal(t, int64(0), s.Block)
		readBlock(t, d)
		s, err = d.Status(ctx)
		require.NoError(t, err)
		assert.Equal(t, int64(1), s.Block)
	})

	t.Run("spacing forward and backward over filemarks", func(t *testing.T) {
		d := fresh(t)
		for f := range 3 {
			write(t, d, block(100, byte(10*f)), block(200, byte(10*f+1)))
			require.NoError(t, d.WriteFilemarks(ctx, 1))
		}
		require.NoError(t, d.Rewind(ctx))
		require.NoError(t, d.SpaceFiles(ctx, 2))
		assert.Equal(t, block(100, 20), readBlock(t, d))
		// Backward lands before the mark ending file 1 (block unknown).
		require.NoError(t, d.SpaceFiles(ctx, -1))
		s, err := d.Status(ctx)
		require.NoError(t, err)
		assert.Equal(t, int64(-1), s.Block)
		assert.Empty(t, readBlock(t, d), "the filemark ending file 1")
		assert.Equal(t, block(100, 20), readBlock(t, d))
		require.NoError(t, d.Rewind(ctx))
		require.NoError(t, d.SpaceFiles(ctx, 1))
		require.NoError(t, d.SpaceFiles(ctx, 1))
		assert.Equal(t, block(100, 20), readBlock(t, d))
		err = d.SpaceFiles(ctx, 5)
		assert.ErrorIs(t, err, ErrIO)
		assert.ErrorIs(t, err, ErrEndOfData)
	})

	t.Run("close after a write adds one filemark", func(t *testing.T) {
		d := fresh(t)
		write(t, d, block(4096, 5))
		require.NoError(t, d.Close())
		d = fresh(t)
		assert.Equal(t, block(4096, 5), readBlock(t, d))
		expectEOD(t, d)
	})

	t.Run("close after WriteFilemarks adds none", func(t *testing.T) {
		d := fresh(t)
		write(t, d, block(4096, 6))
		require.NoError(t, d.WriteFilemarks(ctx, 1))
		require.NoError(t, d.Close())
		d = fresh(t)
		assert.Equal(t, block(4096, 6), readBlock(t, d))
		expectEOD(t, d)
	})

	t.Run("rewind after a write adds one filemark", func(t *testing.T) {
		d := fresh(t)
		write(t, d, block(300, 7))
		require.NoError(t, d.Rewind(ctx))
		assert.Equal(t, block(300, 7), readBlock(t, d))
		expectEOD(t, d)
	})

	t.Run("spacing forward after a write leaves the file unterminated", func(t *testing.T) {
		d := fresh(t)
		write(t, d, block(300, 8))
		assert.ErrorIs(t, d.SpaceFiles(ctx, 1), ErrIO)
		require.NoError(t, d.Rewind(ctx))
		assert.Equal(t, block(300, 8), readBlock(t, d))
		_, err := d.Read(make([]byte, bufSize(t, d)))
		assert.ErrorIs(t, err, ErrIO, "blank check right after data")
	})

	t.Run("writing in the middle discards everything after it", func(t *testing.T) {
		d := fresh(t)
		for f := range 3 {
			write(t, d, block(100, byte(f)))
			require.NoError(t, d.WriteFilemarks(ctx, 1))
		}
		require.NoError(t, d.Rewind(ctx))
		require.NoError(t, d.SpaceFiles(ctx, 1))
		write(t, d, block(50, 9))
		require.NoError(t, d.WriteFilemarks(ctx, 1))
		require.NoError(t, d.Rewind(ctx))
		assert.Equal(t, block(100, 0), readBlock(t, d))
		assert.Empty(t, readBlock(t, d))
		assert.Equal(t, block(50, 9), readBlock(t, d))
		expectEOD(t, d)
	})

	t.Run("variable mode: a buffer smaller than the block fails and skips it", func(t *testing.T) {
		d := fresh(t)
		write(t, d, block(1000, 1), block(10, 2))
		require.NoError(t, d.WriteFilemarks(ctx, 1))
		require.NoError(t, d.Rewind(ctx))
		_, err := d.Read(make([]byte, 100))
		assert.ErrorIs(t, err, ErrBufferTooSmall)
		assert.Equal(t, block(10, 2), readBlock(t, d))
	})

	t.Run("fixed mode: writes must be multiples of the block size", func(t *testing.T) {
		d := fresh(t)
		require.NoError(t, d.SetBlockSize(ctx, 512))
		s, err := d.Status(ctx)
		require.NoError(t, err)
		assert.Equal(t, 512, s.BlockSize)
		_, err = d.Write(make([]byte, 1000))
		assert.ErrorIs(t, err, ErrInvalidBlockSize)
		data := block(1024, 4)
		write(t, d, data)
		require.NoError(t, d.WriteFilemarks(ctx, 1))
		require.NoError(t, d.SetBlockSize(ctx, 0))
		require.NoError(t, d.Rewind(ctx))
		assert.Equal(t, data[:512], readBlock(t, d))
		assert.Equal(t, data[512:], readBlock(t, d))
		assert.Empty(t, readBlock(t, d))
	})

	t.Run("append at end of data", func(t *testing.T) {
		d := fresh(t)
		write(t, d, block(100, 1))
		require.NoError(t, d.WriteFilemarks(ctx, 1))
		require.NoError(t, d.Rewind(ctx))
		require.NoError(t, d.SpaceEOD(ctx))
		s, err := d.Status(ctx)
		require.NoError(t, err)
		assert.True(t, s.EOD)
		_, err = d.Read(make([]byte, bufSize(t, d)))
		assert.ErrorIs(t, err, ErrIO, "a read right after MTEOM")
		write(t, d, block(100, 2))
		require.NoError(t, d.WriteFilemarks(ctx, 1))
		require.NoError(t, d.Rewind(ctx))
		require.NoError(t, d.SpaceFiles(ctx, 1))
		assert.Equal(t, block(100, 2), readBlock(t, d))
	})

	t.Run("tell and seek", func(t *testing.T) {
		d := fresh(t)
		p, ok := d.(Positioner)
		if !ok {
			t.Skip("drive does not implement Positioner")
		}
		write(t, d, block(100, 1))
		require.NoError(t, d.WriteFilemarks(ctx, 1))
		pos, err := p.Tell(ctx)
		require.NoError(t, err)
		assert.Equal(t, int64(2), pos, "filemarks count as objects")
		write(t, d, block(100, 2))
		require.NoError(t, d.WriteFilemarks(ctx, 1))
		require.NoError(t, p.Seek(ctx, pos))
		s, err := d.Status(ctx)
		require.NoError(t, err)
		assert.Equal(t, int64(-1), s.File)
		assert.Equal(t, block(100, 2), readBlock(t, d))
	})

	t.Run("unload and load", func(t *testing.T) {
		d := fresh(t)
		write(t, d, block(100, 1))
		require.NoError(t, d.WriteFilemarks(ctx, 1))
		require.NoError(t, d.Unload(ctx))
		s, err := d.Status(ctx)
		require.NoError(t, err)
		assert.False(t, s.Online)
		assert.True(t, s.DoorOpen)
		_, err = d.Read(make([]byte, 1024))
		assert.ErrorIs(t, err, ErrNoMedium)
		require.NoError(t, d.Load(ctx))
		s, err = d.Status(ctx)
		require.NoError(t, err)
		assert.True(t, s.Online)
		assert.True(t, s.BOT)
		assert.Equal(t, block(100, 1), readBlock(t, d))
	})

	t.Run("errors name the drive and the operation", func(t *testing.T) {
		d := fresh(t)
		_, err := d.Read(make([]byte, 16))
		require.Error(t, err)
		var oe *OpError
		require.ErrorAs(t, err, &oe)
		assert.Equal(t, "read", oe.Op)
		assert.Equal(t, d.Name(), oe.Drive)
		assert.Contains(t, err.Error(), "drives: read "+d.Name()+": ")
	})

	t.Run("read buffers beyond the drive's and adapter's limits fail as st's do", func(t *testing.T) {
		d := fresh(t)
		l := DriveLimits(d)
		if l.MaxBlock == 0 && l.MaxTransfer == 0 {
			t.Skip("the drive reports no limits")
		}
		write(t, d, block(1000, 1))
		require.NoError(t, d.WriteFilemarks(ctx, 1))
		require.NoError(t, d.Rewind(ctx))
		if l.MaxTransfer > 0 && (l.MaxBlock == 0 || l.MaxTransfer < l.MaxBlock) {
			_, err := d.Read(make([]byte, l.MaxTransfer+4096))
			assert.ErrorIs(t, err, ErrBusy, "beyond the adapter's transfer: EBUSY")
			require.NoError(t, d.Rewind(ctx))
		}
		if l.MaxBlock > 0 {
			_, err := d.Read(make([]byte, l.MaxBlock+4096))
			assert.ErrorIs(t, err, ErrInvalidBlockSize, "beyond the block limits: EINVAL")
			require.NoError(t, d.Rewind(ctx))
			size, err := ReadBufferSize(d, l.MaxBlock+512)
			assert.ErrorIs(t, err, ErrInvalidBlockSize, "data in blocks the drive cannot read")
			assert.Zero(t, size)
		}
		size, err := ReadBufferSize(d, 0)
		require.NoError(t, err)
		buf := make([]byte, size)
		n, err := d.Read(buf)
		require.NoError(t, err)
		assert.Equal(t, block(1000, 1), buf[:n], "the largest buffer the drive and adapter carry")
		size, err = ReadBufferSize(d, 1000)
		require.NoError(t, err)
		assert.Equal(t, 1000, size, "the block size written is the buffer")
	})

	t.Run("a blank cartridge reads as blank, not as data or a plain I/O error", func(t *testing.T) {
		if h.blank == nil {
			t.Skip("no blank cartridge in the harness")
		}
		d := h.blank(t)
		t.Cleanup(func() { _ = d.Close() })
		require.NoError(t, d.Rewind(ctx))
		require.NoError(t, d.SetBlockSize(ctx, 0))
		_, err := d.Read(make([]byte, bufSize(t, d)))
		assert.ErrorIs(t, err, ErrBlankTape)
		assert.ErrorIs(t, err, ErrIO, "st reports EIO")
		assert.NotErrorIs(t, err, ErrEndOfData, "st sets no EOD bit")
		s, err := d.Status(ctx)
		require.NoError(t, err)
		assert.Equal(t, int64(0), s.File)
		assert.Equal(t, int64(-1), s.Block)
		assert.False(t, s.EOD)
		_, err = ReadLabel(ctx, d)
		assert.ErrorIs(t, err, ErrBlankTape)
	})
	t.Run("TapeAlert flags clear when read", func(t *testing.T) {
		d := fresh(t)
		r, ok := d.(TapeAlertReader)
		if !ok {
			t.Skip("drive does not implement TapeAlertReader")
		}
		if h.raiseAlert == nil {
			t.Skip("the harness cannot raise a TapeAlert flag")
		}
		_, err := r.ReadTapeAlerts(ctx) // clear what earlier subtests raised
		require.NoError(t, err)
		flag := h.raiseAlert(t, d)
		f, err := r.ReadTapeAlerts(ctx)
		require.NoError(t, err)
		assert.True(t, f.Has(flag), "flag %d raised: %v", flag, f)
		f, err = r.ReadTapeAlerts(ctx)
		require.NoError(t, err)
		assert.False(t, f.Has(flag), "reading the drive's page cleared flag %d (sg_logs-tapealert-drive0*.txt)", flag)
	})
}
