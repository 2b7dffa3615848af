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
