package engine

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tapewarden/tapewarden/drives"
	"github.com/tapewarden/tapewarden/media"

	"github.com/tapewarden/tapewarden/daemon/config"
)

// hourly starts a daemon on the hourly-job configuration with a fake clock
// and a stocked world.
func hourly(t *testing.T, cfg *config.Config, clock *fakeClock, stock bool) (*harness, *world) {
	t.Helper()
	// No housekeeping between the tests' steps; set before the scheduler
	// runs, which reads it.
	h := startEngine(t, cfg, func(d *Engine) { d.maintEvery = 24 * time.Hour }, func(_ *config.Config, o *Options) { o.Clock = clock })
	w := &world{t: t, h: h, clock: clock, ctx: context.Background(), snapshots: map[int]map[string]map[string][]byte{},
		dataDir: filepath.Join(cfg.StateDir, "data")}
	if stock {
		w.stock()
		w.writeData(1)
	}
	return h, w
}

func runsOf(t *testing.T, h *harness, job string) []media.Run {
	t.Helper()
	runs, err := h.d.cat.Runs(context.Background(), media.RunFilter{Job: job, Limit: 1000})
	require.NoError(t, err)
	return runs
}

func TestMissedRunsAcrossARestart(t *testing.T) {
	cfg := loadTestConfig(t, "hourly.yaml")
	jst := cfg.Location
	clock := newFakeClock(time.Date(2026, 12, 1, 10, 30, 0, 0, jst))
	h, w := hourly(t, cfg, clock, true)
	require.Empty(t, runsOf(t, h, "juki-nightly"), "a first start misses nothing")

	run := w.runAt("juki-nightly", time.Date(2026, 12, 1, 11, 0, 0, 0, jst), nil)
	require.Equal(t, media.RunSucceeded, run.State, run.Reason)
	h.stop()

	t.Run("the newest slot within the catch-up window is started once", func(t *testing.T) {
		// Down from 11:10 to 16:30: slots 12:00 … 16:00 passed.
		clock.Set(time.Date(2026, 12, 1, 16, 30, 0, 0, jst))
		h2, w2 := hourly(t, cfg, clock, false)
		w2.waitFor("the catch-up run", func() bool {
			runs := runsOf(t, h2, "juki-nightly")
			return len(runs) == 6 && runs[0].State.Finished()
		})
		runs := runsOf(t, h2, "juki-nightly")
		assert.Equal(t, "catch-up", runs[0].Trigger)
		assert.Equal(t, media.RunSucceeded, runs[0].State, runs[0].Reason)
		assert.True(t, runs[0].ScheduledFor.Equal(time.Date(2026, 12, 1, 16, 0, 0, 0, jst)))
		for i, hour := range []int{15, 14, 13, 12} {
			r := runs[1+i]
			assert.Equal(t, media.RunMissed, r.State)
			assert.True(t, r.ScheduledFor.Equal(time.Date(2026, 12, 1, hour, 0, 0, 0, jst)), "slot %d:00", hour)
			assert.Contains(t, r.Reason, "the daemon was not running at 2026-12-01")
		}
		assert.Equal(t, 4.0, w2.metric("tapewarden_job_runs_total", `backup_job="juki-nightly"`, `result="missed"`), "missed runs count")
		assert.Equal(t, 2.0, w2.metric("tapewarden_job_runs_total", `backup_job="juki-nightly"`, `result="succeeded"`))
		h2.stop()
	})

	t.Run("slots older than the catch-up window are all recorded as missed", func(t *testing.T) {
		// Down from 16:00 to 21:15 the next day; the newest slot (21:00) is
		// within the window, so pretend a longer outage: 23:45 after a
		// slot-less window of three hours is still within; use a wider
		// gap and a narrower window instead.
		cfg.Scheduler.CatchUp = config.Duration(10 * time.Minute)
		clock.Set(time.Date(2026, 12, 1, 19, 40, 0, 0, jst))
		h3, w3 := hourly(t, cfg, clock, false)
		w3.waitFor("the missed runs", func() bool { return len(runsOf(t, h3, "juki-nightly")) == 9 })
		runs := runsOf(t, h3, "juki-nightly")
		for _, r := range runs[:3] {
			assert.Equal(t, media.RunMissed, r.State)
		}
		assert.Contains(t, runs[0].Reason, "the catch-up window (10 minutes) had passed")
		assert.Equal(t, 7.0, w3.metric("tapewarden_job_runs_total", `backup_job="juki-nightly"`, `result="missed"`))
		// The next slot runs as scheduled.
		run := w3.runAt("juki-nightly", time.Date(2026, 12, 1, 20, 0, 0, 0, jst), nil)
		assert.Equal(t, media.RunSucceeded, run.State, run.Reason)
	})
}

func readLines(path string) []string {
	b, _ := os.ReadFile(path)
	var out []string
	for _, l := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		if l != "" {
			out = append(out, l)
		}
	}
	return out
}

// linesOf returns the lines of a notice or page log about one prompt (the
// pre-flight check may open its own).
func linesOf(path string, prompt int64) []string {
	id := strconv.FormatInt(prompt, 10)
	var out []string
	for _, l := range readLines(path) {
		if strings.HasPrefix(l, id+" ") || strings.Contains(l, "[prompt "+id+"]") {
			out = append(out, l)
		}
	}
	return out
}

func TestPromptRemindersAndEscalation(t *testing.T) {
	cfg := loadTestConfig(t, "hourly.yaml")
	clock := newFakeClock(time.Date(2026, 12, 1, 9, 0, 0, 0, cfg.Location))
	h, w := hourly(t, cfg, clock, false)
	ctx := context.Background()
	notices := filepath.Join(cfg.StateDir, "notices.log")
	pages := filepath.Join(cfg.StateDir, "pages.log")

	p, err := h.d.openPrompt(ctx, media.Prompt{Kind: "load", Drive: "dat0", Barcode: "DAT003", Action: "Put DAT003 into drive dat0", Why: "a test"})
	require.NoError(t, err)
	w.waitFor("the notice of a new prompt", func() bool { return len(linesOf(notices, p.ID)) == 1 })
	assert.Equal(t, []string{strconv.FormatInt(p.ID, 10) + " load reminder=0 escalated=0"}, linesOf(notices, p.ID))

	// Reminders every 30 minutes; after two hours they escalate.
	for i, want := range []string{"reminder=1 escalated=0", "reminder=1 escalated=0", "reminder=1 escalated=0", "reminder=1 escalated=1"} {
		clock.Advance(30 * time.Minute)
		h.d.remind(ctx)
		w.waitFor("reminder", func() bool { return len(linesOf(notices, p.ID)) == 2+i })
		assert.True(t, strings.HasSuffix(linesOf(notices, p.ID)[1+i], want), "reminder %d: %s", i+1, linesOf(notices, p.ID)[1+i])
	}
	w.waitFor("the escalation page", func() bool { return len(linesOf(pages, p.ID)) == 1 })
	assert.Contains(t, linesOf(pages, p.ID)[0], "PAGE [prompt "+strconv.FormatInt(p.ID, 10)+"] Put DAT003 into drive dat0")
	got, err := h.d.cat.Prompt(ctx, p.ID)
	require.NoError(t, err)
	assert.Equal(t, 4, got.Reminders)
	assert.True(t, got.Escalated)

	// Not yet due: nothing new.
	clock.Advance(10 * time.Minute)
	h.d.remind(ctx)
	time.Sleep(100 * time.Millisecond)
	assert.Len(t, linesOf(notices, p.ID), 5)

	// A withdrawn prompt is not reminded of again.
	_, err = h.d.PromptCancel(ctx, tester, p.ID, "not needed")
	require.NoError(t, err)
	clock.Advance(time.Hour)
	h.d.remind(ctx)
	time.Sleep(100 * time.Millisecond)
	assert.Len(t, linesOf(notices, p.ID), 5)
}

// waitDriveEvent waits for a drive history event of a kind.
func waitDriveEvent(w *world, drive, kind string, n int) []media.DriveEvent {
	var found []media.DriveEvent
	w.waitFor("a "+kind+" event of "+drive, func() bool {
		evs, _ := w.h.d.cat.DriveEvents(w.ctx, drive, 100)
		found = found[:0]
		for _, e := range evs {
			if e.Kind == kind {
				found = append(found, e)
			}
		}
		return len(found) >= n
	})
	return found
}

func TestCleaningInTheLibrary(t *testing.T) {
	h := startDaemon(t, withDemoWorld)
	w := &world{t: t, h: h, ctx: context.Background()}
	ctx := w.ctx
	lto0 := h.d.dev.drives["lto0"]

	// The drive asks; housekeeping cleans it with the cartridge that has
	// the fewest uses left, which is then used up and retired.
	lto0.virtual.RequestCleaning(true)
	h.d.maintain(ctx)
	ev := waitDriveEvent(w, "lto0", "cleaned", 1)
	assert.Equal(t, "CLN002CU", ev[0].Barcode)
	w.waitFor("the cleaning to finish", func() bool { return !h.d.isCleaning("lto0") })
	c, err := h.d.cat.Cartridge(ctx, "CLN002CU")
	require.NoError(t, err)
	assert.Equal(t, media.Retired, c.State, "an exhausted cleaning cartridge is retired")
	require.NotNil(t, c.UsesLeft)
	assert.Equal(t, 0, *c.UsesLeft)
	assert.Equal(t, "honcho/lib0/slot/23", c.Location.String(), "and put back in its slot")
	retired, err := h.d.cat.Events(ctx, media.EventFilter{Barcode: "CLN002CU", Kind: "retired"})
	require.NoError(t, err)
	require.Len(t, retired, 1)
	assert.Contains(t, retired[0].Reason, "used up")
	assert.False(t, lto0.virtual.State().CleaningRequested)
	assert.Equal(t, 0.0, w.metric("tapewarden_drive_cleaning_due", `drive="lto0"`))

	// The next request uses the other cartridge.
	lto0.virtual.RequestCleaning(false)
	h.d.maintain(ctx)
	ev = waitDriveEvent(w, "lto0", "cleaned", 2)
	assert.Equal(t, "CLN001CU", ev[0].Barcode)
	w.waitFor("the cleaning to finish", func() bool { return !h.d.isCleaning("lto0") })
	c, err = h.d.cat.Cartridge(ctx, "CLN001CU")
	require.NoError(t, err)
	assert.Equal(t, 49, *c.UsesLeft)
	assert.Equal(t, 49.0, w.metric("tapewarden_cleaning_cartridge_uses_left", `barcode="CLN001CU"`))
	assert.Equal(t, 1.0, w.metric("tapewarden_cleaning_cartridges_usable", `drive_type="LTO-8"`))

	// A cleaning never interrupts a run: a drive in use is cleaned later.
	release, err := lto0.tryAcquire(lease{kind: leaseRun, who: "run 99 (test)"})
	require.NoError(t, err)
	lto0.virtual.RequestCleaning(true)
	h.d.maintain(ctx)
	time.Sleep(100 * time.Millisecond)
	assert.Len(t, waitDriveEvent(w, "lto0", "cleaned", 2), 2, "not cleaned while in use")
	release()
	h.d.maintain(ctx)
	waitDriveEvent(w, "lto0", "cleaned", 3)
}

func TestAnExpiredCleaningCartridgeIsRetired(t *testing.T) {
	h := startDaemon(t, withDemoWorld)
	w := &world{t: t, h: h, ctx: context.Background()}
	ctx := w.ctx
	lib := h.d.dev.libs["lib0"]
	// The catalog thinks CLN003CU has a use left; the cartridge itself is
	// spent, so the drive rejects it (TapeAlert 22).
	_, err := lib.virtual.AddCartridge(22, drives.CartridgeSpec{Barcode: "CLN003CU", MediaType: "LTO-CLN", CleaningUses: -1}, nil)
	require.NoError(t, err)
	one := 1
	_, err = h.d.cat.AddCartridge(ctx, tester, media.NewCartridge{Barcode: "CLN003CU", UsesLeft: &one, Location: media.LibrarySlot("honcho", "lib0", 22)})
	require.NoError(t, err)
	_, err = h.d.cat.Retire(ctx, tester, "CLN002CU", "taken out of service for the test")
	require.NoError(t, err)

	_, err = h.d.Clean(ctx, tester, "lto1", "test", false)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "expired (TapeAlert 22)")
	c, err := h.d.cat.Cartridge(ctx, "CLN003CU")
	require.NoError(t, err)
	assert.Equal(t, media.Retired, c.State)
	assert.Equal(t, 0, *c.UsesLeft)
	failed := waitDriveEvent(w, "lto1", "cleaning-failed", 1)
	assert.Equal(t, "CLN003CU", failed[0].Barcode)
	alerts := waitDriveEvent(w, "lto1", "tapealert", 1)
	assert.Equal(t, 22, alerts[0].Flag)
	assert.Equal(t, 1.0, w.metric("tapewarden_drive_tapealerts_total", `drive="lto1"`, `flag="22"`, `severity="critical"`))
	// With the good cartridge it works.
	res, err := h.d.Clean(ctx, tester, "lto1", "test", false)
	require.NoError(t, err)
	assert.Equal(t, "CLN001CU", res.Cleaner)
}

func TestCleaningAStandaloneDriveByAPerson(t *testing.T) {
	h := startDaemon(t, withDemoWorld)
	w := &world{t: t, h: h, ctx: context.Background()}
	ctx := w.ctx
	dat0 := h.d.dev.drives["dat0"]
	dat0.virtual.RequestCleaning(true)
	h.d.maintain(ctx)
	var p media.Prompt
	w.waitFor("the cleaning prompt", func() bool {
		open, _ := h.d.cat.Prompts(ctx, false)
		for _, x := range open {
			if x.Kind == "clean" {
				p = x
				return true
			}
		}
		return false
	})
	assert.Contains(t, p.Action, "put cleaning cartridge CLNDAT01 (now at honcho/shelf) into it")
	// The person does it: in, the drive cleans and ejects, out again.
	_, err := h.d.Insert(ctx, operatorActor, "dat0", InsertRequest{Barcode: "CLNDAT01"})
	require.NoError(t, err)
	ev, err := h.d.Eject(ctx, operatorActor, "dat0", EjectRequest{To: "honcho/shelf"})
	require.NoError(t, err)
	assert.Equal(t, "CLNDAT01", ev.Barcode)
	_, err = h.d.PromptDone(ctx, operatorActor, p.ID, "")
	require.NoError(t, err)
	cleaned := waitDriveEvent(w, "dat0", "cleaned", 1)
	assert.Equal(t, "CLNDAT01", cleaned[0].Barcode)
	w.waitFor("the cleaning to finish", func() bool { return !h.d.isCleaning("dat0") })
	c, err := h.d.cat.Cartridge(ctx, "CLNDAT01")
	require.NoError(t, err)
	assert.Equal(t, 19, *c.UsesLeft)
	assert.Equal(t, "honcho/shelf", c.Location.String())
	used, err := h.d.cat.Events(ctx, media.EventFilter{Barcode: "CLNDAT01", Kind: "cleaning-used"})
	require.NoError(t, err)
	require.Len(t, used, 1)
	assert.Equal(t, "tanaka", used[0].Actor)
}
