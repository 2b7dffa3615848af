package engine

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/tapewarden/tapewarden/drives"
	"github.com/tapewarden/tapewarden/media"
)

// InventoryReport is what one library inventory found and changed.
type InventoryReport struct {
	Library string                `json:"library"`
	At      time.Time             `json:"at"`
	Drives  []InventoryDrive      `json:"drives"`
	Slots   []InventorySlot       `json:"slots"`
	Catalog media.ReconcileResult `json:"catalog"`
	// Added are unknown cartridges added to the catalog (add_unknown).
	Added []string `json:"added,omitempty"`
	// Problems are things a person must look at: labels the catalog does
	// not accept, full slots without a readable label, drive elements the
	// configuration does not map.
	Problems []string `json:"problems,omitempty"`
}

// InventoryDrive is one drive element as the library reports it.
type InventoryDrive struct {
	Element    int    `json:"element"`
	Drive      string `json:"drive,omitempty"`
	Full       bool   `json:"full"`
	Barcode    string `json:"barcode,omitempty"`
	SourceSlot int    `json:"source_slot,omitempty"`
}

// InventorySlot is one slot, in catalog numbering (mail slots from 1).
type InventorySlot struct {
	Slot     int    `json:"slot"`
	MailSlot bool   `json:"mailslot,omitempty"`
	Full     bool   `json:"full"`
	Barcode  string `json:"barcode,omitempty"`
}

// inventoryLocked reads a library's inventory and reconciles the catalog.
// The caller holds l.mu.
func (d *Engine) inventoryLocked(ctx context.Context, l *library, actor media.Actor) (InventoryReport, drives.Inventory, error) {
	inv, err := d.readInventory(ctx, l)
	if err != nil {
		return InventoryReport{Library: l.cfg.Name, At: d.now()}, inv, err
	}
	rep, err := d.reconcileLocked(ctx, l, actor, inv)
	return rep, inv, err
}

// readInventory asks the library what it holds and changes nothing: an
// operation checks its request against it before anything is recorded.
// The caller holds l.mu.
func (d *Engine) readInventory(ctx context.Context, l *library) (drives.Inventory, error) {
	inv, err := l.changer.Inventory(ctx)
	if err != nil {
		return inv, fmt.Errorf("inventory of library %s: %w", l.cfg.Name, err)
	}
	return inv, nil
}

// reconcileLocked brings the catalog in line with an inventory just read.
// Operations call it only once their request is found good, so that a
// refused request records nothing. The caller holds l.mu.
func (d *Engine) reconcileLocked(ctx context.Context, l *library, actor media.Actor, inv drives.Inventory) (InventoryReport, error) {
	rep := InventoryReport{Library: l.cfg.Name, At: d.now()}
	site := l.cfg.Site
	var seen []media.Seen
	normalize := func(where, tag string) (string, bool) {
		b, err := d.cat.NormalizeBarcode(tag)
		if err != nil {
			rep.Problems = append(rep.Problems, fmt.Sprintf("%s holds a cartridge labelled %q, which is not a barcode the catalog accepts: %v", where, tag, err))
			return "", false
		}
		return b, true
	}
	for _, s := range inv.Slots {
		is := InventorySlot{Slot: s.Number, Full: s.Full, Barcode: s.Barcode}
		loc := media.LibrarySlot(site, l.cfg.Name, s.Number)
		if n, mail := l.mailSlot(s.Number); mail {
			is.Slot, is.MailSlot = n, true
			loc = media.LibraryMailSlot(site, l.cfg.Name, n)
		}
		rep.Slots = append(rep.Slots, is)
		if !s.Full {
			continue
		}
		if s.Barcode == "" {
			rep.Problems = append(rep.Problems, fmt.Sprintf("%s holds a cartridge without a readable barcode label; take it out and label it", loc))
			continue
		}
		if b, ok := normalize(loc.String(), s.Barcode); ok {
			seen = append(seen, media.Seen{Barcode: b, Location: loc})
		}
	}
	var driveNames []string
	for _, de := range inv.Drives {
		id := InventoryDrive{Element: de.Number, Full: de.Full, Barcode: de.Barcode, SourceSlot: de.SourceSlot}
		drv := d.dev.driveAt(l, de.Number)
		if drv != nil {
			id.Drive = drv.cfg.Name
			driveNames = append(driveNames, drv.cfg.Name)
		}
		rep.Drives = append(rep.Drives, id)
		if !de.Full {
			continue
		}
		if drv == nil {
			rep.Problems = append(rep.Problems, fmt.Sprintf("drive element %d of library %s holds %q but no configured drive is that element; add it to libraries[].drives", de.Number, l.cfg.Name, de.Barcode))
			continue
		}
		if de.Barcode == "" {
			rep.Problems = append(rep.Problems, fmt.Sprintf("drive %s holds a cartridge without a readable barcode", drv.cfg.Name))
			continue
		}
		if b, ok := normalize("drive "+drv.cfg.Name, de.Barcode); ok {
			seen = append(seen, media.Seen{Barcode: b, Location: media.DriveAt(site, drv.cfg.Name)})
		}
	}
	res, err := d.cat.ReconcileLibrary(ctx, actor, l.cfg.Name, site, driveNames, seen)
	if err != nil {
		return rep, err
	}
	rep.Catalog = res
	for _, u := range res.Unknown {
		if !l.cfg.AddUnknown {
			rep.Problems = append(rep.Problems, fmt.Sprintf("%s holds %s, which is not in the catalog; set add_unknown for library %s and run 'tapewarden library inventory' to add it where it is", u.Location, u.Barcode, l.cfg.Name))
			continue
		}
		if _, err := d.cat.AddCartridge(ctx, actor, media.NewCartridge{Barcode: u.Barcode, Location: u.Location,
			Notes: "found by the inventory of library " + l.cfg.Name}); err != nil {
			rep.Problems = append(rep.Problems, fmt.Sprintf("%s holds %s, which could not be added: %v", u.Location, u.Barcode, err))
			continue
		}
		rep.Added = append(rep.Added, u.Barcode)
	}
	for _, m := range res.Missing {
		rep.Problems = append(rep.Problems, fmt.Sprintf("%s is not where the catalog places it (%s); find it, then run 'tapewarden library inventory'", m.Barcode, m.Location))
	}
	for _, m := range res.TakenFromMailSlot {
		rep.Problems = append(rep.Problems, fmt.Sprintf("%s was taken out of %s; record where it went (a courier pick-up, or 'tapewarden media move %s --to %s/PLACE')", m.Barcode, m.Location, m.Barcode, site))
	}
	rep.Problems = append(rep.Problems, res.Conflicts...)
	for _, p := range rep.Problems {
		d.log.Warn("inventory", "library", l.cfg.Name, "problem", p)
	}
	return rep, nil
}

// Inventory inventories one library (or all, with name "") and reconciles
// the catalog.
func (d *Engine) Inventory(ctx context.Context, actor media.Actor, name string) ([]InventoryReport, error) {
	var libs []*library
	if name == "" {
		for _, lc := range d.cfg.Libraries {
			libs = append(libs, d.dev.libs[lc.Name])
		}
	} else {
		l, err := d.dev.library(name)
		if err != nil {
			return nil, err
		}
		libs = append(libs, l)
	}
	var out []InventoryReport
	for _, l := range libs {
		l.mu.Lock()
		rep, _, err := d.inventoryLocked(ctx, l, actor)
		l.mu.Unlock()
		if err != nil {
			return out, err
		}
		out = append(out, rep)
	}
	return out, nil
}

// LoadRequest asks a library to load a cartridge into a drive.
type LoadRequest struct {
	Library string `json:"library,omitempty"`
	Barcode string `json:"barcode,omitempty"`
	Slot    int    `json:"slot,omitempty"` // instead of a barcode
	Drive   string `json:"drive"`
}

// libraryDrive returns a drive that must sit in a library.
func (d *Engine) libraryDrive(name string) (*drive, error) {
	drv, err := d.dev.drive(name)
	if err != nil {
		return nil, err
	}
	if drv.lib == nil {
		return nil, conflict("drive %s is a standalone drive; a person loads it (then 'tapewarden drive identify %s')", name, name)
	}
	return drv, nil
}

// Load moves a cartridge from a library slot into a drive, after checking
// that the drive can read it, and records the custody event.
func (d *Engine) Load(ctx context.Context, actor media.Actor, req LoadRequest) (media.Event, error) {
	drv, err := d.libraryDrive(req.Drive)
	if err != nil {
		return media.Event{}, err
	}
	release, err := drv.leaseSoon(ctx, leaseFor(leaseOperator, tr("lease.load", actor.Name)))
	if err != nil {
		return media.Event{}, err
	}
	defer release()
	return d.loadLeased(ctx, actor, drv, req.Barcode, req.Slot, false)
}

// loadLeased loads a cartridge (by barcode, or from a slot) into a leased
// library drive. write says the cartridge is to be written, not only read.
func (d *Engine) loadLeased(ctx context.Context, actor media.Actor, drv *drive, barcode string, slot int, write bool) (media.Event, error) {
	l := drv.lib
	l.mu.Lock()
	defer l.mu.Unlock()
	inv, err := d.readInventory(ctx, l)
	if err != nil {
		return media.Event{}, err
	}
	{
		if de, ok := inv.Drive(drv.element); ok && de.Full {
			return media.Event{}, conflict("drive %s already holds %s; unload it first ('tapewarden library unload --drive %s')", drv.cfg.Name, dash0(de.Barcode), drv.cfg.Name)
		}
		if barcode != "" {
			b, err := d.cat.NormalizeBarcode(barcode)
			if err != nil {
				return media.Event{}, err
			}
			barcode = b
			where, ok := inv.Find(barcode)
			if !ok {
				cart, err := d.cat.Cartridge(ctx, barcode)
				if err != nil {
					return media.Event{}, err
				}
				return media.Event{}, conflict("%s is not in library %s; the catalog places it at %s", barcode, l.cfg.Name, cart.Location)
			}
			if where.InDrive {
				return media.Event{}, conflict("%s is already in drive element %d", barcode, where.Number)
			}
			slot = where.Number
		} else {
			s, ok := inv.Slot(slot)
			switch {
			case slot < 1 || slot > l.cfg.Slots || !ok:
				return media.Event{}, notFound("library %s has storage slots 1-%d", l.cfg.Name, l.cfg.Slots)
			case !s.Full:
				return media.Event{}, conflict("%s of library %s is empty", l.slotWords(slot), l.cfg.Name)
			case s.Barcode == "":
				return media.Event{}, conflict("%s of library %s holds a cartridge without a readable barcode; tapewarden loads only cartridges it can identify", l.slotWords(slot), l.cfg.Name)
			}
			if barcode, err = d.cat.NormalizeBarcode(s.Barcode); err != nil {
				return media.Event{}, err
			}
		}
	}
	cart, err := d.cat.Cartridge(ctx, barcode)
	if err != nil {
		return media.Event{}, err
	}
	if cart.State == media.Cleaning {
		return media.Event{}, conflict("%s is a cleaning cartridge; clean with 'tapewarden drive clean %s'", barcode, drv.cfg.Name)
	}
	if err := drives.CheckLoad(drv.cfg.MediaType, cart.MediaType, write); err != nil {
		return media.Event{}, fmt.Errorf("load %s into %s: %w", barcode, drv.cfg.Name, err)
	}
	// The request is good: now the catalog learns what the library holds.
	if _, err := d.reconcileLocked(ctx, l, media.System, inv); err != nil {
		return media.Event{}, err
	}
	if err := l.changer.Load(ctx, slot, drv.element); err != nil {
		return media.Event{}, fmt.Errorf("load %s from %s into %s: %w", barcode, l.slotName(slot), drv.cfg.Name, err)
	}
	if err := d.waitOnline(ctx, drv); err != nil {
		return media.Event{}, fmt.Errorf("load %s into %s: %w", barcode, drv.cfg.Name, err)
	}
	ev, err := d.cat.Move(ctx, actor, barcode, media.DriveAt(l.cfg.Site, drv.cfg.Name), media.MoveOptions{Kind: "loaded",
		Reason: fmt.Sprintf("loaded by library %s from %s", l.cfg.Name, l.slotName(slot))})
	if err != nil {
		return ev, err
	}
	if err := d.cat.RecordMount(ctx, barcode); err != nil {
		d.log.Error("count mount", "barcode", barcode, "err", err)
	}
	// The one line for this load; the devices log theirs at debug level.
	d.log.Info("cartridge loaded", "library", l.cfg.Name, "drive", drv.cfg.Name, "from", l.slotName(slot), "barcode", barcode)
	return ev, nil
}

func dash0(s string) string {
	if s == "" {
		return "an unlabelled cartridge"
	}
	return s
}

// waitOnline waits until the drive reports the cartridge loaded and ready.
// Loading and threading take tens of seconds on real drives, and a first
// load of an LTO-9 cartridge can take much longer.
func (d *Engine) waitOnline(ctx context.Context, drv *drive) error {
	deadline := time.Now().Add(d.loadTimeout)
	for {
		h, err := drv.open()
		if err == nil {
			st, serr := h.Status(ctx)
			_ = h.Close() // status only: nothing written to lose
			if serr == nil && st.Online {
				return nil
			}
			err = serr
		}
		if time.Now().After(deadline) {
			if err == nil {
				err = errors.New("the drive did not come online")
			}
			return fmt.Errorf("waiting for drive %s: %w", drv.cfg.Name, err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Second):
		}
	}
}

// UnloadRequest asks a library to put a drive's cartridge back.
type UnloadRequest struct {
	Drive string `json:"drive"`
	Slot  int    `json:"slot,omitempty"` // default: where it came from, or the first empty slot
}

// Unload ejects a library drive's cartridge and moves it to a slot.
func (d *Engine) Unload(ctx context.Context, actor media.Actor, req UnloadRequest) (media.Event, error) {
	drv, err := d.libraryDrive(req.Drive)
	if err != nil {
		return media.Event{}, err
	}
	release, err := drv.leaseSoon(ctx, leaseFor(leaseOperator, tr("lease.unload", actor.Name)))
	if err != nil {
		return media.Event{}, err
	}
	defer release()
	return d.unloadLeased(ctx, actor, drv, req.Slot, false)
}

// unloadLeased ejects the cartridge of a leased library drive and puts it
// in slot (0: its home slot or the first empty one), or, with toMail, in
// the first empty mail slot.
func (d *Engine) unloadLeased(ctx context.Context, actor media.Actor, drv *drive, slot int, toMail bool) (media.Event, error) {
	l := drv.lib
	l.mu.Lock()
	defer l.mu.Unlock()
	inv, err := d.readInventory(ctx, l)
	if err != nil {
		return media.Event{}, err
	}
	de, ok := inv.Drive(drv.element)
	if !ok || !de.Full {
		return media.Event{}, conflict("drive %s is empty", drv.cfg.Name)
	}
	barcode := ""
	if de.Barcode != "" {
		barcode, _ = d.cat.NormalizeBarcode(de.Barcode)
	}
	dest := slot
	var loc media.Location
	switch {
	case toMail:
		free, ok := l.freeMailSlot(inv)
		if !ok {
			return media.Event{}, conflict("every mail slot of library %s is full; empty one first", l.cfg.Name)
		}
		n, _ := l.mailSlot(free)
		dest, loc = free, media.LibraryMailSlot(l.cfg.Site, l.cfg.Name, n)
	case dest > 0:
		if s, ok := inv.Slot(dest); !ok || dest > l.cfg.Slots {
			return media.Event{}, notFound("library %s has storage slots 1-%d", l.cfg.Name, l.cfg.Slots)
		} else if s.Full {
			return media.Event{}, conflict("%s of library %s is full", l.slotWords(dest), l.cfg.Name)
		}
		loc = media.LibrarySlot(l.cfg.Site, l.cfg.Name, dest)
	default:
		// The library reports the slot it loaded the cartridge from
		// (mtx: "Full (Storage Element 1 Loaded)"): that is where it goes
		// back, if it is still free.
		if src := de.SourceSlot; src > 0 && src <= l.cfg.Slots {
			if s, ok := inv.Slot(src); ok && !s.Full {
				dest = src
			}
		}
		if barcode != "" && dest == 0 {
			if home, err := d.cat.HomeSlot(ctx, barcode, l.cfg.Name); err == nil && home > 0 {
				if s, ok := inv.Slot(home); ok && !s.Full && home <= l.cfg.Slots {
					dest = home
				}
			}
		}
		if dest == 0 {
			if empty := l.emptyStorageSlots(inv); len(empty) > 0 {
				dest = empty[0]
			}
		}
		if dest == 0 {
			return media.Event{}, conflict("library %s has no empty storage slot", l.cfg.Name)
		}
		loc = media.LibrarySlot(l.cfg.Site, l.cfg.Name, dest)
	}
	// The request is good: now the catalog learns what the library holds.
	if _, err := d.reconcileLocked(ctx, l, media.System, inv); err != nil {
		return media.Event{}, err
	}
	// Many libraries take a cartridge only from a drive that ejected it.
	h, err := drv.open()
	if err != nil {
		return media.Event{}, fmt.Errorf("unload %s: %w", drv.cfg.Name, err)
	}
	err = h.Unload(ctx)
	_ = h.Close() // unloaded: nothing written to lose
	if err != nil && !errors.Is(err, drives.ErrNoMedium) {
		return media.Event{}, fmt.Errorf("eject %s: %w", drv.cfg.Name, err)
	}
	if err := l.changer.Unload(ctx, drv.element, dest); err != nil {
		return media.Event{}, fmt.Errorf("unload %s into %s: %w", drv.cfg.Name, l.slotName(dest), err)
	}
	if barcode == "" {
		return media.Event{}, nil
	}
	kind := "unloaded"
	if toMail {
		kind = "exported"
	}
	d.log.Info("cartridge "+kind, "library", l.cfg.Name, "drive", drv.cfg.Name, "to", l.slotName(dest), "barcode", barcode)
	return d.cat.Move(ctx, actor, barcode, loc, media.MoveOptions{Kind: kind, Reason: fmt.Sprintf("unloaded from %s by library %s", drv.cfg.Name, l.cfg.Name)})
}

// TransferRequest moves a cartridge between two slots of a library. Slots
// are written N (storage) or mN (mail slot N).
type TransferRequest struct {
	Library string `json:"library,omitempty"`
	From    string `json:"from"`
	To      string `json:"to"`
}

func (l *library) parseSlot(s string) (changer int, loc media.Location, err error) {
	s = strings.TrimSpace(strings.ToLower(s))
	mail := false
	if rest, ok := strings.CutPrefix(s, "m"); ok {
		mail, s = true, strings.TrimPrefix(rest, "ail")
		s = strings.TrimPrefix(s, "slot")
		s = strings.TrimPrefix(s, "/")
	}
	var n int
	if _, err := fmt.Sscanf(s, "%d", &n); err != nil || fmt.Sprint(n) != s {
		return 0, loc, invalid("slot %q: write N for storage slot N or mN for mail slot N", s)
	}
	if mail {
		if n < 1 || n > l.cfg.MailSlots {
			return 0, loc, invalid("library %s has mail slots 1-%d", l.cfg.Name, l.cfg.MailSlots)
		}
		return l.changerSlot(n), media.LibraryMailSlot(l.cfg.Site, l.cfg.Name, n), nil
	}
	if n < 1 || n > l.cfg.Slots {
		return 0, loc, invalid("library %s has storage slots 1-%d", l.cfg.Name, l.cfg.Slots)
	}
	return n, media.LibrarySlot(l.cfg.Site, l.cfg.Name, n), nil
}

// Transfer moves a cartridge between two slots.
func (d *Engine) Transfer(ctx context.Context, actor media.Actor, req TransferRequest) (media.Event, error) {
	l, err := d.dev.library(req.Library)
	if err != nil {
		return media.Event{}, err
	}
	from, _, err := l.parseSlot(req.From)
	if err != nil {
		return media.Event{}, err
	}
	to, toLoc, err := l.parseSlot(req.To)
	if err != nil {
		return media.Event{}, err
	}
	kind := "moved"
	if _, mail := l.mailSlot(to); mail {
		kind = "exported"
	} else if _, mail := l.mailSlot(from); mail {
		kind = "imported"
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	inv, err := d.readInventory(ctx, l)
	if err != nil {
		return media.Event{}, err
	}
	barcode, err := d.checkTransfer(ctx, l, inv, from, to)
	if err != nil {
		return media.Event{}, err
	}
	if _, err := d.reconcileLocked(ctx, l, media.System, inv); err != nil {
		return media.Event{}, err
	}
	return d.transferLocked(ctx, actor, l, barcode, from, to, toLoc, kind)
}

// checkTransfer checks a move between two slots against an inventory and
// returns the barcode of the cartridge to move. It changes nothing.
func (d *Engine) checkTransfer(ctx context.Context, l *library, inv drives.Inventory, from, to int) (string, error) {
	src, _ := inv.Slot(from)
	dst, _ := inv.Slot(to)
	switch {
	case !src.Full:
		return "", conflict("slot %s of library %s is empty", slotName(l, from), l.cfg.Name)
	case dst.Full:
		return "", conflict("slot %s of library %s is full", slotName(l, to), l.cfg.Name)
	case src.Barcode == "":
		return "", conflict("slot %s holds a cartridge without a readable barcode", slotName(l, from))
	}
	barcode, err := d.cat.NormalizeBarcode(src.Barcode)
	if err != nil {
		return "", err
	}
	if _, err := d.cat.Cartridge(ctx, barcode); err != nil {
		return "", err
	}
	return barcode, nil
}

// transferLocked moves a checked cartridge between two slots and records
// it. The caller holds l.mu.
func (d *Engine) transferLocked(ctx context.Context, actor media.Actor, l *library, barcode string, from, to int, toLoc media.Location, kind string) (media.Event, error) {
	if err := l.changer.Transfer(ctx, from, to); err != nil {
		return media.Event{}, fmt.Errorf("move %s from slot %s to %s: %w", barcode, slotName(l, from), slotName(l, to), err)
	}
	return d.cat.Move(ctx, actor, barcode, toLoc, media.MoveOptions{Kind: kind, Reason: fmt.Sprintf("moved by library %s", l.cfg.Name)})
}

func slotName(l *library, changerSlot int) string {
	if n, mail := l.mailSlot(changerSlot); mail {
		return fmt.Sprintf("m%d", n)
	}
	return fmt.Sprint(changerSlot)
}

// Export moves cartridges from storage slots to free mail slots, for a
// person to take out.
func (d *Engine) Export(ctx context.Context, actor media.Actor, libName string, barcodes []string) ([]media.Event, error) {
	l, err := d.dev.library(libName)
	if err != nil {
		return nil, err
	}
	if len(barcodes) == 0 {
		return nil, invalid("name the cartridges to export")
	}
	// Every barcode is checked before anything moves: all or nothing.
	var want []string
	seen := map[string]bool{}
	for _, raw := range barcodes {
		b, err := d.cat.NormalizeBarcode(raw)
		if err != nil {
			return nil, err
		}
		if !seen[b] {
			seen[b] = true
			want = append(want, b)
		}
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	inv, err := d.readInventory(ctx, l)
	if err != nil {
		return nil, err
	}
	type move struct {
		barcode  string
		from, to int
	}
	var plan []move
	var free []int
	for _, s := range inv.Slots {
		if _, mail := l.mailSlot(s.Number); mail && !s.Full {
			free = append(free, s.Number)
		}
	}
	sort.Ints(free)
	for _, b := range want {
		where, ok := inv.Find(b)
		if !ok {
			if cart, err := d.cat.Cartridge(ctx, b); err == nil {
				return nil, conflict("%s is not in library %s (the catalog places it at %s); nothing was exported", b, l.cfg.Name, cart.Location)
			}
			return nil, conflict("%s is not in library %s; nothing was exported", b, l.cfg.Name)
		}
		if where.InDrive {
			return nil, conflict("%s is in a drive; unload it first ('tapewarden library unload --drive ...'); nothing was exported", b)
		}
		if _, mail := l.mailSlot(where.Number); mail {
			continue // already waiting in a mail slot
		}
		if len(free) == 0 {
			return nil, conflict("library %s has %s, too few for these cartridges: export fewer, or take out the cartridges waiting there first; nothing was exported", l.cfg.Name, freeMailSlots(len(plan)))
		}
		if _, err := d.checkTransfer(ctx, l, inv, where.Number, free[0]); err != nil {
			return nil, fmt.Errorf("%w; nothing was exported", err)
		}
		plan = append(plan, move{b, where.Number, free[0]})
		free = free[1:]
	}
	if _, err := d.reconcileLocked(ctx, l, media.System, inv); err != nil {
		return nil, err
	}
	var out []media.Event
	for _, m := range plan {
		n, _ := l.mailSlot(m.to)
		ev, err := d.transferLocked(ctx, actor, l, m.barcode, m.from, m.to, media.LibraryMailSlot(l.cfg.Site, l.cfg.Name, n), "exported")
		if err != nil {
			return out, err
		}
		out = append(out, ev)
	}
	return out, nil
}

// Import moves every cartridge waiting in a mail slot into a free storage
// slot. Cartridges the catalog does not know stay in the mail slot and are
// reported.
func (d *Engine) Import(ctx context.Context, actor media.Actor, libName string) ([]media.Event, []string, error) {
	l, err := d.dev.library(libName)
	if err != nil {
		return nil, nil, err
	}
	// Import prompts whose cartridges went in close now, not at the next
	// housekeeping round (after the library is unlocked).
	defer d.closeFulfilledPrompts(context.WithoutCancel(ctx))
	l.mu.Lock()
	defer l.mu.Unlock()
	rep, inv, err := d.inventoryLocked(ctx, l, actor)
	if err != nil {
		return nil, nil, err
	}
	unknown := map[string]bool{}
	for _, u := range rep.Catalog.Unknown {
		unknown[u.Barcode] = true
	}
	var out []media.Event
	var problems []string
	free := l.emptyStorageSlots(inv)
	sort.Ints(free)
	for _, s := range inv.Slots {
		n, mail := l.mailSlot(s.Number)
		if !mail || !s.Full {
			continue
		}
		b, err := d.cat.NormalizeBarcode(s.Barcode)
		if err != nil || unknown[b] {
			problems = append(problems, fmt.Sprintf("mail slot %d: %q is not a cartridge the catalog knows; take it out, add it ('tapewarden media add %s --at %s/PLACE'), put it back and import again, or set add_unknown for library %s", n, s.Barcode, s.Barcode, l.cfg.Site, l.cfg.Name))
			continue
		}
		if len(free) == 0 {
			problems = append(problems, fmt.Sprintf("mail slot %d: no free storage slot for %s", n, b))
			continue
		}
		to := free[0]
		free = free[1:]
		// inv stays true for the slots still to move: each mail slot is
		// emptied once, and each free slot filled once.
		if _, err := d.checkTransfer(ctx, l, inv, s.Number, to); err != nil {
			return out, problems, err
		}
		ev, err := d.transferLocked(ctx, actor, l, b, s.Number, to, media.LibrarySlot(l.cfg.Site, l.cfg.Name, to), "imported")
		if err != nil {
			return out, problems, err
		}
		out = append(out, ev)
	}
	return out, problems, nil
}

// virtualImage finds the image of a virtual cartridge by barcode: on the
// virtual shelf (STATE_DIR/cartridges) or in a virtual library's store.
func (d *Engine) virtualImage(barcode string) (string, error) {
	dirs := []string{d.worldDir()}
	for _, lc := range d.cfg.Libraries {
		if lc.Type == "virtual" {
			dirs = append(dirs, filepath.Join(d.cfg.LibraryPath(&lc), "cartridges"))
		}
	}
	for _, dir := range dirs {
		p := filepath.Join(dir, barcode+".vtape")
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	return "", notFound("there is no virtual cartridge %s", barcode)
}

// worldDir holds the images of virtual cartridges outside any library.
func (d *Engine) worldDir() string { return filepath.Join(d.cfg.StateDir, "cartridges") }

// virtualPlaced reports where a virtual cartridge image is inserted, if it
// is inside a virtual library or drive.
func (d *Engine) virtualPlaced(ctx context.Context, barcode string) (string, bool) {
	for _, lc := range d.cfg.Libraries {
		l := d.dev.libs[lc.Name]
		if l.virtual == nil {
			continue
		}
		if inv, err := l.virtual.Inventory(ctx); err == nil {
			if where, ok := inv.Find(barcode); ok {
				return fmt.Sprintf("library %s %s", lc.Name, where), true
			}
		}
	}
	for _, name := range d.dev.order {
		drv := d.dev.drives[name]
		if drv.virtual == nil || drv.lib != nil {
			continue
		}
		if st := drv.virtual.State(); st.Cartridge != "" && strings.TrimSuffix(filepath.Base(st.Cartridge), ".vtape") == barcode {
			return "drive " + name, true
		}
	}
	return "", false
}

// MailSlotRequest plays the operator at a virtual library's mail slot.
type MailSlotRequest struct {
	Library string `json:"library,omitempty"`
	Action  string `json:"action"` // insert or take
	Barcode string `json:"barcode,omitempty"`
	Slot    int    `json:"slot,omitempty"` // mail slot number; 0 = first suitable
}

// MailSlotResult says what happened at the mail slot.
type MailSlotResult struct {
	Action   string          `json:"action"`
	Barcode  string          `json:"barcode"`
	MailSlot int             `json:"mailslot"`
	Report   InventoryReport `json:"inventory"`
	Next     string          `json:"next"`
}

// MailSlot is a person inserting a cartridge into, or taking one out of, a
// virtual library's mail slot. Real libraries have a door for that.
func (d *Engine) MailSlot(ctx context.Context, actor media.Actor, req MailSlotRequest) (MailSlotResult, error) {
	l, err := d.dev.library(req.Library)
	if err != nil {
		return MailSlotResult{}, err
	}
	if l.virtual == nil {
		return MailSlotResult{}, conflict("library %s is real: open its mail slot door, then run 'tapewarden library import'", l.cfg.Name)
	}
	defer d.closeFulfilledPrompts(context.WithoutCancel(ctx))
	res := MailSlotResult{Action: req.Action}
	l.mu.Lock()
	defer l.mu.Unlock()
	switch req.Action {
	case "insert":
		b, err := d.cat.NormalizeBarcode(req.Barcode)
		if err != nil {
			return res, err
		}
		if where, in := d.virtualPlaced(ctx, b); in {
			return res, conflict("%s is in %s, not in anyone's hands", b, where)
		}
		img, err := d.virtualImage(b)
		if err != nil {
			return res, err
		}
		n := 0
		if req.Slot < 0 || req.Slot > l.cfg.MailSlots {
			return res, invalid("library %s has mail slots 1-%d", l.cfg.Name, l.cfg.MailSlots)
		}
		if req.Slot > 0 {
			n = l.changerSlot(req.Slot)
		}
		used, err := l.virtual.InsertIntoMailSlot(n, img)
		if err != nil {
			return res, fmt.Errorf("insert %s into the mail slot of %s: %w", b, l.cfg.Name, err)
		}
		res.Barcode = b
		res.MailSlot, _ = l.mailSlot(used)
		res.Next = "move it into the library with 'tapewarden library import'"
	case "take":
		if req.Slot < 1 || req.Slot > l.cfg.MailSlots {
			return res, invalid("say which mail slot (1-%d)", l.cfg.MailSlots)
		}
		inv, err := l.changer.Inventory(ctx)
		if err != nil {
			return res, err
		}
		if s, ok := inv.Slot(l.changerSlot(req.Slot)); !ok || !s.Full {
			return res, conflict("mail slot %d of library %s is empty", req.Slot, l.cfg.Name)
		}
		img, err := l.virtual.TakeFromMailSlot(l.changerSlot(req.Slot))
		if err != nil {
			return res, fmt.Errorf("take from mail slot %d of %s: %w", req.Slot, l.cfg.Name, err)
		}
		info, err := drives.ReadCartridgeInfo(img)
		if err == nil {
			res.Barcode = info.Barcode
		}
		res.MailSlot = req.Slot
		res.Next = fmt.Sprintf("hand it to the courier ('tapewarden manifest pickup') or file it ('tapewarden media move %s --to %s/PLACE')", res.Barcode, l.cfg.Site)
	default:
		return res, invalid("mail slot action %q: expected insert or take", req.Action)
	}
	rep, _, err := d.inventoryLocked(ctx, l, actor)
	res.Report = rep
	return res, err
}

// freeMailSlots says how many free mail slots there are, in words.
func freeMailSlots(n int) string {
	switch n {
	case 0:
		return "no free mail slot"
	case 1:
		return "one free mail slot"
	}
	return fmt.Sprintf("%d free mail slots", n)
}
