package engine

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/tapewarden/tapewarden/drives"
	"github.com/tapewarden/tapewarden/media"

	"github.com/tapewarden/tapewarden/daemon/config"
)

// mount is a cartridge in a leased drive, ready for the caller's I/O.
type mount struct {
	drv     *drive
	release func()
	barcode string
	waited  time.Duration
}

// obtainRequest says what cartridge a run or restore needs and why.
type obtainRequest struct {
	lease   lease // what the drive is held for, e.g. run 12 (juki-daily)
	barcode string
	write   bool
	drives  []string // the job's allowed drives; empty means any
	run     int64
	why     bi
	status  func(detail bi) // reports what the caller waits for
}

// candidates lists the drives that can take the cartridge where it is.
func (d *Engine) candidates(cart media.Cartridge, req obtainRequest) ([]*drive, error) {
	usable := func(drv *drive) bool {
		if len(req.drives) > 0 && !slices.Contains(req.drives, drv.cfg.Name) {
			return false
		}
		return drives.CheckLoad(drv.cfg.MediaType, cart.MediaType, req.write) == nil
	}
	var out []*drive
	loc := cart.Location
	switch loc.Kind {
	case media.InDrive:
		drv, err := d.dev.drive(loc.Place)
		if err != nil {
			return nil, err
		}
		if !usable(drv) {
			return nil, conflict("%s is in drive %s, which cannot %s it (or the job may not use it); unload it first", cart.Barcode, drv.cfg.Name, rw(req.write))
		}
		return []*drive{drv}, nil
	case media.InSlot, media.InMailSlot:
		for _, name := range d.dev.order {
			drv := d.dev.drives[name]
			if drv.lib != nil && drv.lib.cfg.Name == loc.Place && usable(drv) {
				out = append(out, drv)
			}
		}
		if len(out) == 0 {
			return nil, conflict("%s is in library %s, which has no drive that can %s a %s cartridge", cart.Barcode, loc.Place, rw(req.write), cart.MediaType)
		}
		return out, nil
	case media.InStorage:
		// A person loads a standalone drive at the same site; failing that,
		// a person puts it into a library's mail slot.
		for _, name := range d.dev.order {
			drv := d.dev.drives[name]
			if drv.lib == nil && drv.cfg.Site == loc.Site && usable(drv) {
				out = append(out, drv)
			}
		}
		if len(out) == 0 {
			for _, name := range d.dev.order {
				drv := d.dev.drives[name]
				if drv.lib != nil && drv.cfg.Site == loc.Site && drv.lib.cfg.MailSlots > 0 && usable(drv) {
					out = append(out, drv)
				}
			}
		}
		if len(out) == 0 {
			if p := d.cfg.PrimarySite(); p != nil && loc.Site != p.Name {
				return nil, conflict("%s is at %s, away from the machine room; bring it back first ('tapewarden manifest create --to %s %s')", cart.Barcode, loc, p.Name, cart.Barcode)
			}
			return nil, conflict("no drive at %s can %s the %s cartridge %s", loc.Site, rw(req.write), cart.MediaType, cart.Barcode)
		}
		return out, nil
	case media.InTransit:
		return nil, conflict("%s is in transit on manifest %s; it can be used once the manifest is delivered", cart.Barcode, loc.Place)
	}
	return nil, conflict("%s is at %s", cart.Barcode, loc)
}

func rw(write bool) string {
	if write {
		return "write"
	}
	return "read"
}

// obtain leases a drive that can use the cartridge, waiting in line for
// one, and gets the cartridge into it: by the library's robot, or by asking
// a person. The caller releases the mount.
func (d *Engine) obtain(ctx context.Context, req obtainRequest) (*mount, error) {
	start := d.now()
	cart, err := d.cat.Cartridge(ctx, req.barcode)
	if err != nil {
		return nil, err
	}
	if cart.State == media.Lost || cart.MissingSince() {
		return nil, conflict("%s cannot be found (%s at %s); find it and run 'tapewarden library inventory' or 'tapewarden media found'", cart.Barcode, cart.State, cart.Location)
	}
	cands, err := d.candidates(cart, req)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, c := range cands {
		names = append(names, c.cfg.Name)
	}
	req.status(tr("run.detail.wait_drive", strings.Join(names, ", "), cart.Barcode))
	drv, release, err := d.dev.alloc.acquire(ctx, req.lease, cands)
	if err != nil {
		return nil, fmt.Errorf("waiting for a drive for %s: %w", cart.Barcode, err)
	}
	m := &mount{drv: drv, release: release, barcode: cart.Barcode}
	if err := d.bringInto(ctx, req, drv); err != nil {
		release()
		return nil, err
	}
	m.waited = d.now().Sub(start)
	return m, nil
}

// bringInto gets the requested cartridge into the leased drive.
func (d *Engine) bringInto(ctx context.Context, req obtainRequest, drv *drive) error {
	cart, err := d.cat.Cartridge(ctx, req.barcode)
	if err != nil {
		return err
	}
	loc := cart.Location
	switch {
	case loc.Kind == media.InDrive && loc.Place == drv.cfg.Name:
		return nil
	case loc.Kind == media.InDrive:
		return conflict("%s moved to drive %s while waiting", cart.Barcode, loc.Place)
	case drv.lib != nil:
		if loc.Kind == media.InStorage {
			if err := d.importByPerson(ctx, req, drv.lib, cart); err != nil {
				return err
			}
		}
		// Free the drive of whatever it holds, then load.
		if holding, ok := d.cartridgeIn(ctx, drv); ok {
			req.status(tr("run.detail.unloading", holding.Barcode, drv.cfg.Name))
			if _, err := d.unloadLeased(ctx, media.System, drv, 0, false); err != nil {
				return err
			}
		}
		req.status(tr("run.detail.loading", cart.Barcode, drv.cfg.Name))
		_, err := d.loadLeased(ctx, media.System, drv, cart.Barcode, 0, req.write)
		return err
	default:
		return d.loadByPerson(ctx, req, drv, cart)
	}
}

// importByPerson asks a person to put a cartridge into a library's mail
// slot, then moves it into the library.
func (d *Engine) importByPerson(ctx context.Context, req obtainRequest, l *library, cart media.Cartridge) error {
	deadline := d.now().Add(d.cfg.Prompts.LoadTimeout.D())
	for {
		p, err := d.openPrompt(ctx, withTexts(media.Prompt{Kind: "import", Barcode: cart.Barcode, Run: req.run, Place: cart.Location.String()},
			tr("prompt.import.fetch", cart.Barcode, place(cart.Location), l.cfg.Name), req.why))
		if err != nil {
			return err
		}
		req.status(tr("run.detail.wait_person", p.ID, promptAction(p)))
		ch := d.prompts.register(p.ID)
		got, err := d.awaitWithDeadline(ctx, p, ch, deadline)
		if err != nil {
			return err
		}
		if got.State != media.PromptDone {
			return conflict("prompt %d was %s by %s: %s", got.ID, got.State, got.ClosedBy, got.Note)
		}
		if _, _, err := d.Import(ctx, media.System, l.cfg.Name); err != nil {
			return err
		}
		now, err := d.cat.Cartridge(ctx, cart.Barcode)
		if err != nil {
			return err
		}
		if now.Location.InLibrary() && now.Location.Place == l.cfg.Name {
			return nil
		}
		// Not there: ask again, saying what the library saw.
		cart = now
	}
}

// awaitWithDeadline waits for a prompt until the load timeout; at the
// deadline the prompt is cancelled and the wait fails. A prompt answered
// before ch was registered (a quick person, a script) is found closed in
// the catalog at once.
func (d *Engine) awaitWithDeadline(ctx context.Context, p media.Prompt, ch chan media.Prompt, deadline time.Time) (media.Prompt, error) {
	if now, err := d.cat.Prompt(ctx, p.ID); err == nil && now.State != media.PromptOpen {
		d.prompts.forget(p.ID)
		return now, nil
	}
	select {
	case got := <-ch:
		return got, nil
	case <-ctx.Done():
		d.prompts.forget(p.ID)
		if _, err := d.cat.ClosePrompt(context.WithoutCancel(ctx), media.System, p.ID, media.PromptCancelled, noteRunStopped.text(context.Cause(ctx).Error())); err != nil && !errors.Is(err, media.ErrPromptClosed) {
			d.log.Error("close prompt", "prompt", p.ID, "err", err)
		}
		return media.Prompt{}, ctx.Err()
	case <-d.clock.At(deadline):
		d.prompts.forget(p.ID)
		if _, err := d.cat.ClosePrompt(ctx, media.System, p.ID, media.PromptCancelled, noteNobodyAnswered.text()); err != nil && !errors.Is(err, media.ErrPromptClosed) {
			d.log.Error("close prompt", "prompt", p.ID, "err", err)
		}
		return media.Prompt{}, conflict("nobody answered prompt %d (%s) within %s", p.ID, p.Action, d.cfg.Prompts.LoadTimeout.D())
	}
}

// homePlace is where a cartridge taken out of a drive by a person goes
// back to: where it was before it entered the drive, or the site's first
// place.
func (d *Engine) homePlace(ctx context.Context, barcode string, drv *drive) media.Location {
	if evs, err := d.cat.Events(ctx, media.EventFilter{Barcode: barcode, Limit: 20}); err == nil {
		for _, e := range evs {
			if strings.HasSuffix(e.To, "/drive/"+drv.cfg.Name) {
				if loc, err := media.ParseLocation(e.From); err == nil && loc.Kind == media.InStorage {
					return loc
				}
			}
		}
	}
	site := d.cfg.Site(drv.cfg.Site)
	return media.Storage(site.Name, site.Places[0].Name)
}

// homePlaceOf is homePlace for a barcode that may be unknown ("").
func (d *Engine) homePlaceOf(ctx context.Context, drv *drive, barcode string) string {
	if barcode != "" {
		return d.homePlace(ctx, barcode, drv).String()
	}
	site := d.cfg.Site(drv.cfg.Site)
	return media.Storage(site.Name, site.Places[0].Name).String()
}

// loadByPerson asks a person to load a standalone drive and checks the
// label of what they loaded, asking again until the right cartridge is in
// or the load timeout passes. A wrong or unlabelled cartridge is ejected,
// never written.
func (d *Engine) loadByPerson(ctx context.Context, req obtainRequest, drv *drive, want media.Cartridge) error {
	deadline := d.now().Add(d.cfg.Prompts.LoadTimeout.D())
	// again says why a person is asked again, when they are.
	var again bi
	for {
		var holding *media.Cartridge
		if c, ok := d.cartridgeIn(ctx, drv); ok {
			holding = &c
		}
		if holding != nil && holding.Barcode == want.Barcode {
			return nil
		}
		insert := bi{}
		if drv.virtual != nil {
			insert = tr("prompt.load.virtual", drv.cfg.Name, want.Barcode)
		}
		action := tr("prompt.load.put", want.Barcode, place(want.Location), drv.cfg.Name, insert)
		if drv.dir != nil {
			action = tr("prompt.load.attach", want.Barcode, place(want.Location), drv.cfg.Name, diskWhere(drv.cfg))
		}
		var putBack media.Location
		if holding != nil {
			putBack = d.homePlace(ctx, holding.Barcode, drv)
			takeOut := tr("prompt.load.take_out", holding.Barcode, drv.cfg.Name)
			if drv.dir != nil {
				takeOut = tr("prompt.load.unmount", holding.Barcode, drv.cfg.Name)
			}
			action = tr("prompt.load.swap", takeOut, place(putBack), drv.cfg.Name, putBack, bi{en: lowerFirst(action.en), ja: action.ja})
		}
		// The person may handle the drive from the moment the prompt
		// shows; what it holds before then answers nothing.
		wasLoaded := loaded(ctx, drv)
		drv.setAwaitingPerson(true)
		why := req.why
		if again != (bi{}) {
			why = tr("prompt.why.again", again, req.why)
		}
		p, err := d.openPrompt(ctx, withTexts(media.Prompt{Kind: "load", Drive: drv.cfg.Name, Barcode: want.Barcode, Run: req.run,
			Place: media.DriveAt(drv.cfg.Site, drv.cfg.Name).String()}, action, why))
		if err != nil {
			drv.setAwaitingPerson(false)
			return err
		}
		req.status(tr("run.detail.wait_person", p.ID, promptAction(p)))
		ch := d.prompts.register(p.ID)
		stopWatch := d.watchLoad(ctx, p, drv, wasLoaded)
		got, err := d.awaitWithDeadline(ctx, p, ch, deadline)
		stopWatch()
		drv.setAwaitingPerson(false)
		if err != nil {
			return err
		}
		if got.State != media.PromptDone {
			return conflict("prompt %d was %s by %s: %s", got.ID, got.State, got.ClosedBy, got.Note)
		}
		actor := media.Actor{Name: got.ClosedBy, Role: "operator"}
		label, err := d.rawLabel(ctx, drv)
		if errors.Is(err, drives.ErrBlankTape) {
			// A blank cartridge: perhaps the new one we asked for, never
			// labelled. A person who can read its sticker says so.
			labelled, lerr := d.labelByPerson(ctx, req, drv, want)
			if lerr != nil {
				return lerr
			}
			if !labelled {
				again = tr("prompt.load.blank", got.ID, medium(drv), drv.cfg.Name, want.Barcode)
				d.ejectForPerson(ctx, drv)
				continue
			}
			label, err = d.rawLabel(ctx, drv)
		}
		if err != nil {
			again = tr("prompt.load.unidentified", got.ID, medium(drv), drv.cfg.Name, errText(err))
			d.ejectForPerson(ctx, drv)
			continue
		}
		// The person took out what was there, as asked.
		if holding != nil && holding.Barcode != label.Barcode && d.stillIn(ctx, holding.Barcode, drv) {
			if _, err := d.cat.Move(ctx, actor, holding.Barcode, putBack, media.MoveOptions{Kind: "unloaded", Force: true,
				Reason: fmt.Sprintf("taken out of %s by %s as prompt %d asked", drv.cfg.Name, got.ClosedBy, got.ID)}); err != nil && !errors.Is(err, media.ErrAlreadyThere) {
				return err
			}
		}
		found, err := d.cat.Cartridge(ctx, label.Barcode)
		if err != nil {
			again = tr("prompt.load.unknown_label", got.ID, drv.cfg.Name, medium(drv), label.Barcode)
			d.ejectForPerson(ctx, drv)
			continue
		}
		if found.Location.Kind != media.InDrive || found.Location.Place != drv.cfg.Name {
			if _, err := d.cat.Move(ctx, actor, found.Barcode, media.DriveAt(drv.cfg.Site, drv.cfg.Name), media.MoveOptions{Kind: "loaded", Force: true,
				Reason: fmt.Sprintf("put into %s by %s (prompt %d); label read by the drive", drv.cfg.Name, got.ClosedBy, got.ID)}); err != nil {
				return err
			}
			if err := d.cat.RecordMount(ctx, found.Barcode); err != nil {
				d.log.Error("count mount", "barcode", found.Barcode, "err", err)
			}
		}
		if found.Barcode == want.Barcode {
			return nil
		}
		again = tr("prompt.load.wrong", got.ID, drv.cfg.Name, found.Barcode, want.Barcode)
		d.log.Warn("wrong "+medium(drv).en+" loaded", "drive", drv.cfg.Name, "found", found.Barcode, "expected", want.Barcode)
		d.ejectForPerson(ctx, drv)
	}
}

// medium names what a drive takes, for prompts: a disk or a cartridge.
func medium(drv *drive) bi {
	if drv.dir != nil {
		return tr("prompt.medium.disk")
	}
	return tr("prompt.medium.cartridge")
}

// rawLabel reads the label of the cartridge in a leased drive, returning
// the drives package's errors as they are.
func (d *Engine) rawLabel(ctx context.Context, drv *drive) (drives.Label, error) {
	h, err := drv.open()
	if err != nil {
		return drives.Label{}, err
	}
	defer func() { _ = h.Close() }() // reads the label: nothing written to lose
	return drives.ReadLabel(ctx, h)
}

// labelByPerson asks a person to confirm that the blank cartridge in drv
// is want (by its sticker) and, when they do, labels it. It reports
// whether the cartridge was labelled. Only a cartridge the catalog has
// never seen labelled is labelled this way.
func (d *Engine) labelByPerson(ctx context.Context, req obtainRequest, drv *drive, want media.Cartridge) (bool, error) {
	if uuid, err := d.cat.LabelUUID(ctx, want.Barcode); err != nil || uuid != "" {
		return false, err // it was labelled before: a blank one is not it
	}
	drv.setAwaitingPerson(true)
	p, err := d.openPrompt(ctx, withTexts(media.Prompt{Kind: "label", Drive: drv.cfg.Name, Barcode: want.Barcode, Run: req.run,
		Place: media.DriveAt(drv.cfg.Site, drv.cfg.Name).String()},
		tr("prompt.label.action", medium(drv), drv.cfg.Name, want.Barcode, want.Barcode, want.Pool), req.why))
	if err != nil {
		drv.setAwaitingPerson(false)
		return false, err
	}
	ch := d.prompts.register(p.ID)
	got, err := d.awaitWithDeadline(ctx, p, ch, d.now().Add(d.cfg.Prompts.LoadTimeout.D()))
	drv.setAwaitingPerson(false)
	if err != nil {
		return false, err
	}
	if got.State != media.PromptDone {
		return false, nil
	}
	label, err := drives.NewLabel(want.Barcode, want.Pool, want.MediaType, config.Version, d.now())
	if err != nil {
		return false, err
	}
	h, err := drv.open()
	if err != nil {
		return false, err
	}
	err = drives.WriteLabel(ctx, h, label, false)
	err = errors.Join(err, h.Close()) // closing writes the filemark after the label
	if err != nil {
		return false, fmt.Errorf("label %s in %s: %w", want.Barcode, drv.cfg.Name, err)
	}
	if err := d.cat.SetLabelUUID(ctx, want.Barcode, label.UUID); err != nil {
		return false, err
	}
	if _, err := d.cat.RecordAbout(ctx, media.System, "labelled", want.Barcode,
		fmt.Sprintf("%s labelled in %s for pool %s (label %s), confirmed by %s (prompt %d)", want.Barcode, drv.cfg.Name, want.Pool, label.UUID, got.ClosedBy, got.ID)); err != nil {
		return false, err
	}
	return true, nil
}

// stillIn reports whether the catalog still places a cartridge in drv.
func (d *Engine) stillIn(ctx context.Context, barcode string, drv *drive) bool {
	c, err := d.cat.Cartridge(ctx, barcode)
	return err == nil && c.Location.Kind == media.InDrive && c.Location.Place == drv.cfg.Name
}

// putAway takes the cartridge out of a leased drive so that another can go
// in: a library puts it back in a slot, a standalone drive ejects it for a
// person (whom the next load prompt asks to put it back).
func (d *Engine) putAway(ctx context.Context, drv *drive) error {
	if drv.lib == nil {
		d.ejectForPerson(ctx, drv)
		return nil
	}
	_, err := d.unloadLeased(ctx, media.System, drv, 0, false)
	return err
}

// ejectForPerson ejects whatever a standalone drive holds so a person can
// take it out.
func (d *Engine) ejectForPerson(ctx context.Context, drv *drive) {
	h, err := drv.open()
	if err != nil {
		return
	}
	if err := h.Unload(ctx); err != nil && !errors.Is(err, drives.ErrNoMedium) {
		d.log.Warn("eject", "drive", drv.cfg.Name, "err", err)
	}
	_ = h.Close() // unloaded: nothing written to lose
}
