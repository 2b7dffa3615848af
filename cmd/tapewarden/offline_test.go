package main

import (
	"context"
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
