package engine

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	_ "github.com/mattn/go-sqlite3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tapewarden/tapewarden/media"
)

// smallFilesystem mounts a tmpfs of size bytes on dir, or skips the test
// when this process may not mount (not root) and CI is unset; under CI
// it fails, so the test cannot silently stop running there.
func smallFilesystem(t *testing.T, dir string, size int64) {
	t.Helper()
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, fmt.Sprintf("size=%d", size)); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("mount a tmpfs on %s for the full-disk test: %v (the CI runner must run this test as root)", dir, err)
		}
		t.Skipf("cannot mount a tmpfs on %s (%v): run as root to test a full state directory", dir, err)
	}
	t.Cleanup(func() { syscall.Unmount(dir, syscall.MNT_DETACH) })
}

// fill writes a file into dir until its file system is full.
func fill(t *testing.T, dir string) string {
	t.Helper()
	path := filepath.Join(dir, "ballast")
	f, err := os.Create(path)
	require.NoError(t, err)
	defer f.Close()
	block := make([]byte, 64<<10)
	for {
		if _, err := f.Write(block); err != nil {
			require.True(t, errors.Is(err, syscall.ENOSPC), "filling %s: %v", dir, err)
			break
		}
	}
	for _, n := range []int{4096, 512, 1} {
		for {
			if _, err := f.Write(block[:n]); err != nil {
				break
			}
		}
	}
	return path
}

// A run whose catalog writes fail because the state directory's file
// system is full ends failed at once with the true reason, counts in the
// metrics while the catalog cannot take it, makes the daemon say it is
// degraded, and is recorded as failed as soon as there is room again.
func TestAFullStateDirectoryFailsTheRunVisibly(t *testing.T) {
	cfg := loadTestConfig(t, "hourly.yaml")
	smallFilesystem(t, cfg.StateDir, 32<<20)
	cfg.Catalog.MinFreeMB = 1
	jst := cfg.Location
	clock := newFakeClock(time.Date(2026, 12, 1, 10, 5, 0, 0, jst))
	h, w := hourly(t, cfg, clock, true)
	ctx := context.Background()

	// The run waits for its pool (past its pre-flight check) while the
	// file system fills up.
	unlock, err := h.d.lockPool(ctx, "daily", func() {})
	require.NoError(t, err)
	run, err := h.d.StartRun(ctx, "juki-nightly", "manual", time.Time{})
	require.NoError(t, err)
	w.waitFor("the run to wait for its pool", func() bool {
		runs := h.d.ActiveRuns()
		return len(runs) == 1 && runs[0].State == media.RunWaiting
	})
	// Empty the write-ahead log so the next write must grow it, then
	// leave no room.
	db, err := sql.Open("sqlite3", cfg.CatalogPath())
	require.NoError(t, err)
	_, err = db.Exec("PRAGMA wal_checkpoint(TRUNCATE)")
	require.NoError(t, err)
	require.NoError(t, db.Close())
	ballast := fill(t, cfg.StateDir)
	unlock()

	done, err := h.d.WaitRun(ctx, run.ID)
	require.NoError(t, err)
	assert.Equal(t, media.RunFailed, done.State, "the run is not left %s", done.State)
	assert.Contains(t, done.Reason, "database or disk is full", "the true reason")
	assert.Contains(t, done.Reason, "the catalog cannot be written")
	assert.Empty(t, h.d.ActiveRuns(), "no run is left running")

	assert.Equal(t, 1.0, w.metric("tapewarden_job_runs_total", `job="juki-nightly"`, `result="failed"`), "the failure counts before the catalog has it")
	assert.NotZero(t, w.metric("tapewarden_job_last_failure_timestamp_seconds", `job="juki-nightly"`))
	assert.Equal(t, 0.0, w.metric("tapewarden_catalog_writable"))
	degraded := strings.Join(h.d.Degraded(), "\n")
	assert.Contains(t, degraded, fmt.Sprintf("run %d of job juki-nightly ended failed", run.ID))
	assert.Contains(t, degraded, "less than catalog.min_free_mb")
	assert.Contains(t, degraded, "the catalog has not taken a write since")
	inCatalog, err := h.d.cat.Run(ctx, run.ID)
	require.NoError(t, err)
	assert.False(t, inCatalog.State.Finished(), "the catalog could not take it yet")

	// Room again: the retry records the run as failed, with its reason.
	require.NoError(t, os.Remove(ballast))
	w.waitFor("the catalog to record the run", func() bool {
		clock.Advance(time.Minute)
		r, err := h.d.cat.Run(ctx, run.ID)
		return err == nil && r.State == media.RunFailed
	})
	recorded, err := h.d.cat.Run(ctx, run.ID)
	require.NoError(t, err)
	assert.Equal(t, done.Reason, recorded.Reason)
	assert.Empty(t, h.d.UnrecordedRuns())
	assert.Equal(t, 1.0, w.metric("tapewarden_job_runs_total", `job="juki-nightly"`, `result="failed"`), "counted once, now from the catalog")
	assert.Equal(t, 1.0, w.metric("tapewarden_catalog_writable"))
	assert.Empty(t, h.d.Degraded())
}
