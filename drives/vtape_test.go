package drives

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func newTestTape(t *testing.T, driveType string) (*VirtualTape, string) {
	t.Helper()
	dir := t.TempDir()
	v, err := NewVirtualTape(filepath.Join(dir, "drive0.json"), VirtualTapeConfig{DriveType: driveType})
	require.NoError(t, err)
	t.Cleanup(func() { _ = v.Close() })
	return v, dir
}

func newTestCartridge(t *testing.T, dir string, spec CartridgeSpec) string {
	t.Helper()
	p := filepath.Join(dir, spec.Barcode+".vtape")
	require.NoError(t, CreateCartridge(p, spec))
	return p
}

func openTape(t *testing.T, v *VirtualTape) Drive {
	t.Helper()
	d, err := v.Open()
	require.NoError(t, err)
	t.Cleanup(func() { _ = d.Close() })
	return d
}

func TestVirtualTapeBusy(t *testing.T) {
	v, dir := newTestTape(t, LTO8)
	img := newTestCartridge(t, dir, CartridgeSpec{Barcode: "BUSY01L8", MediaType: LTO8})
	require.NoError(t, v.Insert(img))
	d := openTape(t, v)

	_, err := v.Open()
	assert.ErrorIs(t, err, ErrBusy, "second handle")
	_, err = NewVirtualTape(filepath.Join(dir, "drive0.json"), VirtualTapeConfig{})
	assert.ErrorIs(t, err, ErrBusy, "second device object on the same state")
	// The mounted image is locked too.
	_, err = d.Status(context.Background())
	require.NoError(t, err)
	_, err = Open(img)
	assert.ErrorIs(t, err, ErrBusy, "the image is in a drive")

	require.NoError(t, d.Close())
	d2, err := v.Open()
	require.NoError(t, err)
	require.NoError(t, d2.Close())
}

func TestVirtualTapeEarlyWarning(t *testing.T) {
	ctx := context.Background()
	v, dir := newTestTape(t, LTO8)
	// 10 blocks of 100 KiB fit before early warning at 1 MiB - 200 KiB.
	img := newTestCartridge(t, dir, CartridgeSpec{Barcode: "EW0001L8", MediaType: LTO8, Capacity: 1 << 20, EarlyWarning: 200 << 10})
	require.NoError(t, v.Insert(img))
	d := openTape(t, v)
	blk := make([]byte, 100<<10)
	var results []string
	for range 12 {
		_, err := d.Write(blk)
		switch {
		case err == nil:
			results = append(results, "ok")
		case assert.ErrorIs(t, err, ErrEndOfMedium):
			results = append(results, "ENOSPC")
		}
	}
	// Blocks 1-8 are before EW; the 9th crosses it and succeeds; then
	// ENOSPC and success alternate; the physical end refuses at last.
	assert.Equal(t, []string{"ok", "ok", "ok", "ok", "ok", "ok", "ok", "ok", "ok", "ENOSPC", "ok", "ENOSPC"}, results)
	s, err := d.Status(ctx)
	require.NoError(t, err)
	assert.True(t, s.EOT)
	// A filemark in the early-warning zone succeeds.
	require.NoError(t, d.WriteFilemarks(ctx, 1))
	// Physical end: a write that does not fit writes nothing.
	for range 4 {
		_, err = d.Write(blk)
	}
	assert.ErrorIs(t, err, ErrEndOfMedium)
	assert.Contains(t, err.Error(), "physical end of medium")
	fi, err := os.Stat(img)
	require.NoError(t, err)
	assert.LessOrEqual(t, fi.Size(), int64(imageHeaderSize+1<<20))
}

func TestVirtualTapeWriteProtect(t *testing.T) {
	ctx := context.Background()
	v, dir := newTestTape(t, LTO8)
	img := newTestCartridge(t, dir, CartridgeSpec{Barcode: "WP0001L8", MediaType: LTO8, WriteProtected: true})
	require.NoError(t, v.Insert(img))
	d := openTape(t, v)
	s, err := d.Status(ctx)
	require.NoError(t, err)
	assert.True(t, s.WriteProtected)
	_, err = d.Write([]byte("x"))
	assert.ErrorIs(t, err, ErrWriteProtected)
	assert.ErrorIs(t, d.WriteFilemarks(ctx, 1), ErrWriteProtected)
	flags, err := d.(TapeAlertReader).ReadTapeAlerts(ctx)
	require.NoError(t, err)
	assert.True(t, flags.Has(AlertWriteProtect))
	flags, err = d.(TapeAlertReader).ReadTapeAlerts(ctx)
	require.NoError(t, err)
	assert.Zero(t, flags, "reading clears the flags")

	// Sliding the tab needs the cartridge out of the drive.
	assert.ErrorIs(t, SetWriteProtect(img, false), ErrBusy)
	require.NoError(t, d.Unload(ctx))
	_, err = v.Eject()
	require.NoError(t, err)
	require.NoError(t, SetWriteProtect(img, false))
	info, err := ReadCartridgeInfo(img)
	require.NoError(t, err)
	assert.False(t, info.WriteProtected)
}

func TestVirtualTapeCompatibility(t *testing.T) {
	ctx := context.Background()
	t.Run("read-only generation shows write-protected and TapeAlert 17", func(t *testing.T) {
		v, dir := newTestTape(t, LTO7)
		require.NoError(t, v.Insert(newTestCartridge(t, dir, CartridgeSpec{Barcode: "OLD001L5", MediaType: LTO5})))
		d := openTape(t, v)
		s, err := d.Status(ctx)
		require.NoError(t, err)
		assert.True(t, s.Online)
		assert.True(t, s.WriteProtected)
		assert.Equal(t, uint8(0x58), s.Density)
		_, err = d.Write([]byte("x"))
		assert.ErrorIs(t, err, ErrWriteProtected)
		flags, err := d.(TapeAlertReader).ReadTapeAlerts(ctx)
		require.NoError(t, err)
		assert.True(t, flags.Has(AlertReadOnlyFormat))
	})
	t.Run("unusable generation is ejected with TapeAlert 12", func(t *testing.T) {
		v, dir := newTestTape(t, LTO9)
		err := v.Insert(newTestCartridge(t, dir, CartridgeSpec{Barcode: "OLD001L6", MediaType: LTO6}))
		assert.ErrorIs(t, err, ErrIncompatibleMedium)
		assert.Contains(t, err.Error(), "LTO-6 cartridge cannot be read or written in an LTO-9 drive")
		d := openTape(t, v)
		s, err := d.Status(ctx)
		require.NoError(t, err)
		assert.True(t, s.DoorOpen)
		assert.ErrorIs(t, d.Load(ctx), ErrIncompatibleMedium)
		flags, err := d.(TapeAlertReader).ReadTapeAlerts(ctx)
		require.NoError(t, err)
		assert.True(t, flags.Has(AlertUnsupportedFormat))
		p, err := v.Eject()
		require.NoError(t, err)
		assert.Equal(t, "OLD001L6.vtape", filepath.Base(p))
	})
}

func TestVirtualTapeUnloadAfterWriteWritesNoFilemark(t *testing.T) {
	ctx := context.Background()
	v, dir := newTestTape(t, LTO8)
	require.NoError(t, v.Insert(newTestCartridge(t, dir, CartridgeSpec{Barcode: "UNL001L8", MediaType: LTO8})))
	d := openTape(t, v)
	_, err := d.Write([]byte("data"))
	require.NoError(t, err)
	require.NoError(t, d.Unload(ctx)) // MTUNLOAD: no filemark
	require.NoError(t, d.Load(ctx))
	n, err := d.Read(make([]byte, 100))
	require.NoError(t, err)
	assert.Equal(t, 4, n)
	_, err = d.Read(make([]byte, 100))
	assert.ErrorIs(t, err, ErrEndOfData, "the file was left unterminated")
	assert.Equal(t, int64(2), v.State().LoadCount)
	info, err := ReadCartridgeInfo(filepath.Join(dir, "UNL001L8.vtape"))
	require.NoError(t, err)
	assert.Equal(t, int64(2), info.Loads)
}

func TestVirtualTapeBlankAndWORM(t *testing.T) {
	ctx := context.Background()
	v, dir := newTestTape(t, LTO8)
	require.NoError(t, v.Insert(newTestCartridge(t, dir, CartridgeSpec{Barcode: "WORM01LY", MediaType: LTO8, WORM: true})))
	d := openTape(t, v)
	_, err := d.Read(make([]byte, 100))
	assert.ErrorIs(t, err, ErrBlankTape, "blank tape at BOT")
	assert.ErrorIs(t, err, ErrIO, "st reports a plain EIO")
	assert.NotErrorIs(t, err, ErrEndOfData, "st sets no EOD bit")
	s, err := d.Status(ctx)
	require.NoError(t, err)
	assert.True(t, IsBlankReadState(s), "file 0, block -1, no EOD, as mt-status-blank-after-read.txt: %v", s)
	assert.False(t, s.BOT)
	require.NoError(t, d.Rewind(ctx))
	_, err = d.Write([]byte("first"))
	require.NoError(t, err)
	require.NoError(t, d.WriteFilemarks(ctx, 1))
	require.NoError(t, d.Rewind(ctx))
	_, err = d.Write([]byte("overwrite"))
	assert.ErrorIs(t, err, ErrWriteProtected)
	require.NoError(t, d.SpaceEOD(ctx))
	_, err = d.Write([]byte("append"))
	assert.NoError(t, err, "WORM appends")
	flags, err := d.(TapeAlertReader).ReadTapeAlerts(ctx)
	require.NoError(t, err)
	assert.True(t, flags.Has(AlertWORMOverwrite))
}

func TestVirtualTapeCleaning(t *testing.T) {
	ctx := context.Background()
	v, dir := newTestTape(t, LTO8)
	v.CleanAfter(1000)
	data := newTestCartridge(t, dir, CartridgeSpec{Barcode: "DATA01L8", MediaType: LTO8})
	require.NoError(t, v.Insert(data))
	d := openTape(t, v)
	_, err := d.Write(make([]byte, 999))
	require.NoError(t, err)
	s, err := d.Status(ctx)
	require.NoError(t, err)
	assert.False(t, s.CleaningRequested)
	_, err = d.Write(make([]byte, 1))
	require.NoError(t, err)
	s, err = d.Status(ctx)
	require.NoError(t, err)
	assert.True(t, s.CleaningRequested, "threshold reached")
	flags, err := d.(TapeAlertReader).ReadTapeAlerts(ctx)
	require.NoError(t, err)
	assert.True(t, flags.Has(AlertCleanPeriodic))
	assert.True(t, flags.CleaningRequested())

	require.NoError(t, d.Unload(ctx))
	_, err = v.Eject()
	require.NoError(t, err)

	t.Run("wrong kind of cleaning cartridge raises 23", func(t *testing.T) {
		err := v.Insert(newTestCartridge(t, dir, CartridgeSpec{Barcode: "CLNDDS", MediaType: DDSCLN}))
		assert.ErrorIs(t, err, ErrCleaningCartridge)
		_, err = v.Eject()
		require.NoError(t, err)
		flags, err := d.(TapeAlertReader).ReadTapeAlerts(ctx)
		require.NoError(t, err)
		assert.True(t, flags.Has(AlertInvalidCleaningTape))
		assert.True(t, v.State().CleaningRequested)
	})
	t.Run("expired cleaning cartridge raises 22 and does not clean", func(t *testing.T) {
		err := v.Insert(newTestCartridge(t, dir, CartridgeSpec{Barcode: "CLN009L1", MediaType: LTOCLN, CleaningUses: -1}))
		assert.ErrorIs(t, err, ErrCleaningCartridge)
		_, err = v.Eject()
		require.NoError(t, err)
		flags, err := d.(TapeAlertReader).ReadTapeAlerts(ctx)
		require.NoError(t, err)
		assert.True(t, flags.Has(AlertExpiredCleaning))
		assert.True(t, flags.CleaningMediaProblem())
		assert.True(t, v.State().CleaningRequested)
	})
	t.Run("a good cleaning cartridge cleans and is ejected", func(t *testing.T) {
		cln := newTestCartridge(t, dir, CartridgeSpec{Barcode: "CLN001L1", MediaType: LTOCLN, CleaningUses: 2})
		require.NoError(t, v.Insert(cln))
		st := v.State()
		assert.False(t, st.CleaningRequested)
		assert.Zero(t, st.BytesSinceCleaning)
		assert.Equal(t, int64(1), st.Cleanings)
		assert.False(t, st.Loaded, "ejected after cleaning")
		info, err := ReadCartridgeInfo(cln)
		require.NoError(t, err)
		assert.Equal(t, 1, info.CleaningUses)
		_, err = v.Eject()
		require.NoError(t, err)
	})
	t.Run("cleaning on demand raises clean now", func(t *testing.T) {
		v.RequestCleaning(true)
		flags, err := d.(TapeAlertReader).ReadTapeAlerts(ctx)
		require.NoError(t, err)
		assert.True(t, flags.Has(AlertCleanNow))
		// The request is raised again at the next load while it stands.
		require.NoError(t, v.Insert(data))
		flags, err = d.(TapeAlertReader).ReadTapeAlerts(ctx)
		require.NoError(t, err)
		assert.True(t, flags.Has(AlertCleanNow))
	})
}

func TestVirtualTapeFaults(t *testing.T) {
	ctx := context.Background()
	v, dir := newTestTape(t, LTO8)
	require.NoError(t, v.Insert(newTestCartridge(t, dir, CartridgeSpec{Barcode: "FLT001L8", MediaType: LTO8})))
	d := openTape(t, v)
	v.FailWrite(2)
	_, err := d.Write([]byte("one"))
	require.NoError(t, err)
	_, err = d.Write([]byte("two"))
	assert.ErrorIs(t, err, ErrIO)
	_, err = d.Write([]byte("three"))
	require.NoError(t, err)
	require.NoError(t, d.WriteFilemarks(ctx, 1))
	require.NoError(t, d.Rewind(ctx))
	v.FailRead(1)
	_, err = d.Read(make([]byte, 10))
	assert.ErrorIs(t, err, ErrIO)
	require.NoError(t, d.Rewind(ctx))
	buf := make([]byte, 10)
	n, err := d.Read(buf)
	require.NoError(t, err)
	assert.Equal(t, "one", string(buf[:n]))
	n, err = d.Read(buf)
	require.NoError(t, err)
	assert.Equal(t, "three", string(buf[:n]), "the failed write wrote nothing")

	v.SetOffline(true)
	_, err = d.Status(ctx)
	assert.ErrorIs(t, err, ErrOffline)
	v.SetOffline(false)
	_, err = d.Status(ctx)
	assert.NoError(t, err)

}

// TestVirtualTapeThrottle runs in a synctest bubble: the throttle's sleeps
// advance the bubble's clock, not the wall clock.
func TestVirtualTapeThrottle(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		dir := t.TempDir()
		v, err := NewVirtualTape(filepath.Join(dir, "dds.json"), VirtualTapeConfig{DriveType: DAT160, Throttle: true})
		require.NoError(t, err)
		defer v.Close()
		require.NoError(t, v.Insert(newTestCartridge(t, dir, CartridgeSpec{Barcode: "DAT001", MediaType: DAT160})))
		d, err := v.Open()
		require.NoError(t, err)
		defer d.Close()
		start := time.Now()
		for range 20 {
			_, err := d.Write(make([]byte, 345_000))
			require.NoError(t, err)
		}
		// 6.9 MB at DAT 160's native 6.9 MB/s.
		assert.Equal(t, time.Second, time.Since(start).Round(100*time.Millisecond))

		v.SetRate(0)
		start = time.Now()
		_, err = d.Write(make([]byte, 512<<10))
		require.NoError(t, err)
		assert.Zero(t, time.Since(start), "unthrottled")
	})
}

func TestVirtualTapeStatePersists(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	state := filepath.Join(dir, "drive0.json")
	v, err := NewVirtualTape(state, VirtualTapeConfig{DriveType: LTO8})
	require.NoError(t, err)
	img := newTestCartridge(t, dir, CartridgeSpec{Barcode: "PER001L8", MediaType: LTO8})
	require.NoError(t, v.Insert(img))
	d, err := v.Open()
	require.NoError(t, err)
	_, err = d.Write([]byte("kept"))
	require.NoError(t, err)
	require.NoError(t, d.Close())
	v.RequestCleaning(false)
	require.NoError(t, v.Close())

	_, err = NewVirtualTape(state, VirtualTapeConfig{DriveType: LTO9})
	assert.ErrorContains(t, err, "drive type is LTO-8")
	v, err = NewVirtualTape(state, VirtualTapeConfig{})
	require.NoError(t, err)
	t.Cleanup(func() { _ = v.Close() })
	st := v.State()
	assert.Equal(t, img, st.Cartridge)
	assert.True(t, st.Loaded)
	assert.True(t, st.CleaningRequested)
	assert.Equal(t, int64(1), st.LoadCount)
	assert.Equal(t, int64(4), st.BytesWritten)
	d = openTape(t, v)
	s, err := d.Status(ctx)
	require.NoError(t, err)
	assert.True(t, s.BOT, "a new session starts at BOT")
	buf := make([]byte, 10)
	n, err := d.Read(buf)
	require.NoError(t, err)
	assert.Equal(t, "kept", string(buf[:n]))
	assert.Empty(t, readN(t, d), "the close-time filemark")
}

func readN(t *testing.T, d Drive) []byte {
	t.Helper()
	size, err := ReadBufferSize(d, 0)
	require.NoError(t, err)
	buf := make([]byte, size)
	n, err := d.Read(buf)
	require.NoError(t, err)
	return buf[:n]
}

func TestCartridgeImageCutsPartialRecord(t *testing.T) {
	dir := t.TempDir()
	img := newTestCartridge(t, dir, CartridgeSpec{Barcode: "CUT001L8", MediaType: LTO8})
	d, err := Open(img)
	require.NoError(t, err)
	_, err = d.Write([]byte("complete"))
	require.NoError(t, err)
	require.NoError(t, d.Close())
	// A crash in the middle of the next record: header and part of the data.
	f, err := os.OpenFile(img, os.O_WRONLY|os.O_APPEND, 0)
	require.NoError(t, err)
	_, err = f.Write([]byte{'B', 'L', 'K', 0, 100, 0, 0, 0, 'p', 'a', 'r'})
	require.NoError(t, err)
	require.NoError(t, f.Close())

	d, err = Open(img)
	require.NoError(t, err)
	defer d.Close()
	assert.Equal(t, "complete", string(readN(t, d)))
	assert.Empty(t, readN(t, d))
	assert.Empty(t, readN(t, d))
	_, err = d.Read(make([]byte, 100))
	assert.ErrorIs(t, err, ErrEndOfData)
}

func TestOpenRefusesAutoRewindNode(t *testing.T) {
	tests := []struct {
		name, path, resolved, want string
	}{
		{"nst node", "/dev/nst0", "/dev/nst0", ""},
		{"nst mode node", "/dev/nst1a", "/dev/nst1a", ""},
		{"by-id nst link", "/dev/tape/by-id/scsi-350223344ab000100-nst", "/dev/nst0", ""},
		{"st node", "/dev/st0", "/dev/st0", "use /dev/nst0"},
		{"st mode node", "/dev/st2l", "/dev/st2l", "use /dev/nst2l"},
		{"by-id st link", "/dev/tape/by-id/scsi-350223344ab000100", "/dev/st0", "use /dev/tape/by-id/scsi-350223344ab000100-nst"},
		{"sg node", "/dev/sg4", "/dev/sg4", "not an st tape node"},
		{"stdin", "/dev/stdin", "/proc/self/fd/0", "not an st tape node"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := checkTapeNode(tt.path, tt.resolved)
			if tt.want == "" {
				assert.NoError(t, err)
				return
			}
			assert.ErrorIs(t, err, ErrNotTapeNode)
			assert.ErrorContains(t, err, tt.want)
		})
	}
}

func TestOpenDispatch(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	img := newTestCartridge(t, dir, CartridgeSpec{Barcode: "OPEN01M8", MediaType: LTO7M})
	d, err := Open(img)
	require.NoError(t, err)
	assert.Equal(t, "OPEN01M8", d.Name())
	s, err := d.Status(ctx)
	require.NoError(t, err)
	assert.True(t, s.Online)
	assert.Equal(t, uint8(0x5d), s.Density)
	require.NoError(t, d.Close())

	state := filepath.Join(dir, "drive7.json")
	v, err := NewVirtualTape(state, VirtualTapeConfig{DriveType: LTO8})
	require.NoError(t, err)
	require.NoError(t, v.Insert(img))
	require.NoError(t, v.Close())
	d, err = Open(state)
	require.NoError(t, err)
	assert.Equal(t, "drive7", d.Name())
	s, err = d.Status(ctx)
	require.NoError(t, err)
	assert.True(t, s.Online)
	require.NoError(t, d.Close())

	other := filepath.Join(dir, "notes.txt")
	require.NoError(t, os.WriteFile(other, []byte("hello"), 0o644))
	_, err = Open(other)
	assert.ErrorIs(t, err, ErrNotTapeNode)
	_, err = Open(filepath.Join(dir, "missing.vtape"))
	assert.ErrorIs(t, err, os.ErrNotExist)
	cln := newTestCartridge(t, dir, CartridgeSpec{Barcode: "CLN001L1", MediaType: LTOCLN})
	_, err = Open(cln)
	assert.ErrorIs(t, err, ErrCleaningCartridge)
}
