package daemon

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/tapewarden/tapewarden/media"

	"github.com/tapewarden/tapewarden/daemon/config"
	"github.com/tapewarden/tapewarden/daemon/report"

	"github.com/tapewarden/tapewarden/daemon/metrics"
)

// Options tune a daemon. The zero value is usable.
type Options struct {
	// Logger receives the daemon's log; nil logs to stderr.
	Logger *slog.Logger
	// Clock is the daemon's time; nil means the wall clock. Tests and
	// simulations inject their own.
	Clock Clock
	// Now is a simpler way to inject the time (ignored with Clock).
	Now func() time.Time
	// NoSchedule serves the API, answers prompts and keeps house, but
	// starts no scheduled run (a maintenance window). Slots that pass
	// meanwhile are recorded as missed at the next start with the
	// scheduler.
	NoSchedule bool
	// Ready, when set, is called once the API and metrics listeners are up.
	Ready func(socket, metrics string)
}

// Daemon is the tapewarden service. Create it with New and run it with
// Run; Run may be called once.
type Daemon struct {
	cfg      *config.Config
	cat      *media.Catalog
	log      *slog.Logger
	clock    Clock
	now      func() time.Time
	auth     *authorizer
	registry *prometheus.Registry
	started  time.Time
	warnings []string
	ready    func(socket, metrics string)
	dev      *devices
	report   *report.Pages
	// noSchedule holds the scheduler (Options.NoSchedule).
	noSchedule bool

	// loadTimeout bounds the wait for a drive to come online after a load.
	loadTimeout time.Duration

	prompts promptWaiters
	runs    runTable
	// runBase is the parent of every run's context; cancelled (with
	// errDaemonStopping) when the daemon stops.
	runBase     context.Context
	stopRuns    context.CancelCauseFunc
	writerStats writerStats
	// bg tracks background goroutines (prompt commands, runs) that Run
	// joins before it returns.
	bg sync.WaitGroup

	// health is the self-test the watchdog depends on; tests replace it.
	health func(context.Context) error

	// maintEvery is how often the housekeeping runs (prompt reminders,
	// drive checks, cleaning).
	maintEvery time.Duration

	mu          sync.Mutex
	metricsAddr string
	lastBeat    time.Time
	cleaning    map[string]bool
	poolLocks   map[string]chan struct{}
}

// New opens the catalog and prepares the daemon. It fails, with a message
// saying what to do, if the catalog is newer than this program or fails
// its integrity check.
func New(ctx context.Context, cfg *config.Config, opts Options) (*Daemon, error) {
	d := &Daemon{cfg: cfg, log: opts.Logger, clock: opts.Clock, ready: opts.Ready, noSchedule: opts.NoSchedule}
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
		ManifestOverdue: cfg.Catalog.ManifestOverdue.D(),
	})
	if err != nil {
		return nil, err
	}
	d.cat = cat
	warnings, err := cat.SyncTopology(ctx, cfg.Topology())
	if err != nil {
		cat.Close()
		return nil, fmt.Errorf("record the configured sites, pools and drives in the catalog: %w", err)
	}
	for _, w := range warnings {
		d.log.Warn(w)
	}
	d.warnings = warnings
	d.started = d.now()
	// Runs left unfinished by a daemon that crashed or was killed fail now,
	// with a reason; nothing they wrote counts.
	failed, err := cat.FailUnfinishedRuns(ctx, "the daemon stopped (crashed or was killed)")
	if err != nil {
		cat.Close()
		return nil, fmt.Errorf("close runs left unfinished: %w", err)
	}
	for _, r := range failed {
		d.log.Error("run left unfinished by the last daemon failed", "run", r.ID, "job", r.Job, "reason", r.Reason)
	}
	d.auth = newAuthorizer(cfg.API.AdminGroup)
	d.registry = metrics.NewRegistry(cfg, cat, metricsLive{d}, metrics.Options{Now: d.now, Logger: d.log.With("component", "metrics"), Started: d.started})
	d.health = d.checkHealth
	d.loadTimeout = 10 * time.Minute
	d.maintEvery = time.Minute
	dev, err := openDevices(cfg, d.log, d.now)
	if err != nil {
		cat.Close()
		return nil, err
	}
	d.dev = dev
	d.report = report.New(cfg, cat, report.Options{Now: d.now, Logger: d.log.With("component", "report"), Cleaning: d.CleaningStatus})
	if cfg.Demo {
		if err := d.seedDemo(ctx); err != nil {
			d.Close()
			return nil, fmt.Errorf("prepare the demo: %w", err)
		}
	}
	// Start each drive's history, so cleaning intervals count from here.
	for _, name := range d.dev.order {
		if use, err := cat.DriveUse(ctx, name); err == nil && use.FirstSeen.IsZero() {
			if _, err := cat.RecordDriveEvent(ctx, media.DriveEvent{Drive: name, Kind: "added", Detail: "first seen by tapewarden"}); err != nil {
				d.Close()
				return nil, err
			}
		}
	}
	// Prompts left open by the last daemon have nobody waiting for them:
	// whatever still needs doing is asked again.
	if open, err := cat.Prompts(ctx, false); err == nil {
		for _, p := range open {
			cat.ClosePrompt(ctx, media.System, p.ID, media.PromptSuperseded, "the daemon restarted; a new prompt is opened if it is still needed")
		}
	}
	// Know where every cartridge is before serving: inventory each library.
	if _, err := d.Inventory(ctx, media.System, ""); err != nil {
		d.log.Error("library inventory at start failed; run 'tapewarden library inventory' when the library is ready", "err", err)
		d.warnings = append(d.warnings, err.Error())
	}
	return d, nil
}

// Close releases the catalog and the devices of a daemon that will not Run.
func (d *Daemon) Close() error {
	d.stopRuns(errDaemonStopping)
	d.bg.Wait()
	if d.dev != nil {
		d.dev.close()
	}
	return d.cat.Close()
}

// Catalog is the daemon's catalog (for offline tools and tests).
func (d *Daemon) Catalog() *media.Catalog { return d.cat }

// MetricsAddr is the TCP address /metrics is served on, once Run has
// started listening; empty when off.
func (d *Daemon) MetricsAddr() string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.metricsAddr
}

// Run serves the API and metrics until ctx is cancelled, then shuts down
// cleanly: it stops taking requests, lets running ones finish, and closes
// the catalog.
func (d *Daemon) Run(ctx context.Context) error {
	defer d.Close()
	api, err := d.listenAPI()
	if err != nil {
		return err
	}
	srv := &http.Server{
		Handler:           d.routes(),
		ConnContext:       connContext,
		ReadHeaderTimeout: 10 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(d.log.Handler(), slog.LevelWarn),
	}
	var servers []*http.Server
	servers = append(servers, srv)
	errc := make(chan error, 2)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		if err := srv.Serve(api); err != nil && !errors.Is(err, http.ErrServerClosed) {
			errc <- fmt.Errorf("API server: %w", err)
		}
	}()
	if d.cfg.Metrics.Listen != "" {
		ml, err := net.Listen("tcp", d.cfg.Metrics.Listen)
		if err != nil {
			srv.Close()
			wg.Wait()
			return fmt.Errorf("metrics listener on %s: %w", d.cfg.Metrics.Listen, err)
		}
		d.mu.Lock()
		d.metricsAddr = ml.Addr().String()
		d.mu.Unlock()
		mux := http.NewServeMux()
		mux.Handle("GET /metrics", d.metricsHandler())
		msrv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
		servers = append(servers, msrv)
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := msrv.Serve(ml); err != nil && !errors.Is(err, http.ErrServerClosed) {
				errc <- fmt.Errorf("metrics server: %w", err)
			}
		}()
	}
	d.log.Info("tapewarden ready", "socket", d.cfg.SocketPath(), "metrics", d.MetricsAddr(), "catalog", d.cat.Path(), "version", config.Version)
	if d.ready != nil {
		d.ready(d.cfg.SocketPath(), d.MetricsAddr())
	}
	notifyReady()
	notifyStatus("serving on %s", d.cfg.SocketPath())

	var jobs []*jobSchedule
	if d.noSchedule {
		d.log.Warn("the scheduler is held: no scheduled run starts (--no-schedule)")
	} else {
		jobs = d.catchUp(ctx)
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		d.schedule(ctx, jobs)
	}()

	wdCtx, stopWatchdog := context.WithCancel(ctx)
	wg.Add(1)
	go func() {
		defer wg.Done()
		d.watchdog(wdCtx)
	}()

	var runErr error
	select {
	case <-ctx.Done():
	case runErr = <-errc:
	}
	stopWatchdog()
	notifyStopping()
	d.stopRuns(errDaemonStopping)
	d.log.Info("tapewarden stopping")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, s := range servers {
		if err := s.Shutdown(shutdownCtx); err != nil {
			s.Close()
		}
	}
	wg.Wait()
	d.bg.Wait()
	return runErr
}

func (d *Daemon) metricsHandler() http.Handler {
	return metrics.Handler(d.registry, d.log)
}

// watchdog pings systemd's watchdog, but only while the daemon is healthy:
// a blind ticker would hide a wedged catalog.
func (d *Daemon) watchdog(ctx context.Context) {
	interval := watchdogInterval()
	if interval == 0 {
		return
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			d.mu.Lock()
			health := d.health
			d.mu.Unlock()
			if err := health(ctx); err != nil {
				d.log.Error("unhealthy; not pinging the watchdog", "err", err)
				notifyStatus("unhealthy: %v", err)
				continue
			}
			notifyWatchdog()
		}
	}
}

// checkHealth is the daemon's self-test: the catalog answers reads and
// takes a write lock.
func (d *Daemon) checkHealth(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if !d.schedulerAlive(5 * d.maintEvery) {
		return errors.New("the scheduler has not gone round for five minutes")
	}
	return d.cat.Ping(ctx)
}

// listenAPI returns the socket passed by systemd, or creates the socket
// itself: refusing to take over a socket another daemon serves, removing
// a stale one, and letting the admin group connect.
func (d *Daemon) listenAPI() (net.Listener, error) {
	if l, err := activatedListener(); err != nil {
		return nil, err
	} else if l != nil {
		d.log.Info("API socket passed by systemd", "socket", l.Addr().String())
		return l, nil
	}
	path := d.cfg.SocketPath()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("API socket directory: %w", err)
	}
	if _, err := os.Stat(path); err == nil {
		if c, err := net.DialTimeout("unix", path, time.Second); err == nil {
			c.Close()
			return nil, fmt.Errorf("another tapewarden daemon is serving %s; stop it first", path)
		}
		if err := os.Remove(path); err != nil {
			return nil, fmt.Errorf("remove stale API socket: %w", err)
		}
	}
	l, err := net.Listen("unix", path)
	if err != nil {
		return nil, fmt.Errorf("API socket %s: %w", path, err)
	}
	if err := os.Chmod(path, 0o660); err != nil {
		l.Close()
		return nil, err
	}
	if g := d.cfg.API.AdminGroup; g != "" {
		if grp, err := user.LookupGroup(g); err == nil {
			gid, _ := strconv.Atoi(grp.Gid)
			if err := os.Chown(path, -1, gid); err != nil {
				d.log.Warn("cannot give the admin group the API socket", "group", g, "err", err)
			}
		} else {
			d.log.Warn("admin group does not exist; only root and the daemon's user can use the API", "group", g)
		}
	}
	return l, nil
}
