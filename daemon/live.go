package daemon

import (
	"context"

	"github.com/tapewarden/tapewarden/rotation"

	"github.com/tapewarden/tapewarden/daemon/metrics"
)

// metricsLive is what the metrics read of the daemon's state in memory.
type metricsLive struct{ d *Daemon }

var _ metrics.Live = metricsLive{}

func (l metricsLive) JobRunning(job string) bool { return l.d.runs.byJob(job) != nil }

func (l metricsLive) Drives() []metrics.Drive {
	out := make([]metrics.Drive, 0, len(l.d.dev.order))
	for _, name := range l.d.dev.order {
		drv := l.d.dev.drives[name]
		md := metrics.Drive{Name: name}
		if held, _ := drv.holder(); held.kind != 0 {
			md.Busy = true
		}
		if drv.virtual != nil {
			md.LastCleaned = drv.virtual.State().LastCleaned
		}
		out = append(out, md)
	}
	return out
}

func (l metricsLive) Cleaning(ctx context.Context, view rotation.View) ([]rotation.Cleaning, error) {
	return l.d.cleaningStatus(ctx, view)
}

func (l metricsLive) WriterStats() map[string]metrics.WriterStats {
	out := map[string]metrics.WriterStats{}
	for drive, s := range l.d.writerSnapshot() {
		out[drive] = metrics.WriterStats{Starved: s.Starved, Underruns: s.Underruns}
	}
	return out
}
