package api

import (
	"log/slog"
	"net/http"

	"github.com/tapewarden/tapewarden/media"

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
	metrics     http.Handler
	metricsAddr func() string
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
	// Logger receives failed and refused requests; nil discards them.
	Logger *slog.Logger
}

// New returns the API server of an engine.
func New(opts Options) *Server {
	s := &Server{cfg: opts.Config, cat: opts.Engine.Catalog(), eng: opts.Engine, report: opts.Report, log: opts.Logger,
		auth: newAuthorizer(opts.Config.API.AdminGroup), metrics: opts.Metrics, metricsAddr: opts.MetricsAddr}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.metricsAddr == nil {
		s.metricsAddr = func() string { return "" }
	}
	if s.metrics == nil {
		s.metrics = http.NotFoundHandler()
	}
	return s
}

// Handler is the API's routes. Serve it with ConnContext as the
// http.Server's ConnContext, so that each request knows its caller.
func (d *Server) Handler() http.Handler { return d.routes() }
