package engine

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/tapewarden/tapewarden/drives"
	"github.com/tapewarden/tapewarden/media"

	"github.com/tapewarden/tapewarden/daemon/config"
)

// demoCartridge is one cartridge of the demonstration's virtual world.
type demoCartridge struct {
	barcode, mediaType, pool string
	at                       media.Location
	uses                     int  // cleaning cartridges
	blank                    bool // new, never labelled
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
		// DAT001 is new and blank: its first use asks a person to confirm
		// its sticker so that it can be labelled.
		w = append(w, demoCartridge{barcode: fmt.Sprintf("DAT%03d", i), mediaType: "DAT160", pool: "dat", at: media.Storage("honcho", "shelf"), blank: i == 1})
	}
	w = append(w, demoCartridge{barcode: "CLNDAT01", mediaType: "DDS-CLN", at: media.Storage("honcho", "shelf"), uses: 20})
	return w
}

// seedDemo stocks the demo's virtual world and catalog on its first start:
// labelled cartridge images in the virtual library and on the virtual
// shelf, each in the catalog where it physically is.
func (d *Engine) seedDemo(ctx context.Context) error {
	if err := d.writeDemoData(); err != nil {
		return err
	}
	existing, err := d.cat.Cartridges(ctx, media.Filter{Limit: 1})
	if err != nil || len(existing) > 0 {
		return err
	}
	// The stock arrived the day before yesterday, before yesterday's runs
	// wrote on it, so that each cartridge's history reads in order.
	if oc, ok := d.clock.(*offsetClock); ok {
		oc.set(-48 * time.Hour)
		defer oc.set(0)
	}
	if err := os.MkdirAll(d.worldDir(), 0o750); err != nil {
		return err
	}
	lib := d.dev.libs["lib0"]
	setup := media.Actor{Name: "demo setup", Role: "system"}
	for _, c := range demoWorld() {
		spec := drives.CartridgeSpec{Barcode: c.barcode, MediaType: c.mediaType, CleaningUses: c.uses}
		var label *drives.Label
		if c.pool != "" && !c.blank {
			l, err := drives.NewLabel(c.barcode, c.pool, c.mediaType, config.Version, d.now())
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
		if label != nil {
			if err := d.cat.SetLabelUUID(ctx, c.barcode, label.UUID); err != nil {
				return err
			}
		}
	}
	// Yesterday's nightly backups, so that today's offsite plan has a
	// generation to send to the annex.
	if oc, ok := d.clock.(*offsetClock); ok {
		oc.set(-24 * time.Hour)
		for _, job := range []string{"juki-daily", "koseki-daily"} {
			r, err := d.StartRun(ctx, job, "demo history", time.Time{})
			if err == nil {
				r, err = d.WaitRun(ctx, r.ID)
			}
			if err != nil || r.State != media.RunSucceeded {
				oc.set(0)
				return fmt.Errorf("write yesterday's %s: %v %s", job, err, r.Reason)
			}
		}
		oc.set(0)
	}
	d.log.Info("demo world stocked", "cartridges", len(demoWorld()), "state_dir", d.cfg.StateDir)
	return nil
}

// writeDemoData creates the small data sets the demo's jobs back up.
func (d *Engine) writeDemoData() error {
	base := filepath.Join(d.cfg.StateDir, "demo-data")
	// Where operators may restore to must exist to be restored into.
	for _, dir := range d.cfg.API.RestoreDirs {
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return err
		}
	}
	files := map[string]string{
		"juki/residents.csv":           "id,name,address\n1,Sato Hanako,1-1 Minato-cho\n2,Suzuki Taro,2-3 Minato-cho\n",
		"juki/households.csv":          "household,head\n100,Sato Hanako\n",
		"juki/archive/2025.csv":        "id,event\n1,moved in\n",
		"koseki/register.csv":          "register,head\nK-1,Sato\n",
		"koseki/changes.csv":           "register,change\nK-1,birth\n",
		"zeimu/assessments.csv":        "taxpayer,amount\n1,120000\n",
		"website/index.html":           "<html><body><h1>Minato-cho</h1><p>Shelter information</p></body></html>\n",
		"website/notices/typhoon.html": "<p>Evacuation centres are open.</p>\n",
	}
	for name, content := range files {
		p := filepath.Join(base, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o750); err != nil {
			return err
		}
		if _, err := os.Stat(p); err == nil {
			continue
		}
		if err := os.WriteFile(p, []byte(content), 0o640); err != nil {
			return err
		}
	}
	// Some bulk, so that streaming shows in the metrics.
	bulk := filepath.Join(base, "juki", "images.bin")
	if _, err := os.Stat(bulk); err != nil {
		f, err := os.Create(bulk)
		if err != nil {
			return err
		}
		buf := make([]byte, 1<<20)
		for i := range buf {
			buf[i] = byte(i * 31)
		}
		for range 8 {
			if _, err := f.Write(buf); err != nil {
				_ = f.Close() // the write error is the one returned
				return err
			}
		}
		if err := f.Close(); err != nil {
			return err
		}
	}
	return nil
}
