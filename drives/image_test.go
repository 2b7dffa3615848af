package drives

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// readImageFile is an independent reader written from the format
// description in doc.go alone: it returns the data of tape file n.
func readImageFile(t *testing.T, path string, n int) []byte {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	hdr := make([]byte, 4096)
	_, err = io.ReadFull(f, hdr)
	require.NoError(t, err)
	require.True(t, bytes.HasPrefix(hdr, []byte("TAPEWARDEN VTAPE 1\n")))
	var out bytes.Buffer
	file := 0
	rec := make([]byte, 8)
	for {
		_, err := io.ReadFull(f, rec)
		if errors.Is(err, io.EOF) {
			break
		}
		require.NoError(t, err)
		length := int64(binary.LittleEndian.Uint32(rec[4:]))
		switch string(rec[:4]) {
		case "FMK\x00":
			file++
		case "EOD\x00":
			return out.Bytes()
		case "BLK\x00":
			if file == n {
				_, err = io.CopyN(&out, f, length)
				require.NoError(t, err)
			} else {
				_, err = f.Seek(length, io.SeekCurrent)
				require.NoError(t, err)
			}
		default:
			t.Fatalf("bad record tag %q", rec[:4])
		}
	}
	return out.Bytes()
}

// TestImageReadableWithoutTapewarden writes a label and a GNU tar archive
// through the virtual drive, then reads file 1 back with the independent
// reader and lists and extracts it with GNU tar.
func TestImageReadableWithoutTapewarden(t *testing.T) {
	tarPath, err := exec.LookPath("tar")
	if err != nil {
		t.Skip("GNU tar is not installed")
	}
	ctx := context.Background()
	dir := t.TempDir()
	src := filepath.Join(dir, "src")
	require.NoError(t, os.MkdirAll(filepath.Join(src, "juki"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(src, "juki", "residents.csv"), bytes.Repeat([]byte("山田,太郎\n"), 50000), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(src, "juki", "notes.txt"), []byte("restore order: juki first\n"), 0o644))
	archive, err := exec.Command(tarPath, "-C", src, "-cf", "-", "juki").Output()
	require.NoError(t, err)

	img := filepath.Join(dir, "TAR001L8.vtape")
	require.NoError(t, CreateCartridge(img, CartridgeSpec{Barcode: "TAR001L8", MediaType: LTO8}))
	d, err := Open(img)
	require.NoError(t, err)
	l, err := NewLabel("TAR001L8", "daily", LTO8, "0.1.0", time.Now())
	require.NoError(t, err)
	require.NoError(t, WriteLabel(ctx, d, l, false))
	require.NoError(t, d.SpaceFiles(ctx, 1))
	const bs = 256 << 10
	for off := 0; off < len(archive); off += bs {
		_, err := d.Write(archive[off:min(off+bs, len(archive))])
		require.NoError(t, err)
	}
	require.NoError(t, d.Close()) // the close-time filemark ends file 1

	assert.True(t, strings.HasPrefix(string(readImageFile(t, img, 0)), "TAPEWARDEN VOLUME LABEL 1\n"))
	file1 := readImageFile(t, img, 1)
	require.Equal(t, archive, file1)

	list := exec.Command(tarPath, "-tf", "-")
	list.Stdin = bytes.NewReader(file1)
	out, err := list.Output()
	require.NoError(t, err)
	assert.Equal(t, "juki/\njuki/notes.txt\njuki/residents.csv\n", sortLines(string(out)))

	dst := filepath.Join(dir, "restore")
	require.NoError(t, os.Mkdir(dst, 0o755))
	x := exec.Command(tarPath, "-xf", "-", "-C", dst)
	x.Stdin = bytes.NewReader(file1)
	require.NoError(t, x.Run())
	got, err := os.ReadFile(filepath.Join(dst, "juki", "notes.txt"))
	require.NoError(t, err)
	assert.Equal(t, "restore order: juki first\n", string(got))
}

func sortLines(s string) string {
	lines := strings.Split(strings.TrimSuffix(s, "\n"), "\n")
	for i := range lines {
		for j := i + 1; j < len(lines); j++ {
			if lines[j] < lines[i] {
				lines[i], lines[j] = lines[j], lines[i]
			}
		}
	}
	return strings.Join(lines, "\n") + "\n"
}

func TestCartridgeHeader(t *testing.T) {
	dir := t.TempDir()
	img := filepath.Join(dir, "HDR001L9.vtape")
	require.NoError(t, CreateCartridge(img, CartridgeSpec{Barcode: "HDR001L9", MediaType: LTO9, Capacity: 10 << 20}))
	raw, err := os.ReadFile(img)
	require.NoError(t, err)
	require.Len(t, raw, 4096)
	assert.Equal(t, "TAPEWARDEN VTAPE 1\nbarcode: HDR001L9\nmedia-type: LTO-9\nworm: no\nwrite-protect: no\ncapacity: 10485760\nearly-warning: 104857\ncleaning-uses: 0\nloads: 0\n\n", string(bytes.TrimRight(raw, "\x00")))
	info, err := ReadCartridgeInfo(img)
	require.NoError(t, err)
	assert.Equal(t, CartridgeInfo{Barcode: "HDR001L9", MediaType: LTO9, Capacity: 10 << 20, EarlyWarning: 104857}, info)

	assert.Error(t, CreateCartridge(img, CartridgeSpec{Barcode: "HDR001L9", MediaType: LTO9}), "exists")
	assert.Error(t, CreateCartridge(filepath.Join(dir, "x.vtape"), CartridgeSpec{Barcode: "X", MediaType: "LTO-99"}))
	cln := filepath.Join(dir, "CLN001L1.vtape")
	require.NoError(t, CreateCartridge(cln, CartridgeSpec{Barcode: "CLN001L1", MediaType: LTOCLN}))
	info, err = ReadCartridgeInfo(cln)
	require.NoError(t, err)
	assert.Equal(t, 50, info.CleaningUses)
	assert.True(t, info.Cleaning())

	bad := filepath.Join(dir, "bad.vtape")
	require.NoError(t, os.WriteFile(bad, append([]byte("NOT A TAPE\n\n"), make([]byte, 4096)...), 0o644))
	_, err = ReadCartridgeInfo(bad)
	assert.ErrorContains(t, err, "not a virtual cartridge image")
}

func benchImageDir(b *testing.B) string {
	if fi, err := os.Stat("/dev/shm"); err == nil && fi.IsDir() {
		dir, err := os.MkdirTemp("/dev/shm", "tapewarden-bench-")
		if err == nil {
			b.Cleanup(func() { _ = os.RemoveAll(dir) })
			return dir
		}
	}
	return b.TempDir()
}

const (
	benchBlock = 256 << 10
	benchTotal = 1 << 30
)

// BenchmarkVirtualTapeWrite1GiB writes 1 GiB in 256 KiB blocks per
// iteration, rewriting from BOT each time.
func BenchmarkVirtualTapeWrite1GiB(b *testing.B) {
	ctx := context.Background()
	img := filepath.Join(benchImageDir(b), "BENCH1L8.vtape")
	require.NoError(b, CreateCartridge(img, CartridgeSpec{Barcode: "BENCH1L8", MediaType: LTO8}))
	d, err := Open(img)
	require.NoError(b, err)
	defer d.Close()
	blk := bytes.Repeat([]byte("tapewarden"), benchBlock/10+1)[:benchBlock]
	b.SetBytes(benchTotal)
	b.ResetTimer()
	for b.Loop() {
		require.NoError(b, d.Rewind(ctx))
		for range benchTotal / benchBlock {
			if _, err := d.Write(blk); err != nil {
				b.Fatal(err)
			}
		}
		require.NoError(b, d.WriteFilemarks(ctx, 1))
	}
}

// BenchmarkVirtualTapeRead1GiB reads back 1 GiB written in 256 KiB blocks.
func BenchmarkVirtualTapeRead1GiB(b *testing.B) {
	ctx := context.Background()
	img := filepath.Join(benchImageDir(b), "BENCH2L8.vtape")
	require.NoError(b, CreateCartridge(img, CartridgeSpec{Barcode: "BENCH2L8", MediaType: LTO8}))
	d, err := Open(img)
	require.NoError(b, err)
	defer d.Close()
	blk := make([]byte, benchBlock)
	for range benchTotal / benchBlock {
		_, err := d.Write(blk)
		require.NoError(b, err)
	}
	require.NoError(b, d.WriteFilemarks(ctx, 1))
	buf := make([]byte, benchBlock)
	b.SetBytes(benchTotal)
	b.ResetTimer()
	for b.Loop() {
		require.NoError(b, d.Rewind(ctx))
		for {
			n, err := d.Read(buf)
			if err != nil {
				b.Fatal(err)
			}
			if n == 0 {
				break
			}
		}
	}
}

// TestImageOverwriteKeepsOldTailHidden checks that writing in the middle
// hides the old records at once (a crash copy of the image shows the new
// end of data) and that the file is cut when the handle closes.
func TestImageOverwriteKeepsOldTailHidden(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	img := filepath.Join(dir, "OVR001L8.vtape")
	require.NoError(t, CreateCartridge(img, CartridgeSpec{Barcode: "OVR001L8", MediaType: LTO8}))
	d, err := Open(img)
	require.NoError(t, err)
	for i := range 3 {
		_, err := d.Write(bytes.Repeat([]byte{byte('a' + i)}, 100000))
		require.NoError(t, err)
		require.NoError(t, d.WriteFilemarks(ctx, 1))
	}
	require.NoError(t, d.Rewind(ctx))
	_, err = d.Write([]byte("new"))
	require.NoError(t, err)

	// What a crash would leave: the old tail is still in the file.
	raw, err := os.ReadFile(img)
	require.NoError(t, err)
	assert.Greater(t, len(raw), 300000)
	crash := filepath.Join(dir, "CRASH1L8.vtape")
	require.NoError(t, os.WriteFile(crash, raw, 0o644))
	assert.Equal(t, "new", string(readImageFile(t, crash, 0)))
	assert.Empty(t, readImageFile(t, crash, 1))
	cd, err := Open(crash)
	require.NoError(t, err)
	assert.Equal(t, "new", string(readN(t, cd)))
	_, err = cd.Read(make([]byte, 10))
	assert.ErrorIs(t, err, ErrEndOfData)
	require.NoError(t, cd.Close())

	require.NoError(t, d.Close())
	fi, err := os.Stat(img)
	require.NoError(t, err)
	assert.Equal(t, int64(imageHeaderSize+8+3+8), fi.Size(), "block and the close-time filemark")
}
