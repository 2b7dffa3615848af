package metrics

import (
	"context"
	"log/slog"
	"runtime"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/tapewarden/tapewarden/media"
	"github.com/tapewarden/tapewarden/rotation"

	"github.com/tapewarden/tapewarden/daemon/config"
)

// Live is what the metrics read of the engine's state in memory. Every
// method only reads and returns at once; none touches a device.
type Live interface {
	// JobRunning reports whether the job has a run in progress.
	JobRunning(job string) bool
	// Drives lists the configured drives, in the configuration's order.
	Drives() []Drive
	// Cleaning judges every drive's cleaning against view.
	Cleaning(ctx context.Context, view rotation.View) ([]rotation.Cleaning, error)
	// WriterStats returns each drive's streaming counters since the start.
	WriterStats() map[string]WriterStats
	// Audit is the engine's last verification of the audit chain.
	Audit() Audit
}

// Audit is what the engine's last verification of the audit chain found.
type Audit struct {
	// Checked is when; zero before the first verification.
	Checked time.Time
	OK      bool
	// VerifiedID is the last event that verified.
	VerifiedID int64
}

// Drive is a drive's state as the engine knows it.
type Drive struct {
	Name string
	// Busy is set while the drive is leased.
	Busy bool
	// LastCleaned is when the drive itself says it was last cleaned (a
	// virtual drive records it); zero when it does not say.
	LastCleaned time.Time
}

// WriterStats are a drive writer's streaming counters.
type WriterStats struct {
	// Starved is the time the writer waited on an empty buffer.
	Starved time.Duration
	// Underruns counts such waits longer than the underrun threshold.
	Underruns int64
}

// Options are what the registry takes besides its data sources.
type Options struct {
	// Now is the daemon's time; nil means the wall clock.
	Now func() time.Time
	// Logger receives every collector's failure; nil discards them.
	Logger *slog.Logger
	// Started is when the daemon started.
	Started time.Time
	// Timeout bounds each scrape's reading of the catalog; 0 means 10s.
	Timeout time.Duration
}

// NewRegistry builds the daemon's private registry: one collector per
// data source, each with its tapewarden_scrape_collector_success gauge,
// and the build and start-time gauges.
func NewRegistry(cfg *config.Config, cat *media.Catalog, live Live, opts Options) *prometheus.Registry {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Timeout == 0 {
		opts.Timeout = 10 * time.Second
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(&scrape{
		log:     opts.Logger,
		timeout: opts.Timeout,
		success: desc("tapewarden_scrape_collector_success", "1 if the collector read its data source at this scrape, 0 if it failed (the daemon's log says why).", "collector"),
		sources: []source{
			newCatalogCollector(cat),
			newJobsCollector(cfg, cat, live, opts.Now),
			newPromptsCollector(cat),
			newDrivesCollector(cat, live),
			newRotationCollector(cfg, cat, live, opts.Now),
			newDrillsCollector(cfg, cat),
			newWritersCollector(live),
			newAuditCollector(live),
		},
	})
	info := prometheus.NewGauge(prometheus.GaugeOpts{
		Name:        "tapewarden_build_info",
		Help:        "The running tapewarden's version.",
		ConstLabels: prometheus.Labels{"version": config.Version, "goversion": runtime.Version()},
	})
	info.Set(1)
	start := prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "tapewarden_start_time_seconds",
		Help: "When the daemon started.",
	})
	start.Set(float64(opts.Started.Unix()))
	reg.MustRegister(info, start)
	return reg
}

// source is one data source's collector. collect sends what it could
// read and returns what it could not.
type source interface {
	name() string
	describe(ch chan<- *prometheus.Desc)
	collect(ctx context.Context, ch chan<- prometheus.Metric) error
}

// scrape runs every source at each scrape, node_exporter style: a source
// that fails is logged and its success gauge says 0; the others are
// unaffected.
type scrape struct {
	log     *slog.Logger
	timeout time.Duration
	success *prometheus.Desc
	sources []source
}

func (s *scrape) Describe(ch chan<- *prometheus.Desc) {
	ch <- s.success
	for _, src := range s.sources {
		src.describe(ch)
	}
}

func (s *scrape) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), s.timeout)
	defer cancel()
	for _, src := range s.sources {
		ok := 1.0
		if err := src.collect(ctx, ch); err != nil {
			s.log.Error("metrics: a collector failed", "collector", src.name(), "err", err)
			ok = 0
		}
		gauge(ch, s.success, ok, src.name())
	}
}
