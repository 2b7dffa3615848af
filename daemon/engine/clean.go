package engine

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/tapewarden/tapewarden/drives"
	"github.com/tapewarden/tapewarden/media"
	"github.com/tapewarden/tapewarden/rotation"
)

// CleanResult is how a cleaning went.
type CleanResult struct {
	Drive    string `json:"drive"`
	Cleaner  string `json:"cleaner"`
	Cleaned  bool   `json:"cleaned"`
	UsesLeft int    `json:"uses_left"`
	Retired  bool   `json:"retired,omitempty"`
	Note     string `json:"note"`
	// failed is why a cleaning did not take, for the prompt that asks
	// again.
	failed bi
}

// Clean cleans a drive now. In a library the robot loads a compatible
// cleaning cartridge from a slot and puts it back, while the drive is
// leased (waiting for a run to finish first when wait is true: cleaning
// never interrupts a run). A standalone drive gets a prompt, and the
// cleaning is checked and recorded when the person answers it. The
// reason recorded (and given in the prompt) is that actor asked, with
// note when there is one.
func (d *Engine) Clean(ctx context.Context, actor media.Actor, name, note string, wait bool) (CleanResult, error) {
	why := tr("clean.requested", actor.Name)
	if note != "" {
		why = tr("clean.requested_note", actor.Name, note)
	}
	reason := why.en
	drv, err := d.dev.drive(name)
	if err != nil {
		return CleanResult{}, err
	}
	cleaner, err := d.pickCleaner(ctx, drv)
	if err != nil {
		return CleanResult{Drive: name}, err
	}
	if !robotCleans(drv, cleaner) {
		if !d.startCleaning(drv) {
			return CleanResult{Drive: name}, conflict("a cleaning of %s is already under way; see 'tapewarden prompt list'", name)
		}
		p, err := d.cleanByPerson(ctx, actor, drv, cleaner, why)
		if err != nil {
			d.endCleaning(drv)
			return CleanResult{Drive: name, Cleaner: cleaner.Barcode}, err
		}
		return CleanResult{Drive: name, Cleaner: cleaner.Barcode, Note: fmt.Sprintf("prompt %d asks a person to clean %s with %s; the cleaning is recorded when they answer it", p.ID, name, cleaner.Barcode)}, nil
	}
	var release func()
	if wait {
		_, release, err = d.dev.alloc.acquire(ctx, leaseFor(leaseCleaning, tr("lease.cleaning", name)), []*drive{drv})
	} else {
		release, err = drv.leaseSoon(ctx, leaseFor(leaseCleaning, tr("lease.cleaning", name)))
	}
	if err != nil {
		return CleanResult{}, err
	}
	defer release()
	return d.cleanLeased(ctx, actor, drv, cleaner, reason)
}

// robotCleans reports whether the cleaning cartridge is in drv's library,
// so that the robot cleans drv without a person.
func robotCleans(drv *drive, cleaner media.Cartridge) bool {
	return drv.lib != nil && cleaner.Location.InLibrary() && cleaner.Location.Place == drv.lib.cfg.Name
}

// pickCleaner chooses the cleaning cartridge for a drive.
func (d *Engine) pickCleaner(ctx context.Context, drv *drive) (media.Cartridge, error) {
	view, err := d.view(ctx)
	if err != nil {
		return media.Cartridge{}, err
	}
	h, err := d.driveHistory(ctx, drv)
	if err != nil {
		return media.Cartridge{}, err
	}
	h.CleanRequested = true // asked to clean now: choose a cartridge regardless
	c := rotation.CleaningDue(rotation.Drive{Name: drv.cfg.Name, Type: drv.cfg.MediaType, Cleaning: drv.cfg.Cleaning}, h, view, d.now().In(d.cfg.Location))
	if c.Cleaner == "" {
		msg := "no usable cleaning cartridge"
		for _, r := range c.Reasons {
			msg += "; " + r.Message
		}
		return media.Cartridge{}, conflict("cannot clean %s: %s", drv.cfg.Name, msg)
	}
	return d.cat.Cartridge(ctx, c.Cleaner)
}

// cleanLeased cleans a leased library drive and records the outcome.
func (d *Engine) cleanLeased(ctx context.Context, actor media.Actor, drv *drive, cleaner media.Cartridge, reason string) (CleanResult, error) {
	res := CleanResult{Drive: drv.cfg.Name, Cleaner: cleaner.Barcode}
	if err := drives.CheckLoad(drv.cfg.MediaType, cleaner.MediaType, false); err != nil {
		return res, fmt.Errorf("clean %s with %s: %w", drv.cfg.Name, cleaner.Barcode, err)
	}
	d.log.Info("cleaning", "drive", drv.cfg.Name, "cleaner", cleaner.Barcode, "reason", reason)
	before := drv.lastCleanedAt()
	if err := d.cleanInLibrary(ctx, actor, drv, cleaner); err != nil {
		return res, err
	}
	return d.recordCleaning(ctx, actor, drv, cleaner, reason, before)
}

// recordCleaning asks the drive whether it cleaned (TapeAlert 22: expired
// cleaning cartridge, 23: invalid one) and records the result: a use of
// the cartridge and a cleaning in the drive's history, or a failed
// cleaning, retiring a cartridge the drive rejected or that is used up.
func (d *Engine) recordCleaning(ctx context.Context, actor media.Actor, drv *drive, cleaner media.Cartridge, reason string, before time.Time) (CleanResult, error) {
	res := CleanResult{Drive: drv.cfg.Name, Cleaner: cleaner.Barcode}
	d.pollLeased(ctx, drv)
	st := drv.lastState()
	cleaned := drv.lastCleanedAt().After(before) || (drv.virtual == nil && !st.alerts.CleaningMediaProblem())
	rejected := st.alerts.CleaningMediaProblem()
	if rejected || !cleaned {
		failed := tr("clean.not_cleaned")
		if st.alerts.Has(drives.AlertExpiredCleaning) {
			failed = tr("clean.expired")
		} else if st.alerts.Has(drives.AlertInvalidCleaningTape) {
			failed = tr("clean.invalid")
		}
		why := failed.en
		res.failed = failed
		if _, err := d.cat.RecordDriveEvent(ctx, media.DriveEvent{Drive: drv.cfg.Name, Kind: "cleaning-failed", Barcode: cleaner.Barcode, Detail: why}); err != nil {
			return res, fmt.Errorf("record the failed cleaning of %s: %w", drv.cfg.Name, err)
		}
		if rejected {
			if err := d.cat.SetUsesLeft(ctx, media.System, cleaner.Barcode, 0, why); err != nil {
				return res, err
			}
			if _, err := d.cat.Retire(ctx, media.System, cleaner.Barcode, why+"; replace it"); err != nil && !errors.Is(err, media.ErrAlreadyThere) {
				return res, err
			}
			res.Retired = true
		}
		res.Note = why
		return res, conflict("cleaning %s with %s failed: %s", drv.cfg.Name, cleaner.Barcode, why)
	}
	left, err := d.cat.UseCleaner(ctx, actor, cleaner.Barcode, drv.cfg.Name)
	if err != nil {
		return res, err
	}
	res.Cleaned, res.UsesLeft = true, left
	if _, err := d.cat.RecordDriveEvent(ctx, media.DriveEvent{Drive: drv.cfg.Name, Kind: "cleaned", Barcode: cleaner.Barcode,
		Detail: fmt.Sprintf("%s; %s left", reason, rotation.Plural(left, "use"))}); err != nil {
		return res, err
	}
	st.cleaningRequested = false
	st.alerts = 0
	drv.setState(st)
	res.Note = fmt.Sprintf("%s cleaned with %s (%s left)", drv.cfg.Name, cleaner.Barcode, rotation.Plural(left, "use"))
	if left == 0 {
		if _, err := d.cat.Retire(ctx, media.System, cleaner.Barcode, "cleaning cartridge used up; replace it"); err == nil {
			res.Retired = true
			res.Note += "; it is used up and retired: replace it"
		}
	}
	return res, nil
}

// lastCleanedAt is when the drive itself last reported a cleaning
// (virtual drives keep it in their state).
func (drv *drive) lastCleanedAt() time.Time {
	if drv.virtual != nil {
		return drv.virtual.State().LastCleaned
	}
	return time.Time{}
}

// cleanInLibrary has the robot load the cleaning cartridge, waits for the
// drive to finish and eject it, and puts it back in its slot.
func (d *Engine) cleanInLibrary(ctx context.Context, actor media.Actor, drv *drive, cleaner media.Cartridge) error {
	l := drv.lib
	// Free the drive first.
	if _, ok := d.cartridgeIn(ctx, drv); ok {
		if _, err := d.unloadLeased(ctx, media.System, drv, 0, false); err != nil {
			return err
		}
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	_, inv, err := d.inventoryLocked(ctx, l, media.System)
	if err != nil {
		return err
	}
	where, ok := inv.Find(cleaner.Barcode)
	if !ok || where.InDrive {
		return conflict("cleaning cartridge %s is not in a slot of library %s", cleaner.Barcode, l.cfg.Name)
	}
	slot := where.Number
	if err := l.changer.Load(ctx, slot, drv.element); err != nil && !errors.Is(err, drives.ErrChangerFailed) {
		return fmt.Errorf("load cleaning cartridge %s into %s: %w", cleaner.Barcode, drv.cfg.Name, err)
	}
	if _, err := d.cat.Move(ctx, actor, cleaner.Barcode, media.DriveAt(l.cfg.Site, drv.cfg.Name), media.MoveOptions{Kind: "loaded", Reason: "to clean " + drv.cfg.Name}); err != nil {
		return err
	}
	// The drive cleans and ejects the cartridge by itself; wait until it
	// has (a real clean takes a minute or two).
	deadline := time.Now().Add(10 * time.Minute)
	for {
		h, err := drv.open()
		if err == nil {
			st, serr := h.Status(ctx)
			_ = h.Close() // status only: nothing written to lose
			if serr == nil && !st.Online {
				break
			}
		} else if errors.Is(err, drives.ErrNoMedium) {
			break
		}
		if time.Now().After(deadline) {
			return conflict("drive %s did not eject cleaning cartridge %s within 10 minutes; look at the drive", drv.cfg.Name, cleaner.Barcode)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Second):
		}
	}
	if err := l.changer.Unload(ctx, drv.element, slot); err != nil {
		return fmt.Errorf("put cleaning cartridge %s back into slot %d: %w", cleaner.Barcode, slot, err)
	}
	_, err = d.cat.Move(ctx, actor, cleaner.Barcode, media.LibrarySlot(l.cfg.Site, l.cfg.Name, slot), media.MoveOptions{Kind: "unloaded", Reason: "cleaning of " + drv.cfg.Name + " done"})
	return err
}

// cleanByPerson asks a person to clean a standalone drive (or a library
// drive whose cleaning cartridge is outside the library). The prompt is
// opened now; a background task waits for the answer without holding the
// drive, then leases it, checks the drive cleaned and records it. The
// caller has marked the drive as being cleaned; the task unmarks it.
func (d *Engine) cleanByPerson(ctx context.Context, actor media.Actor, drv *drive, cleaner media.Cartridge, reason bi) (media.Prompt, error) {
	action := tr("prompt.clean.action", drv.cfg.Name, cleaner.Barcode, place(cleaner.Location), place(cleaner.Location))
	if drv.virtual != nil {
		v := tr("prompt.clean.virtual", drv.cfg.Name, cleaner.Barcode, drv.cfg.Name, cleaner.Location)
		action = bi{en: action.en + v.en, ja: action.ja + v.ja}
	}
	if holding, ok := d.cartridgeIn(ctx, drv); ok {
		home := d.homePlace(ctx, holding.Barcode, drv)
		action = tr("prompt.clean.take_out", holding.Barcode, drv.cfg.Name, place(home), drv.cfg.Name, home, bi{en: lowerFirst(action.en), ja: action.ja})
	}
	why := tr("prompt.clean.why", reason)
	// The drive's last cleaning is read before the prompt exists: a person
	// who acts on the prompt at once must not clean before this reading.
	before := drv.lastCleanedAt()
	drv.setAwaitingPerson(true)
	at := media.DriveAt(drv.cfg.Site, drv.cfg.Name).String()
	p, err := d.openPrompt(ctx, withTexts(media.Prompt{Kind: "clean", Drive: drv.cfg.Name, Barcode: cleaner.Barcode, Place: at}, action, why))
	if err != nil {
		drv.setAwaitingPerson(false)
		return p, err
	}
	ch := d.prompts.register(p.ID)
	d.bg.Add(1)
	go func() {
		defer d.bg.Done()
		defer d.endCleaning(drv)
		ctx := d.runBase
		deadline := d.now().Add(d.cfg.Prompts.LoadTimeout.D())
		p, ch, before := p, ch, before
		for {
			got, err := d.awaitWithDeadline(ctx, p, ch, deadline)
			drv.setAwaitingPerson(false)
			if err != nil || got.State != media.PromptDone {
				d.log.Warn("cleaning prompt not done", "drive", drv.cfg.Name, "prompt", p.ID, "err", err, "state", got.State)
				return
			}
			_, release, err := d.dev.alloc.acquire(ctx, leaseFor(leaseCheck, tr("lease.cleaning_check", drv.cfg.Name)), []*drive{drv})
			if err != nil {
				return
			}
			person := media.Actor{Name: got.ClosedBy, Role: "operator"}
			if holding, ok := d.cartridgeIn(ctx, drv); ok && holding.Barcode != cleaner.Barcode {
				home := d.homePlace(ctx, holding.Barcode, drv)
				// This runs after the prompt closed, with nobody to answer:
				// a failed custody move is logged for the operator to fix.
				if _, err := d.cat.Move(ctx, person, holding.Barcode, home, media.MoveOptions{Kind: "unloaded", Force: true,
					Reason: fmt.Sprintf("taken out of %s for cleaning (prompt %d)", drv.cfg.Name, got.ID)}); err != nil {
					d.log.Error("record that the cartridge was taken out for cleaning; record where it is with 'tapewarden media move'",
						"barcode", holding.Barcode, "drive", drv.cfg.Name, "to", home, "err", err)
				}
			}
			res, err := d.recordCleaning(ctx, person, drv, cleaner, reason.en, before)
			release()
			if err == nil {
				d.log.Info("drive cleaned", "drive", drv.cfg.Name, "note", res.Note)
				return
			}
			// Not cleaned: a follow-up prompt says what was seen, so the
			// person finds it in 'tapewarden prompt list', not only here.
			d.log.Warn("cleaning by a person was not seen; asking again", "drive", drv.cfg.Name, "prompt", got.ID, "err", err)
			drv.setAwaitingPerson(true)
			again := drv.lastCleanedAt() // read before the new prompt exists
			failed := res.failed
			if failed == (bi{}) {
				failed = errText(err)
			}
			next, perr := d.openPrompt(ctx, withTexts(media.Prompt{Kind: "clean", Drive: drv.cfg.Name, Barcode: cleaner.Barcode, Place: at},
				action, tr("prompt.clean.again_why", got.ID, failed, why)))
			if perr != nil {
				drv.setAwaitingPerson(false)
				d.log.Error("open a follow-up cleaning prompt", "drive", drv.cfg.Name, "err", perr)
				return
			}
			p, ch, before = next, d.prompts.register(next.ID), again
		}
	}()
	return p, nil
}

// autoClean cleans drives that need it now and are idle, in the
// background: a cleaning (or its prompt) never holds up the scheduler, and
// a drive a run holds is cleaned after the run. view says which drives are
// due; the cleaning cartridge is chosen afresh for each.
func (d *Engine) autoClean(ctx context.Context, view rotation.View) {
	cleanings, err := d.cleaningStatus(ctx, view)
	if err != nil {
		d.log.Error("cleaning status", "err", err)
		return
	}
	for _, c := range cleanings {
		if c.Due != rotation.DueNow {
			continue
		}
		drv := d.dev.drives[c.Drive]
		if !d.startCleaning(drv) {
			continue
		}
		why := tr("clean.due")
		if len(c.Reasons) > 0 {
			why = reasonText(c.Reasons[0])
		}
		reason := why.en
		cleaner, err := d.pickCleaner(ctx, drv)
		if err != nil {
			d.endCleaning(drv)
			d.log.Warn("a drive needs cleaning but cannot be cleaned", "drive", drv.cfg.Name, "err", err)
			continue
		}
		if !robotCleans(drv, cleaner) {
			if _, err := d.cleanByPerson(ctx, media.System, drv, cleaner, why); err != nil {
				d.endCleaning(drv)
				d.log.Error("ask for a cleaning", "drive", drv.cfg.Name, "err", err)
			}
			continue
		}
		release, err := drv.tryAcquire(leaseFor(leaseCleaning, tr("lease.cleaning", drv.cfg.Name)))
		if err != nil {
			d.endCleaning(drv)
			continue // in use: after the run
		}
		d.bg.Add(1)
		go func() {
			defer d.bg.Done()
			defer d.endCleaning(drv)
			defer release()
			if res, err := d.cleanLeased(d.runBase, media.System, drv, cleaner, reason); err != nil {
				d.log.Error("automatic cleaning failed", "drive", drv.cfg.Name, "err", err)
			} else {
				d.log.Info("drive cleaned", "drive", drv.cfg.Name, "note", res.Note)
			}
		}()
	}
}

// startCleaning marks a drive as being cleaned (once at a time).
func (d *Engine) startCleaning(drv *drive) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.cleaning == nil {
		d.cleaning = map[string]bool{}
	}
	if d.cleaning[drv.cfg.Name] {
		return false
	}
	d.cleaning[drv.cfg.Name] = true
	return true
}

// isCleaning reports whether a cleaning of the drive is under way.
func (d *Engine) isCleaning(drive string) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.cleaning[drive]
}

func (d *Engine) endCleaning(drv *drive) {
	d.mu.Lock()
	delete(d.cleaning, drv.cfg.Name)
	d.mu.Unlock()
}

// retireSpentCleaners retires cleaning cartridges that are used up or
// expired, with a custody event, and reports them.
func (d *Engine) retireSpentCleaners(ctx context.Context, view rotation.View) {
	for _, s := range rotation.SpentCleaners(view.Cartridges, d.now()) {
		c, err := d.cat.Cartridge(ctx, s.Barcode)
		if err != nil || c.State == media.Retired {
			continue
		}
		if _, err := d.cat.Retire(ctx, media.System, s.Barcode, s.Reason.Message); err == nil {
			d.log.Warn("cleaning cartridge retired", "barcode", s.Barcode, "reason", s.Reason.Message)
		}
	}
}
