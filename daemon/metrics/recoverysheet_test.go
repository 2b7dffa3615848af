package metrics

import (
	"math"
	"os"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The recovery sheet's age is the file's: +Inf before there is one, then
// how long ago it was written; a file that cannot be read fails the
// collector alone.
func TestRecoverySheetAge(t *testing.T) {
	cfg, cat, now := setup(t)
	reg := NewRegistry(cfg, cat, &fakeLive{}, Options{Now: func() time.Time { return now }, Started: now})
	age := func() float64 {
		t.Helper()
		mfs, err := reg.Gather()
		require.NoError(t, err)
		for _, mf := range mfs {
			if mf.GetName() == "tapewarden_recovery_sheet_age_seconds" {
				return mf.GetMetric()[0].GetGauge().GetValue()
			}
		}
		t.Fatal("no tapewarden_recovery_sheet_age_seconds")
		return 0
	}
	assert.True(t, math.IsInf(age(), 1), "no sheet yet: infinitely old")

	path := cfg.RecoverySheetPath()
	require.NoError(t, os.WriteFile(path, []byte("%PDF-1.3"), 0o644))
	written := time.Now().Add(-30 * time.Hour)
	require.NoError(t, os.Chtimes(path, written, written))
	assert.InDelta(t, 30*3600, age(), 60)

	require.NoError(t, os.Chtimes(path, time.Now(), time.Now()))
	assert.Less(t, age(), 60.0)

	// A state directory the daemon cannot search: the collector says it
	// failed, and the others still report.
	if os.Geteuid() != 0 {
		require.NoError(t, os.Chmod(cfg.StateDir, 0o000))
		t.Cleanup(func() { _ = os.Chmod(cfg.StateDir, 0o755) })
		n, err := testutil.GatherAndCount(reg, "tapewarden_recovery_sheet_age_seconds")
		require.NoError(t, err)
		assert.Zero(t, n)
		require.NoError(t, os.Chmod(cfg.StateDir, 0o755))
	}
}
