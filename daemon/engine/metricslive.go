package engine

import (
	"context"
	"time"

	"github.com/tapewarden/tapewarden/rotation"

	"github.com/tapewarden/tapewarden/daemon/metrics"
)

// MetricsLive is the engine's state in memory as the metrics collectors
// read it, through the interface the metrics package declares.
func (d *Engine) MetricsLive() metrics.Live { return metricsLive{d} }

// metricsLive is what the metrics read of the engine's state in memory.
type metricsLive struct{ eng *Engine }

var _ metrics.Live = metricsLive{}

func (l metricsLive) JobRunning(job string) bool { return l.eng.JobRunning(job) }

func (l metricsLive) Drives() []metrics.Drive {
	var out []metrics.Drive
	for _, d := range l.eng.LiveDrives() {
		out = append(out, metrics.Drive{Name: d.Name, Busy: d.Busy, LastCleaned: d.LastCleaned})
	}
	return out
}

func (l metricsLive) Cleaning(ctx context.Context, view rotation.View) ([]rotation.Cleaning, error) {
	return l.eng.CleaningAgainst(ctx, view)
}

func (l metricsLive) WriterStats() map[string]metrics.WriterStats {
	out := map[string]metrics.WriterStats{}
	for drive, s := range l.eng.WriterStats() {
		out[drive] = metrics.WriterStats{Starved: s.Starved, Underruns: s.Underruns}
	}
	return out
}

func (l metricsLive) UnrecordedRuns() []metrics.UnrecordedRun {
	var out []metrics.UnrecordedRun
	for _, r := range l.eng.UnrecordedRuns() {
		out = append(out, metrics.UnrecordedRun{Job: r.Job, State: r.State, Finished: r.Finished})
	}
	return out
}

func (l metricsLive) CheckProblems() ([]metrics.CheckProblem, bool) {
	rep, ok := l.eng.LastCheck()
	if !ok {
		return nil, false
	}
	var out []metrics.CheckProblem
	for _, p := range rep.Problems() {
		out = append(out, metrics.CheckProblem{Job: p.Job, Kind: p.Kind})
	}
	return out, true
}

func (l metricsLive) Audit() metrics.Audit {
	a := l.eng.AuditState()
	return metrics.Audit{Checked: a.Checked, OK: a.OK, VerifiedID: a.HeadID}
}

func (l metricsLive) CatalogCopies() metrics.CatalogCopies {
	c := l.eng.CatalogCopies()
	return metrics.CatalogCopies{
		Enabled: c.Enabled, Newest: c.NewestAt, Kept: c.Kept, Sending: c.Sending, Sent: c.SentAt,
		SendFailed: c.LastSend != nil && !c.LastSend.OK, MaxAge: c.MaxAge,
	}
}

func (l metricsLive) SiteLossDrill() metrics.SiteLossDrill {
	d, ok := l.eng.LastSiteLossDrill()
	if !ok {
		return metrics.SiteLossDrill{}
	}
	out := metrics.SiteLossDrill{At: d.At, Passed: d.Result == "passed"}
	if d.AllBack != nil {
		out.AllBack = time.Duration(*d.AllBack * float64(time.Second))
	}
	return out
}
