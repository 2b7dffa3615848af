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

	"github.com/tapewarden/tapewarden/media"

	"github.com/tapewarden/tapewarden/daemon/config"
)

// When a scheduled copy is due: the first at once; while runs change the
// catalog, every `every`; once the last run has ended; and at least
// daily.
func TestCopyDue(t *testing.T) {
	now := time.Date(2026, 12, 2, 3, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name            string
		newest          time.Time
		active, changed bool
		want            string
	}{
		{"no copy yet", time.Time{}, false, false, "there is no copy yet"},
		{"runs for 59 minutes", now.Add(-59 * time.Minute), true, true, ""},
		{"runs for an hour", now.Add(-time.Hour), true, true, "runs are changing the catalog"},
		{"the last run ended a minute after the copy", now.Add(-time.Minute), false, true, "the last run has ended"},
		{"quiet for 23 hours", now.Add(-23 * time.Hour), false, false, ""},
		{"quiet for a day", now.Add(-24 * time.Hour), false, false, "a day has passed since the newest copy"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, copyDue(now, tc.newest, tc.active, tc.changed, time.Hour))
		})
	}
}

func withCopies(cc config.CopiesConfig) func(*config.Config, *Options) {
	return func(cfg *config.Config, _ *Options) {
		cc := cc
		cfg.Catalog.Copies = &cc
		cfg.Catalog.Copies.Every = config.Duration(time.Hour)
		cfg.Catalog.Copies.SendTimeout = config.Duration(time.Minute)
		cfg.Catalog.Copies.MaxAge = config.Duration(26 * time.Hour)
	}
}

// waitCopies waits until the copies directory holds the scheduled copies
// that cond accepts, and returns their names.
func waitCopies(t *testing.T, h *harness, what string, cond func(names []string, st CopiesState) bool) []string {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		names, _ := scheduledCopies(h.cfg.CopiesPath())
		h.d.copies.mu.Lock()
		busy := h.d.copies.busy
		h.d.copies.mu.Unlock()
		if !busy && cond(names, h.d.CatalogCopies()) {
			return names
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: the copies directory holds %v; the state is %+v\nlog:\n%s", what, names, h.d.CatalogCopies(), h.log.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// A night: the daemon copies at start, every hour while a run changes the
// catalog and once the run has ended; it keeps the newest two, each 0600,
// and sends each with the configured command.
func TestScheduledCatalogCopiesFollowTheRuns(t *testing.T) {
	sentDir := t.TempDir()
	clock := newFakeClock(time.Date(2026, 12, 1, 22, 0, 0, 0, time.UTC))
	h := startDaemon(t, withDemoWorld, withCopies(config.CopiesConfig{Keep: 2, Send: []string{"cp", "-p", config.CopyPlaceholder, sentDir}}),
		func(cfg *config.Config, o *Options) {
			o.Clock, o.NoSchedule = clock, true
			cfg.Prompts.LoadTimeout = config.Duration(4 * time.Hour) // the run waits through the night
		})
	ctx := context.Background()

	first := waitCopies(t, h, "the first copy at start", func(n []string, _ CopiesState) bool { return len(n) == 1 })
	assert.Equal(t, "catalog-20261201T220000Z.db", first[0])

	// Half an hour later nothing ran: no copy.
	clock.Advance(30 * time.Minute)
	run, err := h.d.StartRun(ctx, "website-weekly", "manual", time.Time{})
	require.NoError(t, err)
	w := &world{t: t, h: h, ctx: ctx}
	w.waitFor("the run to wait for a cartridge", func() bool { _, ok := w.loadPrompt(); return ok })

	// An hour after the first copy, with the run in progress: a copy.
	clock.Advance(30 * time.Minute)
	waitCopies(t, h, "the hourly copy while a run changes the catalog", func(n []string, _ CopiesState) bool {
		return len(n) == 2 && n[1] == "catalog-20261201T230000Z.db"
	})

	// The run ends ten minutes later: the next housekeeping copies.
	clock.Advance(10 * time.Minute)
	_, err = h.d.CancelRun(ctx, tester, run.ID)
	require.NoError(t, err)
	clock.Advance(time.Minute)
	names := waitCopies(t, h, "the copy after the night's last run", func(n []string, _ CopiesState) bool {
		return len(n) == 2 && n[1] == "catalog-20261201T231100Z.db"
	})
	assert.Equal(t, []string{"catalog-20261201T230000Z.db", "catalog-20261201T231100Z.db"}, names, "the newest two are kept")

	for _, n := range names {
		fi, err := os.Stat(filepath.Join(h.cfg.CopiesPath(), n))
		require.NoError(t, err)
		assert.Equal(t, os.FileMode(0o600), fi.Mode().Perm(), n)
	}
	st := h.d.CatalogCopies()
	assert.Equal(t, filepath.Join(h.cfg.CopiesPath(), names[1]), st.Sent)
	require.NotNil(t, st.LastSend)
	assert.True(t, st.LastSend.OK)
	sent, err := os.ReadDir(sentDir)
	require.NoError(t, err)
	assert.Len(t, sent, 3, "each copy was sent")

	// The copy opens as a catalog and holds the run.
	cat, err := media.Open(ctx, filepath.Join(h.cfg.CopiesPath(), names[1]), media.Options{})
	require.NoError(t, err)
	got, err := cat.Run(ctx, run.ID)
	require.NoError(t, err)
	assert.Equal(t, media.RunCancelled, got.State)
	require.NoError(t, cat.Close())

	// A quiet day: one copy, a day after the last.
	clock.Advance(23 * time.Hour)
	clock.Advance(time.Hour)
	waitCopies(t, h, "the daily copy", func(n []string, _ CopiesState) bool {
		return len(n) == 2 && n[1] == "catalog-20261202T231100Z.db"
	})
}

// A send command that fails keeps the copy and shows in the status, the
// metrics, the audit log and the daemon's log with its exit status and
// what it wrote; a restarted daemon still knows the last send.
func TestAFailedSendShows(t *testing.T) {
	clock := newFakeClock(time.Date(2026, 12, 1, 22, 0, 0, 0, time.UTC))
	h := startDaemon(t, withCopies(config.CopiesConfig{Keep: 3, Send: []string{"sh", "-c", "echo 'ssh: connect to host annex port 22: No route to host' >&2; exit 12"}}),
		func(_ *config.Config, o *Options) { o.Clock = clock; o.NoSchedule = true })
	ctx := context.Background()
	waitCopies(t, h, "the first copy", func(n []string, st CopiesState) bool { return len(n) == 1 && st.LastSend != nil })

	st := h.d.CatalogCopies()
	require.NotNil(t, st.LastSend)
	assert.False(t, st.LastSend.OK)
	assert.Equal(t, 12, st.LastSend.Exit)
	assert.Contains(t, st.LastSend.Stderr, "No route to host")
	assert.True(t, st.SentAt.IsZero(), "nothing was sent")
	assert.NotEmpty(t, st.Newest, "the copy is kept")
	assert.Contains(t, h.log.String(), "sending the catalog copy failed")

	w := &world{t: t, h: h, ctx: ctx}
	assert.Equal(t, 0.0, w.metric("tapewarden_catalog_copy_send_success"))
	clock.Advance(2 * time.Hour)
	assert.Equal(t, 2*3600.0, w.metric("tapewarden_catalog_copy_sent_age_seconds"), "never sent: counted from the start")
	assert.Equal(t, 2*3600.0, w.metric("tapewarden_catalog_copy_age_seconds"))

	events, err := h.d.cat.Events(ctx, media.EventFilter{Limit: 5})
	require.NoError(t, err)
	var failed bool
	for _, e := range events {
		if e.Kind == "catalog-copy-send-failed" {
			failed = strings.Contains(e.Reason, "exited with status 12") && strings.Contains(e.Reason, "No route to host")
		}
	}
	assert.True(t, failed, "the audit log records the failed send: %+v", events)

	// A new daemon on the same state reads the copies directory.
	cfg := h.cfg
	h.stop()
	h2 := startConfig(t, cfg, func(_ *config.Config, o *Options) { o.Clock = clock; o.NoSchedule = true; o.NoNightCheck = true })
	st2 := h2.d.CatalogCopies()
	assert.Equal(t, st.Newest, st2.Newest)
	require.NotNil(t, st2.LastSend)
	assert.Equal(t, 12, st2.LastSend.Exit)
}

// A copy that cannot be written shows in the status and the log, and is
// tried again a quarter of an hour later, not at every round.
func TestAFailedCopyIsRetried(t *testing.T) {
	clock := newFakeClock(time.Date(2026, 12, 1, 22, 0, 0, 0, time.UTC))
	h := startDaemon(t, withCopies(config.CopiesConfig{Keep: 2}), func(_ *config.Config, o *Options) { o.Clock = clock; o.NoSchedule = true })
	waitCopies(t, h, "the first copy", func(n []string, _ CopiesState) bool { return len(n) == 1 })

	// The copies directory is replaced by a file: nothing can be written.
	dir := h.cfg.CopiesPath()
	require.NoError(t, os.RemoveAll(dir))
	require.NoError(t, os.WriteFile(dir, []byte("not a directory"), 0o600))
	clock.Advance(24 * time.Hour)
	waitCopies(t, h, "the failed daily copy", func(_ []string, st CopiesState) bool { return st.LastError != "" })
	st := h.d.CatalogCopies()
	assert.Contains(t, st.LastError, "create the copies directory")
	assert.Equal(t, time.Date(2026, 12, 1, 22, 0, 0, 0, time.UTC), st.NewestAt.UTC(), "the newest copy is still the first")
	assert.Contains(t, h.log.String(), "scheduled copy of the catalog failed")

	// Fourteen housekeeping rounds, a minute apart: no new attempt.
	for range 14 {
		h.d.mu.Lock()
		before := h.d.lastBeat
		h.d.mu.Unlock()
		clock.Advance(time.Minute)
		w := &world{t: t, h: h, ctx: context.Background()}
		w.waitFor("a housekeeping round", func() bool {
			h.d.mu.Lock()
			defer h.d.mu.Unlock()
			return h.d.lastBeat != before
		})
	}
	assert.Equal(t, 1, strings.Count(h.log.String(), "scheduled copy of the catalog failed"), "one failure, not one a minute")

	require.NoError(t, os.Remove(dir))
	clock.Advance(time.Minute)
	names := waitCopies(t, h, "the copy tried again", func(n []string, st CopiesState) bool { return len(n) == 1 && st.LastError == "" })
	assert.Equal(t, "catalog-20261202T221500Z.db", names[0])
	assert.Equal(t, 1, strings.Count(h.log.String(), "scheduled copy of the catalog failed"), "one failure, not one a minute")
}
