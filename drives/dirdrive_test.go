package drives

import (
	"archive/tar"
	"bytes"
	"context"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func newDirDrive(t *testing.T, disk string, capacity int64) *DirectoryDrive {
	t.Helper()
	dd, err := NewDirectoryDrive(DirectoryDriveConfig{Name: "usb0", MediaType: "USB-DISK", Finder: DirFinder{Dir: disk}, Capacity: capacity})
	require.NoError(t, err)
	t.Cleanup(func() { _ = dd.Close() })
	return dd
}

func diskFiles(t *testing.T, disk string) []string {
	t.Helper()
	ents, err := os.ReadDir(filepath.Join(disk, DiskDir))
	require.NoError(t, err)
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	sort.Strings(names)
	return names
}

// tarStream returns a small tar archive of one member.
func tarStream(t *testing.T, name string, body []byte) []byte {
	t.Helper()
	var b bytes.Buffer
	tw := tar.NewWriter(&b)
	require.NoError(t, tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(body)), ModTime: time.Unix(1e9, 0)}))
	_, err := tw.Write(body)
	require.NoError(t, err)
	require.NoError(t, tw.Close())
	return b.Bytes()
}

// TestDirectoryDriveLayout writes what a run writes (label, tar stream in
// blocks, trailer) and finds one file per tape file, named by what it
// holds, which tar reads without tapewarden; a new drive (a restarted
// daemon) reads the same tape files back.
func TestDirectoryDriveLayout(t *testing.T) {
	ctx := context.Background()
	disk := t.TempDir()
	dd := newDirDrive(t, disk, 0)
	d, err := dd.Open()
	require.NoError(t, err)
	label, err := NewLabel("USB001", "usb", "USB-DISK", "1.0.0", time.Now())
	require.NoError(t, err)
	require.NoError(t, WriteLabel(ctx, d, label, false))
	require.NoError(t, d.SpaceFiles(ctx, 1))
	stream := tarStream(t, "residents.csv", bytes.Repeat([]byte("juki,1\n"), 20000))
	for off := 0; off < len(stream); off += 10240 {
		_, err := d.Write(stream[off:min(off+10240, len(stream))])
		require.NoError(t, err)
	}
	require.NoError(t, d.WriteFilemarks(ctx, 1))
	tr := Trailer{Format: TrailerFormat, Version: TrailerVersion, Job: "juki", RunID: "1", System: "juki", Pool: "usb", Barcode: "USB001",
		Bytes: int64(len(stream)), SHA256: strings.Repeat("a", 64), Piece: 1, DataFile: 1, Start: time.Unix(1e9, 0).UTC(), End: time.Unix(1e9+5, 0).UTC(), TapewardenVersion: "1.0.0"}
	require.NoError(t, WriteTrailer(ctx, d, tr))
	require.NoError(t, d.Close())

	assert.Equal(t, []string{"000000.blocks", "000000.label", "000001.blocks", "000001.tar", "000002.blocks", "000002.trailer"}, diskFiles(t, disk))
	raw, err := os.ReadFile(filepath.Join(disk, DiskDir, "000001.tar"))
	require.NoError(t, err)
	assert.True(t, bytes.Equal(stream, raw), "the data file is the tar stream itself")
	rd := tar.NewReader(bytes.NewReader(raw))
	hdr, err := rd.Next()
	require.NoError(t, err)
	assert.Equal(t, "residents.csv", hdr.Name)
	bl, err := os.ReadFile(filepath.Join(disk, DiskDir, "000001.blocks"))
	require.NoError(t, err)
	assert.Contains(t, string(bl), "tapewarden-blocks 1\n10240 ")

	require.NoError(t, dd.Close())
	again := newDirDrive(t, disk, 0)
	d, err = again.Open()
	require.NoError(t, err)
	defer func() { _ = d.Close() }()
	got, err := ReadLabel(ctx, d)
	require.NoError(t, err)
	assert.Equal(t, label, got)
	require.NoError(t, d.SpaceFiles(ctx, 2))
	back, err := ReadTrailer(ctx, d)
	require.NoError(t, err)
	assert.Equal(t, tr.SHA256, back.SHA256)
	require.NoError(t, d.Rewind(ctx))
	require.NoError(t, d.SpaceFiles(ctx, 1))
	buf := make([]byte, 20480)
	n, err := d.Read(buf)
	require.NoError(t, err)
	assert.Equal(t, 10240, n, "blocks come back as they were written")
	assert.True(t, bytes.Equal(stream[:10240], buf[:n]))
}

// TestDirectoryDriveCrashLeavesNoCompleteLookingFile: while a tape file is
// written it exists only under a temporary name; what a crash leaves
// (a temporary file, a block list whose data was never renamed) is
// removed at the next mount and never read as a tape file.
func TestDirectoryDriveCrashLeavesNoCompleteLookingFile(t *testing.T) {
	ctx := context.Background()
	disk := t.TempDir()
	dd := newDirDrive(t, disk, 0)
	d, err := dd.Open()
	require.NoError(t, err)
	_, err = d.Write(bytes.Repeat([]byte{1}, 4096))
	require.NoError(t, err)
	require.NoError(t, d.WriteFilemarks(ctx, 1))
	_, err = d.Write(bytes.Repeat([]byte{2}, 4096))
	require.NoError(t, err)
	names := diskFiles(t, disk)
	require.Len(t, names, 3, "file 0 and its block list, file 1 under a temporary name: %v", names)
	assert.True(t, strings.HasPrefix(names[0], diskTempPref), names[0])
	assert.Equal(t, []string{"000000.blocks", "000000.data"}, names[1:])

	// The process dies here: the handle is never closed. A block list
	// written just before the crash has no data file beside it.
	require.NoError(t, os.WriteFile(filepath.Join(disk, DiskDir, "000001.blocks"), []byte(blocksMagic+"\n4096 1\n"), 0o644))
	dd.mu.Lock()
	_ = dd.disk.close() // what the kernel does for a dead process: the lock goes
	dd.disk = nil
	dd.mu.Unlock()

	again := newDirDrive(t, disk, 0)
	d2, err := again.Open()
	require.NoError(t, err)
	defer func() { _ = d2.Close() }()
	require.NoError(t, d2.Rewind(ctx))
	buf := make([]byte, 8192)
	n, err := d2.Read(buf)
	require.NoError(t, err)
	assert.Equal(t, 4096, n)
	n, err = d2.Read(buf)
	require.NoError(t, err)
	assert.Zero(t, n, "the filemark after file 0")
	n, err = d2.Read(buf)
	require.NoError(t, err)
	assert.Zero(t, n, "a second 0-byte read: end of data")
	_, err = d2.Read(buf)
	assert.ErrorIs(t, err, ErrEndOfData, "file 1 was never finished: it is not there")
	assert.Equal(t, []string{"000000.blocks", "000000.data"}, diskFiles(t, disk))
}

// TestDirectoryDriveEarlyWarning fills a disk of a configured capacity:
// the first write past the early warning succeeds and sets EOT, the next
// fails with ErrEndOfMedium writing nothing, the filemark and a trailer
// still fit.
func TestDirectoryDriveEarlyWarning(t *testing.T) {
	ctx := context.Background()
	disk := t.TempDir()
	dd, err := NewDirectoryDrive(DirectoryDriveConfig{Name: "rdx0", MediaType: "RDX", Finder: DirFinder{Dir: disk}, Capacity: 1 << 20, EarlyWarning: 128 << 10})
	require.NoError(t, err)
	t.Cleanup(func() { _ = dd.Close() })
	d, err := dd.Open()
	require.NoError(t, err)
	defer func() { _ = d.Close() }()
	block := bytes.Repeat([]byte{7}, 64<<10)
	written := 0
	for {
		_, err := d.Write(block)
		if err != nil {
			require.ErrorIs(t, err, ErrEndOfMedium)
			break
		}
		written++
		require.Less(t, written, 100)
	}
	assert.Equal(t, 15, written, "(1 MiB − 128 KiB) / 64 KiB blocks, and the one that crossed")
	s, err := d.Status(ctx)
	require.NoError(t, err)
	assert.True(t, s.EOT)
	require.NoError(t, d.WriteFilemarks(ctx, 1))
	_, err = d.Write([]byte("trailer"))
	require.NoError(t, err, "after the refused write the next one is allowed")
	require.NoError(t, d.WriteFilemarks(ctx, 1))
	require.NoError(t, d.Rewind(ctx))
	require.NoError(t, d.SpaceFiles(ctx, 1))
	buf := make([]byte, 64<<10)
	n, err := d.Read(buf)
	require.NoError(t, err)
	assert.Equal(t, []byte("trailer"), buf[:n])
	assert.Equal(t, "000000.data", diskFiles(t, disk)[1])
	fi, err := os.Stat(filepath.Join(disk, DiskDir, "000000.data"))
	require.NoError(t, err)
	assert.Equal(t, int64(written*len(block)), fi.Size(), "the refused write left nothing")
}

// TestDirectoryDriveDiskChange: an ejected disk is left alone; another
// disk put in its place is found and read; no disk reads as an open door.
func TestDirectoryDriveDiskChange(t *testing.T) {
	ctx := context.Background()
	root := t.TempDir()
	mnt := filepath.Join(root, "mnt")
	one, two := filepath.Join(root, "one"), filepath.Join(root, "two")
	for i, dir := range []string{one, two} {
		dd := newDirDrive(t, dir, 0)
		require.NoError(t, os.Mkdir(dir, 0o755))
		d, err := dd.Open()
		require.NoError(t, err)
		_, err = d.Write([]byte{byte('A' + i)})
		require.NoError(t, err)
		require.NoError(t, d.Close())
		require.NoError(t, dd.Close())
	}
	dd := newDirDrive(t, mnt, 0)
	d, err := dd.Open()
	require.NoError(t, err)
	defer func() { _ = d.Close() }()
	s, err := d.Status(ctx)
	require.NoError(t, err)
	assert.True(t, s.DoorOpen, "nothing mounted")
	_, err = d.Read(make([]byte, 10))
	assert.ErrorIs(t, err, ErrNoMedium)
	assert.Contains(t, err.Error(), "no disk is mounted at "+mnt)

	require.NoError(t, os.Rename(one, mnt))
	buf := make([]byte, 10)
	n, err := d.Read(buf)
	require.NoError(t, err)
	assert.Equal(t, "A", string(buf[:n]))
	require.NoError(t, d.Unload(ctx))
	s, err = d.Status(ctx)
	require.NoError(t, err)
	assert.True(t, s.DoorOpen, "the ejected disk is not used")
	_, err = d.Read(buf)
	assert.ErrorIs(t, err, ErrNoMedium)
	assert.Contains(t, err.Error(), "disk at "+mnt+" was ejected")

	require.NoError(t, os.Rename(mnt, one))
	require.NoError(t, os.Rename(two, mnt))
	require.NoError(t, d.Rewind(ctx))
	n, err = d.Read(buf)
	require.NoError(t, err)
	assert.Equal(t, "B", string(buf[:n]), "the other disk")
}

// TestMountFinder finds a disk by label and by UUID through udev's links
// and mountinfo, mounts it with the configured command, and refuses to
// choose between two.
func TestMountFinder(t *testing.T) {
	ctx := context.Background()
	root := t.TempDir()
	dev := filepath.Join(root, "dev")
	require.NoError(t, os.MkdirAll(filepath.Join(dev, "disk", "by-label"), 0o755))
	require.NoError(t, os.MkdirAll(filepath.Join(dev, "disk", "by-uuid"), 0o755))
	sdb1 := filepath.Join(dev, "sdb1")
	require.NoError(t, os.WriteFile(sdb1, nil, 0o644))
	require.NoError(t, os.Symlink("../../sdb1", filepath.Join(dev, "disk", "by-label", `TW\x20USB001`)))
	require.NoError(t, os.Symlink("../../sdb1", filepath.Join(dev, "disk", "by-uuid", "1234-abcd")))
	mi := filepath.Join(root, "mountinfo")
	require.NoError(t, os.WriteFile(mi, []byte("22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw\n"), 0o644))
	mnt := filepath.Join(root, "media", "TW USB001")
	f := MountFinder{Label: "TW USB*", DevDir: filepath.Join(dev, "disk"), MountInfo: mi}

	_, err := f.Find(ctx, "")
	require.ErrorIs(t, err, ErrNoMedium)
	assert.Contains(t, err.Error(), "disk TW USB001 ("+sdb1+") is attached but not mounted")

	// The mount command (here: appending the line the kernel would).
	line := "90 22 8:17 / " + strings.ReplaceAll(mnt, " ", `\040`) + " rw,nosuid shared:50 - ext4 {device} rw\n"
	f.MountCommand = []string{"sh", "-c", `printf '%s' "$1" >> "$2"`, "sh", line, mi}
	// The disk the drive ejected is not mounted again.
	d, err := f.Find(ctx, "uuid:1234-abcd")
	require.NoError(t, err)
	assert.Equal(t, Disk{ID: "uuid:1234-abcd", Label: "TW USB001", UUID: "1234-abcd", Device: sdb1}, d)
	unmounted, err := os.ReadFile(mi)
	require.NoError(t, err)
	assert.NotContains(t, string(unmounted), "8:17", "the mount command did not run")

	d, err = f.Find(ctx, "")
	require.NoError(t, err)
	assert.Equal(t, mnt, d.Root)
	assert.Equal(t, "TW USB001", d.Label)
	assert.Equal(t, "1234-abcd", d.UUID)
	assert.Equal(t, "uuid:1234-abcd", d.ID)
	assert.False(t, d.ReadOnly)

	byUUID := MountFinder{UUIDs: []string{"1234-ABCD"}, DevDir: filepath.Join(dev, "disk"), MountInfo: mi}
	d, err = byUUID.Find(ctx, "")
	require.NoError(t, err)
	assert.Equal(t, mnt, d.Root)

	other := MountFinder{Label: "RDX*", DevDir: filepath.Join(dev, "disk"), MountInfo: mi}
	_, err = other.Find(ctx, "")
	require.ErrorIs(t, err, ErrNoMedium)
	assert.Contains(t, err.Error(), "a disk labelled RDX* is not attached")

	sdc1 := filepath.Join(dev, "sdc1")
	require.NoError(t, os.WriteFile(sdc1, nil, 0o644))
	require.NoError(t, os.Symlink("../../sdc1", filepath.Join(dev, "disk", "by-label", "TW USB002")))
	_, err = f.Find(ctx, "")
	require.ErrorIs(t, err, ErrSeveralDisks)
	assert.Contains(t, err.Error(), "disk TW USB001 ("+sdb1+") and disk TW USB002 ("+sdc1+") are attached")
}

func TestParseMountInfoReadOnly(t *testing.T) {
	es := parseMountInfo([]byte("36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue\n" +
		"40 22 11:0 / /media/cd ro,nosuid - udf /dev/sr0 ro\nbad line\n"))
	require.Len(t, es, 2)
	assert.Equal(t, mountEntry{devNum: "98:0", root: "/mnt1", point: "/mnt2", source: "/dev/root"}, es[0])
	assert.Equal(t, mountEntry{devNum: "11:0", root: "/", point: "/media/cd", source: "/dev/sr0", readOnly: true}, es[1])
}

// TestDirectoryDriveUnterminatedFile: blocks left without a filemark (an
// unload after a write, as MTUNLOAD writes none) are kept as an
// unterminated file, NNNNNN.part, that reads like an unterminated tape
// file after a remount; appending to it goes on where it ended.
func TestDirectoryDriveUnterminatedFile(t *testing.T) {
	ctx := context.Background()
	disk := t.TempDir()
	dd := newDirDrive(t, disk, 0)
	d, err := dd.Open()
	require.NoError(t, err)
	_, err = d.Write([]byte("label"))
	require.NoError(t, err)
	require.NoError(t, d.WriteFilemarks(ctx, 1))
	_, err = d.Write([]byte("half"))
	require.NoError(t, err)
	require.NoError(t, d.Unload(ctx))
	require.NoError(t, d.Close())
	require.NoError(t, dd.Close())
	assert.Equal(t, []string{"000000.blocks", "000000.data", "000001.blocks", "000001.part"}, diskFiles(t, disk))

	again := newDirDrive(t, disk, 0)
	d, err = again.Open()
	require.NoError(t, err)
	defer func() { _ = d.Close() }()
	require.NoError(t, d.SpaceFiles(ctx, 1))
	buf := make([]byte, 64)
	n, err := d.Read(buf)
	require.NoError(t, err)
	assert.Equal(t, "half", string(buf[:n]))
	_, err = d.Read(buf)
	assert.ErrorIs(t, err, ErrIO, "no filemark after an unterminated file")
	require.NoError(t, d.SpaceEOD(ctx))
	_, err = d.Write([]byte(" and whole"))
	require.NoError(t, err)
	require.NoError(t, d.WriteFilemarks(ctx, 1))
	assert.Equal(t, []string{"000000.blocks", "000000.data", "000001.blocks", "000001.data"}, diskFiles(t, disk))
	require.NoError(t, d.Rewind(ctx))
	require.NoError(t, d.SpaceFiles(ctx, 1))
	n, err = d.Read(buf)
	require.NoError(t, err)
	assert.Equal(t, "half", string(buf[:n]))
	n, err = d.Read(buf)
	require.NoError(t, err)
	assert.Equal(t, " and whole", string(buf[:n]))
}

// TestDirectoryDriveForeignFiles: files tapewarden did not write in its
// directory make the disk unusable with a message naming them, and
// nothing is changed; files elsewhere on the disk are not its business.
func TestDirectoryDriveForeignFiles(t *testing.T) {
	ctx := context.Background()
	disk := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(disk, "photos.zip"), []byte("x"), 0o644))
	dd := newDirDrive(t, disk, 0)
	d, err := dd.Open()
	require.NoError(t, err)
	_, err = ReadLabel(ctx, d)
	assert.ErrorIs(t, err, ErrBlankTape, "a disk with other files but no tapewarden directory is blank to tapewarden")
	require.NoError(t, d.Close())
	require.NoError(t, dd.Close())

	require.NoError(t, os.MkdirAll(filepath.Join(disk, DiskDir), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(disk, DiskDir, "notes.txt"), []byte("x"), 0o644))
	dd = newDirDrive(t, disk, 0)
	d, err = dd.Open()
	require.NoError(t, err)
	defer func() { _ = d.Close() }()
	_, err = d.Write([]byte("data"))
	require.ErrorIs(t, err, ErrIO)
	assert.Contains(t, err.Error(), "notes.txt was not written by tapewarden; move it out of "+filepath.Join(disk, DiskDir))
	assert.Equal(t, []string{"notes.txt"}, diskFiles(t, disk))
}

// TestDirectoryDriveIndexStaysSmall: blocks of one size are one run in
// memory however many there are, and writing in the middle of a run cuts
// it and goes on in it.
func TestDirectoryDriveIndexStaysSmall(t *testing.T) {
	ctx := context.Background()
	disk := t.TempDir()
	dd := newDirDrive(t, disk, 0)
	d, err := dd.Open()
	require.NoError(t, err)
	defer func() { _ = d.Close() }()
	block := func(i int) []byte { return bytes.Repeat([]byte{byte(i)}, 1000) }
	for i := range 5000 {
		_, err := d.Write(block(i))
		require.NoError(t, err)
	}
	_, err = d.Write([]byte("short"))
	require.NoError(t, err)
	require.NoError(t, d.WriteFilemarks(ctx, 1))
	assert.Len(t, dd.disk.runs, 3, "5000 equal blocks, the short one, the filemark")
	bl, err := os.ReadFile(filepath.Join(disk, DiskDir, "000000.blocks"))
	require.NoError(t, err)
	assert.Equal(t, blocksMagic+"\n1000 5000\n5 1\n", string(bl))

	require.NoError(t, d.Rewind(ctx))
	buf := make([]byte, 2000)
	for i := range 10 {
		n, err := d.Read(buf)
		require.NoError(t, err)
		require.Equal(t, block(i), buf[:n])
	}
	_, err = d.Write(block(99))
	require.NoError(t, err)
	require.NoError(t, d.WriteFilemarks(ctx, 1))
	assert.Len(t, dd.disk.runs, 2, "11 equal blocks and the filemark")
	require.NoError(t, d.Rewind(ctx))
	for i := range 11 {
		n, err := d.Read(buf)
		require.NoError(t, err)
		want := block(i)
		if i == 10 {
			want = block(99)
		}
		require.Equal(t, want, buf[:n])
	}
	n, err := d.Read(buf)
	require.NoError(t, err)
	assert.Zero(t, n)
	fi, err := os.Stat(filepath.Join(disk, DiskDir, "000000.data"))
	require.NoError(t, err)
	assert.Equal(t, int64(11000), fi.Size())
}

// BenchmarkDirectoryDriveWrite writes 256 KiB blocks to a directory drive
// on the test's temporary directory and ends the file (sync, rename).
func BenchmarkDirectoryDriveWrite(b *testing.B) {
	ctx := context.Background()
	disk := b.TempDir()
	dd, err := NewDirectoryDrive(DirectoryDriveConfig{Name: "usb0", MediaType: "USB-DISK", Finder: DirFinder{Dir: disk}})
	require.NoError(b, err)
	defer func() { _ = dd.Close() }()
	d, err := dd.Open()
	require.NoError(b, err)
	defer func() { _ = d.Close() }()
	block := bytes.Repeat([]byte{0x5a}, 256<<10)
	const perFile = 256 // 64 MiB per tape file
	b.SetBytes(int64(len(block)) * perFile)
	for b.Loop() {
		require.NoError(b, d.Rewind(ctx))
		for range perFile {
			if _, err := d.Write(block); err != nil {
				b.Fatal(err)
			}
		}
		require.NoError(b, d.WriteFilemarks(ctx, 1))
	}
}

// TestOpenDirectory: drives.Open on a mounted disk's directory (or its
// tapewarden directory) gives a directory drive for the offline commands;
// closing it releases the disk, and the daemon's drive holding the disk
// makes it busy.
func TestOpenDirectory(t *testing.T) {
	ctx := context.Background()
	disk := t.TempDir()
	d, err := Open(disk)
	require.NoError(t, err)
	label, err := NewLabel("USB007", "usb", "USB-DISK", "1.0.0", time.Now())
	require.NoError(t, err)
	require.NoError(t, WriteLabel(ctx, d, label, false))
	require.NoError(t, d.Close())
	assert.Equal(t, []string{"000000.blocks", "000000.label"}, diskFiles(t, disk))

	d, err = Open(filepath.Join(disk, DiskDir))
	require.NoError(t, err)
	got, err := ReadLabel(ctx, d)
	require.NoError(t, err)
	assert.Equal(t, label, got)
	require.NoError(t, d.Close())

	dd := newDirDrive(t, disk, 0)
	h, err := dd.Open()
	require.NoError(t, err)
	defer func() { _ = h.Close() }()
	_, err = ReadLabel(ctx, h)
	require.NoError(t, err)
	d, err = Open(disk)
	require.NoError(t, err)
	_, err = ReadLabel(ctx, d)
	assert.ErrorIs(t, err, ErrBusy, "the daemon's drive holds the disk")
	_ = d.Close()
}
