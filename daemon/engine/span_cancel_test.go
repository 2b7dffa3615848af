package engine

import (
	"context"
	"crypto/rand"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tapewarden/tapewarden/media"

	"github.com/tapewarden/tapewarden/daemon/config"
)

// TestCancelWhileChangingCartridges cancels a spanning run at the load
// prompt for its second cartridge: the first cartridge was finished and
// put away, so no drive handle is open. The run ends cancelled with its
// first piece recorded once, and the daemon carries on.
func TestCancelWhileChangingCartridges(t *testing.T) {
	cfg := loadTestConfig(t, "nights.yaml")
	clock := newFakeClock(time.Date(2026, 12, 1, 9, 0, 0, 0, cfg.Location))
	h := startConfig(t, cfg, func(_ *config.Config, o *Options) { o.Clock = clock })
	ctx := context.Background()
	w := &world{t: t, h: h, clock: clock, ctx: ctx, dataDir: filepath.Join(cfg.StateDir, "data")}
	w.stock()
	web := filepath.Join(w.dataDir, "website")
	require.NoError(t, os.MkdirAll(web, 0o750))
	big := make([]byte, cartridgeCapacity+8<<20) // more than one DAT cartridge holds
	rand.Read(big)
	require.NoError(t, os.WriteFile(filepath.Join(web, "scans.bin"), big, 0o640))

	run, err := h.d.StartRun(ctx, "website-nightly", "manual", time.Time{})
	require.NoError(t, err)
	var first media.Prompt
	w.waitFor("the first load prompt", func() bool {
		var ok bool
		first, ok = w.loadPrompt()
		return ok
	})
	noWrong := false
	w.operator(&noWrong)(first)
	var second media.Prompt
	w.waitFor("the load prompt for the second cartridge", func() bool {
		p, ok := w.loadPrompt()
		if ok && p.ID != first.ID {
			second = p
			return true
		}
		return false
	})
	assert.NotEqual(t, first.Barcode, second.Barcode)

	done, err := h.d.CancelRun(ctx, tester, run.ID)
	require.NoError(t, err)
	assert.Equal(t, media.RunCancelled, done.State)
	got, err := h.d.cat.Run(ctx, run.ID)
	require.NoError(t, err)
	require.Len(t, got.Pieces, 1, "the finished first piece, recorded once")
	assert.Equal(t, first.Barcode, got.Pieces[0].Barcode)
	assert.NotEmpty(t, got.Pieces[0].SHA256, "the first piece was finished")
	assert.False(t, got.Pieces[0].Complete, "nothing of a cancelled run counts as good")

	// The engine is still healthy and the catalog is consistent.
	_, err = h.d.cat.Stats(ctx)
	require.NoError(t, err)
	require.NoError(t, h.d.cat.Ping(ctx))
	v, err := h.d.cat.Verify(ctx, "")
	require.NoError(t, err)
	assert.True(t, v.OK)
}
