package engine

import (
	"context"
	"time"

	"github.com/tapewarden/tapewarden/drives"
	"github.com/tapewarden/tapewarden/rotation"

	"github.com/tapewarden/tapewarden/daemon/archive"
)

// What the engine holds in memory, read by the API's status and by the
// metrics. Every method returns at once and touches no device.

// ActiveRuns lists the runs in progress.
func (d *Engine) ActiveRuns() []ActiveRun { return d.runs.list() }

// JobRunning reports whether the job has a run in progress.
func (d *Engine) JobRunning(job string) bool { return d.runs.byJob(job) != nil }

// LiveLog is the log so far of run id while it is in progress; empty
// otherwise.
func (d *Engine) LiveLog(id int64) string { return d.runs.liveLog(id) }

// Waiting lists the requests queued for a drive.
func (d *Engine) Waiting() []Waiting { return d.dev.alloc.waiting() }

// LiveDrive is a drive's state in memory.
type LiveDrive struct {
	Name string
	// Busy is set while the drive is leased.
	Busy bool
	// LastCleaned is when the drive itself says it was last cleaned (a
	// virtual drive records it); zero when it does not say.
	LastCleaned time.Time
}

// LiveDrives lists the configured drives' state in memory, in the
// configuration's order.
func (d *Engine) LiveDrives() []LiveDrive {
	out := make([]LiveDrive, 0, len(d.dev.order))
	for _, name := range d.dev.order {
		drv := d.dev.drives[name]
		ld := LiveDrive{Name: name}
		if held, _ := drv.holder(); held.kind != 0 {
			ld.Busy = true
		}
		if drv.virtual != nil {
			ld.LastCleaned = drv.virtual.State().LastCleaned
		}
		out = append(out, ld)
	}
	return out
}

// CleaningAgainst judges every drive's cleaning against a view of the
// catalog the caller has read.
func (d *Engine) CleaningAgainst(ctx context.Context, view rotation.View) ([]rotation.Cleaning, error) {
	return d.cleaningStatus(ctx, view)
}

// WriterStats returns each drive's streaming counters since the start.
func (d *Engine) WriterStats() map[string]archive.Stats { return d.writerSnapshot() }

// HasDrive returns nil when a drive of that name is configured, and an
// ErrNotFound naming the drives that are otherwise.
func (d *Engine) HasDrive(name string) error {
	_, err := d.dev.drive(name)
	return err
}

// VirtualDrive is the virtual tape of a virtual drive, for simulations to
// act as the hardware would (a drive asking to be cleaned); nil for a
// real drive or a name not configured.
func (d *Engine) VirtualDrive(name string) *drives.VirtualTape {
	drv, err := d.dev.drive(name)
	if err != nil {
		return nil
	}
	return drv.virtual
}

// PollDrive reads an idle drive's status and TapeAlert flags now, as the
// housekeeping does every maintenance interval.
func (d *Engine) PollDrive(ctx context.Context, name string) error {
	drv, err := d.dev.drive(name)
	if err != nil {
		return err
	}
	d.pollDrive(ctx, drv)
	return nil
}
