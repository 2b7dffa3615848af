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

	"github.com/tapewarden/tapewarden/daemon/api"
	"github.com/tapewarden/tapewarden/daemon/config"
	"github.com/tapewarden/tapewarden/daemon/engine"
	"github.com/tapewarden/tapewarden/daemon/metrics"
	"github.com/tapewarden/tapewarden/daemon/report"
)

// Options tune a daemon. The zero value is usable.
type Options struct {
	// Logger receives the daemon's log; nil logs to stderr.
	Logger *slog.Logger
	// Clock is the daemon's time; nil means the wall clock. Tests and
	// simulations inject their own.
	Clock engine.Clock
	// Now is a simpler way to inject the time (ignored with Clock).
	Now func() time.Time
	// NoSchedule serves the API, answers prompts and keeps house, but
	// starts no scheduled run (a maintenance window). Slots that pass
	// meanwhile are recorded as missed at the next start with the
	// scheduler.
	NoSchedule bool
	// NoNightCheck leaves out the pre-flight check before each night
	// (engine.Options.NoNightCheck).
	NoNightCheck bool
	// Ready, when set, is called once the API and metrics listeners are up.
	Ready func(socket, metrics string)
}

// Daemon is the tapewarden service: the engine, the report pages, the
// metrics and the API, wired together and served. Create it with New and
// run it with Run; Run may be called once.
//
// Locks: mu guards metricsAddr and health. The engine, the pages and the
// API guard their own state (see engine.Engine).
type Daemon struct {
	cfg      *config.Config
	eng      *engine.Engine
	report   *report.Pages
	api      *api.Server
	log      *slog.Logger
	registry *prometheus.Registry
	ready    func(socket, metrics string)

	mu          sync.Mutex
	metricsAddr string
	// health is the self-test the watchdog depends on; tests replace it.
	health func(context.Context) error
}

// New opens the catalog and the devices and prepares the daemon. It
// fails, with a message saying what to do, if the catalog is newer than
// this program or fails its integrity check.
func New(ctx context.Context, cfg *config.Config, opts Options) (*Daemon, error) {
	d := &Daemon{cfg: cfg, log: opts.Logger, ready: opts.Ready}
	if d.log == nil {
		d.log = slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	eng, err := engine.New(ctx, cfg, engine.Options{Logger: d.log, Clock: opts.Clock, Now: opts.Now, NoSchedule: opts.NoSchedule, NoNightCheck: opts.NoNightCheck})
	if err != nil {
		return nil, err
	}
	d.eng = eng
	d.health = eng.Healthy
	d.report = report.New(cfg, eng.Catalog(), report.Options{Now: eng.Now, Logger: d.log.With("component", "report"), Cleaning: eng.CleaningStatus})
	d.registry = metrics.NewRegistry(cfg, eng.Catalog(), eng.MetricsLive(), metrics.Options{Now: eng.Now, Logger: d.log.With("component", "metrics"), Started: eng.Started()})
	d.api = api.New(api.Options{Config: cfg, Engine: eng, Report: d.report, Metrics: d.metricsHandler(), MetricsAddr: d.MetricsAddr, Logger: d.log})
	return d, nil
}

// Close releases the catalog and the devices of a daemon that will not Run.
func (d *Daemon) Close() error { return d.eng.Close() }

// Catalog is the daemon's catalog (for offline tools and tests).
func (d *Daemon) Catalog() *media.Catalog { return d.eng.Catalog() }

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
func (d *Daemon) Run(ctx context.Context) (err error) {
	defer func() { err = errors.Join(err, d.Close()) }()
	sock, err := d.listenAPI()
	if err != nil {
		return err
	}
	srv := &http.Server{
		Handler:           d.api.Handler(),
		ConnContext:       api.ConnContext,
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
		if err := srv.Serve(sock); err != nil && !errors.Is(err, http.ErrServerClosed) {
			errc <- fmt.Errorf("API server: %w", err)
		}
	}()
	if d.cfg.Metrics.Listen != "" {
		ml, err := net.Listen("tcp", d.cfg.Metrics.Listen)
		if err != nil {
			_ = srv.Close() // never served: the listen error is the one returned
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
	d.log.Info("tapewarden ready", "socket", d.cfg.SocketPath(), "metrics", d.MetricsAddr(), "catalog", d.Catalog().Path(), "version", config.Version)
	if d.ready != nil {
		d.ready(d.cfg.SocketPath(), d.MetricsAddr())
	}
	notifyReady(d.log)
	notifyStatus(d.log, "serving on %s", d.cfg.SocketPath())

	// The scheduler and the watchdog stop when ctx ends or a server fails.
	runCtx, stopRunning := context.WithCancel(ctx)
	defer stopRunning()
	wg.Add(1)
	go func() {
		defer wg.Done()
		d.eng.Run(runCtx)
	}()
	wg.Add(1)
	go func() {
		defer wg.Done()
		d.watchdog(runCtx)
	}()
	wg.Add(1)
	go func() {
		defer wg.Done()
		d.keepRecoverySheet(runCtx)
	}()

	var runErr error
	select {
	case <-ctx.Done():
	case runErr = <-errc:
	}
	stopRunning()
	notifyStopping(d.log)
	d.eng.Stop()
	d.log.Info("tapewarden stopping")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, s := range servers {
		if err := s.Shutdown(shutdownCtx); err != nil {
			d.log.Warn("stop serving gracefully; closing the remaining connections", "err", err)
			if err := s.Close(); err != nil {
				d.log.Error("close the listener", "err", err)
			}
		}
	}
	wg.Wait()
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
				notifyStatus(d.log, "unhealthy: %v", err)
				continue
			}
			notifyWatchdog(d.log)
		}
	}
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
			_ = c.Close() // a probe that only asked whether someone answers
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
		_ = l.Close() // the chmod error is the one returned
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
