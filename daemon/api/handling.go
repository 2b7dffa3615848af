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

// classifiedManifest answers a manifest with its cartridges' handling
// classes, or the error that came with it.
func (d *Server) classifiedManifest(ctx context.Context, m media.Manifest, err error) (any, error) {
	if err != nil {
		return m, err
	}
	one := []media.Manifest{m}
	if err := d.report.ClassifyManifests(ctx, one); err != nil {
		return nil, err
	}
	return one[0], nil
}
