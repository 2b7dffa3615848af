package engine

import (
	"context"
	"fmt"

	"github.com/tapewarden/tapewarden/media"
)

// demoCourier is who carries the demo's cartridges offsite.
var demoCourier = media.Actor{Name: "demo-courier", Role: "courier"}

// PrepareSiteLossDemo readies the demo world for a site-loss drill: it
// runs the demo's jobs whose pools go offsite (the library writes them;
// the DAT drive's job needs a person and its cartridges never leave the
// machine room), then records each cartridge holding data at its pool's
// offsite site, as if the courier had taken it there.
func (d *Engine) PrepareSiteLossDemo(ctx context.Context) error {
	if !d.cfg.Demo {
		return invalid("the site-loss demo runs on the demo world only ('tapewarden drill site-loss --demo')")
	}
	for _, j := range d.cfg.Jobs {
		p := d.cfg.Pool(j.Pool)
		if p == nil || p.Offsite == nil {
			continue
		}
		r, err := d.StartRun(ctx, j.Name, "site-loss demo", d.now())
		if err == nil {
			r, err = d.WaitRun(ctx, r.ID)
		}
		if err != nil {
			return fmt.Errorf("run %s for the demo: %w", j.Name, err)
		}
		if r.State != media.RunSucceeded {
			return fmt.Errorf("run %s for the demo %s: %s", j.Name, r.State, r.Reason)
		}
	}
	carts, err := d.cat.Cartridges(ctx, media.Filter{State: media.Active})
	if err != nil {
		return err
	}
	for _, c := range carts {
		p := d.cfg.Pool(c.Pool)
		if p == nil || p.Offsite == nil {
			continue
		}
		site := d.cfg.Site(p.Offsite.Site)
		if site == nil || len(site.Places) == 0 || c.Location.Site == site.Name {
			continue
		}
		to := media.Storage(site.Name, site.Places[0].Name)
		if _, err := d.cat.Move(ctx, demoCourier, c.Barcode, to, media.MoveOptions{Force: true, Reason: "demo: taken offsite for the site-loss drill"}); err != nil {
			return fmt.Errorf("take %s offsite for the demo: %w", c.Barcode, err)
		}
	}
	return nil
}
