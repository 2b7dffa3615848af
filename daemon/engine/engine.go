package engine

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/tapewarden/tapewarden/media"

	"github.com/tapewarden/tapewarden/daemon/config"
)

// Options tune an engine. The zero value is usable.
type Options struct {
	// Logger receives the engine's log; nil logs to stderr.
	Logger *slog.Logger
	// Clock is the engine's time; nil means the wall clock. Tests and
	// simulations inject their own.
	Clock Clock
	// Now is a simpler way to inject the time (ignored with Clock).
	Now func() time.Time
	// NoSchedule answers prompts and keeps house, but starts no scheduled
	// run (a maintenance window). Slots that pass meanwhile are recorded
	// as missed at the next start with the scheduler.
	NoSchedule bool
	// NoNightCheck leaves out the pre-flight check the scheduler runs
	// before each night (scheduler.check_before); runs still check
	// themselves. For tests on the wall clock with the demo's minute-long
	// nights.
	NoNightCheck bool
}

// Engine is everything tapewarden does with cartridges, drives and
// libraries. Create it with New, drive it with Run, release it with Close.
// Which lock guards what is in the package documentation.
type Engine struct {
	cfg      *config.Config
	cat      *media.Catalog
	log      *slog.Logger
	clock    Clock
	now      func() time.Time
	started  time.Time
	warnings []string
	dev      *devices
	// noSchedule holds the scheduler (Options.NoSchedule).
	noSchedule bool
	// noFileIndex leaves runs' members out of the file index, for the
	// benchmark of what the index costs.
	noFileIndex bool
	// noNightCheck leaves out the check before each night.
	noNightCheck bool

	// loadTimeout bounds the wait for a drive to come online after a load.
	loadTimeout time.Duration

	// audit is the last verification of the audit chain.
	audit auditWatch

	prompts promptWaiters
	runs    runTable
	// unrecorded holds the runs whose end the catalog could not record
	// yet; lastCheck the last pre-flight check of every job.
	unrecorded unrecorded
	lastCheck  checkState
	ops        opTable
	copies     copyWatch
	siteLoss   siteLossState
	// runBase is the parent of every run's context; cancelled (with
	// errDaemonStopping) when the engine stops.
	runBase     context.Context
	stopRuns    context.CancelCauseFunc
	writerStats writerStats
	// bg tracks background goroutines (prompt commands, runs) that Close
	// joins.
	bg sync.WaitGroup

	// maintEvery is how often the housekeeping runs (prompt reminders,
	// drive checks, cleaning).
	maintEvery time.Duration

	// mu guards lastBeat, cleaning and poolLocks.
	mu        sync.Mutex
	lastBeat  time.Time
	cleaning  map[string]bool
	poolLocks map[string]chan struct{}
}

// New opens the catalog and the devices and prepares the engine. It
// fails, with a message saying what to do, if the catalog is newer than
// this program or fails its integrity check.
func New(ctx context.Context, cfg *config.Config, opts Options) (*Engine, error) {
	d := &Engine{cfg: cfg, log: opts.Logger, clock: opts.Clock, noSchedule: opts.NoSchedule, noNightCheck: opts.NoNightCheck}
	if d.log == nil {
		d.log = slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	if d.clock == nil && opts.Now != nil {
		d.clock = funcClock(opts.Now)
	}
	if d.clock == nil && cfg.Demo {
		d.clock = &offsetClock{}
	}
	if d.clock == nil {
		d.clock = realClock{}
	}
	d.now = d.clock.Now
	d.runBase, d.stopRuns = context.WithCancelCause(context.Background())
	if err := os.MkdirAll(cfg.StateDir, 0o750); err != nil {
		return nil, fmt.Errorf("state directory: %w", err)
	}
	cat, err := media.Open(ctx, cfg.CatalogPath(), media.Options{
		Now: d.now, LabelPatterns: cfg.LabelPatterns(), Logger: d.log.With("component", "catalog"),
		ManifestOverdue: cfg.Catalog.ManifestOverdue.D(), Location: cfg.Location,
	})
	if err != nil {
		return nil, err
	}
	d.cat = cat
	warnings, err := cat.SyncTopology(ctx, cfg.Topology())
	if err != nil {
		_ = cat.Close() // the error below is the one returned
		return nil, fmt.Errorf("record the configured sites, pools and drives in the catalog: %w", err)
	}
	for _, w := range warnings {
		d.log.Warn(w)
	}
	d.warnings = warnings
	if w := secretsExposed(cfg); w != "" {
		d.log.Warn(w)
		d.warnings = append(d.warnings, w)
	}
	d.started = d.now()
	// Runs left unfinished by a daemon that crashed or was killed fail now,
	// with a reason; nothing they wrote counts.
	failed, err := cat.FailUnfinishedRuns(ctx, "the daemon stopped (crashed or was killed)")
	if err != nil {
		_ = cat.Close() // the error below is the one returned
		return nil, fmt.Errorf("close runs left unfinished: %w", err)
	}
	for _, r := range failed {
		d.log.Error("run left unfinished by the last daemon failed", "run", r.ID, "job", r.Job, "reason", r.Reason)
	}
	// So are operations (restores, copies): they fail with a reason.
	failedOps, err := cat.FailUnfinishedOperations(ctx, "the daemon stopped (crashed or was killed)")
	if err != nil {
		_ = cat.Close() // the error below is the one returned
		return nil, fmt.Errorf("close operations left unfinished: %w", err)
	}
	for _, op := range failedOps {
		d.log.Error("operation left unfinished by the last daemon failed", "operation", op.ID, "kind", op.Kind, "reason", op.Error)
	}
	d.loadTimeout = 10 * time.Minute
	d.maintEvery = time.Minute
	dev, err := openDevices(cfg, d.log, d.now)
	if err != nil {
		_ = cat.Close() // the error below is the one returned
		return nil, err
	}
	d.dev = dev
	if cfg.Demo {
		if err := d.seedDemo(ctx); err != nil {
			_ = d.Close() // the error below is the one returned
			return nil, fmt.Errorf("prepare the demo: %w", err)
		}
	}
	// Start each drive's history, so cleaning intervals count from here.
	for _, name := range d.dev.order {
		if use, err := cat.DriveUse(ctx, name); err == nil && use.FirstSeen.IsZero() {
			if _, err := cat.RecordDriveEvent(ctx, media.DriveEvent{Drive: name, Kind: "added", Detail: "first seen by tapewarden"}); err != nil {
				_ = d.Close() // the error below is the one returned
				return nil, err
			}
		}
	}
	// Prompts left open by the last daemon have nobody waiting for them:
	// whatever still needs doing is asked again.
	if open, err := cat.Prompts(ctx, false); err == nil {
		for _, p := range open {
			if _, err := cat.ClosePrompt(ctx, media.System, p.ID, media.PromptSuperseded, noteRestarted.text()); err != nil {
				_ = d.Close() // the error below is the one returned
				return nil, fmt.Errorf("close prompt %d left open by the last daemon: %w", p.ID, err)
			}
		}
	}
	d.loadCopies()
	d.loadSiteLossDrill(ctx)
	// Verify the audit chain before serving; a broken one degrades the
	// status and raises tapewarden_audit_chain_ok to 0.
	// VerifyAudit logs its own failure at ERROR and the status shows it.
	_, _ = d.VerifyAudit(ctx, true)
	// Know where every cartridge is before serving: inventory each library.
	if _, err := d.Inventory(ctx, media.System, ""); err != nil {
		d.log.Error("library inventory at start failed; run 'tapewarden library inventory' when the library is ready", "err", err)
		d.warnings = append(d.warnings, err.Error())
	}
	return d, nil
}

// Run catches up on the runs missed while the daemon was down, then fires
// scheduled runs and keeps house until ctx is cancelled. It returns once
// the scheduler has stopped; runs in progress go on until Stop or Close.
func (d *Engine) Run(ctx context.Context) {
	var jobs []*jobSchedule
	if d.noSchedule {
		d.log.Warn("the scheduler is held: no scheduled run starts (--no-schedule)")
	} else {
		jobs = d.catchUp(ctx)
	}
	d.schedule(ctx, jobs)
}

// Stop cancels the runs in progress: they fail saying the daemon is
// stopping. Close waits for them.
func (d *Engine) Stop() { d.stopRuns(errDaemonStopping) }

// Close stops the runs in progress, waits for them and every background
// task, and releases the devices and the catalog.
func (d *Engine) Close() error {
	d.stopRuns(errDaemonStopping)
	d.bg.Wait()
	if d.dev != nil {
		// The catalog holds what counts; a virtual device whose state could
		// not be saved (a full state directory) is logged, not fatal.
		if err := d.dev.close(); err != nil {
			d.log.Error("save the virtual tapes' and libraries' state", "err", err)
		}
	}
	return d.cat.Close()
}

// Catalog is the engine's catalog.
func (d *Engine) Catalog() *media.Catalog { return d.cat }

// Now is the engine's time.
func (d *Engine) Now() time.Time { return d.now() }

// Started is when the engine was made.
func (d *Engine) Started() time.Time { return d.started }

// Warnings are the problems found at the start that did not stop it (a
// catalog out of step with the configuration, a library that could not be
// inventoried).
func (d *Engine) Warnings() []string { return d.warnings }

// Healthy is the engine's self-test, on which the watchdog depends: the
// scheduler went round recently, and the catalog answers reads and takes
// a write lock.
func (d *Engine) Healthy(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if !d.schedulerAlive(5 * d.maintEvery) {
		return errors.New("the scheduler has not gone round for five minutes")
	}
	return d.cat.Ping(ctx)
}

// Config is the configuration the engine runs on; read it, never change
// it.
func (d *Engine) Config() *config.Config { return d.cfg }
