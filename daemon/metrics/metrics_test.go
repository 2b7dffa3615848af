package metrics

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tapewarden/tapewarden/media"
	"github.com/tapewarden/tapewarden/rotation"

	"github.com/tapewarden/tapewarden/daemon/config"
)

// fakeLive is the engine's state as a test sets it.
type fakeLive struct {
	running     map[string]bool
	drives      []Drive
	cleaningErr error
	writers     map[string]WriterStats

	unrecorded    []UnrecordedRun
	checkProblems []CheckProblem
	checked       bool
	copies        CatalogCopies
	siteLoss      SiteLossDrill
	audit         Audit
}

func (l *fakeLive) Audit() Audit { return l.audit }

func (l *fakeLive) CatalogCopies() CatalogCopies { return l.copies }

func (l *fakeLive) SiteLossDrill() SiteLossDrill { return l.siteLoss }

func (l *fakeLive) JobRunning(job string) bool { return l.running[job] }
func (l *fakeLive) Drives() []Drive            { return l.drives }
func (l *fakeLive) Cleaning(_ context.Context, _ rotation.View) ([]rotation.Cleaning, error) {
	if l.cleaningErr != nil {
		return nil, l.cleaningErr
	}
	var out []rotation.Cleaning
	for _, d := range l.drives {
		out = append(out, rotation.Cleaning{Drive: d.Name, Due: rotation.DueNow})
	}
	return out, nil
}
func (l *fakeLive) WriterStats() map[string]WriterStats { return l.writers }
func (l *fakeLive) UnrecordedRuns() []UnrecordedRun     { return l.unrecorded }
func (l *fakeLive) CheckProblems() ([]CheckProblem, bool) {
	return l.checkProblems, l.checked
}

// setup opens a real catalog with the demo's sites, pools and drives.
func setup(t *testing.T) (*config.Config, *media.Catalog, time.Time) {
	t.Helper()
	cfg, err := config.DemoConfig(t.TempDir())
	require.NoError(t, err)
	now := time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC)
	cat, err := media.Open(context.Background(), cfg.CatalogPath(), media.Options{Now: func() time.Time { return now }, LabelPatterns: cfg.LabelPatterns()})
	require.NoError(t, err)
	t.Cleanup(func() { cat.Close() })
	_, err = cat.SyncTopology(context.Background(), cfg.Topology())
	require.NoError(t, err)
	return cfg, cat, now
}

func TestEveryCollectorReportsItsSuccess(t *testing.T) {
	cfg, cat, now := setup(t)
	ctx := context.Background()
	_, err := cat.AddCartridge(ctx, media.System, media.NewCartridge{Barcode: "CLN001CU", Location: media.Storage("honcho", "shelf")})
	require.NoError(t, err)
	_, err = cat.RecordDriveEvent(ctx, media.DriveEvent{Drive: "lto0", Kind: "tapealert", Flag: 20})
	require.NoError(t, err)
	live := &fakeLive{
		running: map[string]bool{"juki-daily": true},
		drives:  []Drive{{Name: "lto0", Busy: true}, {Name: "lto1", LastCleaned: now.Add(-time.Hour)}},
		writers: map[string]WriterStats{"lto0": {Starved: 1500 * time.Millisecond, Underruns: 3}},
	}
	reg := NewRegistry(cfg, cat, live, Options{Now: func() time.Time { return now }, Started: now})

	require.NoError(t, testutil.GatherAndCompare(reg, strings.NewReader(`
# HELP tapewarden_scrape_collector_success 1 if the collector read its data source at this scrape, 0 if it failed (the daemon's log says why).
# TYPE tapewarden_scrape_collector_success gauge
tapewarden_scrape_collector_success{collector="audit"} 1
tapewarden_scrape_collector_success{collector="catalog"} 1
tapewarden_scrape_collector_success{collector="catalog_copies"} 1
tapewarden_scrape_collector_success{collector="check"} 1
tapewarden_scrape_collector_success{collector="drills"} 1
tapewarden_scrape_collector_success{collector="drives"} 1
tapewarden_scrape_collector_success{collector="inspections"} 1
tapewarden_scrape_collector_success{collector="jobs"} 1
tapewarden_scrape_collector_success{collector="prompts"} 1
tapewarden_scrape_collector_success{collector="recovery_sheet"} 1
tapewarden_scrape_collector_success{collector="rotation"} 1
tapewarden_scrape_collector_success{collector="siteloss_drill"} 1
tapewarden_scrape_collector_success{collector="writers"} 1
`), "tapewarden_scrape_collector_success"))

	// The engine's state reaches the series it feeds.
	require.NoError(t, testutil.GatherAndCompare(reg, strings.NewReader(`
# HELP tapewarden_drive_busy 1 while the drive is leased by a run, restore, cleaning or library operation.
# TYPE tapewarden_drive_busy gauge
tapewarden_drive_busy{drive="lto0"} 1
tapewarden_drive_busy{drive="lto1"} 0
# HELP tapewarden_drive_last_cleaned_timestamp_seconds When the drive was last cleaned; 0 if never recorded.
# TYPE tapewarden_drive_last_cleaned_timestamp_seconds gauge
tapewarden_drive_last_cleaned_timestamp_seconds{drive="lto0"} 0
tapewarden_drive_last_cleaned_timestamp_seconds{drive="lto1"} 1.7958528e+09
# HELP tapewarden_drive_tapealerts_total TapeAlert flags read from the drive, by flag number and severity.
# TYPE tapewarden_drive_tapealerts_total counter
tapewarden_drive_tapealerts_total{drive="lto0",flag="20",severity="critical"} 1
# HELP tapewarden_drive_cleaning_due Whether the drive needs cleaning: 0 not due, 1 due soon, 2 due now.
# TYPE tapewarden_drive_cleaning_due gauge
tapewarden_drive_cleaning_due{drive="lto0"} 2
tapewarden_drive_cleaning_due{drive="lto1"} 2
# HELP tapewarden_writer_underruns_total Waits of the drive's writer longer than the underrun threshold.
# TYPE tapewarden_writer_underruns_total counter
tapewarden_writer_underruns_total{drive="lto0"} 3
`), "tapewarden_drive_busy", "tapewarden_drive_last_cleaned_timestamp_seconds", "tapewarden_drive_tapealerts_total",
		"tapewarden_drive_cleaning_due", "tapewarden_writer_underruns_total"))
	running, err := testutil.GatherAndCount(reg, "tapewarden_job_running")
	require.NoError(t, err)
	assert.Equal(t, len(cfg.Jobs), running, "every configured job has a running series")

	// The backup job's name is the label backup_job: the label job is the
	// scrape target's.
	require.NoError(t, testutil.GatherAndCompare(reg, strings.NewReader(`
# HELP tapewarden_job_running 1 while the job has a run in progress.
# TYPE tapewarden_job_running gauge
tapewarden_job_running{backup_job="juki-daily"} 1
tapewarden_job_running{backup_job="juki-monthly"} 0
tapewarden_job_running{backup_job="koseki-daily"} 0
tapewarden_job_running{backup_job="koseki-monthly"} 0
tapewarden_job_running{backup_job="website-weekly"} 0
tapewarden_job_running{backup_job="zeimu-monthly"} 0
`), "tapewarden_job_running"))
	mfs, err := reg.Gather()
	require.NoError(t, err)
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				assert.NotEqual(t, "job", l.GetName(), "%s has a label job", mf.GetName())
			}
		}
	}

	// The build: version, commit and Go release, always 1.
	require.NoError(t, testutil.GatherAndCompare(reg, strings.NewReader(`
# HELP tapewarden_build_info Always 1: the running tapewarden's version, the commit it was built from and the Go release that built it.
# TYPE tapewarden_build_info gauge
tapewarden_build_info{commit="`+buildCommit()+`",go_version="`+runtime.Version()+`",version="`+config.Version+`"} 1
`), "tapewarden_build_info"))
}

// The commit is the toolchain's vcs.revision, marked when the tree was
// modified.
func TestCommitOf(t *testing.T) {
	rev := "0123456789abcdef0123456789abcdef01234567"
	assert.Equal(t, rev, commitOf([]debug.BuildSetting{{Key: "vcs", Value: "git"}, {Key: "vcs.revision", Value: rev}, {Key: "vcs.modified", Value: "false"}}))
	assert.Equal(t, rev+"-dirty", commitOf([]debug.BuildSetting{{Key: "vcs.modified", Value: "true"}, {Key: "vcs.revision", Value: rev}}))
	assert.Equal(t, "unknown", commitOf([]debug.BuildSetting{{Key: "-compiler", Value: "gc"}}))
	assert.Equal(t, "unknown", commitOf(nil))
}

// A collector that fails says so in its success gauge and in the log; the
// others still report.
func TestAFailingCollectorIsReportedNotDropped(t *testing.T) {
	cfg, cat, now := setup(t)
	var logged bytes.Buffer
	live := &fakeLive{drives: []Drive{{Name: "lto0"}}, cleaningErr: errors.New("drive lto0 did not answer")}
	reg := NewRegistry(cfg, cat, live, Options{Now: func() time.Time { return now }, Started: now,
		Logger: slog.New(slog.NewTextHandler(&logged, nil))})

	success := func() map[string]float64 {
		mfs, err := reg.Gather()
		require.NoError(t, err)
		out := map[string]float64{}
		for _, mf := range mfs {
			if mf.GetName() != "tapewarden_scrape_collector_success" {
				continue
			}
			for _, m := range mf.GetMetric() {
				out[m.GetLabel()[0].GetValue()] = m.GetGauge().GetValue()
			}
		}
		return out
	}
	got := success()
	assert.Equal(t, 0.0, got["rotation"], "the cleaning could not be judged")
	assert.Equal(t, 1.0, got["catalog"])
	assert.Equal(t, 1.0, got["jobs"])
	assert.Contains(t, logged.String(), "collector=rotation")
	assert.Contains(t, logged.String(), "drive lto0 did not answer")

	// With the catalog gone, every collector that reads it says 0 and the
	// catalog's own gauge says it did not answer.
	require.NoError(t, cat.Close())
	live.cleaningErr = nil
	got = success()
	for _, name := range []string{"catalog", "jobs", "prompts", "drives", "rotation", "drills", "inspections"} {
		assert.Equal(t, 0.0, got[name], name)
	}
	assert.Equal(t, 1.0, got["writers"], "the writers' counters are in memory")
	require.NoError(t, testutil.GatherAndCompare(reg, strings.NewReader(`
# HELP tapewarden_catalog_up 1 if the catalog answered this scrape, 0 if it did not.
# TYPE tapewarden_catalog_up gauge
tapewarden_catalog_up 0
`), "tapewarden_catalog_up"))
}

// The audit series follow the engine's last verification of the chain: 0
// before the first and when broken, with the last event that verified.
func TestAuditSeriesFollowTheEngine(t *testing.T) {
	cfg, cat, now := setup(t)
	live := &fakeLive{}
	reg := NewRegistry(cfg, cat, live, Options{Now: func() time.Time { return now }, Started: now})
	series := func(ok string, id string) string {
		return `
# HELP tapewarden_audit_chain_ok 1 if the daemon's last verification of the audit chain found it intact, 0 if broken (or not yet verified).
# TYPE tapewarden_audit_chain_ok gauge
tapewarden_audit_chain_ok ` + ok + `
# HELP tapewarden_audit_verified_event_id The ID of the last audit event the daemon verified.
# TYPE tapewarden_audit_verified_event_id gauge
tapewarden_audit_verified_event_id ` + id + "\n"
	}
	require.NoError(t, testutil.GatherAndCompare(reg, strings.NewReader(series("0", "0")), "tapewarden_audit_chain_ok", "tapewarden_audit_verified_event_id"))
	live.audit = Audit{Checked: now, OK: true, VerifiedID: 42}
	require.NoError(t, testutil.GatherAndCompare(reg, strings.NewReader(series("1", "42")), "tapewarden_audit_chain_ok", "tapewarden_audit_verified_event_id"))
	live.audit = Audit{Checked: now, OK: false, VerifiedID: 6}
	require.NoError(t, testutil.GatherAndCompare(reg, strings.NewReader(series("0", "6")), "tapewarden_audit_chain_ok", "tapewarden_audit_verified_event_id"))
}

// A catalog that does not answer (closed, or slower than the scrape's
// timeout) shows in every collector that reads it as 0, and its error is
// logged once per scrape, naming those collectors, not once per collector.
func TestACatalogThatDoesNotAnswerIsLoggedOncePerScrape(t *testing.T) {
	for _, tc := range []struct {
		name    string
		opts    Options
		breakIt func(*media.Catalog) error
		err     string
	}{
		{name: "closed", breakIt: (*media.Catalog).Close, err: "database is closed"},
		{name: "too slow", opts: Options{Timeout: time.Nanosecond}, breakIt: func(*media.Catalog) error { return nil }, err: "context deadline exceeded"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg, cat, now := setup(t)
			var logged bytes.Buffer
			opts := tc.opts
			opts.Now, opts.Started = func() time.Time { return now }, now
			opts.Logger = slog.New(slog.NewTextHandler(&logged, nil))
			reg := NewRegistry(cfg, cat, &fakeLive{drives: []Drive{{Name: "lto0"}}}, opts)
			require.NoError(t, tc.breakIt(cat))
			for range 2 {
				require.NoError(t, testutil.GatherAndCompare(reg, strings.NewReader(`
# HELP tapewarden_catalog_up 1 if the catalog answered this scrape, 0 if it did not.
# TYPE tapewarden_catalog_up gauge
tapewarden_catalog_up 0
# HELP tapewarden_scrape_collector_success 1 if the collector read its data source at this scrape, 0 if it failed (the daemon's log says why).
# TYPE tapewarden_scrape_collector_success gauge
tapewarden_scrape_collector_success{collector="audit"} 1
tapewarden_scrape_collector_success{collector="catalog"} 0
tapewarden_scrape_collector_success{collector="catalog_copies"} 1
tapewarden_scrape_collector_success{collector="check"} 1
tapewarden_scrape_collector_success{collector="drills"} 0
tapewarden_scrape_collector_success{collector="drives"} 0
tapewarden_scrape_collector_success{collector="inspections"} 0
tapewarden_scrape_collector_success{collector="jobs"} 0
tapewarden_scrape_collector_success{collector="prompts"} 0
tapewarden_scrape_collector_success{collector="recovery_sheet"} 1
tapewarden_scrape_collector_success{collector="rotation"} 0
tapewarden_scrape_collector_success{collector="siteloss_drill"} 1
tapewarden_scrape_collector_success{collector="writers"} 1
`), "tapewarden_catalog_up", "tapewarden_scrape_collector_success"))
			}
			lines := strings.Split(strings.TrimSpace(logged.String()), "\n")
			require.Len(t, lines, 2, "one line per scrape:\n%s", logged.String())
			for _, l := range lines {
				assert.Contains(t, l, "level=ERROR")
				assert.Contains(t, l, "collector=catalog")
				assert.Contains(t, l, "collectors=catalog,jobs,prompts,drives,rotation,drills,inspections")
				assert.Contains(t, l, tc.err)
			}
			// Nothing of the catalog's figures is exported as if it were
			// true: no job, prompt or drive series at all.
			for _, name := range []string{"tapewarden_cartridges", "tapewarden_job_runs_total", "tapewarden_prompts_pending", "tapewarden_drive_busy", "tapewarden_pool_offsite_generations"} {
				n, err := testutil.GatherAndCount(reg, name)
				require.NoError(t, err)
				assert.Zero(t, n, name)
			}
		})
	}
}

// The pre-flight check's problems and the runs the catalog could not
// record yet reach the metrics from memory.
func TestCheckProblemsAndUnrecordedRuns(t *testing.T) {
	cfg, cat, now := setup(t)
	live := &fakeLive{}
	reg := NewRegistry(cfg, cat, live, Options{Now: func() time.Time { return now }, Started: now})
	n, err := testutil.GatherAndCount(reg, "tapewarden_check_problems")
	require.NoError(t, err)
	assert.Zero(t, n, "nothing before the first check")

	job := cfg.Jobs[0].Name
	live.checked = true
	live.checkProblems = []CheckProblem{{Job: job, Kind: "source"}, {Job: job, Kind: "source"}, {Kind: "cleaning"}}
	live.unrecorded = []UnrecordedRun{{Job: job, State: media.RunFailed, Finished: now}}
	mfs, err := reg.Gather()
	require.NoError(t, err)
	got := map[string]float64{}
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			key := mf.GetName()
			for _, l := range m.GetLabel() {
				key += "," + l.GetName() + "=" + l.GetValue()
			}
			if m.GetGauge() != nil {
				got[key] = m.GetGauge().GetValue()
			} else if m.GetCounter() != nil {
				got[key] = m.GetCounter().GetValue()
			}
		}
	}
	assert.Equal(t, 2.0, got["tapewarden_check_problems,backup_job="+job+",kind=source"])
	assert.Equal(t, 1.0, got["tapewarden_check_problems,backup_job=,kind=cleaning"])
	assert.Equal(t, 0.0, got["tapewarden_check_problems,backup_job="+job+",kind=cartridge"])
	assert.Equal(t, 1.0, got["tapewarden_job_runs_total,backup_job="+job+",result=failed"], "a run the catalog has not recorded counts")
	assert.Equal(t, float64(now.Unix()), got["tapewarden_job_last_failure_timestamp_seconds,backup_job="+job])
	assert.Equal(t, 1.0, got["tapewarden_catalog_writable"])
}
