package report

import (
	"context"
	"slices"

	"github.com/tapewarden/tapewarden/media"
)

// classes are the handling classes of the barcodes given, from the
// systems whose data each still holds (nil: every cartridge).
func (pg *Pages) classes(ctx context.Context, barcodes []string) (map[string]media.Handling, error) {
	if len(barcodes) > 500 {
		barcodes = nil
	}
	return pg.cat.HandlingClasses(ctx, barcodes, pg.cfg.HandlingClass)
}

// classifyEach looks up the handling classes of the barcodes and gives
// them to apply; with no barcodes it asks nothing.
func (pg *Pages) classifyEach(ctx context.Context, barcodes []string, apply func(classes map[string]media.Handling)) error {
	if len(barcodes) == 0 {
		return nil
	}
	classes, err := pg.classes(ctx, barcodes)
	if err != nil {
		return err
	}
	apply(classes)
	return nil
}

// classifyPlan fills in the handling class of each cartridge the plan
// sends or recalls.
func (pg *Pages) classifyPlan(ctx context.Context, p *CourierPlan) error {
	var barcodes []string
	for _, m := range p.Moves() {
		barcodes = append(barcodes, m.Barcode)
	}
	return pg.classifyEach(ctx, barcodes, func(classes map[string]media.Handling) {
		for i := range p.Pools {
			for _, list := range [][]CourierMove{p.Pools[i].Sends, p.Pools[i].Recalls} {
				for j := range list {
					list[j].Handling = classes[list[j].Barcode]
				}
			}
		}
	})
}

// ClassifyManifests fills in the handling class of each cartridge the
// manifests list.
func (pg *Pages) ClassifyManifests(ctx context.Context, list []media.Manifest) error {
	var barcodes []string
	for _, m := range list {
		for _, it := range m.Items {
			barcodes = append(barcodes, it.Barcode)
		}
	}
	return pg.classifyEach(ctx, barcodes, func(classes map[string]media.Handling) {
		for i := range list {
			for j := range list[i].Items {
				list[i].Items[j].Handling = classes[list[i].Items[j].Barcode]
			}
		}
	})
}

// classifyRuns fills in the handling class each run's cartridge has once
// written: its job's system's class, with that of the data it keeps when
// the run appends (what is on it now, and what the day's earlier runs put
// on it). The runs are in time order.
func (pg *Pages) classifyRuns(ctx context.Context, runs []SwapRun) error {
	var barcodes []string
	for _, r := range runs {
		if r.Barcode != "" && r.Append {
			barcodes = append(barcodes, r.Barcode)
		}
	}
	held := map[string][]string{}
	if len(barcodes) > 0 {
		var err error
		if held, err = pg.cat.HeldSystems(ctx, barcodes); err != nil {
			return err
		}
	}
	for i, r := range runs {
		if r.Barcode == "" || r.Problem != nil {
			continue
		}
		var systems []string
		if r.Append {
			systems = held[r.Barcode]
		}
		if j := pg.cfg.Job(r.Job); j != nil && j.System != "" {
			systems = append(slices.Clip(systems), j.System)
		}
		held[r.Barcode] = systems
		runs[i].Confidentiality, runs[i].Integrity = pg.cfg.HandlingClass(systems)
	}
	return nil
}

// ClassifyPrompts fills in the handling class of each prompt's cartridge.
func (pg *Pages) ClassifyPrompts(ctx context.Context, list []media.Prompt) error {
	var barcodes []string
	for _, p := range list {
		if p.Barcode != "" {
			barcodes = append(barcodes, p.Barcode)
		}
	}
	return pg.classifyEach(ctx, barcodes, func(classes map[string]media.Handling) {
		for i := range list {
			list[i].Handling = classes[list[i].Barcode]
		}
	})
}
