package engine

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/tapewarden/tapewarden/drives"
	"github.com/tapewarden/tapewarden/media"
)

// DriveInfo is a drive as `tapewarden drive list|status` shows it.
type DriveInfo struct {
	Name      string `json:"name"`
	Type      string `json:"type"` // st or virtual
	MediaType string `json:"media_type"`
	Site      string `json:"site"`
	Library   string `json:"library,omitempty"`
	// Element is the drive's element in its library (nil outside one;
	// 0 is an element like any other).
	Element *int   `json:"element,omitempty"`
	Device  string `json:"device"`
	// Cartridge is what the catalog places in the drive.
	Cartridge string `json:"cartridge,omitempty"`
	// Busy says who leases the drive (a run, a restore, a cleaning, a
	// library operation) and since when.
	Busy      string    `json:"busy,omitempty"`
	BusySince time.Time `json:"busy_since,omitzero"`
	// BusyJa says the same as Busy in Japanese, for the console.
	BusyJa string `json:"busy_ja,omitempty"`
	// Status is the drive's own report, read when the drive is idle.
	Status      *drives.Status `json:"status,omitempty"`
	StatusError string         `json:"status_error,omitempty"`
	// Virtual drives also report their counters.
	LoadCount         int64     `json:"load_count,omitempty"`
	CleaningRequested bool      `json:"cleaning_requested,omitempty"`
	LastCleaned       time.Time `json:"last_cleaned,omitzero"`
}

// BusyText is what holds the drive in Japanese (ja) or in English.
func (di DriveInfo) BusyText(ja bool) string {
	if ja && di.BusyJa != "" {
		return di.BusyJa
	}
	return di.Busy
}

func (d *Engine) driveInfo(ctx context.Context, drv *drive, live bool) DriveInfo {
	di := DriveInfo{Name: drv.cfg.Name, Type: drv.cfg.Type, MediaType: drv.cfg.MediaType, Site: drv.cfg.Site, Device: drv.path}
	if drv.dir != nil {
		di.Device = drv.dir.Where()
	}
	if drv.lib != nil {
		el := drv.element
		di.Library, di.Element = drv.lib.cfg.Name, &el
	}
	if c, ok := d.cartridgeIn(ctx, drv); ok {
		di.Cartridge = c.Barcode
	}
	held, since := drv.holder()
	di.Busy, di.BusyJa, di.BusySince = held.who, held.text().ja, since
	if drv.virtual != nil {
		st := drv.virtual.State()
		di.LoadCount, di.CleaningRequested, di.LastCleaned = st.LoadCount, st.CleaningRequested, st.LastCleaned
	}
	if live && di.Busy == "" {
		release, err := drv.tryAcquire(leaseFor(leaseCheck, tr("lease.status_query")))
		if err == nil {
			defer release()
			h, err := drv.open()
			if err == nil {
				st, serr := h.Status(ctx)
				_ = h.Close() // status only: nothing written to lose
				if serr == nil {
					di.Status = &st
					di.CleaningRequested = di.CleaningRequested || st.CleaningRequested
				} else {
					di.StatusError = serr.Error()
				}
			} else {
				di.StatusError = err.Error()
			}
		}
	}
	return di
}

// Drives lists every configured drive.
func (d *Engine) Drives(ctx context.Context) []DriveInfo {
	out := make([]DriveInfo, 0, len(d.dev.order))
	for _, name := range d.dev.order {
		out = append(out, d.driveInfo(ctx, d.dev.drives[name], false))
	}
	return out
}

// DriveStatus reads one drive's status (when it is idle).
func (d *Engine) DriveStatus(ctx context.Context, name string) (DriveInfo, error) {
	drv, err := d.dev.drive(name)
	if err != nil {
		return DriveInfo{}, err
	}
	return d.driveInfo(ctx, drv, true), nil
}

// Identify reads the label of the cartridge a person put into a drive and
// records that it is there.
func (d *Engine) Identify(ctx context.Context, actor media.Actor, name string) (media.Event, error) {
	drv, err := d.dev.drive(name)
	if err != nil {
		return media.Event{}, err
	}
	release, err := drv.leaseSoon(ctx, leaseFor(leaseOperator, tr("lease.identify", actor.Name)))
	if err != nil {
		return media.Event{}, err
	}
	defer release()
	return d.identifyLeased(ctx, actor, drv)
}

func (d *Engine) identifyLeased(ctx context.Context, actor media.Actor, drv *drive) (media.Event, error) {
	label, err := d.readLabel(ctx, drv)
	if err != nil {
		return media.Event{}, err
	}
	cart, err := d.cat.Cartridge(ctx, label.Barcode)
	if err != nil {
		return media.Event{}, fmt.Errorf("drive %s holds a cartridge labelled %s: %w", drv.cfg.Name, label.Barcode, err)
	}
	to := media.DriveAt(drv.cfg.Site, drv.cfg.Name)
	if cart.Location == to {
		return media.Event{}, fmt.Errorf("%w: the catalog already has %s in drive %s", media.ErrAlreadyThere, cart.Barcode, drv.cfg.Name)
	}
	ev, err := d.cat.Move(ctx, actor, cart.Barcode, to, media.MoveOptions{Kind: "loaded", Force: true,
		Reason: fmt.Sprintf("put into %s by hand; label read by the drive", drv.cfg.Name)})
	if err != nil {
		return ev, err
	}
	if err := d.cat.RecordMount(ctx, cart.Barcode); err != nil {
		d.log.Error("count mount", "barcode", cart.Barcode, "err", err)
	}
	return ev, nil
}

// cartridgeIn returns the cartridge the catalog places in drv, if any
// (and if the catalog could be read).
func (d *Engine) cartridgeIn(ctx context.Context, drv *drive) (media.Cartridge, bool) {
	list, err := d.cat.Cartridges(ctx, media.Filter{PlaceKind: media.InDrive, Place: drv.cfg.Name, Limit: 1})
	if err != nil || len(list) == 0 {
		return media.Cartridge{}, false
	}
	return list[0], true
}

// readLabel reads the volume label of the cartridge in a leased drive.
func (d *Engine) readLabel(ctx context.Context, drv *drive) (drives.Label, error) {
	h, err := drv.open()
	if err != nil {
		return drives.Label{}, fmt.Errorf("open drive %s: %w", drv.cfg.Name, err)
	}
	defer func() { _ = h.Close() }() // reads the label: nothing written to lose
	label, err := drives.ReadLabel(ctx, h)
	switch {
	case errors.Is(err, drives.ErrNoMedium):
		return label, conflict("drive %s is empty", drv.cfg.Name)
	case errors.Is(err, drives.ErrBlankTape), errors.Is(err, drives.ErrNotLabelled):
		return label, conflict("the cartridge in %s carries no tapewarden label (%v); label it with 'tapewarden tape label'", drv.cfg.Name, err)
	case err != nil:
		return label, fmt.Errorf("read the label in %s: %w", drv.cfg.Name, err)
	}
	return label, nil
}

// InsertRequest plays a person putting a cartridge into a virtual
// standalone drive.
type InsertRequest struct {
	Barcode string `json:"barcode"`
}

// InsertResult says what happened when a person put a cartridge in.
type InsertResult struct {
	// Event is the custody event, when the daemon could read the label
	// and record the cartridge in the drive right away.
	Event *media.Event `json:"event,omitempty"`
	// Note says what happens next.
	Note string `json:"note"`
}

// Insert is a person putting a virtual cartridge into a virtual standalone
// drive. If the drive is idle the daemon reads the label and records the
// cartridge there; if a run is waiting for a person at that drive, the
// person then answers its prompt.
func (d *Engine) Insert(ctx context.Context, actor media.Actor, name string, req InsertRequest) (InsertResult, error) {
	drv, err := d.dev.drive(name)
	if err != nil {
		return InsertResult{}, err
	}
	if drv.virtual == nil || drv.lib != nil {
		return InsertResult{}, conflict("drive %s is not a virtual standalone drive; put the cartridge in by hand and run 'tapewarden drive identify %s'", name, name)
	}
	b, err := d.cat.NormalizeBarcode(req.Barcode)
	if err != nil {
		return InsertResult{}, err
	}
	l := leaseFor(leaseOperator, tr("lease.put_in", actor.Name))
	release, err := drv.tryAcquire(l)
	waiting := err != nil && drv.isAwaitingPerson()
	if err != nil && !waiting {
		// Something brief (the housekeeping's status check) may hold
		// the drive: wait for it as for any person's request.
		if release, err = drv.leaseSoon(ctx, l); err != nil {
			return InsertResult{}, err
		}
	}
	if release != nil {
		defer release()
	}
	if where, in := d.virtualPlaced(ctx, b); in {
		return InsertResult{}, conflict("%s is in %s, not in anyone's hands", b, where)
	}
	img, err := d.virtualImage(b)
	if err != nil {
		return InsertResult{}, err
	}
	if err := drv.virtual.Insert(img); err != nil {
		if errors.Is(err, drives.ErrDriveFull) {
			held, to := "a cartridge", d.homePlaceOf(ctx, drv, "")
			if c, ok := d.cartridgeIn(ctx, drv); ok {
				held, to = c.Barcode, d.homePlaceOf(ctx, drv, c.Barcode)
			}
			return InsertResult{}, conflict("drive %s still holds %s: take it out first ('tapewarden drive eject %s --to %s'), then 'tapewarden drive insert %s %s'", name, held, name, to, name, b)
		}
		return InsertResult{}, fmt.Errorf("put %s into %s: %w", b, name, err)
	}
	answer := "now answer the open prompt ('tapewarden prompt list' shows it)"
	if open, err := d.cat.Prompts(ctx, false); err == nil {
		for _, p := range open {
			if p.Drive == name {
				answer = fmt.Sprintf("now answer prompt %d ('tapewarden prompt done %d')", p.ID, p.ID)
				if p.Kind == "load" {
					answer = fmt.Sprintf("prompt %d will be answered within %s, once the drive reports it loaded (or answer it now: 'tapewarden prompt done %d')", p.ID, loadPoll, p.ID)
				}
				break
			}
		}
	}
	if info, err := drives.ReadCartridgeInfo(img); err == nil && info.Cleaning() {
		home := d.homePlaceOf(ctx, drv, "")
		if c, err := d.cat.Cartridge(ctx, b); err == nil && c.Location.Kind == media.InStorage {
			home = c.Location.String()
		}
		return InsertResult{Note: fmt.Sprintf("the drive took cleaning cartridge %s and ejected it; take it out ('tapewarden drive eject %s --to %s'), then %s", b, name, home, strings.TrimPrefix(answer, "now "))}, nil
	}
	if waiting {
		return InsertResult{Note: fmt.Sprintf("%s is in drive %s; %s", b, name, answer)}, nil
	}
	ev, err := d.identifyLeased(ctx, actor, drv)
	if err != nil {
		// An unlabelled cartridge is in the drive all the same.
		return InsertResult{}, fmt.Errorf("%s is in drive %s, but: %w", b, name, err)
	}
	return InsertResult{Event: &ev, Note: fmt.Sprintf("%s is recorded in drive %s", b, name)}, nil
}

// EjectRequest says where the person puts the ejected cartridge.
type EjectRequest struct {
	To string `json:"to"` // SITE/PLACE
}

// Eject unloads a standalone drive's cartridge and records where the
// person puts it.
func (d *Engine) Eject(ctx context.Context, actor media.Actor, name string, req EjectRequest) (media.Event, error) {
	drv, err := d.dev.drive(name)
	if err != nil {
		return media.Event{}, err
	}
	if drv.lib != nil {
		return media.Event{}, conflict("drive %s is in library %s; use 'tapewarden library unload --drive %s'", name, drv.lib.cfg.Name, name)
	}
	to, err := media.ParseLocation(req.To)
	if err != nil || to.Kind != media.InStorage {
		return media.Event{}, invalid("say where the cartridge goes (--to SITE/PLACE, e.g. %s/shelf)", drv.cfg.Site)
	}
	release, err := drv.tryAcquire(leaseFor(leaseOperator, tr("lease.eject", actor.Name)))
	if err != nil && !drv.isAwaitingPerson() {
		return media.Event{}, err
	}
	if release != nil {
		defer release()
	}
	list, err := d.cat.Cartridges(ctx, media.Filter{PlaceKind: media.InDrive, Place: name})
	if err != nil {
		return media.Event{}, err
	}
	barcode := ""
	if len(list) > 0 {
		barcode = list[0].Barcode
	}
	if drv.virtual != nil {
		img, err := drv.virtual.Eject()
		if errors.Is(err, drives.ErrNoMedium) {
			return media.Event{}, conflict("drive %s is empty: there is nothing to take out", name)
		}
		if err != nil {
			return media.Event{}, fmt.Errorf("eject %s: %w", name, err)
		}
		// The cartridge in the hand is the one whose image came out.
		if info, err := drives.ReadCartridgeInfo(img); err == nil {
			if b, err := d.cat.NormalizeBarcode(info.Barcode); err == nil {
				barcode = b
			}
		}
	} else {
		h, err := drv.open()
		if err != nil {
			return media.Event{}, fmt.Errorf("open drive %s: %w", name, err)
		}
		err = h.Unload(ctx)
		_ = h.Close() // unloaded: nothing written to lose
		if err != nil {
			return media.Event{}, fmt.Errorf("eject %s: %w", name, err)
		}
	}
	if barcode == "" {
		return media.Event{}, conflict("the drive ejected a cartridge the catalog did not place there; identify it and record it with 'tapewarden media move BARCODE --to %s --force --reason ...'", req.To)
	}
	cart, err := d.cat.Cartridge(ctx, barcode)
	if err != nil {
		return media.Event{}, err
	}
	if cart.Location == to {
		// A cartridge that never left its place in the catalog (a
		// cleaning cartridge put in and taken out again).
		return media.Event{Barcode: barcode, From: "drive " + name, To: to.String(), Kind: "unloaded"}, nil
	}
	return d.cat.Move(ctx, actor, barcode, to, media.MoveOptions{Kind: "unloaded", Force: true,
		Reason: fmt.Sprintf("taken out of %s by %s", name, actor.Name)})
}
