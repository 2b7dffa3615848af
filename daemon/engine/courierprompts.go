package engine

import (
	"context"
	"fmt"
	"slices"

	"github.com/tapewarden/tapewarden/media"
)

// prepareManifests gets cartridges ready for couriers and back in after
// them, asking people for what a robot cannot do:
//
//   - a cartridge listed on an open manifest leaving the machine room is
//     exported to a free mail slot of its library, and a person is asked to
//     take it out and hand it to the courier (with the manifest's ID); one
//     on a shelf gets a prompt to fetch it;
//   - a cartridge delivered back to the machine room's shelves, of a pool
//     written in a library, gets a prompt to put it into the library's mail
//     slot (then 'tapewarden library import').
//
// Each cartridge gets one open prompt at a time.
func (d *Engine) prepareManifests(ctx context.Context) {
	primary := d.cfg.PrimarySite()
	if primary == nil {
		return
	}
	all, err := d.cat.Prompts(ctx, true)
	if err != nil {
		return
	}
	prompted := map[string]bool{}
	handed := map[string]bool{} // manifest/barcode taken out of the mail slot for the courier
	for _, p := range all {
		switch {
		case p.State == media.PromptOpen && (p.Kind == "export" || p.Kind == "import"):
			prompted[p.Barcode] = true
		case p.State == media.PromptDone && p.Kind == "export" && p.Manifest != "":
			handed[p.Manifest+"/"+p.Barcode] = true
		}
	}
	manifests, err := d.cat.Manifests(ctx, media.ManifestFilter{State: media.ManifestOpen})
	if err != nil {
		return
	}
	for _, m := range manifests {
		if m.Origin != primary.Name {
			continue
		}
		for _, it := range m.Items {
			if prompted[it.Barcode] || handed[m.ID+"/"+it.Barcode] {
				continue
			}
			c, err := d.cat.Cartridge(ctx, it.Barcode)
			if err != nil {
				continue
			}
			switch c.Location.Kind {
			case media.InSlot:
				l, err := d.dev.library(c.Location.Place)
				if err != nil || l.cfg.MailSlots == 0 {
					continue
				}
				evs, err := d.Export(ctx, media.System, l.cfg.Name, []string{c.Barcode})
				if err != nil || len(evs) == 0 {
					continue // mail slots full: next time round
				}
				c.Location, _ = media.ParseLocation(evs[0].To)
				fallthrough
			case media.InMailSlot:
				d.openPromptLogged(ctx, withTexts(media.Prompt{Kind: "export", Barcode: c.Barcode, Manifest: m.ID, Place: c.Location.String()},
					tr("prompt.export.courier_slot", c.Barcode, place(c.Location), m.Destination, m.ID),
					tr("prompt.export.courier_why", m.ID, m.Destination, m.ID)))
			case media.InStorage:
				d.openPromptLogged(ctx, withTexts(media.Prompt{Kind: "export", Barcode: c.Barcode, Manifest: m.ID, Place: c.Location.String()},
					tr("prompt.export.courier_shelf", c.Barcode, place(c.Location), m.Destination, m.ID),
					tr("prompt.export.courier_why", m.ID, m.Destination, m.ID)))
			default:
				continue
			}
			prompted[it.Barcode] = true
		}
	}
	// Cartridges back from a trip, waiting on a shelf, that their pool
	// writes in a library.
	delivered, err := d.cat.Manifests(ctx, media.ManifestFilter{Destination: primary.Name, Limit: 50})
	if err != nil {
		return
	}
	for _, m := range delivered {
		if m.State != media.ManifestDelivered && m.State != media.ManifestDeliveredWithDisc {
			continue
		}
		for _, it := range m.Items {
			if it.Status != "delivered" || prompted[it.Barcode] {
				continue
			}
			c, err := d.cat.Cartridge(ctx, it.Barcode)
			if err != nil || c.Location.Kind != media.InStorage || c.Location.Site != primary.Name {
				continue
			}
			l := d.libraryForPool(c.Pool)
			if l == nil {
				continue
			}
			d.openPromptLogged(ctx, withTexts(media.Prompt{Kind: "import", Barcode: c.Barcode, Manifest: m.ID, Place: c.Location.String()},
				tr("prompt.import.back", c.Barcode, m.Origin, place(c.Location), l.cfg.Name),
				tr("prompt.import.back_why", c.Pool, l.cfg.Name)))
			prompted[it.Barcode] = true
		}
	}
}

// Pickup logs cartridges handed to a courier. A cartridge the catalog
// places in a library's mail slot is looked for there first: one still
// physically in the mail slot has not been handed over, and the pick-up is
// refused with what to do (nothing is recorded).
func (d *Engine) Pickup(ctx context.Context, actor media.Actor, manifest string, h media.Handover) (media.Manifest, error) {
	for _, raw := range h.Barcodes {
		c, err := d.cat.Cartridge(ctx, raw)
		if err != nil || c.Location.Kind != media.InMailSlot {
			continue
		}
		l, err := d.dev.library(c.Location.Place)
		if err != nil {
			continue
		}
		l.mu.Lock()
		inv, err := l.changer.Inventory(ctx)
		l.mu.Unlock()
		if err != nil {
			return media.Manifest{}, fmt.Errorf("look for %s in mail slot %d of library %s: %w", c.Barcode, c.Location.Slot, l.cfg.Name, err)
		}
		for _, s := range inv.Slots {
			n, mail := l.mailSlot(s.Number)
			if !mail || !s.Full || n != c.Location.Slot {
				continue
			}
			if b, err := d.cat.NormalizeBarcode(s.Barcode); err == nil && b == c.Barcode {
				take := "open the mail slot door and take it out"
				if l.virtual != nil {
					take = fmt.Sprintf("take it out ('tapewarden library mailslot take %d' for the virtual library)", n)
				}
				return media.Manifest{}, conflict("%s is still in mail slot %d of library %s: %s, hand it to the courier, then log the pick-up again", c.Barcode, n, l.cfg.Name, take)
			}
		}
	}
	return d.cat.Pickup(ctx, actor, manifest, h)
}

// libraryForPool is the library whose drives write a pool's jobs, if any.
func (d *Engine) libraryForPool(pool string) *library {
	for _, j := range d.cfg.Jobs {
		if j.Pool != pool {
			continue
		}
		for _, name := range d.dev.order {
			drv := d.dev.drives[name]
			if drv.lib != nil && drv.lib.cfg.MailSlots > 0 && (len(j.Drives) == 0 || slices.Contains(j.Drives, name)) {
				return drv.lib
			}
		}
	}
	return nil
}

// closeFulfilledPrompts closes export and import prompts whose cartridge
// has moved on: picked up by the courier, or imported into the library.
func (d *Engine) closeFulfilledPrompts(ctx context.Context) {
	open, err := d.cat.Prompts(ctx, false)
	if err != nil {
		return
	}
	for _, p := range open {
		if p.Kind != "export" && p.Kind != "import" || p.Barcode == "" {
			continue
		}
		c, err := d.cat.Cartridge(ctx, p.Barcode)
		if err != nil {
			continue
		}
		left := c.Location.Kind == media.InTransit
		if primary := d.cfg.PrimarySite(); primary != nil && c.Location.Site != "" && c.Location.Site != primary.Name {
			left = true
		}
		was, _ := media.ParseLocation(p.Place)
		// Taken out of the mail slot by a person: what the prompt asked.
		taken := p.Kind == "export" && was.Kind == media.InMailSlot && c.Location.Kind == media.InStorage
		done := (p.Kind == "export" && (left || taken)) ||
			(p.Kind == "import" && c.Location.InLibrary() && c.Location.Kind == media.InSlot)
		switch {
		case done:
			if _, err := d.cat.ClosePrompt(ctx, media.System, p.ID, media.PromptDone, noteDoneAt.text(p.Barcode, c.Location.String())); err == nil {
				d.prompts.wake(p)
			}
		case p.Kind == "export" && p.Manifest != "" && p.Place != "" && c.Location.String() != p.Place && !left:
			// It moved somewhere else (back into a library slot, to
			// another shelf, or out of the mail slot but not to the
			// courier): this prompt no longer says where it is, so it is
			// withdrawn and prepareManifests asks again from where it is.
			note := noteMoved.text(p.Barcode, p.Place, c.Location.String())
			if c.Location.Kind == media.InStorage || c.Location.Kind == media.InDrive {
				note = noteNowAt.text(p.Barcode, c.Location.String(), p.Place)
			}
			if _, err := d.cat.ClosePrompt(ctx, media.System, p.ID, media.PromptCancelled, note); err == nil {
				d.prompts.wake(p)
			}
		}
	}
}
