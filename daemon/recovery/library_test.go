package recovery

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tapewarden/tapewarden/drives"
)

// writeTestJob writes a job's tar stream as tape file n and its trailer.
func writeTestJob(t *testing.T, d drives.Drive, n int64, job, system, barcode, name, content string) {
	t.Helper()
	ctx := context.Background()
	var stream bytes.Buffer
	tw := tar.NewWriter(&stream)
	require.NoError(t, tw.WriteHeader(&tar.Header{Name: name, Mode: 0o640, Size: int64(len(content)), ModTime: time.Now(), Typeflag: tar.TypeReg}))
	_, err := tw.Write([]byte(content))
	require.NoError(t, err)
	require.NoError(t, tw.Close())
	data := stream.Bytes()
	_, err = d.Write(data)
	require.NoError(t, err)
	require.NoError(t, d.WriteFilemarks(ctx, 1))
	sum := sha256.Sum256(data)
	h := hex.EncodeToString(sum[:])
	now := time.Now().UTC()
	require.NoError(t, drives.WriteTrailer(ctx, d, drives.Trailer{Format: drives.TrailerFormat, Version: drives.TrailerVersion, Job: job, System: system,
		RunID: "7", Pool: "daily", Bytes: int64(len(data)), SHA256: h, Piece: 1, TotalBytes: int64(len(data)), TotalSHA256: h,
		Barcode: barcode, DataFile: n, Start: now, End: now, TapewardenVersion: "test"}))
}

// TestRestoreFromALibrary reads every slot of a library in turn and
// restores from the cartridges it finds there.
func TestRestoreFromALibrary(t *testing.T) {
	ctx := context.Background()
	lib, err := drives.NewVirtualLibrary(t.TempDir(), drives.VirtualLibraryConfig{DriveType: drives.LTO8, Drives: 1, Slots: 4, MailSlots: 1})
	require.NoError(t, err)
	defer lib.Close()
	for slot, job := range map[int]string{1: "juki-nightly", 3: "website-nightly"} {
		barcode := map[int]string{1: "LIB001L8", 3: "LIB003L8"}[slot]
		label, err := drives.NewLabel(barcode, "daily", drives.LTO8, "test", time.Now())
		require.NoError(t, err)
		_, err = lib.AddCartridge(slot, drives.CartridgeSpec{Barcode: barcode, MediaType: drives.LTO8}, &label)
		require.NoError(t, err)
		require.NoError(t, lib.Load(ctx, slot, 0))
		d, err := lib.Drive(0).Open()
		require.NoError(t, err)
		require.NoError(t, d.Rewind(ctx))
		require.NoError(t, d.SpaceFiles(ctx, 1))
		writeTestJob(t, d, 1, job, job[:4], barcode, "data/"+job+".txt", "the data of "+job+"\n")
		require.NoError(t, d.Unload(ctx))
		d.Close()
		require.NoError(t, lib.Unload(ctx, 0, slot))
	}
	to := t.TempDir()
	var progress bytes.Buffer
	src := &Library{Changer: lib, DriveNumber: 0, ChangerName: "lib0", Open: lib.Drive(0).Open}
	res, err := RestoreFromTape(ctx, RestoreOptions{Source: src, To: to, Progress: &progress})
	require.NoError(t, err, progress.String())
	require.Len(t, res, 2)
	assert.Contains(t, progress.String(), "LIB001L8: pool daily")
	assert.Contains(t, progress.String(), "LIB003L8: pool daily")
	for _, rj := range res {
		assert.True(t, rj.Verified)
		b, err := os.ReadFile(filepath.Join(to, rj.Job, "data", rj.Job+".txt"))
		require.NoError(t, err)
		assert.Equal(t, "the data of "+rj.Job+"\n", string(b))
	}
}

// TestRestoreFromAStandaloneDrive: the person is asked to load each
// cartridge for the reading pass, says done, and is asked again for the
// one the restore needs; a wrong cartridge is named and asked for again.
func TestRestoreFromAStandaloneDrive(t *testing.T) {
	ctx := context.Background()
	img := filepath.Join(t.TempDir(), "HND001L8.vtape")
	label, err := drives.NewLabel("HND001L8", "daily", drives.LTO8, "test", time.Now())
	require.NoError(t, err)
	require.NoError(t, drives.CreateLabelledCartridge(img, drives.CartridgeSpec{Barcode: "HND001L8", MediaType: drives.LTO8}, &label))
	d, err := drives.Open(img)
	require.NoError(t, err)
	require.NoError(t, d.Rewind(ctx))
	require.NoError(t, d.SpaceFiles(ctx, 1))
	writeTestJob(t, d, 1, "juki-nightly", "juki", "HND001L8", "residents.csv", "1,Sato\n")
	require.NoError(t, d.Close())

	var asked bytes.Buffer
	src := &Standalone{Device: img, In: bytes.NewBufferString("\ndone\n\n"), Out: &asked}
	to := t.TempDir()
	res, err := RestoreFromTape(ctx, RestoreOptions{Source: src, To: to, System: "juki"})
	require.NoError(t, err, asked.String())
	require.Len(t, res, 1)
	assert.Contains(t, asked.String(), "Load cartridge 1 into "+img)
	assert.Contains(t, asked.String(), "Load HND001L8 into "+img)
	b, err := os.ReadFile(filepath.Join(to, "juki-nightly", "residents.csv"))
	require.NoError(t, err)
	assert.Equal(t, "1,Sato\n", string(b))

	// Skipping the cartridge the restore needs stops it, naming it.
	src = &Standalone{Device: img, In: bytes.NewBufferString("\ndone\nskip\n"), Out: &asked}
	_, err = RestoreFromTape(ctx, RestoreOptions{Source: src, To: t.TempDir()})
	require.ErrorIs(t, err, ErrNotHere)
	assert.Contains(t, err.Error(), "HND001L8 was skipped")
}

// TestEncryptedDataIsRefusedClearly: a generation written encrypted is
// not restored offline; the error says what to do instead.
func TestEncryptedDataIsRefusedClearly(t *testing.T) {
	ctx := context.Background()
	img := filepath.Join(t.TempDir(), "ENC001L8.vtape")
	label, err := drives.NewLabel("ENC001L8", "daily", drives.LTO8, "test", time.Now())
	require.NoError(t, err)
	require.NoError(t, drives.CreateLabelledCartridge(img, drives.CartridgeSpec{Barcode: "ENC001L8", MediaType: drives.LTO8}, &label))
	d, err := drives.Open(img)
	require.NoError(t, err)
	require.NoError(t, d.Rewind(ctx))
	require.NoError(t, d.SpaceFiles(ctx, 1))
	_, err = d.Write([]byte("age-encryption.org/v1 and more"))
	require.NoError(t, err)
	require.NoError(t, d.WriteFilemarks(ctx, 1))
	sum := sha256.Sum256([]byte("age-encryption.org/v1 and more"))
	h := hex.EncodeToString(sum[:])
	now := time.Now().UTC()
	require.NoError(t, drives.WriteTrailer(ctx, d, drives.Trailer{Format: drives.TrailerFormat, Version: drives.TrailerVersion, Job: "juki-nightly", System: "juki",
		RunID: "3", Pool: "daily", Bytes: 30, SHA256: h, Piece: 1, TotalBytes: 30, TotalSHA256: h, Barcode: "ENC001L8", DataFile: 1, Start: now, End: now,
		TapewardenVersion: "test", Encryption: "age", Recipients: []string{"0123456789abcdef"}, PlainBytes: 10, PlainSHA256: h}))
	require.NoError(t, d.Close())
	to := t.TempDir()
	_, err = RestoreFromTape(ctx, RestoreOptions{Source: &Images{Dir: filepath.Dir(img)}, To: to})
	require.ErrorIs(t, err, ErrEncrypted)
	assert.Contains(t, err.Error(), "--identity")
}
