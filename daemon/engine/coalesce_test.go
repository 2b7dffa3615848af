package engine

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tapewarden/tapewarden/media"
)

// A scheduled slot that fires while a manual run of the job waits (here
// for its pool, as it would for a person) is covered by that run: it is
// not recorded as missed, does not count as a failure, shows in the run's
// history, and is not missed again after a restart.
func TestASlotDuringAManualRunIsCoalesced(t *testing.T) {
	cfg := loadTestConfig(t, "hourly.yaml")
	jst := cfg.Location
	clock := newFakeClock(time.Date(2026, 12, 1, 10, 30, 0, 0, jst))
	h, w := hourly(t, cfg, clock, true)
	ctx := context.Background()

	unlock, err := h.d.lockPool(ctx, "daily", func() {})
	require.NoError(t, err)
	manual, err := h.d.StartRun(ctx, "juki-nightly", "manual", time.Time{})
	require.NoError(t, err)
	w.waitFor("the manual run to wait for its pool", func() bool {
		runs := h.d.ActiveRuns()
		return len(runs) == 1 && runs[0].State == media.RunWaiting
	})

	slot := time.Date(2026, 12, 1, 11, 0, 0, 0, jst)
	clock.Set(slot)
	w.waitFor("the slot to be recorded", func() bool {
		r, err := h.d.cat.Run(ctx, manual.ID)
		return err == nil && len(r.Coalesced) == 1
	})
	unlock()
	done, err := h.d.WaitRun(ctx, manual.ID)
	require.NoError(t, err)
	require.Equal(t, media.RunSucceeded, done.State, done.Reason)

	runs := runsOf(t, h, "juki-nightly")
	require.Len(t, runs, 1, "the slot is not a run of its own")
	assert.Equal(t, "manual", runs[0].Trigger)
	require.Len(t, runs[0].Coalesced, 1, "the history shows the slot the run covered")
	assert.True(t, runs[0].Coalesced[0].Equal(slot))
	assert.Contains(t, done.Log, "the scheduled slot at 2026-12-01 11:00 found this run in progress")
	assert.Equal(t, 0.0, w.metric("tapewarden_job_runs_total", `job="juki-nightly"`, `result="missed"`))
	assert.Equal(t, 0.0, w.metric("tapewarden_job_runs_total", `job="juki-nightly"`, `result="failed"`))
	assert.Equal(t, 1.0, w.metric("tapewarden_job_runs_total", `job="juki-nightly"`, `result="succeeded"`))
	h.stop()

	// Back before the next slot: the covered slot is not missed now.
	clock.Set(time.Date(2026, 12, 1, 11, 40, 0, 0, jst))
	h2, w2 := hourly(t, cfg, clock, false)
	w2.waitFor("the scheduler to go round after its catch-up", func() bool {
		h2.d.mu.Lock()
		defer h2.d.mu.Unlock()
		return !h2.d.lastBeat.IsZero()
	})
	runs = runsOf(t, h2, "juki-nightly")
	require.Len(t, runs, 1, "nothing was recorded as missed: %+v", runs)
}
