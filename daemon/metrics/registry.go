package metrics

import (
	"context"
	"errors"
	"log/slog"
	"runtime"
	"runtime/debug"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/tapewarden/tapewarden/media"
	"github.com/tapewarden/tapewarden/rotation"

	"github.com/tapewarden/tapewarden/daemon/config"
	"github.com/tapewarden/tapewarden/daemon/facts"
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
	// UnrecordedRuns are runs that ended while the catalog could not record
	// them; the job counters add them until the catalog has them.
	UnrecordedRuns() []UnrecordedRun
	// CheckProblems are what the last pre-flight check found wrong; ok is
	// false when no check has run yet.
	CheckProblems() (problems []CheckProblem, ok bool)
	// Audit is the engine's last verification of the audit chain.
	Audit() Audit
	// CatalogCopies is the state of the scheduled copies of the catalog.
	CatalogCopies() CatalogCopies
	// SiteLossDrill is the newest site-loss drill.
	SiteLossDrill() SiteLossDrill
}

// UnrecordedRun is a run that ended but is not yet in the catalog.
type UnrecordedRun struct {
	Job      string
	State    media.RunState
	Finished time.Time
}

// CheckProblem is one problem the pre-flight check found.
type CheckProblem struct {
	// Job is the job it concerns; empty for the daemon as a whole.
	Job string
	// Kind is what is wrong: source, catalog-space, drive, cartridge,
	// cleaning, offsite.
	Kind string
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
		cfg:     cfg,
		cat:     cat,
		live:    live,
		log:     opts.Logger,
		timeout: opts.Timeout,
		success: desc("tapewarden_scrape_collector_success", "1 if the collector read its data source at this scrape, 0 if it failed (the daemon's log says why).", "collector"),
		sources: []source{
			newCatalogCollector(cat),
			newJobsCollector(cfg, live, opts.Now),
			newPromptsCollector(),
			newDrivesCollector(),
			newRotationCollector(cfg, live, opts.Now),
			newDrillsCollector(cfg),
			newInspectionsCollector(cfg),
			newWritersCollector(live),
			newCheckCollector(cfg, live),
			newAuditCollector(live),
			newCopiesCollector(live, opts.Now, opts.Started),
			newSiteLossCollector(live),
			newRecoverySheetCollector(cfg),
		},
	})
	info := prometheus.NewGauge(prometheus.GaugeOpts{
		Name:        "tapewarden_build_info",
		Help:        "Always 1: the running tapewarden's version, the commit it was built from and the Go release that built it.",
		ConstLabels: prometheus.Labels{"version": config.Version, "commit": buildCommit(), "go_version": runtime.Version()},
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

// buildCommit is the commit the binary was built from, as the Go
// toolchain recorded it; "unknown" when it recorded none (a test binary,
// or a build outside a checkout).
func buildCommit() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown"
	}
	return commitOf(info.Settings)
}

// commitOf is the vcs.revision of a build's settings, with "-dirty" when
// the tree had uncommitted changes (vcs.modified); "unknown" without one.
func commitOf(settings []debug.BuildSetting) string {
	rev, dirty := "", false
	for _, s := range settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			dirty = s.Value == "true"
		}
	}
	if rev == "" {
		return "unknown"
	}
	if dirty {
		rev += "-dirty"
	}
	return rev
}

// reading is what one scrape read, shared by every collector: the
// catalog's figures, read once in one read transaction, and the drives as
// the engine knows them.
type reading struct {
	// cat is nil when the catalog did not answer this scrape.
	cat    *media.Scrape
	drives []Drive
}

// errNoCatalog is what a collector that reads the catalog returns when
// the catalog did not answer; the catalog's error itself is logged once
// per scrape, not once per collector.
var errNoCatalog = errors.New("the catalog did not answer this scrape")

// catalog returns what the scrape read of the catalog, or errNoCatalog.
func (r reading) catalog() (*media.Scrape, error) {
	if r.cat == nil {
		return nil, errNoCatalog
	}
	return r.cat, nil
}

// source is one data source's collector. collect sends what it could
// read and returns what it could not.
type source interface {
	name() string
	describe(ch chan<- *prometheus.Desc)
	collect(ctx context.Context, r reading, ch chan<- prometheus.Metric) error
}

// scrape runs every source at each scrape, node_exporter style: a source
// that fails is logged and its success gauge says 0; the others are
// unaffected. The catalog is read once per scrape (media.Catalog.Scrape),
// so that the sources report figures that agree with each other; when it
// does not answer, every source that reads it says 0 and the catalog's
// error is logged once, naming them.
type scrape struct {
	cfg     *config.Config
	cat     *media.Catalog
	live    Live
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
	r := reading{drives: s.live.Drives()}
	names := make([]string, 0, len(r.drives))
	for _, d := range r.drives {
		names = append(names, d.Name)
	}
	snap, catErr := s.cat.Scrape(ctx, media.ScrapeQuery{Jobs: s.cfg.JobNames(), Pools: facts.PoolNames(s.cfg), Drives: names})
	if catErr == nil {
		r.cat = &snap
	}
	var blind []string
	for _, src := range s.sources {
		ok := 1.0
		if err := src.collect(ctx, r, ch); err != nil {
			ok = 0
			if errors.Is(err, errNoCatalog) {
				blind = append(blind, src.name())
			} else {
				s.log.Error("metrics: a collector failed", "collector", src.name(), "err", err)
			}
		}
		gauge(ch, s.success, ok, src.name())
	}
	if catErr != nil {
		s.log.Error("metrics: the catalog did not answer this scrape; the collectors that read it report 0",
			"collector", "catalog", "collectors", strings.Join(blind, ","), "err", catErr)
	}
}
