package daemon

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/tapewarden/tapewarden/drives"
	"github.com/tapewarden/tapewarden/media"
)

// demoCartridge is one cartridge of the demonstration's virtual world.
type demoCartridge struct {
	barcode, mediaType, pool string
	at                       media.Location
	uses                     int // cleaning cartridges
}

// demoWorld is what the demo starts with: a stocked autoloader with a new
// cartridge waiting in its mail slot, DAT cartridges on the shelf for the
// standalone drive, and monthly copies already at the remote data centre.
func demoWorld() []demoCartridge {
	var w []demoCartridge
	slot := func(n int) media.Location { return media.LibrarySlot("honcho", "lib0", n) }
	for i := 1; i <= 6; i++ {
		w = append(w, demoCartridge{barcode: fmt.Sprintf("DLY%03dL8", i), mediaType: "LTO-8", pool: "daily", at: slot(i)})
	}
	for i := 1; i <= 4; i++ {
		w = append(w, demoCartridge{barcode: fmt.Sprintf("MON%03dL8", i), mediaType: "LTO-8", pool: "monthly", at: slot(6 + i)})
	}
	for i := 5; i <= 6; i++ {
		w = append(w, demoCartridge{barcode: fmt.Sprintf("MON%03dL8", i), mediaType: "LTO-8", pool: "monthly", at: media.Storage("pref-dc", "vault")})
	}
	for i := 1; i <= 4; i++ {
		w = append(w, demoCartridge{barcode: fmt.Sprintf("SCR%03dL8", i), mediaType: "LTO-8", pool: "scratch", at: slot(10 + i)})
	}
	w = append(w,
		demoCartridge{barcode: "SCR005L8", mediaType: "LTO-8", pool: "scratch", at: media.LibraryMailSlot("honcho", "lib0", 1)},
		demoCartridge{barcode: "CLN001CU", mediaType: "LTO-CLN", at: slot(24), uses: 50},
		demoCartridge{barcode: "CLN002CU", mediaType: "LTO-CLN", at: slot(23), uses: 1},
	)
	for i := 1; i <= 5; i++ {
		w = append(w, demoCartridge{barcode: fmt.Sprintf("DAT%03d", i), mediaType: "DAT160", pool: "dat", at: media.Storage("honcho", "shelf")})
	}
	w = append(w, demoCartridge{barcode: "CLNDAT01", mediaType: "DDS-CLN", at: media.Storage("honcho", "shelf"), uses: 20})
	return w
}

// seedDemo stocks the demo's virtual world and catalog on its first start:
// labelled cartridge images in the virtual library and on the virtual
// shelf, each in the catalog where it physically is.
func (d *Daemon) seedDemo(ctx context.Context) error {
	existing, err := d.cat.Cartridges(ctx, media.Filter{Limit: 1})
	if err != nil || len(existing) > 0 {
		return err
	}
	if err := os.MkdirAll(d.worldDir(), 0o750); err != nil {
		return err
	}
	lib := d.dev.libs["lib0"]
	setup := media.Actor{Name: "demo setup", Role: "system"}
	for _, c := range demoWorld() {
		spec := drives.CartridgeSpec{Barcode: c.barcode, MediaType: c.mediaType, CleaningUses: c.uses}
		var label *drives.Label
		if c.pool != "" {
			l, err := drives.NewLabel(c.barcode, c.pool, c.mediaType, Version, d.now())
			if err != nil {
				return err
			}
			label = &l
		}
		switch c.at.Kind {
		case media.InSlot:
			if _, err := lib.virtual.AddCartridge(c.at.Slot, spec, label); err != nil {
				return fmt.Errorf("stock %s: %w", c.barcode, err)
			}
		case media.InMailSlot:
			if _, err := lib.virtual.AddCartridge(lib.changerSlot(c.at.Slot), spec, label); err != nil {
				return fmt.Errorf("stock %s: %w", c.barcode, err)
			}
		default:
			path := filepath.Join(d.worldDir(), c.barcode+".vtape")
			var err error
			if label != nil {
				err = drives.CreateLabelledCartridge(path, spec, label)
			} else {
				err = drives.CreateCartridge(path, spec)
			}
			if err != nil {
				return fmt.Errorf("create %s: %w", c.barcode, err)
			}
		}
		nc := media.NewCartridge{Barcode: c.barcode, MediaType: c.mediaType, Pool: c.pool, Location: c.at, Notes: "demo stock"}
		if c.uses > 0 {
			uses := c.uses
			nc.UsesLeft = &uses
		}
		if _, err := d.cat.AddCartridge(ctx, setup, nc); err != nil {
			return err
		}
	}
	d.log.Info("demo world stocked", "cartridges", len(demoWorld()), "state_dir", d.cfg.StateDir)
	return nil
}
