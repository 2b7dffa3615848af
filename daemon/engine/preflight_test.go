package engine

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tapewarden/tapewarden/daemon/config"
	"github.com/tapewarden/tapewarden/media"
)

// kinds returns the problems of a report as "job/kind" (or "/kind").
func kinds(rep CheckReport) []string {
	var out []string
	for _, p := range rep.Problems() {
		out = append(out, p.Job+"/"+p.Kind)
	}
	return out
}

// A run whose source is missing fails before it takes a drive: no
// cartridge is loaded, the pre-command does not run, nothing is written.
func TestARunWithAMissingSourceTouchesNothing(t *testing.T) {
	cfg := loadTestConfig(t, "hourly.yaml")
	marker := filepath.Join(cfg.StateDir, "pre-command-ran")
	cfg.Jobs[0].PreCommand = []string{"touch", marker}
	clock := newFakeClock(time.Date(2026, 12, 1, 10, 5, 0, 0, cfg.Location))
	h, w := hourly(t, cfg, clock, true)
	ctx := context.Background()
	require.NoError(t, os.RemoveAll(filepath.Join(w.dataDir, "juki")))

	run, err := h.d.StartRun(ctx, "juki-nightly", "manual", time.Time{})
	require.NoError(t, err)
	done, err := h.d.WaitRun(ctx, run.ID)
	require.NoError(t, err)
	assert.Equal(t, media.RunFailed, done.State)
	assert.Equal(t, "pre-flight check: source "+filepath.Join(w.dataDir, "juki")+" does not exist; create it or correct the job's source.paths; no cartridge was loaded, no pre-command was run and nothing was written", done.Reason)
	assert.NoFileExists(t, marker, "the pre-command did not run")
	assert.Empty(t, done.Pieces)
	assert.True(t, done.StartedAt.IsZero(), "the run never took a drive")
	inDrives, err := h.d.cat.Cartridges(ctx, media.Filter{PlaceKind: media.InDrive})
	require.NoError(t, err)
	assert.Empty(t, inDrives, "no cartridge was loaded")
	open, err := h.d.cat.Prompts(ctx, false)
	require.NoError(t, err)
	for _, p := range open {
		assert.NotEqual(t, "load", p.Kind, "nobody is asked to load a cartridge: %s", p.Action)
	}
}

// A run whose state directory has less room than catalog.min_free_mb
// does not start writing.
func TestARunWithoutRoomForTheCatalogDoesNotStart(t *testing.T) {
	cfg := loadTestConfig(t, "hourly.yaml")
	cfg.Catalog.MinFreeMB = 1 << 40 // more than any disk has
	clock := newFakeClock(time.Date(2026, 12, 1, 10, 5, 0, 0, cfg.Location))
	h, _ := hourly(t, cfg, clock, true)
	ctx := context.Background()
	run, err := h.d.StartRun(ctx, "juki-nightly", "manual", time.Time{})
	require.NoError(t, err)
	done, err := h.d.WaitRun(ctx, run.ID)
	require.NoError(t, err)
	assert.Equal(t, media.RunFailed, done.State)
	assert.Contains(t, done.Reason, "pre-flight check: the state directory "+cfg.StateDir+" has")
	assert.Contains(t, done.Reason, "less than catalog.min_free_mb")
	assert.Empty(t, done.Pieces)
}

// The check of every job finds what would break the night, and the
// daemon runs it before the night's first run, with a prompt and the
// metric.
func TestTheCheckBeforeTheNight(t *testing.T) {
	cfg := loadTestConfig(t, "hourly.yaml")
	cfg.Jobs[0].Schedule = "0 22 * * *"
	cfg.Scheduler.CheckBefore = config.Duration(time.Hour)
	jst := cfg.Location
	clock := newFakeClock(time.Date(2026, 12, 1, 9, 0, 0, 0, jst))
	h, w := hourly(t, cfg, clock, true)
	ctx := context.Background()

	// Stocked, with data: only the cleaning cartridges are missing.
	rep, err := h.d.Check(ctx, nil)
	require.NoError(t, err)
	assert.ElementsMatch(t, []string{"/cleaning", "/cleaning"}, kinds(rep), "%+v", rep.Problems())
	require.Len(t, rep.Jobs, 1)
	assert.Equal(t, "DLY001L8", rep.Jobs[0].Cartridge)
	assert.True(t, rep.Jobs[0].Next.Equal(time.Date(2026, 12, 1, 22, 0, 0, 0, jst)))
	assert.Contains(t, rep.General[0].Message, "no usable LTO-CLN cleaning cartridge for drive lto0")
	assert.False(t, rep.OK)

	// An LTO cleaning cartridge on the shelf answers lto0's finding.
	_, err = h.d.cat.AddCartridge(ctx, tester, media.NewCartridge{Barcode: "CLN001CU", Location: media.Storage("honcho", "shelf")})
	require.NoError(t, err)
	rep, err = h.d.Check(ctx, nil)
	require.NoError(t, err)
	require.Equal(t, []string{"/cleaning"}, kinds(rep))
	assert.Contains(t, rep.General[0].Message, "drive dat0")

	// The source is gone and the cartridge of tonight's run is at the
	// annex: both are found before the night.
	require.NoError(t, os.RemoveAll(filepath.Join(w.dataDir, "juki")))
	for i := 1; i <= 5; i++ {
		bc := "DLY00" + string(rune('0'+i)) + "L8"
		_, err := h.d.cat.Move(ctx, tester, bc, media.Storage("annex", "safe"), media.MoveOptions{Reason: "a test sends it away", Force: true})
		require.NoError(t, err)
	}
	rep, err = h.d.Check(ctx, []string{"juki-nightly"})
	require.NoError(t, err)
	got := kinds(rep)
	assert.Contains(t, got, "juki-nightly/source")
	assert.True(t, strings.Contains(strings.Join(got, " "), "juki-nightly/offsite") || strings.Contains(strings.Join(got, " "), "juki-nightly/cartridge"), "%v", rep.Problems())

	_, err = h.d.Check(ctx, []string{"no-such-job"})
	assert.ErrorIs(t, err, ErrNotFound)

	// An hour before 22:00 the daemon checks on its own: a prompt says
	// what is wrong and the metric counts it.
	clock.Set(time.Date(2026, 12, 1, 21, 0, 0, 0, jst))
	var prompt media.Prompt
	w.waitFor("the check's prompt", func() bool {
		open, _ := h.d.cat.Prompts(ctx, false)
		for _, p := range open {
			if p.Kind == "check" {
				prompt = p
				return true
			}
		}
		return false
	})
	assert.Contains(t, prompt.Action, "Before 2026-12-01 22:00 +09:00, fix what the pre-flight check found")
	assert.Contains(t, prompt.Action, "job juki-nightly: source")
	assert.Equal(t, 1.0, w.metric("tapewarden_check_problems", `backup_job="juki-nightly"`, `kind="source"`))
	assert.Equal(t, 0.0, w.metric("tapewarden_check_problems", `backup_job="juki-nightly"`, `kind="drive"`))
}
