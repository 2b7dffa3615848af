package engine

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/tapewarden/tapewarden/drives"
	"github.com/tapewarden/tapewarden/media"
	"github.com/tapewarden/tapewarden/rotation"
)

// driveState is what the daemon last learnt from a drive itself.
type driveState struct {
	at                time.Time
	cleaningRequested bool
	alerts            drives.TapeAlertFlags // flags set at the last read
}

func (drv *drive) lastState() driveState {
	drv.mu.Lock()
	defer drv.mu.Unlock()
	return drv.state
}

func (drv *drive) setState(s driveState) {
	drv.mu.Lock()
	drv.state = s
	drv.mu.Unlock()
}

// pollDrive reads an idle drive's status and TapeAlert flags and records
// any flag raised. Reading the TapeAlert page clears it, so only the daemon
// reads it, and it logs what it read. A drive in use is left alone.
func (d *Engine) pollDrive(ctx context.Context, drv *drive) {
	release, err := drv.tryAcquire(leaseFor(leaseCheck, tr("lease.status_check")))
	if err != nil {
		return
	}
	defer release()
	d.pollLeased(ctx, drv)
}

// pollLeased is pollDrive for a drive the caller leases.
func (d *Engine) pollLeased(ctx context.Context, drv *drive) {
	st := drv.lastState()
	st.at = d.now()
	if drv.virtual != nil {
		st.cleaningRequested = drv.virtual.State().CleaningRequested
	}
	h, err := drv.open()
	if err != nil {
		return
	}
	defer func() { _ = h.Close() }() // status only: nothing written to lose
	if s, err := h.Status(ctx); err == nil {
		st.cleaningRequested = st.cleaningRequested || s.CleaningRequested
	}
	if tr, ok := h.(drives.TapeAlertReader); ok {
		flags, err := tr.ReadTapeAlerts(ctx)
		if err == nil {
			st.alerts = flags
			d.recordAlerts(ctx, drv, flags)
		}
	}
	drv.setState(st)
}

// recordAlerts writes raised TapeAlert flags into the drive's history and
// the log.
func (d *Engine) recordAlerts(ctx context.Context, drv *drive, flags drives.TapeAlertFlags) {
	if flags == 0 {
		return
	}
	barcode := ""
	if c, ok := d.cartridgeIn(ctx, drv); ok {
		barcode = c.Barcode
	}
	for _, a := range flags.Alerts() {
		if _, err := d.cat.RecordDriveEvent(ctx, media.DriveEvent{Drive: drv.cfg.Name, Kind: "tapealert", Barcode: barcode, Flag: a.Flag,
			Detail: fmt.Sprintf("%s (%s)", a.Name, a.Severity)}); err != nil {
			d.log.Error("record TapeAlert", "drive", drv.cfg.Name, "err", err)
		}
		d.log.Warn("TapeAlert", "drive", drv.cfg.Name, "flag", a.Flag, "name", a.Name, "severity", a.Severity.String(), "barcode", barcode)
	}
}

// driveHistory is what rotation needs to judge a drive's cleaning.
func (d *Engine) driveHistory(ctx context.Context, drv *drive) (rotation.DriveHistory, error) {
	use, err := d.cat.DriveUse(ctx, drv.cfg.Name)
	if err != nil {
		return rotation.DriveHistory{}, err
	}
	st := drv.lastState()
	// A drive never cleaned under tapewarden counts its intervals from
	// when tapewarden first saw it.
	last := use.LastCleaned
	if last.IsZero() {
		last = use.FirstSeen
	}
	h := rotation.DriveHistory{LastCleaned: last, MountsSince: use.Mounts, BytesSince: use.Bytes,
		CleanRequested: st.cleaningRequested}
	if drv.virtual != nil {
		vs := drv.virtual.State()
		h.CleanRequested = h.CleanRequested || vs.CleaningRequested
		if vs.LastCleaned.After(h.LastCleaned) {
			h.LastCleaned = vs.LastCleaned
		}
	}
	for _, a := range st.alerts.Alerts() {
		h.TapeAlerts = append(h.TapeAlerts, a.Flag)
	}
	return h, nil
}

// CleaningStatus judges every drive's cleaning.
func (d *Engine) CleaningStatus(ctx context.Context) ([]rotation.Cleaning, error) {
	view, err := d.view(ctx)
	if err != nil {
		return nil, err
	}
	return d.cleaningStatus(ctx, view)
}

// cleaningStatus is CleaningStatus against a view the caller has read.
func (d *Engine) cleaningStatus(ctx context.Context, view rotation.View) ([]rotation.Cleaning, error) {
	var out []rotation.Cleaning
	for _, name := range d.dev.order {
		drv := d.dev.drives[name]
		h, err := d.driveHistory(ctx, drv)
		if err != nil {
			return nil, err
		}
		out = append(out, rotation.CleaningDue(rotation.Drive{Name: name, Type: drv.cfg.MediaType, Cleaning: drv.cfg.Cleaning}, h, view, d.now().In(d.cfg.Location)))
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Drive < out[j].Drive })
	return out, nil
}
