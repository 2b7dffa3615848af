package metrics

import (
	"fmt"
	"log/slog"
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Handler serves reg's metrics in the Prometheus text format; what goes
// wrong while serving is logged to log.
func Handler(reg *prometheus.Registry, log *slog.Logger) http.Handler {
	return promhttp.HandlerFor(reg, promhttp.HandlerOpts{ErrorLog: slogPrinter{log}})
}

// slogPrinter is promhttp's error log on a slog.Logger.
type slogPrinter struct {
	log *slog.Logger
}

func (p slogPrinter) Println(v ...any) { p.log.Error(fmt.Sprint(v...)) }
