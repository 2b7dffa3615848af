package main

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tapewarden/tapewarden/drives"
)

func TestOfflineLabel(t *testing.T) {
	dir := t.TempDir()
	img := filepath.Join(dir, "NEW001L8.vtape")
	require.NoError(t, drives.CreateCartridge(img, drives.CartridgeSpec{Barcode: "NEW001L8", MediaType: "LTO-8"}))
	ctx := context.Background()

	_, err := offlineLabel(ctx, labelRequest{Device: img, Barcode: "NEW002L8", Pool: "daily"})
	require.ErrorIs(t, err, drives.ErrWrongBarcode, "the sticker says NEW001L8")

	l, err := offlineLabel(ctx, labelRequest{Device: img, Barcode: "NEW001L8", Pool: "daily"})
	require.NoError(t, err)
	assert.Equal(t, "LTO-8", l.MediaType)
	got, err := offlineReadLabel(ctx, img, "")
	require.NoError(t, err)
	assert.Equal(t, l.UUID, got.UUID)

	_, err = offlineLabel(ctx, labelRequest{Device: img, Barcode: "NEW001L8", Pool: "monthly"})
	require.ErrorIs(t, err, drives.ErrAlreadyLabelled)
	l2, err := offlineLabel(ctx, labelRequest{Device: img, Barcode: "NEW001L8", Pool: "monthly", Force: true})
	require.NoError(t, err)
	assert.Equal(t, "monthly", l2.Pool)

	wp := filepath.Join(dir, "WPR001L8.vtape")
	require.NoError(t, drives.CreateCartridge(wp, drives.CartridgeSpec{Barcode: "WPR001L8", MediaType: "LTO-8", WriteProtected: true}))
	_, err = offlineLabel(ctx, labelRequest{Device: wp, Barcode: "WPR001L8", Pool: "daily"})
	require.ErrorIs(t, err, drives.ErrWriteProtected)

	st, err := offlineTapeStatus(ctx, img, "")
	require.NoError(t, err)
	assert.True(t, st.Status.Online)
}

// TestOfflineLabelWrongBarcodeSaysWhose labels through a changer whose
// mtx status is the rig's capture (E01001L8 in drive element 0): the
// refusal says which barcode the operator typed and which the library
// reports.
func TestOfflineLabelWrongBarcodeSaysWhose(t *testing.T) {
	dir := t.TempDir()
	status, err := os.ReadFile(filepath.Join("..", "..", "testdata", "drives", "rig", "mtx-status-drive0-loaded.txt"))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "status.txt"), status, 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "mtx"), []byte("#!/bin/sh\ncat "+filepath.Join(dir, "status.txt")+"\n"), 0o755))
	t.Setenv("PATH", dir+string(os.PathListSeparator)+os.Getenv("PATH"))

	_, err = offlineLabel(t.Context(), labelRequest{Device: filepath.Join(dir, "nst-not-opened"), Barcode: "WRONG1L8", Pool: "daily", Changer: "/dev/sg3", Element: 0})
	require.ErrorIs(t, err, drives.ErrWrongBarcode)
	assert.EqualError(t, err, "drives: wrong barcode: you gave --barcode WRONG1L8, but the barcode the library (/dev/sg3) reports for the cartridge in drive element 0 is E01001L8; label the cartridge with the barcode on its sticker, or load the cartridge you meant")

	_, err = offlineLabel(t.Context(), labelRequest{Device: filepath.Join(dir, "nst-not-opened"), Barcode: "WRONG1L8", Pool: "daily", Changer: "/dev/sg3", Element: 1})
	require.ErrorIs(t, err, drives.ErrNoMedium, "drive element 1 is empty")

	img := filepath.Join(dir, "NEW001L8.vtape")
	require.NoError(t, drives.CreateCartridge(img, drives.CartridgeSpec{Barcode: "NEW001L8", MediaType: "LTO-8"}))
	_, err = offlineLabel(t.Context(), labelRequest{Device: img, Barcode: "NEW002L8", Pool: "daily"})
	require.ErrorIs(t, err, drives.ErrWrongBarcode)
	assert.ErrorContains(t, err, "you gave --barcode NEW002L8, but the barcode on the cartridge image's sticker is NEW001L8")
}

// TestOfflineTapeStatusReadsTapeAlerts shows the flags a drive raised;
// reading clears them, as on the rig's drive (sg_logs-tapealert-*).
func TestOfflineTapeStatusReadsTapeAlerts(t *testing.T) {
	dir := t.TempDir()
	state := filepath.Join(dir, "drive0.json")
	v, err := drives.NewVirtualTape(state, drives.VirtualTapeConfig{DriveType: drives.LTO8})
	require.NoError(t, err)
	v.RequestCleaning(true)
	require.NoError(t, v.Close())

	ts, err := offlineTapeStatus(t.Context(), state, "")
	require.NoError(t, err)
	assert.True(t, ts.AlertsRead)
	var flags []int
	for _, a := range ts.Alerts {
		flags = append(flags, a.Flag)
	}
	assert.Equal(t, []int{drives.AlertCleanNow}, flags)

	ts, err = offlineTapeStatus(t.Context(), state, "")
	require.NoError(t, err)
	assert.True(t, ts.AlertsRead)
	assert.Empty(t, ts.Alerts, "reading cleared them")
	assert.True(t, ts.Status.CleaningRequested, "the drive still asks for cleaning")
	require.NotNil(t, ts.Limits)
	assert.Equal(t, drives.VirtualMaxTransfer, ts.Limits.Largest(), "the virtual adapter's transfer limit")
}
