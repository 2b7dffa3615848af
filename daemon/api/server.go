package api

import (
	"log/slog"
	"net/http"

	"github.com/tapewarden/tapewarden/media"

	"github.com/tapewarden/tapewarden/daemon/auth"
	"github.com/tapewarden/tapewarden/daemon/config"
	"github.com/tapewarden/tapewarden/daemon/engine"
	"github.com/tapewarden/tapewarden/daemon/report"
)

// Server answers the API: it authorises each request by the caller's
// peer credentials, decodes it, hands it to the engine, the report pages
// or the catalog, and writes the answer or the error as JSON.
type Server struct {
	cfg         *config.Config
	cat         *media.Catalog
	eng         *engine.Engine
	report      *report.Pages
	log         *slog.Logger
	auth        *authorizer
	accounts    *auth.Accounts
	metrics     http.Handler
	metricsAddr func() string
	listener    func() Listener
}

// Listener is the TCP listener as the status shows it.
type Listener struct {
	// URL is where it is reached (https://HOST:PORT/).
	URL string `json:"url"`
	// Fingerprint is the SHA-256 of its certificate (DER), in hex pairs,
	// for a person to compare with what a browser shows.
	Fingerprint string `json:"fingerprint"`
	// SelfSigned is true for the certificate the daemon made itself.
	SelfSigned bool `json:"self_signed"`
}

// Options are what a Server answers from.
type Options struct {
	Config *config.Config
	Engine *engine.Engine
	Report *report.Pages
	// Metrics serves GET /metrics on the socket; nil answers 404 there.
	Metrics http.Handler
	// MetricsAddr is the TCP address the metrics are also served on, for
	// the status; nil or empty when off.
	MetricsAddr func() string
	// Accounts are the TCP listener's callers; nil makes them from the
	// engine's catalog.
	Accounts *auth.Accounts
	// Listener is the TCP listener, for the status; nil or a zero
	// Listener when off.
	Listener func() Listener
	// Logger receives failed and refused requests; nil discards them.
	Logger *slog.Logger
}

// New returns the API server of an engine.
func New(opts Options) *Server {
	s := &Server{cfg: opts.Config, cat: opts.Engine.Catalog(), eng: opts.Engine, report: opts.Report, log: opts.Logger,
		auth: newAuthorizer(opts.Config.API), accounts: opts.Accounts, metrics: opts.Metrics, metricsAddr: opts.MetricsAddr, listener: opts.Listener}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.metricsAddr == nil {
		s.metricsAddr = func() string { return "" }
	}
	if s.listener == nil {
		s.listener = func() Listener { return Listener{} }
	}
	if s.accounts == nil {
		s.accounts = auth.New(s.cat, auth.Options{Now: opts.Engine.Now, Logger: s.log})
	}
	if s.metrics == nil {
		s.metrics = http.NotFoundHandler()
	}
	return s
}

// Handler is the API's routes. Serve it with ConnContext as the
// http.Server's ConnContext, so that each request knows its caller.
func (d *Server) Handler() http.Handler { return d.routes() }
