package facts

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tapewarden/tapewarden/media"
	"github.com/tapewarden/tapewarden/rotation"

	"github.com/tapewarden/tapewarden/daemon/config"
)

// The demo's jobs run every few minutes: between 10:00 and 10:10 the
// registry runs at :00, :04 and :08, the family register at :02 and :06,
// and the four other jobs once each, in time order.
func TestPlannedRuns(t *testing.T) {
	cfg, err := config.DemoConfig(t.TempDir())
	require.NoError(t, err)
	from := time.Date(2025, 4, 5, 10, 0, 0, 0, cfg.Location)
	runs := PlannedRuns(cfg, from, from.Add(10*time.Minute))
	var got []string
	for _, r := range runs {
		got = append(got, r.Time.Format("04")+" "+r.Job)
	}
	assert.Equal(t, []string{
		"00 juki-daily", "01 zeimu-monthly", "02 koseki-daily", "03 website-weekly", "04 juki-daily",
		"05 juki-monthly", "06 koseki-daily", "07 koseki-monthly", "08 juki-daily",
	}, got)
	for _, r := range runs {
		assert.Equal(t, cfg.Job(r.Job).Pool, r.Pool, r.Job)
	}
}

// The view shows each cartridge as the catalog has it, and the policy
// facts are built on it.
func TestView(t *testing.T) {
	ctx := context.Background()
	cfg, err := config.DemoConfig(t.TempDir())
	require.NoError(t, err)
	cat, err := media.Open(ctx, cfg.CatalogPath(), media.Options{LabelPatterns: cfg.LabelPatterns()})
	require.NoError(t, err)
	t.Cleanup(func() { cat.Close() })
	_, err = cat.SyncTopology(ctx, cfg.Topology())
	require.NoError(t, err)
	_, err = cat.AddCartridge(ctx, media.System, media.NewCartridge{Barcode: "DLY001L8", Pool: "daily", Location: media.Storage("honcho", "shelf")})
	require.NoError(t, err)

	view, carts, err := ViewAndCartridges(ctx, cfg, cat)
	require.NoError(t, err)
	require.Len(t, carts, 1)
	require.Len(t, view.Cartridges, 1)
	c := view.Cartridges[0]
	assert.Equal(t, "DLY001L8", c.Barcode)
	assert.Equal(t, "daily", c.Pool)
	assert.Equal(t, rotation.State(carts[0].State), c.State)
	assert.Equal(t, "honcho", c.Location.Site)
	assert.Len(t, view.Sites, len(cfg.Sites))

	f, err := Policy(ctx, cfg, cat)
	require.NoError(t, err)
	assert.True(t, f.Catalog)
	assert.Len(t, f.Cartridges, 1)
	assert.Empty(t, f.Drills, "no restore drill yet")
}

// The scrape's view holds the cleaning cartridges and those with a
// generation, mapped as View maps them (a missing cartridge is lost), and
// rotation judges every pool's offsite status on it as on the whole view.
func TestScrapeViewJudgesAsTheWholeView(t *testing.T) {
	ctx := context.Background()
	cfg, err := config.DemoConfig(t.TempDir())
	require.NoError(t, err)
	now := time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC)
	cat, err := media.Open(ctx, cfg.CatalogPath(), media.Options{Now: func() time.Time { return now }, LabelPatterns: cfg.LabelPatterns()})
	require.NoError(t, err)
	t.Cleanup(func() { cat.Close() })
	_, err = cat.SyncTopology(ctx, cfg.Topology())
	require.NoError(t, err)
	add := func(barcode, pool string, loc media.Location) {
		t.Helper()
		_, err := cat.AddCartridge(ctx, media.System, media.NewCartridge{Barcode: barcode, Pool: pool, Location: loc})
		require.NoError(t, err)
	}
	add("DLY001L8", "daily", media.Storage("hill-annex", "safe"))
	add("DLY002L8", "daily", media.LibrarySlot("honcho", "lib0", 2))
	add("DLY003L8", "daily", media.Storage("honcho", "shelf"))
	add("MON001L8", "monthly", media.Storage("pref-dc", "vault"))
	add("MON002L8", "monthly", media.Storage("honcho", "safe"))
	add("CLN001L8", "", media.Storage("honcho", "shelf"))
	write := func(job, pool, gen, barcode string) {
		t.Helper()
		r, err := cat.QueueRun(ctx, media.NewRun{Job: job, Pool: pool, Trigger: "schedule"})
		require.NoError(t, err)
		require.NoError(t, cat.UpdateRun(ctx, r.ID, media.RunUpdate{State: media.RunWriting, Started: true}))
		_, err = cat.FinishRun(ctx, r.ID, media.RunResult{State: media.RunSucceeded, Bytes: 100, Generation: gen, Level: "daily",
			Pieces: []media.Piece{{Piece: 1, Barcode: barcode, File: 1, Bytes: 100, SHA256: "ab", Complete: true}}})
		require.NoError(t, err)
	}
	write("juki-daily", "daily", "2026-11-26", "DLY001L8")
	write("juki-daily", "daily", "2026-11-27", "DLY002L8")
	write("juki-monthly", "monthly", "2026-10", "MON001L8")
	write("juki-monthly", "monthly", "2026-11", "MON002L8")
	// The library did not find DLY002L8 in its slot.
	_, err = cat.ReconcileLibrary(ctx, media.System, "lib0", "honcho", []string{"lto0", "lto1"}, nil)
	require.NoError(t, err)

	whole, err := View(ctx, cfg, cat)
	require.NoError(t, err)
	s, err := cat.Scrape(ctx, media.ScrapeQuery{Pools: PoolNames(cfg)})
	require.NoError(t, err)
	part := ScrapeView(cfg, s)

	var want []rotation.Cartridge
	for _, c := range whole.Cartridges {
		if c.State == rotation.StateCleaning || len(c.Generations) > 0 {
			want = append(want, c)
		}
	}
	assert.Equal(t, want, part.Cartridges)
	assert.Equal(t, whole.Sites, part.Sites)
	var barcodes []string
	for _, c := range part.Cartridges {
		barcodes = append(barcodes, c.Barcode)
		if c.Barcode == "DLY002L8" {
			assert.Equal(t, rotation.StateLost, c.State, "a missing cartridge is lost")
		}
	}
	assert.Equal(t, []string{"CLN001L8", "DLY001L8", "DLY002L8", "MON001L8", "MON002L8"}, barcodes)

	away, remote := map[string]int{}, map[string]int{}
	for _, p := range cfg.RotationPools() {
		if p.Offsite == nil {
			continue
		}
		a, err := rotation.Plan(p, whole, nil, now)
		require.NoError(t, err)
		b, err := rotation.Plan(p, part, nil, now)
		require.NoError(t, err)
		assert.Equal(t, a.Status, b.Status, p.Name)
		away[p.Name] = b.Status.Away
		remote[p.Name] = b.Status.Remote
	}
	assert.Equal(t, map[string]int{"daily": 1, "monthly": 1}, away)
	assert.Equal(t, map[string]int{"daily": 0, "monthly": 1}, remote)
}
