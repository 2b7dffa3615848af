package engine

import (
	"context"
	"time"
)

// maintain is the daemon's periodic housekeeping: reminders for prompts
// nobody answered, reading idle drives' status and TapeAlert flags,
// cleaning drives that need it, and retiring spent cleaning cartridges.
func (d *Engine) maintain(ctx context.Context) {
	d.remind(ctx)
	for _, name := range d.dev.order {
		d.pollDrive(ctx, d.dev.drives[name])
	}
	// One read of the catalog's view serves both: retiring a cleaner does
	// not change which drives are due.
	if view, err := d.view(ctx); err != nil {
		d.log.Error("cleaning status", "err", err)
	} else {
		d.retireSpentCleaners(ctx, view)
		d.autoClean(ctx, view)
	}
	d.closeFulfilledPrompts(ctx)
	d.prepareManifests(ctx)
	d.auditDue(ctx)
	d.scheduleCatalogCopy(ctx)
}

// heartbeat records that the scheduler loop is alive; the watchdog pings
// systemd only while it is recent.
func (d *Engine) heartbeat() {
	d.mu.Lock()
	d.lastBeat = time.Now()
	d.mu.Unlock()
}

// schedulerAlive reports whether the scheduler loop went round recently.
func (d *Engine) schedulerAlive(within time.Duration) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.lastBeat.IsZero() || time.Since(d.lastBeat) < within
}
