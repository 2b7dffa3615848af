package main

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tapewarden/tapewarden/daemon/config"
	"github.com/tapewarden/tapewarden/drives"
)

// writeJob writes one job's tar stream as tape file n and its trailer as
// n+1, the way a run does, and returns the files it archived.
func writeJob(t *testing.T, d drives.Drive, n int64, job, system, barcode string, files map[string]string) {
	t.Helper()
	ctx := context.Background()
	var stream bytes.Buffer
	tw := tar.NewWriter(&stream)
	for name, content := range files {
		require.NoError(t, tw.WriteHeader(&tar.Header{Name: name, Mode: 0o640, Size: int64(len(content)), ModTime: time.Now(), Typeflag: tar.TypeReg}))
		_, err := tw.Write([]byte(content))
		require.NoError(t, err)
	}
	require.NoError(t, tw.Close())
	const block = 64 << 10
	data := stream.Bytes()
	data = append(data, make([]byte, (block-len(data)%block)%block)...)
	for off := 0; off < len(data); off += block {
		_, err := d.Write(data[off : off+block])
		require.NoError(t, err)
	}
	require.NoError(t, d.WriteFilemarks(ctx, 1))
	sum := sha256.Sum256(data)
	hexSum := hex.EncodeToString(sum[:])
	now := time.Now().UTC()
	require.NoError(t, drives.WriteTrailer(ctx, d, drives.Trailer{Format: drives.TrailerFormat, Version: drives.TrailerVersion, Job: job, System: system,
		RunID: "1" + job[:1], Pool: "daily", Generation: "daily/2026-12-06", Bytes: int64(len(data)), SHA256: hexSum, Piece: 1,
		TotalBytes: int64(len(data)), TotalSHA256: hexSum, Barcode: barcode, DataFile: n, Start: now, End: now, TapewardenVersion: "test"}))
}

// TestSiteLossCommands: with nothing but cartridge images (written before
// catalog files existed), 'catalog rebuild' makes a catalog and 'restore
// --from-tape' brings every system back, byte for byte.
func TestSiteLossCommands(t *testing.T) {
	images := t.TempDir()
	img := filepath.Join(images, "OFF001L8.vtape")
	label, err := drives.NewLabel("OFF001L8", "daily", drives.LTO8, "test", time.Now())
	require.NoError(t, err)
	require.NoError(t, drives.CreateLabelledCartridge(img, drives.CartridgeSpec{Barcode: "OFF001L8", MediaType: drives.LTO8}, &label))
	d, err := drives.Open(img)
	require.NoError(t, err)
	require.NoError(t, d.Rewind(context.Background()))
	require.NoError(t, d.SpaceFiles(context.Background(), 1))
	juki := map[string]string{"srv/juki/residents.csv": "id,name\n1,Sato\n"}
	web := map[string]string{"srv/www/index.html": "<h1>town hall</h1>\n"}
	writeJob(t, d, 1, "juki-nightly", "juki", "OFF001L8", juki)
	writeJob(t, d, 3, "website-nightly", "website", "OFF001L8", web)
	require.NoError(t, d.Close())

	state := filepath.Join(t.TempDir(), "state")
	noConfig := []string{"--config", filepath.Join(t.TempDir(), "gone.yaml")}
	out, errOut, code := runCLI(t, nil, "", append(noConfig, "catalog", "rebuild", "--images", images, "--state-dir", state)...)
	require.Equal(t, 0, code, out+errOut)
	assert.Contains(t, errOut, "OFF001L8: pool daily, 4 tape files, 2 trailers, no catalog file", "a progress line per cartridge")
	assert.Contains(t, out, "rebuilt from labels and trailers alone")
	assert.Contains(t, out, "runs from trailers:     0 finished, 2 added")
	assert.Contains(t, out, "added (unknown before): OFF001L8")
	assert.FileExists(t, filepath.Join(state, "catalog.db"))

	// A second rebuild never replaces the catalog.
	_, errOut, code = runCLI(t, nil, "", append(noConfig, "catalog", "rebuild", "--images", images, "--state-dir", state)...)
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, errOut, "move it away first")

	_, errOut, code = runCLI(t, nil, "", append(noConfig, "catalog", "rebuild", "--state-dir", state)...)
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, errOut, "say where the cartridges are")

	to := t.TempDir()
	out, errOut, code = runCLI(t, nil, "", append(noConfig, "restore", "--from-tape", "--images", images, "--to", to)...)
	require.Equal(t, 0, code, out+errOut)
	assert.Contains(t, out, "restored juki-nightly (system juki)")
	assert.Less(t, strings.Index(out, "juki-nightly"), strings.Index(out, "website-nightly"))
	for job, files := range map[string]map[string]string{"juki-nightly": juki, "website-nightly": web} {
		for name, content := range files {
			b, err := os.ReadFile(filepath.Join(to, job, name))
			require.NoError(t, err)
			assert.Equal(t, content, string(b))
		}
	}

	_, errOut, code = runCLI(t, nil, "", append(noConfig, "restore", "--from-tape", "--images", images, "--to", t.TempDir(), "--system", "zeimu")...)
	assert.Equal(t, exitFailed, code)
	assert.Contains(t, errOut, "no complete generation on the cartridges read of system zeimu (systems found: juki, website)")
}

// --library NAME reads the library's changer and drive from the
// configuration; an unknown name lists the known ones.
func TestRebuildFromAConfiguredLibrary(t *testing.T) {
	cfg, err := config.DemoConfig(t.TempDir())
	require.NoError(t, err)
	cfg.File = "/etc/tapewarden/tapewarden.yaml"
	lib := &cfg.Libraries[0]
	lib.Type, lib.Device = "mtx", "/dev/tape/by-id/scsi-lib0-changer"
	cfg.Drive(lib.Drives[0].Drive).Device = "/dev/tape/by-id/scsi-lto0-nst"
	cfg.Drive(lib.Drives[1].Drive).Device = "/dev/tape/by-id/scsi-lto1-nst"

	changer, device, element, err := libraryDevices(cfg, "lib0", 0)
	require.NoError(t, err)
	assert.Equal(t, "/dev/tape/by-id/scsi-lib0-changer", changer)
	assert.Equal(t, "/dev/tape/by-id/scsi-"+lib.Drives[0].Drive+"-nst", device)
	assert.Equal(t, lib.Drives[0].Element, element)

	_, device, element, err = libraryDevices(cfg, "lib0", lib.Drives[1].Element)
	require.NoError(t, err)
	assert.Equal(t, "/dev/tape/by-id/scsi-"+lib.Drives[1].Drive+"-nst", device, "--drive picks the drive at that element")
	assert.Equal(t, lib.Drives[1].Element, element)

	_, _, _, err = libraryDevices(cfg, "lib9", 0)
	assert.EqualError(t, err, `/etc/tapewarden/tapewarden.yaml has no library "lib9"; its libraries are: lib0`)

	// Through the command, with the demo's configuration in a file.
	dir := t.TempDir()
	file := filepath.Join(dir, "tapewarden.yaml")
	require.NoError(t, os.WriteFile(file, bytes.ReplaceAll(config.DemoYAML(), []byte("/var/lib/tapewarden"), []byte(dir)), 0o600))
	state := filepath.Join(t.TempDir(), "state")
	_, errOut, code := runCLI(t, nil, "", "--config", file, "catalog", "rebuild", "--library", "lib9", "--state-dir", state)
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, errOut, `has no library "lib9"; its libraries are: lib0`)
	_, errOut, code = runCLI(t, nil, "", "--config", file, "catalog", "rebuild", "--library", "lib0", "--state-dir", state)
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, errOut, "library lib0 is virtual: its cartridges are images; give --images "+filepath.Join(dir, "libraries", "lib0", "cartridges"))
	_, errOut, code = runCLI(t, nil, "", "--config", filepath.Join(dir, "gone.yaml"), "catalog", "rebuild", "--library", "lib0", "--state-dir", state)
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, errOut, "give --changer /dev/sgN --device /dev/nstN instead")
	assert.NoFileExists(t, filepath.Join(state, "catalog.db"))
}

// drill site-loss --demo plays the loss of the demo's machine room without
// a daemon: the library's systems come back, the website (whose DAT
// cartridges never leave the machine room) does not, and the drill says so.
func TestSiteLossDrillDemo(t *testing.T) {
	if testing.Short() {
		t.Skip("the demo world and its drill take a few seconds")
	}
	out, errOut, code := runCLI(t, nil, "", "--config", filepath.Join(t.TempDir(), "gone.yaml"), "drill", "site-loss", "--demo")
	assert.Equal(t, exitFailed, code, out+errOut)
	assert.Contains(t, errOut, "the machine room is gone: 3 offsite cartridges remain")
	assert.Regexp(t, `system juki +back after`, out)
	assert.Regexp(t, `zeimu-monthly monthly/\S+ +\d+ bytes from MON001L8, matches the catalog`, out)
	assert.Contains(t, out, "audit chain verifies through the head the tapes carry")
	assert.Regexp(t, `MISSING +system website: no complete generation on the offsite cartridges`, out)
	assert.Contains(t, errOut, "the site-loss drill failed")
}
