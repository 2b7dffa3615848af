package facts

import (
	"context"
	"sort"
	"strings"
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

// View builds rotation's view of the world from the catalog: every
// cartridge with its state, place and the generations still on it.
func View(ctx context.Context, cfg *config.Config, cat *media.Catalog) (rotation.View, error) {
	v, _, err := ViewAndCartridges(ctx, cfg, cat)
	return v, err
}

// ViewAndCartridges is View, with the catalog's cartridges it was built
// from.
func ViewAndCartridges(ctx context.Context, cfg *config.Config, cat *media.Catalog) (rotation.View, []media.Cartridge, error) {
	v := rotation.View{Sites: cfg.RotationSites()}
	carts, err := cat.Cartridges(ctx, media.Filter{})
	if err != nil {
		return v, nil, err
	}
	var pools []string
	for _, p := range cfg.Pools {
		pools = append(pools, p.Name)
	}
	gens, err := cat.Generations(ctx, pools)
	if err != nil {
		return v, nil, err
	}
	byBarcode := map[string][]rotation.Generation{}
	for _, g := range gens {
		byBarcode[g.Barcode] = append(byBarcode[g.Barcode], rotation.Generation{
			ID: g.Generation, Time: g.Started.In(cfg.Location), Level: rotation.Level(g.Level),
			Status: rotation.Grade(g.Expected, g.Succeeded),
		})
	}
	manifests := map[string]media.Manifest{}
	if list, err := cat.Manifests(ctx, media.ManifestFilter{Active: true}); err == nil {
		for _, m := range list {
			manifests[m.ID] = m
		}
	}
	for _, c := range carts {
		rc := rotation.Cartridge{Barcode: c.Barcode, Pool: c.Pool, MediaType: c.MediaType, State: rotation.State(c.State),
			Location: rotationLocation(c.Location, manifests, cfg.Catalog.ManifestOverdue.D()), Generations: byBarcode[c.Barcode],
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

// PlannedRuns lists the runs the jobs' schedules plan between from and to,
// in time order.
func PlannedRuns(cfg *config.Config, from, to time.Time) []rotation.Run {
	var runs []rotation.Run
	for _, j := range cfg.Jobs {
		if j.Schedule == "" {
			continue
		}
		s, err := config.ParseSchedule(j.Schedule)
		if err != nil {
			continue
		}
		for t := s.Next(from.Add(-time.Second).In(cfg.Location)); !t.IsZero() && t.Before(to); t = s.Next(t) {
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

// Policy gathers what the catalog knows that the policy check uses:
// every cartridge (as rotation sees it) and the last restore drill of each
// system, with how it went when it did not pass.
func Policy(ctx context.Context, cfg *config.Config, cat *media.Catalog) (rotation.Facts, error) {
	view, err := View(ctx, cfg, cat)
	if err != nil {
		return rotation.Facts{}, err
	}
	drills, err := cat.LastDrills(ctx)
	if err != nil {
		return rotation.Facts{}, err
	}
	f := rotation.Facts{Catalog: true, Cartridges: view.Cartridges, DrillsTracked: true,
		Drills: map[string]time.Time{}, DrillProblems: map[string]string{}}
	for system, dr := range drills {
		f.Drills[system] = dr.At
		if dr.Result != "passed" {
			problem := dr.Result
			if dr.Note != "" {
				problem += " (" + dr.Note + ")"
			}
			f.DrillProblems[system] = problem
		}
	}
	// Encrypted generations still held on a cartridge.
	held := map[[2]string]bool{}
	for _, c := range view.Cartridges {
		for _, g := range c.Generations {
			held[[2]string{c.Pool, g.ID}] = true
		}
	}
	seen := map[string]bool{}
	for _, pc := range cfg.Pools {
		runs, err := cat.Runs(ctx, media.RunFilter{Pool: pc.Name, State: media.RunSucceeded, Limit: 1000})
		if err != nil {
			return rotation.Facts{}, err
		}
		for _, r := range runs {
			key := r.Pool + "\x00" + r.Generation + "\x00" + strings.Join(r.Recipients, ",")
			if r.Encryption == "" || seen[key] || !held[[2]string{r.Pool, r.Generation}] {
				continue
			}
			seen[key] = true
			f.Encrypted = append(f.Encrypted, rotation.EncryptedGeneration{Pool: r.Pool, Generation: r.Generation, Recipients: r.Recipients})
		}
	}
	return f, nil
}
