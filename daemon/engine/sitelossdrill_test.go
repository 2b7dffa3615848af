package engine

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tapewarden/tapewarden/media"

	"github.com/tapewarden/tapewarden/daemon/config"
)

func noSchedule(_ *config.Config, o *Options) { o.NoSchedule = true }

// withoutWebsite leaves the demo's website out: its DAT cartridges never
// leave the machine room.
func withoutWebsite(cfg *config.Config, _ *Options) {
	cfg.Jobs = slices.DeleteFunc(cfg.Jobs, func(j config.JobConfig) bool { return j.System == "website" })
	cfg.Systems = slices.DeleteFunc(cfg.Systems, func(s config.SystemConfig) bool { return s.Name == "website" })
}

// The demo's library jobs run and their cartridges go offsite; the drill
// takes only those, rebuilds the catalog from them, brings every system
// back in priority order matching the catalog's checksums, and records it.
func TestSiteLossDrillPasses(t *testing.T) {
	h := startDaemon(t, withDemoWorld, noSchedule, withoutWebsite)
	ctx := context.Background()
	require.NoError(t, h.d.PrepareSiteLossDemo(ctx))

	var progress bytes.Buffer
	res, err := h.d.SiteLossDrill(ctx, tester, &progress)
	require.NoError(t, err, progress.String())
	assert.Equal(t, "passed", res.Drill.Result, "%v\n%s", res.Missing, progress.String())
	assert.Empty(t, res.Missing)
	assert.Empty(t, res.Notes, "every job of every system had a generation offsite")
	assert.True(t, res.ChainOK, "the rebuilt catalog's chain verifies through the tapes' head")
	for _, b := range res.Offsite {
		c, err := h.d.cat.Cartridge(ctx, b)
		require.NoError(t, err)
		assert.NotEqual(t, "honcho", c.Location.Site, "only offsite cartridges: %s", b)
	}
	assert.NotEmpty(t, res.Rebuild.CatalogFrom, "the catalog comes from a catalog file on a tape")

	var names []string
	for _, s := range res.Systems {
		names = append(names, s.Name)
		assert.True(t, s.Back, s.Name)
		for _, j := range s.Jobs {
			assert.True(t, j.Matches, "%s %s matches the catalog", j.Job, j.Generation)
		}
	}
	assert.Equal(t, []string{"juki", "koseki", "zeimu"}, names, "restore priority order")
	require.NotNil(t, res.Drill.FirstBack)
	require.NotNil(t, res.Drill.AllBack)
	assert.LessOrEqual(t, *res.Drill.FirstBack, *res.Drill.AllBack)
	assert.Equal(t, 3, res.Drill.Systems)
	assert.Contains(t, progress.String(), "system juki is back after")

	last, ok := h.d.LastSiteLossDrill()
	require.True(t, ok)
	assert.Equal(t, res.Drill.ID, last.ID)
	ev, err := h.d.cat.Events(ctx, media.EventFilter{Limit: 1})
	require.NoError(t, err)
	assert.Equal(t, "siteloss-drill", ev[0].Kind)
	w := &world{t: t, h: h, ctx: ctx}
	assert.Equal(t, 1.0, w.metric("tapewarden_siteloss_drill_last_success"))
	assert.Equal(t, float64(last.At.Unix()), float64(int64(w.metric("tapewarden_siteloss_drill_last_timestamp_seconds"))))

	left, err := filepath.Glob(filepath.Join(h.cfg.StateDir, "siteloss-drill-*"))
	require.NoError(t, err)
	assert.Empty(t, left, "the scratch copies are removed")
}

// With the website's cartridges only in the machine room, the drill
// fails and says what is missing; it runs as an operation of the daemon.
func TestSiteLossDrillSaysWhatIsMissing(t *testing.T) {
	h := startDaemon(t, withDemoWorld, noSchedule)
	ctx := context.Background()

	_, err := h.d.StartSiteLossDrill(ctx, tester)
	assert.ErrorIs(t, err, ErrInvalid, "nothing with data is offsite yet")
	assert.ErrorContains(t, err, "no cartridge with data is at a site other than honcho")

	require.NoError(t, h.d.PrepareSiteLossDemo(ctx))
	op, err := h.d.StartSiteLossDrill(ctx, tester)
	require.NoError(t, err)
	assert.Equal(t, OpSiteLossDrill, op.Kind)
	w := &world{t: t, h: h, ctx: ctx}
	w.waitFor("the drill to end", func() bool {
		got, err := h.d.Operation(ctx, op.ID)
		require.NoError(t, err)
		op = got
		return got.State.Finished()
	})
	assert.Equal(t, media.OperationFailed, op.State)
	assert.Contains(t, op.Error, "system website: no complete generation on the offsite cartridges")
	last, ok := h.d.LastSiteLossDrill()
	require.True(t, ok)
	assert.Equal(t, "failed", last.Result)
	assert.Equal(t, op.ID, last.Operation)
	assert.Nil(t, last.AllBack)
	require.NotNil(t, last.FirstBack, "juki came back")
	assert.True(t, strings.Contains(last.Missing, "website"), last.Missing)
	assert.Equal(t, 0.0, w.metric("tapewarden_siteloss_drill_last_success"))
	_, err = os.Stat(h.cfg.StateDir)
	require.NoError(t, err)
}
