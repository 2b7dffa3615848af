package daemon

import (
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tapewarden/tapewarden/media"

	"github.com/tapewarden/tapewarden/daemon/api"
	"github.com/tapewarden/tapewarden/daemon/config"
)

// TestHandlingClassFallsWhenTheGenerationExpires: a cartridge takes the
// class of the registry (confidentiality 2, integrity 2) when the
// registry's run lands on it, keeps it while its data is on the tape -
// after rotation stops keeping the generation too, for the data is still
// readable - and loses it when rotation writes the cartridge over with
// data of no class. The API answers what the CLI shows.
func TestHandlingClassFallsWhenTheGenerationExpires(t *testing.T) {
	clock := &stillClock{now: jst(2025, 4, 1, 20, 0)}
	h := startDaemon(t, withDemoWorld, withNightlySchedules, withClock(clock), func(cfg *config.Config, _ *Options) {
		for i := range cfg.Systems {
			if cfg.Systems[i].Name == "juki" {
				cfg.Systems[i].Confidentiality = 2
			}
		}
	})
	ctx := context.Background()
	class := func(barcode string) media.Handling {
		t.Helper()
		var v api.MediaView
		h.ok("GET", "/v1/media/"+barcode, nil, &v)
		return v.Handling()
	}
	onTape := func(r media.Run) string {
		t.Helper()
		r, err := h.d.Catalog().Run(ctx, r.ID)
		require.NoError(t, err)
		require.Len(t, r.Pieces, 1)
		return r.Pieces[0].Barcode
	}
	require.Zero(t, class("DLY001L8"), "a cartridge never written")

	first := onTape(runJobAt(t, h, clock, "juki-daily", jst(2025, 4, 1, 22, 0)))
	assert.Equal(t, "DLY001L8", first)
	assert.Equal(t, media.Handling{Confidentiality: 2, Integrity: 2}, class(first), "the registry's run landed on it")
	var list []media.Cartridge
	h.ok("GET", "/v1/media?pool=daily", nil, &list)
	for _, c := range list {
		if c.Barcode == first {
			assert.Equal(t, 2, c.Confidentiality, "the list says it too")
		} else {
			assert.Zero(t, c.Handling(), c.Barcode)
		}
	}

	// The family register (no class) every night after: a cycle of five
	// keeps the registry's generation until the 6th, and the daily pool's
	// sixth cartridge takes the 6th.
	for day := 2; day <= 6; day++ {
		got := onTape(runJobAt(t, h, clock, "koseki-daily", jst(2025, 4, day, 22, 30)))
		assert.Equal(t, fmt.Sprintf("DLY%03dL8", day), got)
		assert.Zero(t, class(got), got)
		assert.Equal(t, media.Handling{Confidentiality: 2, Integrity: 2}, class(first), "the registry's data is still on %s on the %d", first, day)
	}
	// On the 7th its generation has expired, and rotation writes over it.
	got := onTape(runJobAt(t, h, clock, "koseki-daily", jst(2025, 4, 7, 22, 30)))
	require.Equal(t, first, got, "the oldest cartridge is written over")
	assert.Zero(t, class(first), "only the family register's data is on it now")
	held, err := h.d.Catalog().HeldSystems(ctx, []string{first})
	require.NoError(t, err)
	assert.Equal(t, []string{"koseki"}, held[first])
}
