package daemon

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"github.com/tapewarden/tapewarden/daemon/web"
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
	"github.com/tapewarden/tapewarden/daemon/auth"
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
	// Web is the web console, served by the HTTPS listener (api.listen)
	// on every path outside /v1/ and /metrics; nil answers 404 there.
	// SetWeb sets it after New, for a console built from the daemon's
	// own engine and accounts.
	Web http.Handler
}

// Daemon is the tapewarden service: the engine, the report pages, the
// metrics and the API, wired together and served. Create it with New and
// run it with Run; Run may be called once.
//
// Locks: mu guards metricsAddr, listener and health. The engine, the pages and the
// API guard their own state (see engine.Engine).
type Daemon struct {
	cfg      *config.Config
	eng      *engine.Engine
	report   *report.Pages
	api      *api.Server
	log      *slog.Logger
	registry *prometheus.Registry
	accounts *auth.Accounts
	web      http.Handler
	ready    func(socket, metrics string)
	// demoLogin is the demo's admin account and its password, made at
	// the first start of a demo with a listener.
	demoUser, demoPassword string

	mu          sync.Mutex
	metricsAddr string
	listener    api.Listener
	// health is the self-test the watchdog depends on; tests replace it.
	health func(context.Context) error
}

// New opens the catalog and the devices and prepares the daemon. It
// fails, with a message saying what to do, if the catalog is newer than
// this program or fails its integrity check.
func New(ctx context.Context, cfg *config.Config, opts Options) (*Daemon, error) {
	d := &Daemon{cfg: cfg, log: opts.Logger, ready: opts.Ready, web: opts.Web}
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
	d.accounts = auth.New(eng.Catalog(), auth.Options{Now: eng.Now, Logger: d.log.With("component", "auth")})
	if d.web == nil {
		// The console on the HTTPS listener, signing people in through
		// the same accounts as the API.
		d.web = web.New(eng, web.Options{Accounts: d.accounts, Actor: d.accounts.ActorFromRequest, Logger: d.log.With("component", "web"), Report: d.report,
			CourierCode: func(ctx context.Context, actor media.Actor, manifest, courier string) (string, string, time.Time, error) {
				cc, err := d.accounts.IssueCourierCode(ctx, actor, manifest, courier)
				return cc.Code, cc.PIN, cc.ExpiresAt, err
			}})
	}
	d.api = api.New(api.Options{Config: cfg, Engine: eng, Report: d.report, Metrics: d.metricsHandler(), MetricsAddr: d.MetricsAddr,
		Accounts: d.accounts, Listener: d.Listener, Logger: d.log})
	if cfg.Demo && cfg.API.Listen != "" {
		if err := d.demoAccount(ctx); err != nil {
			_ = eng.Close() // never started: the account error is the one returned
			return nil, err
		}
	}
	return d, nil
}

// demoAccount gives a demo with a listener an admin account with a new
// random password, at its first start (when it has no account yet), so
// that a person can sign in at once; the password is printed once.
func (d *Daemon) demoAccount(ctx context.Context) error {
	users, err := d.accounts.Users(ctx)
	if err != nil || len(users) > 0 {
		return err
	}
	password := auth.NewPassword()
	if _, err := d.accounts.AddUser(ctx, media.Actor{Name: "tapewarden-demo", Role: string(auth.Admin)}, "admin", auth.Admin, password); err != nil {
		return fmt.Errorf("demo admin account: %w", err)
	}
	d.demoUser, d.demoPassword = "admin", password
	return nil
}

// DemoLogin is the demo's admin account and its one-time password, when
// this start made it; empty otherwise.
func (d *Daemon) DemoLogin() (user, password string) { return d.demoUser, d.demoPassword }

// Accounts are the HTTPS listener's callers (for the web console).
func (d *Daemon) Accounts() *auth.Accounts { return d.accounts }

// Engine is the daemon's engine (for the web console).
func (d *Daemon) Engine() *engine.Engine { return d.eng }

// Report is the daemon's read-only pages (for the web console).
func (d *Daemon) Report() *report.Pages { return d.report }

// SetWeb sets the web console served by the HTTPS listener; call it
// before Run.
func (d *Daemon) SetWeb(h http.Handler) { d.web = h }

// Listener is the HTTPS listener once Run has started it: its URL and
// its certificate's fingerprint; zero when off.
func (d *Daemon) Listener() api.Listener {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.listener
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
	errc := make(chan error, 3)
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
	if d.cfg.API.Listen != "" {
		tsrv, err := d.serveTLS(&wg, errc)
		if err != nil {
			for _, s := range servers {
				_ = s.Close() // never served: the listen error is the one returned
			}
			wg.Wait()
			return err
		}
		servers = append(servers, tsrv)
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
	if d.cfg.API.Listen != "" {
		wg.Add(1)
		go func() {
			defer wg.Done()
			d.sweepSessions(runCtx)
		}()
	}

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
	mode := os.FileMode(0o660)
	if r := d.cfg.API.Roles; len(r.Operator)+len(r.Auditor)+len(r.Viewer)+len(r.Admin) > 0 {
		// Members of the role groups must reach the socket; its peer
		// credentials, not its mode, decide what each may do.
		mode = 0o666
		for role, groups := range map[string][]string{"admin": r.Admin, "operator": r.Operator, "auditor": r.Auditor, "viewer": r.Viewer} {
			for _, g := range groups {
				if _, err := user.LookupGroup(g); err != nil {
					d.log.Warn("a group of api.roles does not exist; nobody gets its role until it is created", "group", g, "role", role)
				}
			}
		}
	}
	if err := os.Chmod(path, mode); err != nil {
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

// serveTLS starts the HTTPS listener (api.listen): the API for accounts,
// tokens and couriers, and the web console.
func (d *Daemon) serveTLS(wg *sync.WaitGroup, errc chan<- error) (*http.Server, error) {
	cert, err := d.loadCertificate()
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", d.cfg.API.Listen)
	if err != nil {
		return nil, fmt.Errorf("HTTPS listener on %s (api.listen): %w", d.cfg.API.Listen, err)
	}
	addr := ln.Addr().(*net.TCPAddr)
	host := addr.IP.String()
	if addr.IP.IsUnspecified() {
		if h, err := os.Hostname(); err == nil {
			host = h
		}
	}
	l := api.Listener{URL: "https://" + net.JoinHostPort(host, strconv.Itoa(addr.Port)) + "/", Fingerprint: cert.fingerprint, SelfSigned: cert.selfSigned}
	d.mu.Lock()
	d.listener = l
	d.mu.Unlock()
	srv := &http.Server{
		Handler:           d.api.TLSHandler(d.web),
		TLSConfig:         &tls.Config{Certificates: []tls.Certificate{cert.cert}, MinVersion: tls.VersionTLS12},
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       time.Minute,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(d.log.Handler(), slog.LevelWarn),
	}
	d.log.Info("HTTPS listener", "url", l.URL, "sha256_fingerprint", l.Fingerprint, "self_signed", l.SelfSigned, "certificate", cert.certFile)
	wg.Add(1)
	go func() {
		defer wg.Done()
		if err := srv.ServeTLS(ln, "", ""); err != nil && !errors.Is(err, http.ErrServerClosed) {
			errc <- fmt.Errorf("HTTPS server: %w", err)
		}
	}()
	return srv, nil
}

// sweepSessions forgets expired sessions every hour.
func (d *Daemon) sweepSessions(ctx context.Context) {
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := d.accounts.Sweep(ctx); err != nil {
				d.log.Warn("forget expired sessions", "err", err)
			}
		}
	}
}
