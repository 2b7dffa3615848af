package engine

import (
	"context"
	"time"

	"github.com/tapewarden/tapewarden/rotation"

	"github.com/tapewarden/tapewarden/daemon/facts"
)

// view is facts.View of the daemon's configuration and catalog.
func (d *Engine) view(ctx context.Context) (rotation.View, error) {
	return facts.View(ctx, d.cfg, d.cat)
}

// plannedRuns is facts.PlannedRuns of the daemon's configuration.
func (d *Engine) plannedRuns(from, to time.Time) []rotation.Run {
	return facts.PlannedRuns(d.cfg, from, to)
}
