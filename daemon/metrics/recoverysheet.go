package metrics

import (
	"context"
	"errors"
	"io/fs"
	"math"
	"os"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/tapewarden/tapewarden/daemon/config"
)

// recoverySheetCollector exports the age of the recovery sheet file the
// daemon writes after each night (catalog.recovery_sheet): the copy kept
// in another building is only as new as it. The file's time is the wall
// clock's, so its age is too.
type recoverySheetCollector struct {
	cfg *config.Config
	age *prometheus.Desc
}

func newRecoverySheetCollector(cfg *config.Config) *recoverySheetCollector {
	return &recoverySheetCollector{
		cfg: cfg,
		age: desc("tapewarden_recovery_sheet_age_seconds", "How long ago the daemon last wrote the recovery sheet file (catalog.recovery_sheet); +Inf when there is none."),
	}
}

func (c *recoverySheetCollector) name() string { return "recovery_sheet" }

func (c *recoverySheetCollector) describe(ch chan<- *prometheus.Desc) { ch <- c.age }

func (c *recoverySheetCollector) collect(_ context.Context, _ reading, ch chan<- prometheus.Metric) error {
	fi, err := os.Stat(c.cfg.RecoverySheetPath())
	switch {
	case errors.Is(err, fs.ErrNotExist):
		gauge(ch, c.age, math.Inf(1))
		return nil
	case err != nil:
		return err
	}
	gauge(ch, c.age, max(time.Since(fi.ModTime()).Seconds(), 0))
	return nil
}
