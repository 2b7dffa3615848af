package report

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tapewarden/tapewarden/media"

	"github.com/tapewarden/tapewarden/daemon/config"
)

// The disposal report names the confidentiality class of the data a
// destroyed cartridge held, from the systems inventory.
func TestDisposalReportCarriesTheClass(t *testing.T) {
	cfg, err := config.DemoConfig(t.TempDir())
	require.NoError(t, err)
	now := time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC)
	ctx := context.Background()
	cat, err := media.Open(ctx, cfg.CatalogPath(), media.Options{Now: func() time.Time { return now }, LabelPatterns: cfg.LabelPatterns()})
	require.NoError(t, err)
	t.Cleanup(func() { cat.Close() })
	_, err = cat.SyncTopology(ctx, cfg.Topology())
	require.NoError(t, err)
	admin := media.Actor{Name: "sato", Role: "admin"}
	for _, b := range []string{"OLD001L8", "OLD002L8"} {
		_, err = cat.AddCartridge(ctx, admin, media.NewCartridge{Barcode: b, Pool: "daily", Location: media.Storage("honcho", "shelf")})
		require.NoError(t, err)
	}
	run, err := cat.QueueRun(ctx, media.NewRun{Job: "juki-daily", System: "juki", Pool: "daily", Trigger: "schedule", ScheduledFor: now})
	require.NoError(t, err)
	require.NoError(t, cat.UpdateRun(ctx, run.ID, media.RunUpdate{State: media.RunWriting, Started: true, Drive: "lto0", Generation: "2026-11-28", Level: "daily"}))
	_, err = cat.FinishRun(ctx, run.ID, media.RunResult{State: media.RunSucceeded, Bytes: 1 << 20, Files: 1, SHA256: strings.Repeat("ab", 32),
		Pieces:     []media.Piece{{Piece: 1, Barcode: "OLD001L8", File: 1, Bytes: 1 << 20, SHA256: strings.Repeat("ab", 32), Complete: true}},
		Generation: "2026-11-28", Level: "daily"})
	require.NoError(t, err)
	for _, b := range []string{"OLD001L8", "OLD002L8"} {
		_, err = cat.Dispose(ctx, admin, b, media.NewDisposal{Method: "shred", Witness: "suzuki"})
		require.NoError(t, err)
	}

	// juki is class 2 here (the demo states no confidentiality class).
	cfg.Systems[0].Confidentiality = 2
	rep, err := New(cfg, cat, Options{Now: func() time.Time { return now }}).Disposals(ctx, "", "")
	require.NoError(t, err)
	require.Len(t, rep.Disposals, 2)
	assert.Equal(t, []string{"juki"}, rep.Disposals[0].Systems)
	assert.Equal(t, 2, rep.Disposals[0].Confidentiality, "juki is confidentiality class 2")
	assert.Zero(t, rep.Disposals[1].Confidentiality, "it never held data")
}
