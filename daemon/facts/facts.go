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
	gens, err := cat.Generations(ctx, PoolNames(cfg))
	if err != nil {
		return v, nil, err
	}
	var active []media.Manifest
	if list, err := cat.Manifests(ctx, media.ManifestFilter{Active: true}); err == nil {
		active = list
	}
	m := newMapping(cfg, gens, active)
	for _, c := range carts {
		v.Cartridges = append(v.Cartridges, m.cartridge(c))
	}
	return v, carts, nil
}

// PoolNames are the configured pools' names: the pools whose generations
// rotation's view shows.
func PoolNames(cfg *config.Config) []string {
	var pools []string
	for _, p := range cfg.Pools {
		pools = append(pools, p.Name)
	}
	return pools
}

// ScrapeView builds, from what a metrics scrape read (s, asked with
// PoolNames for its pools), the part of rotation's view that the offsite
// status and the cleaning judgement depend on: the cleaning cartridges and
// the cartridges holding a generation of a pool, each mapped exactly as
// View maps it. Cartridges that hold nothing of a pool change neither, so
// the figures judged on it are those judged on the whole view.
func ScrapeView(cfg *config.Config, s media.Scrape) rotation.View {
	v := rotation.View{Sites: cfg.RotationSites()}
	m := newMapping(cfg, s.Generations, s.Manifests)
	seen := make(map[string]bool, len(s.Cleaners)+len(s.Holding))
	add := func(list []media.Cartridge) {
		for _, c := range list {
			if seen[c.Barcode] {
				continue
			}
			seen[c.Barcode] = true
			v.Cartridges = append(v.Cartridges, m.cartridge(c))
		}
	}
	add(s.Cleaners)
	add(s.Holding)
	sort.SliceStable(v.Cartridges, func(i, j int) bool { return v.Cartridges[i].Barcode < v.Cartridges[j].Barcode })
	return v
}

// mapping turns catalog cartridges into rotation's: the generations still
// on each and where the active manifests take those in transit.
type mapping struct {
	cfg       *config.Config
	byBarcode map[string][]rotation.Generation
	manifests map[string]media.Manifest
}

func newMapping(cfg *config.Config, gens []media.CartridgeGeneration, active []media.Manifest) mapping {
	m := mapping{cfg: cfg, byBarcode: map[string][]rotation.Generation{}, manifests: map[string]media.Manifest{}}
	for _, g := range gens {
		m.byBarcode[g.Barcode] = append(m.byBarcode[g.Barcode], rotation.Generation{
			ID: g.Generation, Time: g.Started.In(cfg.Location), Level: rotation.Level(g.Level),
			Status: rotation.Grade(g.Expected, g.Succeeded),
		})
	}
	for _, man := range active {
		m.manifests[man.ID] = man
	}
	return m
}

// cartridge is c as rotation sees it.
func (m mapping) cartridge(c media.Cartridge) rotation.Cartridge {
	rc := rotation.Cartridge{Barcode: c.Barcode, Pool: c.Pool, MediaType: c.MediaType, State: rotation.State(c.State),
		Location: rotationLocation(c.Location, m.manifests, m.cfg.Catalog.ManifestOverdue.D()), Generations: m.byBarcode[c.Barcode],
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
	return rc
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
	// Whose data each cartridge holds, and which of it in the clear.
	held, err := cat.HeldSystems(ctx, nil)
	if err != nil {
		return rotation.Facts{}, err
	}
	plain, err := cat.HeldUnencrypted(ctx, nil)
	if err != nil {
		return rotation.Facts{}, err
	}
	for i := range f.Cartridges {
		f.Cartridges[i].Systems = held[f.Cartridges[i].Barcode]
		f.Cartridges[i].Unencrypted = plain[f.Cartridges[i].Barcode]
	}
	active, err := cat.Manifests(ctx, media.ManifestFilter{Active: true})
	if err != nil {
		return rotation.Facts{}, err
	}
	for _, m := range active {
		rm := rotation.Manifest{ID: m.ID, State: string(m.State), Destination: m.Destination}
		for _, it := range m.Items {
			rm.Barcodes = append(rm.Barcodes, it.Barcode)
		}
		f.Manifests = append(f.Manifests, rm)
	}
	// Encrypted generations still held on a cartridge.
	kept := map[[2]string]bool{}
	for _, c := range view.Cartridges {
		for _, g := range c.Generations {
			kept[[2]string{c.Pool, g.ID}] = true
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
			if r.Encryption == "" || seen[key] || !kept[[2]string{r.Pool, r.Generation}] {
				continue
			}
			seen[key] = true
			f.Encrypted = append(f.Encrypted, rotation.EncryptedGeneration{Pool: r.Pool, Generation: r.Generation, Recipients: r.Recipients})
		}
	}
	return f, nil
}
