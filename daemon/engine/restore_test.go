package engine

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	_ "github.com/mattn/go-sqlite3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tapewarden/tapewarden/media"

	"github.com/tapewarden/tapewarden/daemon/config"
)

// withMonthlyJob loads the hourly configuration with a second job of the
// juki system, juki-monthly, that has never run.
func withMonthlyJob(t *testing.T) *config.Config {
	t.Helper()
	return withSecondJuki(t, "daily")
}

// withSecondJuki loads the hourly configuration with a second job of the
// juki system, juki-monthly, writing pool, that has never run.
func withSecondJuki(t *testing.T, pool string) *config.Config {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", "testdata", "daemon", "hourly.yaml"))
	require.NoError(t, err)
	monthly := `  - name: juki-monthly
    system: juki
    pool: ` + pool + `
    schedule: "30 23 1 * *"
    source: {paths: [/var/lib/tapewarden/data/juki]}
scheduler:`
	text := strings.Replace(string(data), "scheduler:", monthly, 1)
	text = strings.ReplaceAll(text, "/var/lib/tapewarden", shortTempDir(t))
	cfg, err := config.ParseConfig("hourly.yaml", []byte(text))
	require.NoError(t, err)
	return cfg
}

// nightlyRun runs juki-nightly by hand and waits until it succeeded.
func nightlyRun(t *testing.T, h *harness) media.Run {
	t.Helper()
	ctx := context.Background()
	run, err := h.d.StartRun(ctx, "juki-nightly", "manual", time.Time{})
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	done, err := h.d.WaitRun(ctx, run.ID)
	require.NoError(t, err)
	require.Equal(t, media.RunSucceeded, done.State, "run %d: %s", done.ID, done.Reason)
	full, err := h.d.cat.Run(context.Background(), run.ID)
	require.NoError(t, err)
	return full
}

// restoreEvents returns the audit events of kind restore, oldest first.
func restoreEvents(t *testing.T, h *harness) []media.Event {
	t.Helper()
	evs, err := h.d.cat.Events(context.Background(), media.EventFilter{Kind: "restore", Ascending: true})
	require.NoError(t, err)
	return evs
}

// TestRestoreSystemWithAJobThatNeverRan: a system whose monthly job has
// never run is restored from the job that has data; the result says what
// is missing and why. Only when nothing at all can be restored does the
// restore fail, in plain words.
func TestRestoreSystemWithAJobThatNeverRan(t *testing.T) {
	cfg := withMonthlyJob(t)
	clock := newFakeClock(time.Date(2026, 12, 1, 9, 10, 0, 0, cfg.Location))
	h, _ := hourly(t, cfg, clock, true)
	ctx := context.Background()

	_, err := h.d.Restore(ctx, tester, RestoreRequest{Job: "juki-monthly", To: t.TempDir()})
	require.ErrorIs(t, err, ErrNotFound)
	assert.Contains(t, err.Error(), "nothing to restore: job juki-monthly has no succeeded run yet")
	assert.NotContains(t, err.Error(), "no a ")

	run := nightlyRun(t, h)
	// A note the catalog cannot keep is refused before anything happens.
	_, err = h.d.Restore(ctx, tester, RestoreRequest{Job: "juki-nightly", To: t.TempDir(), Drill: true, Note: strings.Repeat("x", 3000)})
	require.ErrorIs(t, err, media.ErrBadInput)
	assert.Empty(t, restoreEvents(t, h))
	for _, req := range []RestoreRequest{
		{System: "juki"},
		{System: "juki", Generation: run.Generation},
	} {
		dir := t.TempDir()
		req.To = dir
		res, err := h.d.Restore(ctx, tester, req)
		require.NoError(t, err, "%+v", req)
		require.Len(t, res.Jobs, 1)
		assert.Equal(t, "juki-nightly", res.Jobs[0].Job)
		assert.True(t, res.Jobs[0].Verified)
		assert.Equal(t, []MissingJob{{Job: "juki-monthly", Reason: "has no succeeded run yet; see 'tapewarden job history juki-monthly'"}}, res.Missing)
		assert.False(t, res.Complete)
		require.Error(t, res.Err())
		assert.Contains(t, res.Err().Error(), "juki-monthly not restored: has no succeeded run yet")
		b, err := os.ReadFile(filepath.Join(dir, "juki-nightly", h.cfg.StateDir, "data", "juki", "residents.csv"))
		require.NoError(t, err)
		assert.Contains(t, string(b), "night,1")
	}

	// A generation the job has no run in names the one it has.
	res, err := h.d.Restore(ctx, tester, RestoreRequest{Job: "juki-nightly", Generation: "daily/2020-01-01", To: t.TempDir()})
	require.ErrorIs(t, err, ErrNotFound)
	assert.Empty(t, res.Jobs)
	assert.Contains(t, err.Error(), "job juki-nightly has no succeeded run in generation daily/2020-01-01; its newest is run")
	assert.Contains(t, err.Error(), "--generation "+run.Generation)
}

// TestRestoreGenerationOfOnePool: restoring a system's generation asks
// only the jobs writing that generation's pool; a job of the system in
// another pool never wrote it and is not reported missing.
func TestRestoreGenerationOfOnePool(t *testing.T) {
	cfg := withSecondJuki(t, "dat")
	clock := newFakeClock(time.Date(2026, 12, 1, 9, 10, 0, 0, cfg.Location))
	h, _ := hourly(t, cfg, clock, true)
	ctx := context.Background()
	run := nightlyRun(t, h)

	res, err := h.d.Restore(ctx, tester, RestoreRequest{System: "juki", Generation: run.Generation, To: t.TempDir()})
	require.NoError(t, err)
	assert.Empty(t, res.Missing)
	assert.True(t, res.Complete)
	require.NoError(t, res.Err())

	// Without a generation every job of the system counts.
	res, err = h.d.Restore(ctx, tester, RestoreRequest{System: "juki", To: t.TempDir()})
	require.NoError(t, err)
	assert.Equal(t, []string{"juki-monthly"}, missingJobs(res))

	_, err = h.d.Restore(ctx, tester, RestoreRequest{System: "juki", Generation: "scratch/2026-12-01", To: t.TempDir()})
	require.ErrorIs(t, err, ErrNotFound)
	assert.Contains(t, err.Error(), "no job of system juki writes pool scratch")
}

func missingJobs(res RestoreResult) []string {
	var out []string
	for _, m := range res.Missing {
		out = append(out, m.Job)
	}
	return out
}

// TestRestoreNamesEveryRefusedMember restores into a directory that
// already holds the data: every member is refused, each is named with its
// reason in the result, the log and the audit event, and the stream's
// SHA-256 is still checked to its end. A run whose recorded checksum does
// not match what the tape holds is reported in plain words.
func TestRestoreNamesEveryRefusedMember(t *testing.T) {
	cfg := loadTestConfig(t, "hourly.yaml")
	clock := newFakeClock(time.Date(2026, 12, 1, 9, 10, 0, 0, cfg.Location))
	h, w := hourly(t, cfg, clock, true)
	ctx := context.Background()
	run := nightlyRun(t, h)
	files := w.snapshots[1]["juki-nightly"]
	require.Greater(t, len(files), 1)

	dir := t.TempDir()
	first, err := h.d.Restore(ctx, tester, RestoreRequest{Job: "juki-nightly", To: dir})
	require.NoError(t, err)
	require.True(t, first.Complete, "%v", first.Err())
	require.NoError(t, first.Err())

	again, err := h.d.Restore(ctx, tester, RestoreRequest{Job: "juki-nightly", To: dir})
	require.NoError(t, err)
	require.Len(t, again.Jobs, 1)
	j := again.Jobs[0]
	assert.True(t, j.Verified, "the whole stream was still read and checked")
	assert.Equal(t, run.Bytes, j.Bytes)
	assert.False(t, again.Complete)
	refused := map[string]string{}
	for _, r := range j.Refused {
		refused[r.Member] = r.Reason
	}
	for name := range files {
		assert.Contains(t, refused, name, "every existing file is named")
		assert.Contains(t, refused[name], "restore with --overwrite to replace it")
	}
	assert.Contains(t, again.Err().Error(), "members refused")

	evs := restoreEvents(t, h)
	require.Len(t, evs, 2)
	last := evs[1]
	assert.Equal(t, "tester", last.Actor)
	assert.Equal(t, again.Event, last.ID)
	assert.Contains(t, last.Reason, "restore of job juki-nightly [juki-nightly run")
	assert.Contains(t, last.Reason, "into "+dir)
	assert.Contains(t, last.Reason, "NOT complete")
	for name := range files {
		assert.Contains(t, last.Reason, name)
	}
	logText := h.log.String()
	assert.Contains(t, logText, `msg="restore started"`)
	assert.Contains(t, logText, `msg="restore ended"`)
	for name := range files {
		assert.Contains(t, logText, name+": refused")
	}

	// The catalog says the run wrote something else than the tape holds.
	db, err := sql.Open("sqlite3", h.d.cat.Path())
	require.NoError(t, err)
	defer db.Close()
	_, err = db.Exec(`UPDATE runs SET sha256 = ? WHERE id = ?`, strings.Repeat("0", 64), run.ID)
	require.NoError(t, err)
	bad, err := h.d.Restore(ctx, tester, RestoreRequest{Job: "juki-nightly", To: t.TempDir(), Paths: []string{"nowhere/at-all"}, Drill: true})
	require.NoError(t, err)
	require.Len(t, bad.Jobs, 1)
	assert.False(t, bad.Jobs[0].Verified)
	assert.Contains(t, bad.Jobs[0].Problem, "the data on tape is not what was written")
	assert.Equal(t, []string{"nowhere/at-all"}, bad.Unmatched)
	require.NotNil(t, bad.Drill)
	assert.Equal(t, "failed", bad.Drill.Result)
	assert.Contains(t, bad.Err().Error(), "the data on tape is not what was written")
	evs = restoreEvents(t, h)
	require.Len(t, evs, 3)
	assert.Contains(t, evs[2].Reason, "restore drill of job juki-nightly, paths nowhere/at-all")
	assert.Contains(t, evs[2].Reason, "the data on tape is not what was written")
}

// TestRestoreEventTextFitsOneLine: member names with control or
// formatting characters are escaped, and a long result is cut on a
// character boundary, so the audit event is always accepted.
func TestRestoreEventTextFitsOneLine(t *testing.T) {
	assert.Equal(t, `evil\nname\u202etxt`, oneLine("evil\nname\u202etxt"))
	assert.Equal(t, `"a\x1b[2Jb"`, shown("a\x1b[2Jb"))
	assert.Equal(t, "plain/name.csv", shown("plain/name.csv"))
	long := strings.Repeat("住民", 1000) // 6000 bytes
	cut := fitLine(long, maxEventReason)
	assert.LessOrEqual(t, len(cut), maxEventReason)
	assert.True(t, utf8.ValidString(cut))
	assert.Contains(t, cut, "(cut; the daemon log and the restore's result have the rest)")
	res := RestoreResult{Jobs: []RestoredJob{{Job: "j"}}}
	for i := range 500 {
		res.Jobs[0].Refused = append(res.Jobs[0].Refused, RefusedMember{Member: fmt.Sprintf("dir/file-%03d\n", i), Reason: "already exists"})
	}
	out := restoreOutcome(res)
	assert.Contains(t, out, `"dir/file-000\n" (already exists)`)
	assert.Contains(t, out, "and 400 more (named in the daemon log)")
}
