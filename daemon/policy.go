package daemon

import (
	"context"
	"sort"
	"time"

	"github.com/tapewarden/tapewarden/media"
	"github.com/tapewarden/tapewarden/rotation"

	"github.com/tapewarden/tapewarden/daemon/config"
)

// rotationLocation maps a catalog location; a manifest in transit adds its
// destination and when it is due.
func rotationLocation(l media.Location, manifests map[string]media.Manifest, overdue time.Duration) rotation.Location {
	rl := rotation.Location{Kind: rotation.PlaceKind(l.Kind), Site: l.Site, Place: l.Place, Slot: l.Slot}
	if l.Kind == media.InTransit {
		if m, ok := manifests[l.Place]; ok {
			rl.To = m.Destination
			if !m.PickedUpAt.IsZero() {
				rl.Due = m.PickedUpAt.Add(overdue)
			}
		}
	}
	return rl
}

// view builds rotation's view of the world from the catalog: every
// cartridge with its state, place and the generations still on it.
func (d *Daemon) view(ctx context.Context) (rotation.View, error) {
	v, _, err := d.viewAndCartridges(ctx)
	return v, err
}

// viewAndCartridges is view, with the catalog's cartridges it was built
// from.
func (d *Daemon) viewAndCartridges(ctx context.Context) (rotation.View, []media.Cartridge, error) {
	v := rotation.View{Sites: d.cfg.RotationSites()}
	carts, err := d.cat.Cartridges(ctx, media.Filter{})
	if err != nil {
		return v, nil, err
	}
	var pools []string
	for _, p := range d.cfg.Pools {
		pools = append(pools, p.Name)
	}
	gens, err := d.cat.Generations(ctx, pools)
	if err != nil {
		return v, nil, err
	}
	byBarcode := map[string][]rotation.Generation{}
	for _, g := range gens {
		byBarcode[g.Barcode] = append(byBarcode[g.Barcode], rotation.Generation{
			ID: g.Generation, Time: g.Started.In(d.cfg.Location), Level: rotation.Level(g.Level),
			Status: rotation.Grade(g.Expected, g.Succeeded),
		})
	}
	manifests := map[string]media.Manifest{}
	if list, err := d.cat.Manifests(ctx, media.ManifestFilter{Active: true}); err == nil {
		for _, m := range list {
			manifests[m.ID] = m
		}
	}
	for _, c := range carts {
		rc := rotation.Cartridge{Barcode: c.Barcode, Pool: c.Pool, MediaType: c.MediaType, State: rotation.State(c.State),
			Location: rotationLocation(c.Location, manifests, d.cfg.Catalog.ManifestOverdue.D()), Generations: byBarcode[c.Barcode],
			Errors: int(c.Errors)}
		if c.MissingSince() {
			// A cartridge the library could not find cannot be loaded.
			rc.State = rotation.StateLost
		}
		if c.UsesLeft != nil {
			rc.UsesLeft = *c.UsesLeft
			if rc.UsesLeft <= 0 {
				rc.UsesLeft = 0
			}
		}
		v.Cartridges = append(v.Cartridges, rc)
	}
	return v, carts, nil
}

// plannedRuns lists the runs the jobs' schedules plan between from and to,
// in time order.
func (d *Daemon) plannedRuns(from, to time.Time) []rotation.Run {
	var runs []rotation.Run
	for _, j := range d.cfg.Jobs {
		if j.Schedule == "" {
			continue
		}
		s, err := config.ParseSchedule(j.Schedule)
		if err != nil {
			continue
		}
		for t := s.Next(from.Add(-time.Second).In(d.cfg.Location)); !t.IsZero() && t.Before(to); t = s.Next(t) {
			runs = append(runs, rotation.Run{Job: j.Name, Pool: j.Pool, Time: t})
		}
	}
	sort.SliceStable(runs, func(i, k int) bool {
		if !runs[i].Time.Equal(runs[k].Time) {
			return runs[i].Time.Before(runs[k].Time)
		}
		return runs[i].Job < runs[k].Job
	})
	return runs
}
