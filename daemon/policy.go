package daemon

import (
	"context"
	"sort"
	"time"

	"github.com/tapewarden/tapewarden/media"
	"github.com/tapewarden/tapewarden/rotation"
)

// rotationPools maps the configured pools to rotation's type.
func (c *Config) rotationPools() []rotation.Pool {
	out := make([]rotation.Pool, 0, len(c.Pools))
	for _, p := range c.Pools {
		out = append(out, c.rotationPool(p))
	}
	return out
}

// rotationPoolByName returns one pool mapped for rotation.
func (c *Config) rotationPoolByName(name string) (rotation.Pool, bool) {
	for _, p := range c.Pools {
		if p.Name == name {
			return c.rotationPool(p), true
		}
	}
	return rotation.Pool{}, false
}

func (c *Config) rotationSites() []rotation.Site {
	out := make([]rotation.Site, 0, len(c.Sites))
	for _, s := range c.Sites {
		out = append(out, rotation.Site{Name: s.Name, Kind: rotation.SiteKind(s.Kind), DistanceKM: s.DistanceKM, Hazards: s.Hazards})
	}
	return out
}

// rotationConfig is the configuration as the policy check sees it.
func (c *Config) rotationConfig() rotation.Config {
	rc := rotation.Config{Sites: c.rotationSites(), Pools: c.rotationPools()}
	for _, d := range c.Drives {
		rc.Drives = append(rc.Drives, rotation.Drive{Name: d.Name, Type: d.MediaType, Cleaning: d.Cleaning})
	}
	for _, s := range c.Systems {
		rc.Systems = append(rc.Systems, rotation.System{Name: s.Name, Manager: s.Manager, Importance: s.Importance,
			Availability: s.Availability, UpdatesPerWeek: s.UpdatesPerWeek, RestorePriority: s.RestorePriority,
			VendorContact: s.VendorContact, RestoreProcedure: s.RestoreProcedure})
	}
	for _, j := range c.Jobs {
		rc.Jobs = append(rc.Jobs, rotation.Job{Name: j.Name, System: j.System, Pool: j.Pool})
	}
	return rc
}

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
	v := rotation.View{Sites: d.cfg.rotationSites()}
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
		s, err := parseSchedule(j.Schedule)
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
