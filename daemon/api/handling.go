package api

import (
	"context"

	"github.com/tapewarden/tapewarden/media"
)

// classify fills in each cartridge's handling classes: the highest
// confidentiality and integrity class of the systems whose data is still
// on it, from the systems inventory.
func (d *Server) classify(ctx context.Context, list []media.Cartridge) error {
	var barcodes []string // nil: ask about every cartridge at once
	if len(list) <= 500 {
		barcodes = make([]string, 0, len(list))
		for _, c := range list {
			barcodes = append(barcodes, c.Barcode)
		}
	}
	held, err := d.cat.HeldSystems(ctx, barcodes)
	if err != nil {
		return err
	}
	for i := range list {
		list[i].Confidentiality, list[i].Integrity = d.cfg.HandlingClass(held[list[i].Barcode])
	}
	return nil
}

// classes are the handling classes of the barcodes given.
func (d *Server) classes(ctx context.Context, barcodes []string) (map[string]media.Handling, error) {
	if len(barcodes) > 500 {
		barcodes = nil // ask about every cartridge at once
	}
	return d.cat.HandlingClasses(ctx, barcodes, d.cfg.HandlingClass)
}

// classifyManifests fills in the handling class of each cartridge the
// manifests list.
func (d *Server) classifyManifests(ctx context.Context, list []media.Manifest) error {
	var barcodes []string
	for _, m := range list {
		for _, it := range m.Items {
			barcodes = append(barcodes, it.Barcode)
		}
	}
	if len(barcodes) == 0 {
		return nil
	}
	classes, err := d.classes(ctx, barcodes)
	if err != nil {
		return err
	}
	for i := range list {
		for j := range list[i].Items {
			list[i].Items[j].Handling = classes[list[i].Items[j].Barcode]
		}
	}
	return nil
}

// classifiedManifest answers a manifest with its cartridges' handling
// classes, or the error that came with it.
func (d *Server) classifiedManifest(ctx context.Context, m media.Manifest, err error) (any, error) {
	if err != nil {
		return m, err
	}
	one := []media.Manifest{m}
	if err := d.classifyManifests(ctx, one); err != nil {
		return nil, err
	}
	return one[0], nil
}

// classifyPrompts fills in the handling class of each prompt's cartridge.
func (d *Server) classifyPrompts(ctx context.Context, list []media.Prompt) error {
	var barcodes []string
	for _, p := range list {
		if p.Barcode != "" {
			barcodes = append(barcodes, p.Barcode)
		}
	}
	if len(barcodes) == 0 {
		return nil
	}
	classes, err := d.classes(ctx, barcodes)
	if err != nil {
		return err
	}
	for i := range list {
		list[i].Handling = classes[list[i].Barcode]
	}
	return nil
}
